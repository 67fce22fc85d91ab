// Weekends by country from CLDR week data, through ICU.
#include <unicode/calendar.h>
#include <unicode/locid.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "core/calendar/calendar.hpp"

namespace cadent::calendar {
namespace {

constexpr uint16_t kComputed = 0x100;  // cache entry is valid; low 7 bits are the set

WeekdaySet SaturdaySunday() {
  WeekdaySet set;
  set.set(0);
  set.set(6);
  return set;
}

WeekdaySet FromIcu(const char* country) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> cal(
      icu::Calendar::createInstance(icu::Locale("und", country), status));
  if (U_FAILURE(status) || cal == nullptr) return SaturdaySunday();
  WeekdaySet set;
  for (int day = UCAL_SUNDAY; day <= UCAL_SATURDAY; ++day) {
    const auto ucal_day = static_cast<UCalendarDaysOfWeek>(day);
    const UCalendarWeekdayType type = cal->getDayOfWeekType(ucal_day, status);
    if (U_FAILURE(status)) return SaturdaySunday();
    bool weekend = type == UCAL_WEEKEND;
    // A weekend that starts or ends during a day counts the day as a weekend day only when
    // it covers the whole day (CLDR's weekData has no times today; ICU reports 0 / 24 h).
    if (type == UCAL_WEEKEND_ONSET) {
      weekend = cal->getWeekendTransition(ucal_day, status) == 0;
    } else if (type == UCAL_WEEKEND_CEASE) {
      weekend = cal->getWeekendTransition(ucal_day, status) >= 86'400'000;
    }
    if (weekend) set.set(static_cast<size_t>(day - UCAL_SUNDAY));  // c_encoding
  }
  return set;
}

}  // namespace

WeekdaySet WeekendOf(std::string_view country) {
  auto letter = [](char c) -> int {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= 'A' && c <= 'Z') return c - 'A';
    return -1;
  };
  if (country.size() != 2 || letter(country[0]) < 0 || letter(country[1]) < 0) {
    return SaturdaySunday();
  }
  // One entry per two-letter code; a race computes the same value twice, harmlessly.
  static std::array<std::atomic<uint16_t>, 26 * 26> cache{};
  const int index = letter(country[0]) * 26 + letter(country[1]);
  std::atomic<uint16_t>& entry = cache[static_cast<size_t>(index)];
  uint16_t value = entry.load(std::memory_order_relaxed);
  if ((value & kComputed) == 0) {
    const char code[3] = {static_cast<char>('A' + index / 26), static_cast<char>('A' + index % 26),
                          '\0'};
    value = static_cast<uint16_t>(FromIcu(code).to_ulong() | kComputed);
    entry.store(value, std::memory_order_relaxed);
  }
  return WeekdaySet(value & 0x7F);
}

}  // namespace cadent::calendar
