#include "core/pacing/pacing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/calendar/test_util.hpp"
#include "core/pacing/in_memory_pacer.hpp"
#include "core/pacing/testing/schedule_check.hpp"

namespace cadent::pacing {
namespace {

using namespace date::literals;  // 2026_y
using date::April;
using date::March;
using date::November;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using calendar::testing::Local;
using calendar::testing::Zone;

Instant Utc(date::year_month_day day, int hour, int minute = 0) {
  return Instant(date::sys_days(day) + hours(hour) + minutes(minute));
}

constexpr SenderId kSender{1};
constexpr SenderId kOtherSender{2};
constexpr CampaignId kCampaign{7};

SenderPolicy FixedSpacing(const date::time_zone* zone, seconds spacing = seconds(60)) {
  SenderPolicy policy;
  policy.zone = zone;
  policy.min_spacing = spacing;
  policy.max_spacing = spacing;
  return policy;
}

class PacerTest : public ::testing::Test {
 protected:
  Reservation MustReserve(Instant earliest, const Request& request = {},
                          SenderId sender = kSender) {
    Result<Reservation> r = pacer_.Reserve(sender, earliest, request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Reservation{};
  }
  InMemoryPacer pacer_;
};

// ---------------------------------------------------------------------------------------
// Buckets

TEST(BucketTest, LocalDayIsDstCorrect) {
  const auto* ny = Zone("America/New_York");
  // Spring forward: 2026-03-08 has 23 hours; fall back: 2026-11-01 has 25.
  const Bucket spring = LocalDayOf(Local(ny, 2026_y / March / 8, 12), *ny);
  EXPECT_EQ(spring.begin, Utc(2026_y / March / 8, 5));
  EXPECT_EQ(spring.end - spring.begin, hours(23));
  const Bucket fall = LocalDayOf(Local(ny, 2026_y / November / 1, 12), *ny);
  EXPECT_EQ(fall.begin, Utc(2026_y / November / 1, 4));
  EXPECT_EQ(fall.end - fall.begin, hours(25));
}

TEST(BucketTest, DayStartingInAGapStartsAfterIt) {
  // America/Santiago springs forward at local midnight: 2026-09-06 00:00 does not exist.
  const auto* santiago = Zone("America/Santiago");
  const Instant begin = StartOfLocalDay(date::local_days(2026_y / date::September / 6), *santiago);
  EXPECT_EQ(santiago->to_local(begin), date::local_days(2026_y / date::September / 6) + hours(1));
}

TEST(BucketTest, RepeatedHourIsTwoBuckets) {
  const auto* ny = Zone("America/New_York");
  const Instant first = Utc(2026_y / November / 1, 5, 30);   // 01:30 EDT
  const Instant second = Utc(2026_y / November / 1, 6, 30);  // 01:30 EST
  const Bucket a = LocalHourOf(first, *ny);
  const Bucket b = LocalHourOf(second, *ny);
  EXPECT_EQ(a.begin, Utc(2026_y / November / 1, 5));
  EXPECT_EQ(a.end, b.begin);
  EXPECT_EQ(b.end, Utc(2026_y / November / 1, 7));
}

TEST(BucketTest, HoursFollowTheLocalClock) {
  const auto* kathmandu = Zone("Asia/Kathmandu");  // +05:45
  const Bucket hour = LocalHourOf(Utc(2026_y / April / 1, 4, 20), *kathmandu);
  EXPECT_EQ(hour.begin, Utc(2026_y / April / 1, 4, 15));
  EXPECT_EQ(hour.end, Utc(2026_y / April / 1, 5, 15));
  // Lord Howe moves its clock by 30 minutes at 02:00 (2026-10-04): 02:00 -> 02:30.
  const auto* lord_howe = Zone("Australia/Lord_Howe");
  const Instant after = Local(lord_howe, 2026_y / date::October / 4, 2, 40);
  const Bucket short_hour = LocalHourOf(after, *lord_howe);
  EXPECT_EQ(short_hour.end - short_hour.begin, minutes(30));
}

TEST(JitterTest, DeterministicAndInRange) {
  SenderPolicy policy = FixedSpacing(Zone("UTC"));
  policy.min_spacing = seconds(90);
  policy.max_spacing = seconds(180);
  policy.jitter_seed = 42;
  const Instant t = Utc(2026_y / April / 1, 9);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const seconds gap = JitterFor(policy, kSender, t + seconds(i));
    EXPECT_GE(gap, seconds(90));
    EXPECT_LE(gap, seconds(180));
    EXPECT_EQ(gap, JitterFor(policy, kSender, t + seconds(i)));
    seen.insert(gap.count());
  }
  EXPECT_GT(seen.size(), 50u);  // actually jittered
  EXPECT_NE(JitterFor(policy, kSender, t), JitterFor(policy, kOtherSender, t + seconds(1)));
}

TEST(LimitTest, Names) {
  LimitSet limits;
  EXPECT_EQ(ToString(limits), "");
  limits.set(static_cast<size_t>(Limit::kSpacing));
  limits.set(static_cast<size_t>(Limit::kWarmUp));
  EXPECT_EQ(ToString(limits), "spacing,warm_up");
}

// ---------------------------------------------------------------------------------------
// Spacing

TEST_F(PacerTest, SpacingWithJitter) {
  SenderPolicy policy = FixedSpacing(Zone("Europe/Berlin"));
  policy.min_spacing = seconds(90);
  policy.max_spacing = seconds(180);
  policy.jitter_seed = 7;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant start = Utc(2026_y / April / 1, 9);
  std::vector<Instant> slots;
  for (int i = 0; i < 50; ++i) slots.push_back(MustReserve(start).at);
  EXPECT_EQ(slots[0], start);
  for (size_t i = 1; i < slots.size(); ++i) {
    const auto gap = slots[i] - slots[i - 1];
    EXPECT_GE(gap, seconds(90));
    EXPECT_LE(gap, seconds(180));
    EXPECT_EQ(gap, JitterFor(policy, kSender, slots[i - 1]));
  }
  // A second pacer with the same seed grants the same slots.
  InMemoryPacer again;
  again.SetSender(kDefaultWorkspace, kSender, policy);
  for (const Instant slot : slots) EXPECT_EQ(again.Reserve(kSender, start, {})->at, slot);
}

TEST_F(PacerTest, SpacingPushIsReported) {
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC"), seconds(120)));
  const Instant t = Utc(2026_y / April / 1, 9);
  EXPECT_TRUE(MustReserve(t).pushed_by.none());
  const Reservation second = MustReserve(t);
  EXPECT_EQ(second.at, t + seconds(120));
  EXPECT_EQ(second.requested, t);
  EXPECT_TRUE(second.pushed_by.test(static_cast<size_t>(Limit::kSpacing)));
}

TEST_F(PacerTest, OutOfOrderRequestsFillGapsButKeepSpacing) {
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC"), seconds(120)));
  const Instant noon = Utc(2026_y / April / 1, 12);
  EXPECT_EQ(MustReserve(noon).at, noon);
  // Too close before the booking: goes after it.
  EXPECT_EQ(MustReserve(noon - seconds(60)).at, noon + seconds(120));
  // Far enough before: fits in front.
  EXPECT_EQ(MustReserve(noon - minutes(10)).at, noon - minutes(10));
  // Exactly one spacing before the first booking still fits.
  EXPECT_EQ(MustReserve(noon - seconds(120)).at, noon - seconds(120));
}

// ---------------------------------------------------------------------------------------
// Daily and hourly caps in the sender's zone

TEST_F(PacerTest, DailyCapMovesToNextLocalMidnight) {
  const auto* berlin = Zone("Europe/Berlin");
  SenderPolicy policy = FixedSpacing(berlin);
  policy.daily_cap = 3;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant start = Local(berlin, 2026_y / April / 1, 23, 55);
  EXPECT_EQ(MustReserve(start).at, start);
  // 23:56 and 23:57 fill the day; the fourth goes at local midnight (22:00 UTC), not at
  // UTC midnight.
  MustReserve(start);
  MustReserve(start);
  const Reservation fourth = MustReserve(start);
  EXPECT_EQ(fourth.at, Local(berlin, 2026_y / April / 2, 0));
  EXPECT_EQ(fourth.at, Utc(2026_y / April / 1, 22));
  EXPECT_TRUE(fourth.pushed_by.test(static_cast<size_t>(Limit::kDailyCap)));
}

TEST_F(PacerTest, DailyCapOnDstDays) {
  const auto* ny = Zone("America/New_York");
  SenderPolicy policy = FixedSpacing(ny);
  policy.daily_cap = 1;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  // 2026-03-08 has 23 hours: the day after starts at 04:00 UTC (EDT).
  EXPECT_EQ(MustReserve(Local(ny, 2026_y / March / 8, 0, 30)).at, Utc(2026_y / March / 8, 5, 30));
  EXPECT_EQ(MustReserve(Local(ny, 2026_y / March / 8, 0, 30)).at, Utc(2026_y / March / 9, 4));
  // 2026-11-01 has 25 hours: 23:30 local (04:30 UTC the next day) is still that day, so
  // with the day taken it goes to the next local midnight, 05:00 UTC (EST).
  EXPECT_EQ(MustReserve(Local(ny, 2026_y / November / 1, 0, 10)).at,
            Utc(2026_y / November / 1, 4, 10));
  EXPECT_EQ(MustReserve(Local(ny, 2026_y / November / 1, 23, 30)).at,
            Utc(2026_y / November / 2, 5));
}

TEST_F(PacerTest, HourlyCapUsesLocalClockHours) {
  const auto* kathmandu = Zone("Asia/Kathmandu");
  SenderPolicy policy = FixedSpacing(kathmandu);
  policy.hourly_cap = 2;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant t = Utc(2026_y / April / 1, 4, 20);  // 10:05 local
  MustReserve(t);
  MustReserve(t);
  const Reservation third = MustReserve(t);
  EXPECT_EQ(third.at, Utc(2026_y / April / 1, 5, 15));  // 11:00 local
  EXPECT_TRUE(third.pushed_by.test(static_cast<size_t>(Limit::kHourlyCap)));
}

TEST_F(PacerTest, HourlyCapInTheRepeatedHour) {
  const auto* ny = Zone("America/New_York");
  SenderPolicy policy = FixedSpacing(ny);
  policy.hourly_cap = 1;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  EXPECT_EQ(MustReserve(Utc(2026_y / November / 1, 5, 10)).at, Utc(2026_y / November / 1, 5, 10));
  // The second 01:00-02:00 (EST) is another hour.
  EXPECT_EQ(MustReserve(Utc(2026_y / November / 1, 5, 10)).at, Utc(2026_y / November / 1, 6));
  EXPECT_EQ(MustReserve(Utc(2026_y / November / 1, 5, 10)).at, Utc(2026_y / November / 1, 7));
}

// ---------------------------------------------------------------------------------------
// Rolling week, warm-up

TEST_F(PacerTest, WeeklyCapRolls) {
  SenderPolicy policy = FixedSpacing(Zone("UTC"));
  policy.weekly_cap = 3;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant day0 = Utc(2026_y / April / 6, 10);
  EXPECT_EQ(MustReserve(day0).at, day0);
  EXPECT_EQ(MustReserve(day0 + days(1)).at, day0 + days(1));
  EXPECT_EQ(MustReserve(day0 + days(2)).at, day0 + days(2));
  // The week from day0 is full until day0's slot leaves the window.
  const Reservation fourth = MustReserve(day0 + days(3));
  EXPECT_EQ(fourth.at, day0 + days(7));
  EXPECT_TRUE(fourth.pushed_by.test(static_cast<size_t>(Limit::kWeeklyCap)));
  EXPECT_EQ(MustReserve(day0 + days(3)).at, day0 + days(8));
  EXPECT_EQ(MustReserve(day0 + days(3)).at, day0 + days(9));
  EXPECT_EQ(MustReserve(day0 + days(3)).at, day0 + days(14));
}

TEST_F(PacerTest, WeeklyCapCountsBookingsAfterTheRequest) {
  SenderPolicy policy = FixedSpacing(Zone("UTC"));
  policy.weekly_cap = 2;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant day0 = Utc(2026_y / April / 6, 10);
  MustReserve(day0 + days(5));
  MustReserve(day0 + days(6));
  // Any week containing day0+2 and day0+5..6 would hold three: goes past day0+5 + 7 days
  // ... but the week [day0-4, day0+3) holds nothing, and day0 itself is within 7 days of
  // both: a slot at day0 would make [day0, day0+7) hold three.
  const Reservation r = MustReserve(day0);
  EXPECT_GE(r.at, day0 + days(12));
  const auto violations = testing::CheckSenderSchedule(
      policy,
      {{day0 + days(5), "", {}, false}, {day0 + days(6), "", {}, false}, {r.at, "", {}, false}});
  EXPECT_THAT(violations, ::testing::IsEmpty());
}

TEST_F(PacerTest, WarmUpRampCountsFromItsStartDay) {
  const auto* berlin = Zone("Europe/Berlin");
  SenderPolicy policy = FixedSpacing(berlin);
  policy.daily_cap = 4;
  policy.warm_up = WarmUp{date::local_days(2026_y / March / 27), 2, 1};
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  // Asked before the start day: the first slot is the start day's local midnight.
  std::map<date::local_days, int> per_day;
  Reservation first;
  for (int i = 0; i < 20; ++i) {
    const Reservation r = MustReserve(Local(berlin, 2026_y / March / 20, 9));
    if (i == 0) first = r;
    ++per_day[std::chrono::floor<days>(berlin->to_local(r.at))];
  }
  EXPECT_EQ(first.at, Local(berlin, 2026_y / March / 27, 0));
  EXPECT_TRUE(first.pushed_by.test(static_cast<size_t>(Limit::kWarmUp)));
  // 2, 3, 4, then the daily cap (4); 2026-03-29 is the DST day in Berlin.
  const std::vector<std::pair<date::local_days, int>> expected = {
      {date::local_days(2026_y / March / 27), 2}, {date::local_days(2026_y / March / 28), 3},
      {date::local_days(2026_y / March / 29), 4}, {date::local_days(2026_y / March / 30), 4},
      {date::local_days(2026_y / March / 31), 4}, {date::local_days(2026_y / April / 1), 3}};
  EXPECT_EQ((std::vector<std::pair<date::local_days, int>>(per_day.begin(), per_day.end())),
            expected);
  EXPECT_EQ(WarmUpAllowance(policy, date::local_days(2026_y / March / 26)), 0);
  EXPECT_EQ(WarmUpAllowance(policy, date::local_days(2026_y / April / 27)), 33);
}

// ---------------------------------------------------------------------------------------
// Per-domain and per-campaign caps

TEST_F(PacerTest, DomainCapPerSenderPerHour) {
  SenderPolicy policy = FixedSpacing(Zone("UTC"));
  policy.domain_hourly_cap = 1;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  pacer_.SetSender(kDefaultWorkspace, kOtherSender, policy);
  const Instant t = Utc(2026_y / April / 1, 9, 30);
  Request acme;
  acme.recipient_domain = "acme.com";
  Request other;
  other.recipient_domain = "example.org";
  EXPECT_EQ(MustReserve(t, acme).at, t);
  const Reservation second = MustReserve(t, acme);
  EXPECT_EQ(second.at, Utc(2026_y / April / 1, 10));
  EXPECT_TRUE(second.pushed_by.test(static_cast<size_t>(Limit::kDomainHourlyCap)));
  EXPECT_EQ(MustReserve(t, other).at, t + seconds(60));  // another domain: spacing only
  EXPECT_EQ(MustReserve(t, acme, kOtherSender).at, t);   // another sender: its own count
}

TEST_F(PacerTest, CampaignCapOnNewContactsAcrossSenders) {
  const auto* utc = Zone("UTC");
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(utc));
  pacer_.SetSender(kDefaultWorkspace, kOtherSender, FixedSpacing(utc));
  pacer_.SetCampaign(kDefaultWorkspace, kCampaign, CampaignPolicy{utc, 2});
  Request fresh;
  fresh.campaign = kCampaign;
  fresh.is_new_contact = true;
  Request follow_up = fresh;
  follow_up.is_new_contact = false;
  const Instant t = Utc(2026_y / April / 1, 9);
  EXPECT_EQ(MustReserve(t, fresh, kSender).at, t);
  EXPECT_EQ(MustReserve(t, fresh, kOtherSender).at, t);
  const Reservation third = MustReserve(t, fresh, kSender);
  EXPECT_EQ(third.at, Utc(2026_y / April / 2, 0));
  EXPECT_TRUE(third.pushed_by.test(static_cast<size_t>(Limit::kCampaignNewContacts)));
  EXPECT_EQ(MustReserve(t, follow_up, kOtherSender).at, t + seconds(60));
  // An unknown campaign is an error, not a campaign without limits.
  Request unknown = fresh;
  unknown.campaign = CampaignId(99);
  EXPECT_EQ(pacer_.Reserve(kSender, t, unknown).status().code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------
// Window check, release, errors, tenants

TEST_F(PacerTest, WindowCheckRunsInsideTheSearch) {
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC"), seconds(120)));
  const Instant opens = Utc(2026_y / April / 1, 9);
  const Instant closes = Utc(2026_y / April / 1, 9, 3);
  int calls = 0;
  const WindowCheck window = [&](Instant t) -> Result<Instant> {
    ++calls;
    if (t < opens) return opens;
    if (t >= closes) return opens + days(1);
    return t;
  };
  Request request;
  request.window = &window;
  const Reservation first = MustReserve(Utc(2026_y / April / 1, 7), request);
  EXPECT_EQ(first.at, opens);
  EXPECT_TRUE(first.pushed_by.test(static_cast<size_t>(Limit::kRecipientWindow)));
  EXPECT_EQ(MustReserve(opens, request).at, opens + seconds(120));
  // Spacing pushes the third to 09:04, outside the window: it goes to the next opening.
  const Reservation third = MustReserve(opens, request);
  EXPECT_EQ(third.at, opens + days(1));
  EXPECT_TRUE(third.pushed_by.test(static_cast<size_t>(Limit::kSpacing)));
  EXPECT_GT(calls, 0);
}

TEST_F(PacerTest, ReleaseGivesTheSlotBack) {
  SenderPolicy policy = FixedSpacing(Zone("UTC"), seconds(120));
  policy.daily_cap = 2;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant t = Utc(2026_y / April / 1, 9);
  const Reservation first = MustReserve(t);
  const Reservation second = MustReserve(t);
  EXPECT_EQ(MustReserve(t).at, Utc(2026_y / April / 2, 0));  // day full
  ASSERT_TRUE(pacer_.Release(first).ok());
  // The released slot no longer counts: the same instant is granted again, today.
  const Reservation again = MustReserve(t);
  EXPECT_EQ(again.at, t);
  EXPECT_NE(again.id, first.id);
  // Releasing twice, or a reservation never granted, is visible.
  EXPECT_EQ(pacer_.Release(first).code(), absl::StatusCode::kNotFound);
  Reservation bogus = second;
  bogus.id = ReservationId(12345);
  EXPECT_EQ(pacer_.Release(bogus).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(pacer_.BookingsOf(kDefaultWorkspace, kSender).size(), 3u);
}

TEST_F(PacerTest, ReleaseOfANewContactFreesTheCampaignCap) {
  const auto* utc = Zone("UTC");
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(utc));
  pacer_.SetCampaign(kDefaultWorkspace, kCampaign, CampaignPolicy{utc, 1});
  Request fresh;
  fresh.campaign = kCampaign;
  fresh.is_new_contact = true;
  const Instant t = Utc(2026_y / April / 1, 9);
  const Reservation first = MustReserve(t, fresh);
  EXPECT_EQ(MustReserve(t, fresh).at, Utc(2026_y / April / 2, 0));
  ASSERT_TRUE(pacer_.Release(first).ok());
  EXPECT_EQ(MustReserve(t, fresh).at, t);
}

TEST_F(PacerTest, ProbeDoesNotBook) {
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC")));
  const Instant t = Utc(2026_y / April / 1, 9);
  EXPECT_EQ(pacer_.Probe(kSender, t, {})->at, t);
  EXPECT_EQ(pacer_.Probe(kSender, t, {})->at, t);
  EXPECT_EQ(MustReserve(t).at, t);
  EXPECT_EQ(pacer_.Probe(kSender, t, {})->at, t + seconds(60));
}

TEST_F(PacerTest, Errors) {
  const Instant t = Utc(2026_y / April / 1, 9);
  EXPECT_EQ(pacer_.Reserve(kSender, t, {}).status().code(), absl::StatusCode::kNotFound);
  SenderPolicy stopped = FixedSpacing(Zone("UTC"));
  stopped.daily_cap = 0;
  pacer_.SetSender(kDefaultWorkspace, kSender, stopped);
  EXPECT_EQ(pacer_.Reserve(kSender, t, {}).status().code(), absl::StatusCode::kResourceExhausted);
  // A window check's error passes through.
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC")));
  const WindowCheck failing = [](Instant) -> Result<Instant> {
    return absl::FailedPreconditionError("empty window");
  };
  Request request;
  request.window = &failing;
  EXPECT_EQ(pacer_.Reserve(kSender, t, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PacerTest, WorkspacesAreSeparate) {
  const WorkspaceId other(2);
  pacer_.SetSender(kDefaultWorkspace, kSender, FixedSpacing(Zone("UTC")));
  const Instant t = Utc(2026_y / April / 1, 9);
  MustReserve(t);
  Request elsewhere;
  elsewhere.workspace = other;
  EXPECT_EQ(pacer_.Reserve(kSender, t, elsewhere).status().code(), absl::StatusCode::kNotFound);
  pacer_.SetSender(other, kSender, FixedSpacing(Zone("UTC")));
  EXPECT_EQ(MustReserve(t, elsewhere).at, t);
}

TEST_F(PacerTest, FarBehindTheFrontierStaysCorrect) {
  // Many requests from one early instant: the blocked cache lets each start at the
  // frontier; the schedule must still hold every limit, including after a release.
  const auto* ny = Zone("America/New_York");
  SenderPolicy policy = FixedSpacing(ny, seconds(90));
  policy.max_spacing = seconds(150);
  policy.daily_cap = 30;
  policy.hourly_cap = 10;
  policy.weekly_cap = 120;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  const Instant t = Utc(2026_y / March / 1, 12);
  std::vector<Reservation> granted;
  for (int i = 0; i < 600; ++i) {
    granted.push_back(MustReserve(t));
    if (i % 50 == 49) {
      ASSERT_TRUE(pacer_.Release(granted[granted.size() - 20]).ok());
      granted.erase(granted.end() - 20);
    }
  }
  std::vector<testing::SentMessage> sent;
  for (const Reservation& r : granted) sent.push_back({r.at, "", {}, false});
  EXPECT_THAT(testing::CheckSenderSchedule(policy, sent), ::testing::IsEmpty());
  // Released slots are reused: the schedule has no day below the cap before the last.
  std::map<date::local_days, int> per_day;
  for (const Reservation& r : granted) ++per_day[std::chrono::floor<days>(ny->to_local(r.at))];
  int full_days = 0;
  for (const auto& [day, count] : per_day) full_days += count == 30 ? 1 : 0;
  EXPECT_GE(full_days, static_cast<int>(per_day.size()) - 2);
}

TEST_F(PacerTest, KeyedWindowCacheKeepsEveryLimit) {
  // Two recipient windows with their keys, a campaign cap, releases: every slot must be
  // inside its window and the schedule must keep every limit, as without the cache.
  const auto* utc = Zone("UTC");
  SenderPolicy policy = FixedSpacing(utc, seconds(90));
  policy.max_spacing = seconds(150);
  policy.daily_cap = 40;
  policy.hourly_cap = 12;
  pacer_.SetSender(kDefaultWorkspace, kSender, policy);
  pacer_.SetSender(kDefaultWorkspace, kOtherSender, policy);
  pacer_.SetCampaign(kDefaultWorkspace, kCampaign, CampaignPolicy{utc, 25});
  auto window_between = [](int open_hour, int close_hour) {
    return WindowCheck([=](Instant t) -> Result<Instant> {
      const auto day = std::chrono::floor<days>(t);
      if (t < day + hours(open_hour)) return Instant(day + hours(open_hour));
      if (t >= day + hours(close_hour)) return Instant(day + days(1) + hours(open_hour));
      return t;
    });
  };
  const WindowCheck office = window_between(9, 17);
  const WindowCheck lunch = window_between(12, 14);
  const Instant start = Utc(2026_y / April / 1, 0);
  std::vector<Reservation> kept;
  std::vector<uint64_t> kept_key;
  const std::vector<SenderId> pool = {kSender, kOtherSender};
  for (int i = 0; i < 600; ++i) {
    Request request;
    request.campaign = kCampaign;
    request.is_new_contact = i % 2 == 0;
    request.window_key = i % 3 == 0 ? 2 : 1;
    request.window = request.window_key == 2 ? &lunch : &office;
    const Result<Reservation> r =
        pacer_.Reserve(pool[static_cast<size_t>(i) % 2], start + hours(i / 40), request);
    ASSERT_TRUE(r.ok()) << r.status();
    if (i % 11 == 5) {
      ASSERT_TRUE(pacer_.Release(*r).ok());
      continue;
    }
    kept.push_back(*r);
    kept_key.push_back(request.window_key);
  }
  std::map<SenderId, std::vector<testing::SentMessage>> by_sender;
  std::vector<testing::SentMessage> all;
  for (size_t i = 0; i < kept.size(); ++i) {
    const WindowCheck& window = kept_key[i] == 2 ? lunch : office;
    EXPECT_EQ(*window(kept[i].at), kept[i].at) << FormatRfc3339(kept[i].at);
  }
  for (const SenderId s : pool) {
    for (const Booking& b : pacer_.BookingsOf(kDefaultWorkspace, s)) {
      by_sender[s].push_back({b.at, "", b.campaign, b.is_new_contact});
      all.push_back(by_sender[s].back());
    }
  }
  for (const auto& [sender, messages] : by_sender) {
    EXPECT_THAT(testing::CheckSenderSchedule(policy, messages), ::testing::IsEmpty());
  }
  EXPECT_THAT(testing::CheckCampaignSchedule(CampaignPolicy{utc, 25}, *utc, all),
              ::testing::IsEmpty());
  EXPECT_EQ(all.size(), kept.size());
}

}  // namespace
}  // namespace cadent::pacing
