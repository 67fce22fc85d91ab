// The next allowed slot: the hot path of the scheduler and the forecast.
#include <algorithm>

#include "core/calendar/calendar.hpp"
#include "core/calendar/zone_table.hpp"
#include "core/common/strings.hpp"

namespace cadent::calendar {
namespace {

using internal::FloorDiv;

constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMicrosPerSecond = 1'000'000;

constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// 1970-01-01 was a Thursday (c_encoding 4).
unsigned WeekdayOf(int64_t day_number) {
  return static_cast<unsigned>(((day_number + 4) % 7 + 7) % 7);
}

date::year_month_day YmdOf(int64_t day_number) {
  return date::year_month_day(date::sys_days(date::days(day_number)));
}

std::string FormatYmd(date::year_month_day day) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return buffer;
}

// The per-call state of a day check: the holiday country resolved once.
class DayChecker {
 public:
  explicit DayChecker(const RecipientCalendar& calendar) : calendar_(calendar) {
    if (calendar.holidays != nullptr && !calendar.holiday_country.empty()) {
      holiday_index_ = calendar.holidays->CountryIndex(calendar.holiday_country);
    }
  }

  DayStatus Check(int64_t day_number, unsigned weekday) const {
    if (calendar_.weekend.test(weekday)) return DayStatus::kWeekend;
    if (holiday_index_ >= 0 &&
        calendar_.holidays->IsHoliday(holiday_index_, date::sys_days(date::days(day_number)),
                                      calendar_.public_holidays_only)) {
      return DayStatus::kHoliday;
    }
    if (!calendar_.blackout_dates.empty() &&
        std::binary_search(calendar_.blackout_dates.begin(), calendar_.blackout_dates.end(),
                           YmdOf(day_number))) {
      return DayStatus::kBlackout;
    }
    if (calendar_.window->by_weekday[weekday].empty()) return DayStatus::kClosedDay;
    return DayStatus::kOpen;
  }

  // The reason a closed day was skipped (reasons path only).
  Reason Explain(DayStatus status, int64_t day_number) const {
    const Holiday* holiday = status == DayStatus::kHoliday
                                 ? calendar_.holidays->FindByIndex(
                                       holiday_index_, date::sys_days(date::days(day_number)))
                                 : nullptr;
    return internal::ExplainClosedDay(calendar_, day_number, status, holiday);
  }

  int holiday_index() const { return holiday_index_; }

 private:
  const RecipientCalendar& calendar_;
  int holiday_index_ = -1;
};

}  // namespace

Reason internal::ExplainClosedDay(const RecipientCalendar& calendar, int64_t day_number,
                                  DayStatus status, const Holiday* holiday) {
  const date::year_month_day ymd = YmdOf(day_number);
  const unsigned weekday = WeekdayOf(day_number);
  switch (status) {
    case DayStatus::kWeekend:
      return Reason{Reason::Kind::kWeekend, ymd, StrCat("weekend: ", kWeekdayNames[weekday])};
    case DayStatus::kHoliday:
      return Reason{Reason::Kind::kHoliday, ymd,
                    StrCat("holiday: ", holiday != nullptr ? holiday->name : "?")};
    case DayStatus::kBlackout:
      return Reason{Reason::Kind::kBlackout, ymd, StrCat("blackout: ", FormatYmd(ymd))};
    case DayStatus::kClosedDay:
    case DayStatus::kOpen:
      break;
  }
  (void)calendar;
  return Reason{Reason::Kind::kClosedDay, ymd,
                StrCat("closed: no window on ", kWeekdayNames[weekday])};
}

std::string_view ToString(Reason::Kind kind) {
  switch (kind) {
    case Reason::Kind::kOutsideHours:
      return "outside_hours";
    case Reason::Kind::kWeekend:
      return "weekend";
    case Reason::Kind::kHoliday:
      return "holiday";
    case Reason::Kind::kBlackout:
      return "blackout";
    case Reason::Kind::kClosedDay:
      return "closed_day";
    case Reason::Kind::kDstGap:
      return "dst_gap";
  }
  return "unknown";
}

RecipientCalendar MakeRecipientCalendar(const CalendarOptions& options, const date::time_zone* zone,
                                        std::string_view country, const HolidayData& holidays) {
  RecipientCalendar calendar;
  calendar.zone = zone;
  calendar.window = &options.window;
  if (options.weekend == WeekendPolicy::kCountry) calendar.weekend = WeekendOf(country);
  std::string_view holiday_country;
  switch (options.holidays) {
    case HolidayPolicy::kRecipientCountry:
      holiday_country = country;
      break;
    case HolidayPolicy::kFixedCountry:
      holiday_country = options.fixed_holiday_country;
      break;
    case HolidayPolicy::kNone:
      break;
  }
  if (holidays.Covers(holiday_country)) {
    calendar.holiday_country = std::string(holiday_country);
    for (char& c : calendar.holiday_country) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    calendar.holidays = &holidays;
  }
  calendar.public_holidays_only = options.public_holidays_only;
  calendar.blackout_dates = options.blackout_dates;
  return calendar;
}

DayStatus StatusOfDay(LocalDays day, const RecipientCalendar& calendar, const Holiday** holiday) {
  const DayChecker checker(calendar);
  const int64_t day_number = day.time_since_epoch().count();
  const DayStatus status = checker.Check(day_number, WeekdayOf(day_number));
  if (holiday != nullptr) {
    *holiday = status == DayStatus::kHoliday
                   ? calendar.holidays->FindByIndex(checker.holiday_index(),
                                                    date::sys_days(date::days(day_number)))
                   : nullptr;
  }
  return status;
}

Result<Slot> NextAllowed(Instant earliest, const RecipientCalendar& calendar, bool reasons) {
  if (calendar.zone == nullptr || calendar.window == nullptr) {
    return absl::InvalidArgumentError("NextAllowed: the calendar has no zone or no window");
  }
  const date::time_zone& zone = *calendar.zone;
  const internal::ZoneTable* table = internal::ZoneTable::For(calendar.zone);
  const DayChecker checker(calendar);
  const int64_t earliest_us = earliest.time_since_epoch().count();
  const int64_t earliest_s = FloorDiv(earliest_us, kMicrosPerSecond);
  const int64_t local_s = earliest_s + internal::OffsetAt(zone, table, earliest_s);
  const int64_t first_day = FloorDiv(local_s, kSecondsPerDay);

  Slot slot;
  for (int64_t day = first_day; day < first_day + kSearchDays; ++day) {
    const unsigned weekday = WeekdayOf(day);
    const DayStatus status = checker.Check(day, weekday);
    if (status != DayStatus::kOpen) {
      if (reasons) slot.reasons.push_back(checker.Explain(status, day));
      continue;
    }
    const std::vector<TimeRange>& ranges = calendar.window->by_weekday[weekday];
    const int64_t midnight = day * kSecondsPerDay;
    for (size_t i = 0; i < ranges.size(); ++i) {
      bool exact_close = true;
      const int64_t close_s =
          internal::LocalToSys(zone, table, midnight + ranges[i].end.count() * 60, &exact_close);
      if (close_s * kMicrosPerSecond <= earliest_us) continue;
      bool exact_open = true;
      const int64_t open_s =
          internal::LocalToSys(zone, table, midnight + ranges[i].begin.count() * 60, &exact_open);
      if (open_s >= close_s) continue;  // the whole range fell into a DST gap
      if (open_s * kMicrosPerSecond <= earliest_us) {
        slot.at = earliest;
        return slot;
      }
      slot.at = Instant(std::chrono::seconds(open_s));
      if (reasons) {
        const date::year_month_day ymd = YmdOf(day);
        if (day == first_day) {
          slot.reasons.push_back(
              Reason{Reason::Kind::kOutsideHours, ymd,
                     i == 0 ? StrCat("outside hours: before ", FormatTimeOfDay(ranges[i].begin))
                            : StrCat("outside hours: between ", FormatTimeOfDay(ranges[i - 1].end),
                                     " and ", FormatTimeOfDay(ranges[i].begin))});
        }
        if (!exact_open) {
          const int64_t offset = internal::OffsetAt(zone, table, open_s);
          const auto opened = std::chrono::minutes(FloorDiv(open_s + offset - midnight, 60));
          slot.reasons.push_back(
              Reason{Reason::Kind::kDstGap, ymd,
                     StrCat("dst: ", FormatTimeOfDay(ranges[i].begin), " does not exist on ",
                            FormatYmd(ymd), "; opens at ", FormatTimeOfDay(opened))});
        }
      }
      return slot;
    }
    if (reasons) {
      slot.reasons.push_back(
          Reason{Reason::Kind::kOutsideHours, YmdOf(day),
                 StrCat("outside hours: after ", FormatTimeOfDay(ranges.back().end))});
    }
  }
  return absl::FailedPreconditionError(StrCat(
      "no allowed send time within ", kSearchDays, " days of ", FormatRfc3339(earliest), " in ",
      zone.name(), " (window \"", calendar.window->ToString(), "\"",
      calendar.holiday_country.empty() ? "" : ", holidays of ", calendar.holiday_country, ")"));
}

bool IsAllowed(Instant at, const RecipientCalendar& calendar) {
  const Result<Slot> slot = NextAllowed(at, calendar, /*reasons=*/false);
  return slot.ok() && slot->at == at;
}

}  // namespace cadent::calendar
