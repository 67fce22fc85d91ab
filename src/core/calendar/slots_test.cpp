#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_split.h"
#include "core/calendar/calendar.hpp"
#include "core/calendar/test_util.hpp"
#include "core/common/strings.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

const CalendarOptions kDefaults;

using std::chrono::minutes;
using testing::At;
using ::testing::HasSubstr;
using testing::Window;
using testing::Ymd;
using testing::Zone;

std::vector<std::string> Kinds(const Slot& slot) {
  std::vector<std::string> kinds;
  for (const Reason& reason : slot.reasons) kinds.emplace_back(ToString(reason.kind));
  return kinds;
}

// "outside_hours,closed_day*6" -> the list; "-" -> empty.
std::vector<std::string> ExpandKinds(const std::string& text) {
  std::vector<std::string> kinds;
  if (text == "-") return kinds;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    const std::string item(part);
    const size_t star = item.find('*');
    const int count = star == std::string::npos ? 1 : std::stoi(item.substr(star + 1));
    for (int i = 0; i < count; ++i) kinds.push_back(item.substr(0, star));
  }
  return kinds;
}

struct DstCase {
  int line = 0;
  std::string zone, window, requested, expected, local, reasons;
};

std::vector<DstCase> ReadDstCases() {
  std::ifstream in(CADENT_SOURCE_DIR "/src/core/calendar/testdata/dst.tsv");
  EXPECT_TRUE(in.good()) << "cannot read testdata/dst.tsv";
  std::vector<DstCase> cases;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 6u) << "dst.tsv line " << number;
    if (f.size() != 6) continue;
    cases.push_back(DstCase{number, f[0], f[1], f[2], f[3], f[4], f[5]});
  }
  return cases;
}

// Every case of testdata/dst.tsv, with no weekend and no holidays.
TEST(NextAllowed, DstCasesFromFile) {
  const std::vector<DstCase> cases = ReadDstCases();
  ASSERT_GE(cases.size(), 25u);
  for (const DstCase& c : cases) {
    SCOPED_TRACE(StrCat("dst.tsv line ", c.line, ": ", c.zone, " ", c.window, " ", c.requested));
    CalendarOptions options;
    options.window = Window(c.window);
    options.weekend = WeekendPolicy::kWindowOnly;
    options.holidays = HolidayPolicy::kNone;
    const date::time_zone* zone = Zone(c.zone);
    const RecipientCalendar calendar = MakeRecipientCalendar(options, zone, "");
    Result<Slot> slot = NextAllowed(At(c.requested), calendar);
    ASSERT_TRUE(slot.ok()) << slot.status();
    EXPECT_EQ(FormatRfc3339(slot->at), c.expected);
    EXPECT_EQ(date::format("%H:%M", ToLocal(slot->at, *zone)), c.local);
    EXPECT_EQ(Kinds(*slot), ExpandKinds(c.reasons));
    EXPECT_TRUE(IsAllowed(slot->at, calendar));
    // The fast path agrees and leaves the reasons empty.
    Result<Slot> fast = NextAllowed(At(c.requested), calendar, /*reasons=*/false);
    ASSERT_TRUE(fast.ok());
    EXPECT_EQ(fast->at, slot->at);
    EXPECT_TRUE(fast->reasons.empty());
  }
}

TEST(NextAllowed, DstGapReasonSaysWhenTheWindowOpens) {
  CalendarOptions options;
  options.window = Window("Sun 02:30-04:00");
  options.weekend = WeekendPolicy::kWindowOnly;
  const RecipientCalendar calendar = MakeRecipientCalendar(options, Zone("America/New_York"), "US");
  Result<Slot> slot = NextAllowed(At("2026-03-08T05:00:00Z"), calendar);
  ASSERT_TRUE(slot.ok()) << slot.status();
  ASSERT_EQ(slot->reasons.size(), 2u);
  EXPECT_EQ(slot->reasons[0].detail, "outside hours: before 02:30");
  EXPECT_EQ(slot->reasons[1].detail, "dst: 02:30 does not exist on 2026-03-08; opens at 03:00");
  EXPECT_EQ(slot->reasons[1].day, Ymd(2026, 3, 8));
}

TEST(NextAllowed, SaudiWeekendAndEid) {
  // Thursday 2026-03-19 17:00 in Riyadh: Eid al-Fitr runs 03-19..03-22 (per the data),
  // with the Fri/Sat weekend inside it; the first open day is Monday 03-23.
  const CalendarOptions options;
  const RecipientCalendar calendar = MakeRecipientCalendar(options, Zone("Asia/Riyadh"), "SA");
  EXPECT_EQ(calendar.holiday_country, "SA");
  Result<Slot> slot = NextAllowed(At("2026-03-18T14:00:00Z"), calendar);  // Wed 17:00
  ASSERT_TRUE(slot.ok()) << slot.status();
  // Business hours are Mon-Fri, so Sunday 03-22 is a holiday and Monday opens at 09:00.
  EXPECT_EQ(FormatRfc3339(slot->at), "2026-03-23T06:00:00Z");
  std::vector<std::string> details;
  for (const Reason& reason : slot->reasons) details.push_back(reason.detail);
  EXPECT_THAT(details,
              ::testing::ElementsAre("outside hours: after 17:00",
                                     "holiday: End of Ramadan (Eid al-Fitr)", "weekend: Friday",
                                     "weekend: Saturday", "holiday: End of Ramadan (Eid al-Fitr)"));
}

TEST(NextAllowed, WeekendBeforeHolidayAndWindowDays) {
  // Sun-Thu window in Riyadh: Sunday is open (not a weekend there), Friday is a weekend.
  CalendarOptions options;
  options.window = Window("Sun-Thu 09:00-17:00");
  options.holidays = HolidayPolicy::kNone;
  const RecipientCalendar calendar = MakeRecipientCalendar(options, Zone("Asia/Riyadh"), "SA");
  Result<Slot> slot = NextAllowed(At("2026-06-05T08:00:00Z"), calendar);  // Friday 11:00
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(FormatRfc3339(slot->at), "2026-06-07T06:00:00Z");  // Sunday 09:00
  EXPECT_EQ(Kinds(*slot), (std::vector<std::string>{"weekend", "weekend"}));

  // The same window for a US recipient: Sunday is a weekend there, Friday is closed (no
  // window), Saturday is a weekend.
  const RecipientCalendar us = MakeRecipientCalendar(options, Zone("America/Chicago"), "US");
  Result<Slot> us_slot = NextAllowed(At("2026-06-05T16:00:00Z"), us);  // Friday 11:00 CDT
  ASSERT_TRUE(us_slot.ok());
  EXPECT_EQ(FormatRfc3339(us_slot->at), "2026-06-08T14:00:00Z");  // Monday 09:00 CDT
  EXPECT_EQ(Kinds(*us_slot), (std::vector<std::string>{"closed_day", "weekend", "weekend"}));

  // kWindowOnly: the window's days decide; Sunday opens in the US too.
  options.weekend = WeekendPolicy::kWindowOnly;
  const RecipientCalendar window_only =
      MakeRecipientCalendar(options, Zone("America/Chicago"), "US");
  EXPECT_TRUE(window_only.weekend.none());
  Result<Slot> wo = NextAllowed(At("2026-06-05T16:00:00Z"), window_only);
  ASSERT_TRUE(wo.ok());
  EXPECT_EQ(FormatRfc3339(wo->at), "2026-06-07T14:00:00Z");  // Sunday 09:00 CDT
}

TEST(NextAllowed, HolidayPolicies) {
  const Instant thanksgiving_8am_eastern = At("2026-11-26T13:00:00Z");
  CalendarOptions options;  // recipient country by default
  const date::time_zone* ny = Zone("America/New_York");
  Result<Slot> us = NextAllowed(thanksgiving_8am_eastern, MakeRecipientCalendar(options, ny, "US"));
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(FormatRfc3339(us->at), "2026-11-27T14:00:00Z");  // Friday 09:00
  ASSERT_EQ(us->reasons.size(), 1u);  // a closed day needs no "outside hours"
  EXPECT_EQ(us->reasons[0].detail, "holiday: Thanksgiving Day");

  // A German recipient in New York's zone (recipient country DE): not a holiday.
  Result<Slot> de = NextAllowed(thanksgiving_8am_eastern, MakeRecipientCalendar(options, ny, "DE"));
  ASSERT_TRUE(de.ok());
  EXPECT_EQ(FormatRfc3339(de->at), "2026-11-26T14:00:00Z");

  options.holidays = HolidayPolicy::kFixedCountry;
  options.fixed_holiday_country = "us";
  const RecipientCalendar fixed = MakeRecipientCalendar(options, ny, "DE");
  EXPECT_EQ(fixed.holiday_country, "US");
  Result<Slot> fixed_slot = NextAllowed(thanksgiving_8am_eastern, fixed);
  ASSERT_TRUE(fixed_slot.ok());
  EXPECT_EQ(FormatRfc3339(fixed_slot->at), "2026-11-27T14:00:00Z");

  options.holidays = HolidayPolicy::kNone;
  const RecipientCalendar none = MakeRecipientCalendar(options, ny, "US");
  EXPECT_EQ(none.holidays, nullptr);
  Result<Slot> none_slot = NextAllowed(thanksgiving_8am_eastern, none);
  ASSERT_TRUE(none_slot.ok());
  EXPECT_EQ(FormatRfc3339(none_slot->at), "2026-11-26T14:00:00Z");

  // An uncovered country has no holidays.
  options.holidays = HolidayPolicy::kRecipientCountry;
  EXPECT_EQ(MakeRecipientCalendar(options, ny, "XX").holidays, nullptr);
}

TEST(NextAllowed, PublicHolidaysOnlySkipsBankDays) {
  CalendarOptions options;
  const date::time_zone* sp = Zone("America/Sao_Paulo");
  const Instant carnival_tuesday = At("2026-02-17T13:00:00Z");  // 10:00 local
  Result<Slot> all = NextAllowed(carnival_tuesday, MakeRecipientCalendar(options, sp, "BR"));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(FormatRfc3339(all->at), "2026-02-18T12:00:00Z");
  EXPECT_EQ(Kinds(*all), (std::vector<std::string>{"holiday"}));
  options.public_holidays_only = true;
  EXPECT_TRUE(IsAllowed(carnival_tuesday, MakeRecipientCalendar(options, sp, "BR")));
}

TEST(NextAllowed, BlackoutDates) {
  CalendarOptions options;
  options.blackout_dates = {Ymd(2026, 12, 21), Ymd(2026, 12, 22)};
  const RecipientCalendar calendar = MakeRecipientCalendar(options, Zone("Europe/London"), "GB");
  Result<Slot> slot = NextAllowed(At("2026-12-21T10:00:00Z"), calendar);
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(FormatRfc3339(slot->at), "2026-12-23T09:00:00Z");
  ASSERT_EQ(slot->reasons.size(), 2u);
  EXPECT_EQ(slot->reasons[0].detail, "blackout: 2026-12-21");
  EXPECT_EQ(slot->reasons[1].kind, Reason::Kind::kBlackout);
  EXPECT_FALSE(IsAllowed(At("2026-12-22T12:00:00Z"), calendar));
  EXPECT_TRUE(IsAllowed(At("2026-12-23T12:00:00Z"), calendar));
}

TEST(NextAllowed, SenderZoneChoice) {
  // With ZoneChoice::kSender the caller builds the calendar from the sender's zone and country.
  CalendarOptions options;
  options.zone_choice = CalendarOptions::ZoneChoice::kSender;
  const RecipientCalendar sender = MakeRecipientCalendar(options, Zone("Europe/Berlin"), "DE");
  const RecipientCalendar recipient = MakeRecipientCalendar(kDefaults, Zone("Asia/Tokyo"), "JP");
  const Instant t = At("2026-06-10T08:00:00Z");  // 10:00 Berlin, 17:00 Tokyo
  EXPECT_TRUE(IsAllowed(t, sender));
  EXPECT_FALSE(IsAllowed(t, recipient));
}

TEST(NextAllowed, SubMinuteInstantsAndWindowEdges) {
  const RecipientCalendar calendar = MakeRecipientCalendar(kDefaults, Zone("UTC"), "GB");
  EXPECT_TRUE(IsAllowed(At("2026-06-10T09:00:00Z"), calendar));
  EXPECT_FALSE(IsAllowed(At("2026-06-10T17:00:00Z"), calendar));  // end is exclusive
  const Instant just_before = At("2026-06-10T08:59:59Z") + std::chrono::microseconds(999'999);
  Result<Slot> slot = NextAllowed(just_before, calendar);
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(slot->at, At("2026-06-10T09:00:00Z"));
  const Instant inside = At("2026-06-10T16:59:59Z") + std::chrono::microseconds(5);
  EXPECT_EQ(NextAllowed(inside, calendar)->at, inside);
}

TEST(NextAllowed, ClosedCalendarFailsInsteadOfLooping) {
  CalendarOptions options;
  options.window = SendWindow{};
  const RecipientCalendar closed = MakeRecipientCalendar(options, Zone("UTC"), "");
  Result<Slot> slot = NextAllowed(At("2026-01-01T00:00:00Z"), closed);
  ASSERT_FALSE(slot.ok());
  EXPECT_EQ(slot.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(slot.status().message()), HasSubstr("400 days"));
  EXPECT_FALSE(IsAllowed(At("2026-01-01T12:00:00Z"), closed));

  // Open only on Sunday, for an Indian recipient whose weekend is Sunday: never open.
  options.window = Window("Sun 09:00-17:00");
  Result<Slot> never = NextAllowed(At("2026-01-01T00:00:00Z"),
                                   MakeRecipientCalendar(options, Zone("Asia/Kolkata"), "IN"));
  EXPECT_EQ(never.status().code(), absl::StatusCode::kFailedPrecondition);

  RecipientCalendar broken;
  EXPECT_EQ(NextAllowed(At("2026-01-01T00:00:00Z"), broken).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(StatusOfDay, ReportsTheHoliday) {
  const RecipientCalendar calendar = MakeRecipientCalendar(kDefaults, Zone("Europe/Berlin"), "DE");
  const Holiday* holiday = nullptr;
  EXPECT_EQ(StatusOfDay(date::local_days(Ymd(2027, 3, 29)), calendar, &holiday),
            DayStatus::kHoliday);
  ASSERT_NE(holiday, nullptr);
  EXPECT_EQ(holiday->name, "Easter Monday");
  EXPECT_EQ(StatusOfDay(date::local_days(Ymd(2027, 3, 30)), calendar, &holiday), DayStatus::kOpen);
  EXPECT_EQ(holiday, nullptr);
  EXPECT_EQ(StatusOfDay(date::local_days(Ymd(2027, 3, 27)), calendar), DayStatus::kWeekend);
}

// ---------------------------------------------------------------------------------------
// The randomized property test: NextAllowed against a slow reference that follows the
// documented definition directly, minute by minute, through date/tz (not the offset table):
// an instant is allowed when it lies in [open, close) of a window range of an open local
// day, where open and close are the range's local times made instants with the DST rule.

Instant ReferenceToInstant(date::local_seconds local, const date::time_zone& zone) {
  const date::local_info info = zone.get_info(local);
  if (info.result == date::local_info::nonexistent) return Instant(info.second.begin);
  return Instant(local.time_since_epoch() - info.first.offset);
}

bool ReferenceAllowed(Instant at, const RecipientCalendar& calendar) {
  const date::time_zone& zone = *calendar.zone;
  const auto local = zone.to_local(std::chrono::floor<std::chrono::seconds>(at));
  const date::local_days today = std::chrono::floor<date::days>(local);
  for (date::local_days day = today - date::days(1); day <= today + date::days(1);
       day += date::days(1)) {
    const date::year_month_day ymd(day);
    const unsigned weekday = date::weekday(day).c_encoding();
    if (calendar.weekend.test(weekday)) continue;
    if (calendar.holidays != nullptr &&
        calendar.holidays->Find(calendar.holiday_country, ymd, calendar.public_holidays_only)) {
      continue;
    }
    if (std::binary_search(calendar.blackout_dates.begin(), calendar.blackout_dates.end(), ymd)) {
      continue;
    }
    for (const TimeRange& range : calendar.window->by_weekday[weekday]) {
      const Instant open = ReferenceToInstant(date::local_seconds(day) + range.begin, zone);
      const Instant close = ReferenceToInstant(date::local_seconds(day) + range.end, zone);
      if (open <= at && at < close) return true;
    }
  }
  return false;
}

TEST(NextAllowed, RandomizedAgainstMinuteByMinuteReference) {
  const char* const zones[] = {
      "America/New_York", "Europe/Berlin",       "Australia/Lord_Howe", "Asia/Kathmandu",
      "Pacific/Chatham",  "America/Mexico_City", "Asia/Tehran",         "America/Santiago",
      "Asia/Riyadh",      "Europe/London",       "Australia/Sydney",    "Asia/Kolkata",
      "America/St_Johns", "Pacific/Auckland",    "Africa/Cairo",        "America/Havana"};
  const char* const windows[] = {"Mon-Fri 09:00-17:00",
                                 "Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00",
                                 "Sun 00:00-03:30; Sat 01:00-02:30,23:00-24:00",
                                 "Mon-Sun 02:00-03:00",
                                 "Sun-Thu 08:00-16:00",
                                 "Mon-Sun 00:00-01:30,22:30-24:00",
                                 "Wed 12:00-12:05"};
  const char* const countries[] = {"US", "DE", "SA", "AE", "IR", "IN", "BR",
                                   "GB", "EG", "AU", "NZ", "MX", "",   "XX"};
  std::mt19937_64 rng(20261202);
  // 2024-01-01 .. 2035-12-01, so 400-day searches stay within the data.
  std::uniform_int_distribution<int64_t> instant_s(1704067200, 2079648000);
  std::vector<date::year_month_day> blackouts = {Ymd(2026, 3, 9), Ymd(2026, 11, 2), Ymd(2027, 4, 5),
                                                 Ymd(2030, 1, 2)};
  int checked_minutes = 0;
  int closed_calendars = 0;
  constexpr int kCases = 400;
  for (int i = 0; i < kCases; ++i) {
    CalendarOptions options;
    options.window = Window(windows[rng() % std::size(windows)]);
    options.weekend = rng() % 4 == 0 ? WeekendPolicy::kWindowOnly : WeekendPolicy::kCountry;
    options.holidays = rng() % 5 == 0 ? HolidayPolicy::kNone : HolidayPolicy::kRecipientCountry;
    options.public_holidays_only = rng() % 3 == 0;
    if (rng() % 3 == 0) options.blackout_dates = blackouts;
    const date::time_zone* zone = Zone(zones[rng() % std::size(zones)]);
    const char* country = countries[rng() % std::size(countries)];
    const RecipientCalendar calendar = MakeRecipientCalendar(options, zone, country);
    // Half the requests land near a DST transition of the zone.
    int64_t t = instant_s(rng);
    if (rng() % 2 == 0) {
      const date::sys_info info = zone->get_info(date::sys_seconds(std::chrono::seconds(t)));
      if (info.end < date::sys_seconds(std::chrono::seconds(2082758400))) {
        t = info.end.time_since_epoch().count() - static_cast<int64_t>(rng() % (3 * 86400));
      }
    }
    const Instant request =
        Instant(std::chrono::seconds(t)) + std::chrono::microseconds(rng() % 1'000'000);
    SCOPED_TRACE(StrCat("case ", i, ": ", zone->name(), " ", options.window.ToString(), " ",
                        country, " ", FormatRfc3339(request)));
    Result<Slot> slot = NextAllowed(request, calendar, /*reasons=*/rng() % 2 == 0);
    if (!slot.ok()) {
      // Only a calendar whose every window day is a weekend may be closed for 400 days.
      ASSERT_EQ(slot.status().code(), absl::StatusCode::kFailedPrecondition) << slot.status();
      for (size_t day = 0; day < 7; ++day) {
        EXPECT_TRUE(calendar.window->by_weekday[day].empty() || calendar.weekend.test(day));
      }
      ++closed_calendars;
      continue;
    }
    ASSERT_GE(slot->at, request);
    ASSERT_TRUE(IsAllowed(slot->at, calendar));
    ASSERT_TRUE(ReferenceAllowed(slot->at, calendar));
    // Nothing allowed in between: the request itself, then every minute boundary (windows
    // open on minutes), up to 4 days (the slow part).
    if (slot->at > request) {
      ASSERT_FALSE(ReferenceAllowed(request, calendar));
      const Instant limit = std::min(slot->at, request + date::days(4));
      for (Instant m = std::chrono::ceil<std::chrono::minutes>(request); m < limit;
           m += std::chrono::minutes(1)) {
        ASSERT_FALSE(ReferenceAllowed(m, calendar)) << FormatRfc3339(m);
        ++checked_minutes;
      }
    }
  }
  EXPECT_GT(checked_minutes, 10000);
  EXPECT_LT(closed_calendars, kCases / 10);
}

// Zone tables and weekend caches are built lazily: first uses from several threads at once
// must agree (run under the tsan preset too).
TEST(NextAllowed, ConcurrentFirstUseAgrees) {
  const char* const zones[] = {"America/Anchorage", "Asia/Colombo",    "Europe/Lisbon",
                               "Pacific/Tongatapu", "Atlantic/Azores", "America/Halifax"};
  const char* const countries[] = {"CL", "LK", "PT", "TO", "PT", "CA"};
  const CalendarOptions options;
  const Instant start = At("2027-01-01T00:00:00Z");
  std::vector<std::vector<Instant>> results(2);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < std::size(zones); ++i) {
        const RecipientCalendar calendar =
            MakeRecipientCalendar(options, date::locate_zone(zones[i]), countries[i]);
        Instant at = start;
        for (int k = 0; k < 50; ++k) {
          Result<Slot> slot = NextAllowed(at, calendar, /*reasons=*/false);
          if (!slot.ok()) break;
          results[t].push_back(slot->at);
          at = slot->at + std::chrono::hours(5);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(results[0].size(), std::size(zones) * 50);
  EXPECT_EQ(results[0], results[1]);
}

}  // namespace
}  // namespace cadent::calendar
