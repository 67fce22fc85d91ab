#include <random>

#include "core/calendar/calendar.hpp"
#include "core/calendar/test_util.hpp"
#include "core/calendar/zone_table.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::At;
using ::testing::HasSubstr;
using testing::Zone;

LocalMinutes Local(int y, unsigned m, unsigned d, int hh, int mm) {
  return LocalMinutes(date::local_days(date::year(y) / date::month(m) / date::day(d))) + hours(hh) +
         minutes(mm);
}

TEST(ToInstant, UniqueLocalTime) {
  EXPECT_EQ(ToInstant(Local(2026, 7, 1, 9, 0), *Zone("America/New_York")),
            At("2026-07-01T13:00:00Z"));
  EXPECT_EQ(ToInstant(Local(2026, 7, 1, 9, 0), *Zone("Asia/Kathmandu")),
            At("2026-07-01T03:15:00Z"));
}

TEST(ToInstant, NonexistentLocalTimeIsTheFirstValidMinuteAfterTheGap) {
  // 02:30 does not exist in New York on 2026-03-08: clocks go from 02:00 EST to 03:00 EDT.
  EXPECT_EQ(ToInstant(Local(2026, 3, 8, 2, 30), *Zone("America/New_York")),
            At("2026-03-08T07:00:00Z"));
  // Lord Howe skips 02:00-02:30 only.
  EXPECT_EQ(ToInstant(Local(2026, 10, 4, 2, 10), *Zone("Australia/Lord_Howe")),
            At("2026-10-03T15:30:00Z"));
}

TEST(ToInstant, RepeatedLocalTimeIsItsFirstOccurrence) {
  // 01:30 happens twice in New York on 2026-11-01: 05:30Z (EDT) and 06:30Z (EST).
  EXPECT_EQ(ToInstant(Local(2026, 11, 1, 1, 30), *Zone("America/New_York")),
            At("2026-11-01T05:30:00Z"));
  EXPECT_EQ(ToInstant(Local(2026, 10, 25, 2, 30), *Zone("Europe/Berlin")),
            At("2026-10-25T00:30:00Z"));
}

TEST(ToLocal, BothOccurrencesReadTheSameWallClock) {
  const date::time_zone& ny = *Zone("America/New_York");
  EXPECT_EQ(ToLocal(At("2026-11-01T05:30:00Z"), ny), Local(2026, 11, 1, 1, 30));
  EXPECT_EQ(ToLocal(At("2026-11-01T06:30:00Z"), ny), Local(2026, 11, 1, 1, 30));
  EXPECT_EQ(ToLocal(At("2026-11-01T06:30:59Z"), ny), Local(2026, 11, 1, 1, 30));  // floors
  EXPECT_EQ(ToLocal(At("1969-12-31T23:59:30Z"), *Zone("UTC")), Local(1969, 12, 31, 23, 59));
}

// The offset table must agree with date/tz everywhere it is used, in and out of its range.
TEST(ZoneTable, AgreesWithDateTzOnRandomInstantsAndLocalTimes) {
  const char* const zones[] = {"America/New_York",
                               "Europe/Berlin",
                               "Australia/Lord_Howe",
                               "Asia/Kathmandu",
                               "Pacific/Chatham",
                               "America/Mexico_City",
                               "Asia/Tehran",
                               "America/Santiago",
                               "Africa/Casablanca",
                               "Pacific/Kiritimati",
                               "UTC",
                               "America/St_Johns"};
  std::mt19937_64 rng(42);
  // 1965..2110: includes both ends outside the table (1970-2100).
  std::uniform_int_distribution<int64_t> seconds(-157766400, 4417977600);
  for (const char* name : zones) {
    const date::time_zone* zone = Zone(name);
    const internal::ZoneTable* table = internal::ZoneTable::For(zone);
    ASSERT_NE(table, nullptr) << name;
    EXPECT_EQ(table, internal::ZoneTable::For(zone));  // built once
    for (int i = 0; i < 2000; ++i) {
      const int64_t t = seconds(rng);
      const date::sys_info info = zone->get_info(date::sys_seconds(std::chrono::seconds(t)));
      ASSERT_EQ(internal::OffsetAt(*zone, table, t), info.offset.count()) << name << " " << t;
      // Local -> sys with the rule, against date/tz's local_info.
      const date::local_info local = zone->get_info(date::local_seconds(std::chrono::seconds(t)));
      bool exact = false;
      const int64_t sys = internal::LocalToSys(*zone, table, t, &exact);
      if (local.result == date::local_info::nonexistent) {
        EXPECT_FALSE(exact);
        EXPECT_EQ(sys, local.second.begin.time_since_epoch().count()) << name << " " << t;
      } else {
        EXPECT_TRUE(exact);
        EXPECT_EQ(sys, t - local.first.offset.count()) << name << " " << t;
      }
    }
  }
}

// Around every transition from 2020 to 2040, where gaps and repeats are.
TEST(ZoneTable, AgreesWithDateTzAroundTransitions) {
  int checked = 0;
  for (const char* name :
       {"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham",
        "America/Santiago", "Africa/Casablanca", "Asia/Gaza", "America/Havana"}) {
    const date::time_zone* zone = Zone(name);
    const internal::ZoneTable* table = internal::ZoneTable::For(zone);
    ASSERT_NE(table, nullptr) << name;
    for (size_t i = 1; i < table->begins().size(); ++i) {
      const int64_t begin = table->begins()[i];
      if (begin < 1577836800 || begin > 2208988800) continue;  // 2020..2040
      // Local times from 3 hours before to 4 hours after the transition's wall clock.
      const int64_t center = begin + table->offsets()[i - 1];
      for (int64_t local = center - 3 * 3600; local <= center + 4 * 3600; local += 300) {
        const date::local_info info =
            zone->get_info(date::local_seconds(std::chrono::seconds(local)));
        bool exact = true;
        const int64_t sys = internal::LocalToSys(*zone, table, local, &exact);
        const int64_t expected = info.result == date::local_info::nonexistent
                                     ? info.second.begin.time_since_epoch().count()
                                     : local - info.first.offset.count();
        ASSERT_EQ(sys, expected) << name << " local " << local;
        EXPECT_EQ(exact, info.result != date::local_info::nonexistent);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(ResolveZone, ContactZoneFirst) {
  Result<ResolvedZone> zone = ResolveZone("Europe/Paris", "+14155550123", "US", "UTC");
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->zone->name(), "Europe/Paris");
  EXPECT_EQ(zone->source, ZoneSource::kContact);
}

TEST(ResolveZone, UnknownContactZoneFallsThrough) {
  Result<ResolvedZone> zone = ResolveZone("Mars/Olympus", "+4930123456", "", "UTC");
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->zone->name(), "Europe/Berlin");
  EXPECT_EQ(zone->source, ZoneSource::kPhone);
}

TEST(ResolveZone, PhoneOfASingleZoneCountry) {
  Result<ResolvedZone> zone = ResolveZone("", "+966501234567", "US", "UTC");
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->zone->name(), "Asia/Riyadh");
  EXPECT_EQ(zone->source, ZoneSource::kPhone);
}

TEST(ResolveZone, PhoneOfAMultiZoneCountryFallsToCountry) {
  // +1 415: the US has many zones and Debian's libphonenumber has no time-zone mapper.
  Result<ResolvedZone> zone = ResolveZone("", "+14155550123", "JP", "UTC");
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->zone->name(), "Asia/Tokyo");
  EXPECT_EQ(zone->source, ZoneSource::kCountry);
}

TEST(ResolveZone, CampaignDefaultLast) {
  Result<ResolvedZone> zone = ResolveZone("", "", "US", "America/Chicago");
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->zone->name(), "America/Chicago");
  EXPECT_EQ(zone->source, ZoneSource::kCampaignDefault);
  EXPECT_EQ(ToString(zone->source), "campaign_default");
}

TEST(ResolveZone, UnknownDefaultIsAnError) {
  Result<ResolvedZone> zone = ResolveZone("", "not a phone", "", "Nowhere/City");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(zone.status().message()), HasSubstr("Nowhere/City"));
}

TEST(SingleZoneOfCountry, FromZoneTab) {
  ASSERT_NE(SingleZoneOfCountry("SA"), nullptr);
  EXPECT_EQ(SingleZoneOfCountry("sa")->name(), "Asia/Riyadh");
  // Germany lists Berlin and Busingen, which keep the same time: one civil time.
  ASSERT_NE(SingleZoneOfCountry("DE"), nullptr);
  EXPECT_EQ(SingleZoneOfCountry("DE")->name(), "Europe/Berlin");
  EXPECT_EQ(SingleZoneOfCountry("US"), nullptr);
  EXPECT_EQ(SingleZoneOfCountry("ES"), nullptr);  // Madrid and the Canaries differ
  EXPECT_EQ(SingleZoneOfCountry("XX"), nullptr);
  EXPECT_EQ(SingleZoneOfCountry(""), nullptr);
}

}  // namespace
}  // namespace cadent::calendar
