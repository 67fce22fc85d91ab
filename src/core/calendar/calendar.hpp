// The send calendar: where a recipient is, and when a message may go to them. Pure (no I/O:
// the holiday data is compiled in), driven by instants the caller passes, never by a clock.
//
// Civil (local) times and instants are different types: LocalMinutes is a wall-clock reading
// in some zone; cadent::Instant is a point on the UTC line. One becomes the other only through
// a date::time_zone, with the DST rule documented in docs/CALENDAR.md:
//  - a local time that does not exist that day (spring forward) means the first valid minute
//    after it;
//  - a local time that occurs twice (fall back) counts once: its first occurrence.
#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/embedded_file.hpp"
#include "core/common/result.hpp"
#include "date/tz.h"

namespace cadent::calendar {

using LocalMinutes = date::local_time<std::chrono::minutes>;
using LocalDays = date::local_days;

// Weekdays as a set, indexed by date::weekday::c_encoding() (0 = Sunday ... 6 = Saturday).
using WeekdaySet = std::bitset<7>;

// ---------------------------------------------------------------------------------------
// Zone resolution

// Which rule decided a recipient's zone, recorded for `cadent explain`.
// Where a recipient's zone came from. kSender: the campaign evaluates windows in its
// sender's zone (CalendarOptions::ZoneChoice::kSender), not the recipient's.
enum class ZoneSource { kContact, kPhone, kCountry, kCampaignDefault, kSender };
std::string_view ToString(ZoneSource source);

struct ResolvedZone {
  const date::time_zone* zone = nullptr;  // never null on success
  ZoneSource source = ZoneSource::kCampaignDefault;
};

// The contact's IANA zone if set and known; else the zone of its E.164 phone number's region
// when that region has one civil time (Debian's libphonenumber 8.12 has no time-zone mapper,
// so the number gives its region, then SingleZoneOfCountry); else the country's zone when the
// country has one civil time; else campaign_default. Errors (kInvalidArgument) only when
// campaign_default is not a known zone name. Not the hot path: once per contact; the first
// call reads tzdata's zone.tab. Thread-safe.
Result<ResolvedZone> ResolveZone(std::string_view contact_zone, std::string_view phone_e164,
                                 std::string_view country, std::string_view campaign_default);

// The zone of a country with one civil time (tzdata's zone.tab lists one zone for it, or
// several that keep the same time from 2024 to 2035, as DE's Berlin and Busingen), else
// nullptr. zone.tab is read once, on first use. Case-insensitive.
const date::time_zone* SingleZoneOfCountry(std::string_view country);

// ---------------------------------------------------------------------------------------
// Weekends and holidays

// The country's weekend per CLDR (ICU's Calendar::getDayOfWeekType): {Sat, Sun} for US,
// {Fri, Sat} for SA, {Sat, Sun} for AE (since 2022), {Fri} for IR. Unknown or empty
// country: Sat/Sun. Cached; thread-safe.
WeekdaySet WeekendOf(std::string_view country);

enum class HolidayType : uint8_t { kPublic, kBank };

struct Holiday {
  date::year_month_day day;
  std::string_view name;  // "Eid al-Fitr"; points into compiled-in data
  HolidayType type = HolidayType::kPublic;
};

// The compiled-in public holidays (data/holidays/<CC>.tsv), 2024-2035.
class HolidayData {
 public:
  // The process-wide instance, parsed once from the embedded files on first use.
  static const HolidayData& Builtin();

  // Countries covered (ISO 3166-1 alpha-2), sorted.
  std::span<const std::string> Countries() const;
  bool Covers(std::string_view country) const;
  // The holiday on `day` in `country`, or nullptr. kBank days are included unless
  // public_only.
  const Holiday* Find(std::string_view country, date::year_month_day day,
                      bool public_only = false) const;
  // All holidays of a country in [from, to], in date order.
  std::vector<Holiday> Between(std::string_view country, date::year_month_day from,
                               date::year_month_day to) const;

  // Parses holiday files (`<CC>.tsv`, the format of data/holidays/README.md). Names point
  // into the files' contents, which must outlive the result. Errors name file and line.
  static Result<HolidayData> Parse(std::span<const EmbeddedFile> files);

  // The fast path NextAllowed uses: a country's index (no allocation, no string compare;
  // case-insensitive two-letter code), or -1 when not covered.
  int CountryIndex(std::string_view country) const;
  // Whether `day` is a holiday in the country of CountryIndex `index` (>= 0). O(1).
  bool IsHoliday(int index, date::sys_days day, bool public_only) const;
  // The holiday of `day` in that country, or nullptr.
  const Holiday* FindByIndex(int index, date::sys_days day) const;
  // Number of holidays (rows) per type in [from_year, to_year], for the coverage table.
  struct Coverage {
    std::string country;
    int first_year = 0;
    int last_year = 0;
    int public_days = 0;
    int bank_days = 0;
  };
  std::vector<Coverage> CoverageTable() const;

 private:
  struct CountryDays {
    std::vector<Holiday> holidays;      // date order, one per date
    int32_t first_day = 0;              // sys_days count of the first bit
    std::vector<uint64_t> any_bits;     // bit (day - first_day): any holiday
    std::vector<uint64_t> public_bits;  // bit (day - first_day): a public holiday
  };
  std::vector<std::string> countries_;    // sorted
  std::vector<CountryDays> days_;         // parallel to countries_
  std::array<int16_t, 26 * 26> index_{};  // "AA".."ZZ" -> index into countries_, or -1
};

// ---------------------------------------------------------------------------------------
// Send windows

// Minutes since local midnight, [begin, end). end may be 24:00 (1440).
struct TimeRange {
  std::chrono::minutes begin{0};
  std::chrono::minutes end{0};
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// Allowed local time ranges for each weekday (index = c_encoding, 0 = Sunday). A weekday
// with no ranges is closed.
struct SendWindow {
  std::array<std::vector<TimeRange>, 7> by_weekday;

  // "Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00". Days: Mon..Sun (case-insensitive),
  // ranges "A-B" or single days, separated by ','; times HH:MM, 24:00 allowed as an end.
  // Errors name the offending token and its column. Overlapping ranges are merged.
  static Result<SendWindow> Parse(std::string_view spec);
  std::string ToString() const;  // the canonical form of the spec; Parse(ToString()) == *this
  // Mon-Fri 09:00-17:00, the default for new campaigns.
  static SendWindow BusinessHours();
  friend bool operator==(const SendWindow&, const SendWindow&) = default;
};

// "08:30" for 510 minutes since midnight; "24:00" for 1440.
std::string FormatTimeOfDay(std::chrono::minutes since_midnight);

enum class WeekendPolicy { kCountry, kWindowOnly };  // kWindowOnly: the window's days decide
enum class HolidayPolicy { kRecipientCountry, kFixedCountry, kNone };

// Everything about one recipient that decides when a message may go. Cheap to copy: it
// holds pointers into long-lived data (the zone database, HolidayData, the campaign's
// window and blackout list), which must outlive it.
struct RecipientCalendar {
  const date::time_zone* zone = nullptr;  // where the window is evaluated
  const SendWindow* window = nullptr;     // never null
  WeekdaySet weekend;                     // closed days (empty with kWindowOnly)
  std::string holiday_country;            // "" = no holidays
  bool public_holidays_only = false;
  const HolidayData* holidays = nullptr;                 // null = no holidays
  std::span<const date::year_month_day> blackout_dates;  // workspace blackouts, sorted
};

// Campaign-level options a RecipientCalendar is built from.
struct CalendarOptions {
  SendWindow window = SendWindow::BusinessHours();
  enum class ZoneChoice { kRecipient, kSender } zone_choice = ZoneChoice::kRecipient;
  WeekendPolicy weekend = WeekendPolicy::kCountry;
  HolidayPolicy holidays = HolidayPolicy::kRecipientCountry;
  std::string fixed_holiday_country;  // with kFixedCountry
  bool public_holidays_only = false;
  std::vector<date::year_month_day> blackout_dates;  // sorted, unique
};

// Builds the calendar for a recipient in `zone` whose country is `country` ("" if unknown),
// under `options` (which must outlive the result). With kSender the caller passes the
// sender's zone and country.
RecipientCalendar MakeRecipientCalendar(const CalendarOptions& options, const date::time_zone* zone,
                                        std::string_view country,
                                        const HolidayData& holidays = HolidayData::Builtin());
// The result points into `options`: a temporary would dangle.
RecipientCalendar MakeRecipientCalendar(
    CalendarOptions&& options, const date::time_zone* zone, std::string_view country,
    const HolidayData& holidays = HolidayData::Builtin()) = delete;

// ---------------------------------------------------------------------------------------
// Next allowed slot and step timing

// Why a send time moved later, in order of occurrence; shown by `cadent explain`.
struct Reason {
  enum class Kind { kOutsideHours, kWeekend, kHoliday, kBlackout, kClosedDay, kDstGap };
  Kind kind;
  date::year_month_day day;  // the local day concerned
  std::string detail;        // "holiday: Eid al-Fitr", "weekend: Friday", "before 09:00"
};
std::string_view ToString(Reason::Kind kind);

struct Slot {
  Instant at;                   // the earliest allowed instant >= the requested one
  std::vector<Reason> reasons;  // empty when the requested instant was allowed
};

// The earliest instant >= earliest that lies inside the window on a day that is not a
// weekend, holiday or blackout day in the recipient's zone. Searches at most 400 days
// ahead; kFailedPrecondition when nothing is open (e.g. an empty window). When reasons is
// false the vector stays empty (the fast path the scheduler uses).
Result<Slot> NextAllowed(Instant earliest, const RecipientCalendar& calendar, bool reasons = true);

// Whether `at` is inside an allowed slot (exactly: NextAllowed(at) == at).
bool IsAllowed(Instant at, const RecipientCalendar& calendar);

// Whether a local day is open for sending, and if not why, checked in this order: weekend,
// holiday, blackout, no window ranges that weekday. *holiday is set for kHoliday.
enum class DayStatus { kOpen, kWeekend, kHoliday, kBlackout, kClosedDay };
DayStatus StatusOfDay(LocalDays day, const RecipientCalendar& calendar,
                      const Holiday** holiday = nullptr);

// How far NextAllowed and business-day counting search before giving up.
inline constexpr int kSearchDays = 400;

// A step's delay: "3 days", "2 business days at 08:30", "90 minutes".
struct DelayRule {
  enum class Unit { kMinutes, kHours, kDays, kBusinessDays };
  int64_t amount = 0;
  Unit unit = Unit::kDays;
  std::optional<std::chrono::minutes> at_local_time;  // minutes since local midnight

  // "0", "90 minutes", "3 days", "2 business days at 08:30", "1 day at 9:00",
  // "4h", "30m", "2d", "3bd" (grammar in docs/CALENDAR.md). At most 400 days' worth, or 250
  // business days. Errors (kInvalidArgument) say what was expected, and the column.
  static Result<DelayRule> Parse(std::string_view text);
  std::string ToString() const;
  friend bool operator==(const DelayRule&, const DelayRule&) = default;
};

// When a step becomes due: `from` (the previous step's actual send, or enrollment) plus the
// delay (days count local calendar days in the recipient's zone; business days count only
// open days: not weekend, holiday, blackout, or a weekday without window ranges), at the
// local time of day if given (else `from`'s), never before `from`, then pushed to the next
// allowed slot. Reasons list every move: the days skipped while counting business days, then
// NextAllowed's. kInvalidArgument for a rule out of range or a time of day with minutes or
// hours; kFailedPrecondition when the calendar has too few open days within 400 days.
Result<Slot> StepDueAt(Instant from, const DelayRule& rule, const RecipientCalendar& calendar,
                       bool reasons = true);

// Local <-> instant with the DST rule above.
Instant ToInstant(LocalMinutes local, const date::time_zone& zone);
LocalMinutes ToLocal(Instant at, const date::time_zone& zone);

}  // namespace cadent::calendar
