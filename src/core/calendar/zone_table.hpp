// Internal to core/calendar: a per-zone table of UTC offsets, so that converting between
// local time and instants in the hot path (NextAllowed) is a binary search over a few hundred
// integers instead of a date/tz lookup (which copies a sys_info with its abbreviation string).
#pragma once

#include <cstdint>
#include <vector>

#include "core/calendar/calendar.hpp"
#include "date/tz.h"

namespace cadent::calendar::internal {

// The offsets of one zone over [1970, 2100) as date/tz reports them, adjacent periods with
// the same offset merged. Immutable once built; shared by all threads.
class ZoneTable {
 public:
  // The table of `zone` (built on first use, thread-safe), or nullptr when the zone is not
  // in date::get_tzdb() or its periods are too irregular for the fast path (the callers
  // then use date/tz directly).
  static const ZoneTable* For(const date::time_zone* zone);

  explicit ZoneTable(const date::time_zone& zone);
  bool usable() const { return usable_; }

  // Seconds since the epoch. Each returns false when `t` is outside the table.
  bool OffsetAtSys(int64_t sys_s, int64_t* offset_s) const;
  // Local seconds -> sys seconds with the DST rule: a non-existent local time maps to the
  // transition at the end of the gap (the first valid instant after it); a repeated one to
  // its first occurrence. *exact is false in the gap case.
  bool LocalToSys(int64_t local_s, int64_t* sys_s, bool* exact) const;

  const std::vector<int64_t>& begins() const { return begin_; }
  const std::vector<int32_t>& offsets() const { return offset_; }

 private:
  std::vector<int64_t> begin_;        // sys seconds where period i begins
  std::vector<int32_t> offset_;       // UTC offset of period i, seconds
  std::vector<int64_t> local_begin_;  // begin_[i] + offset_[i], strictly increasing
  int64_t end_ = 0;                   // sys seconds where the last period ends
  bool usable_ = false;
};

// Local <-> sys seconds through the table when possible, else through date/tz; same rule.
int64_t OffsetAt(const date::time_zone& zone, const ZoneTable* table, int64_t sys_s);
int64_t LocalToSys(const date::time_zone& zone, const ZoneTable* table, int64_t local_s,
                   bool* exact);

// The reason a closed day (status != kOpen) is skipped, as NextAllowed words it.
Reason ExplainClosedDay(const RecipientCalendar& calendar, int64_t day_number, DayStatus status,
                        const Holiday* holiday);

// Floor division for negative times.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace cadent::calendar::internal
