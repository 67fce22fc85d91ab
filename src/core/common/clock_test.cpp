#include "core/common/clock.hpp"

#include <gtest/gtest.h>

namespace cadent {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::sys_days;

TEST(FakeClockTest, MovesOnlyWhenTold) {
  const Instant start = sys_days{std::chrono::year{2026} / 11 / 23};
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(hours(3));
  EXPECT_EQ(clock.Now(), start + hours(3));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(ClockTest, FormatsRfc3339) {
  const Instant t = sys_days{std::chrono::year{2026} / 11 / 23} + hours(16) +
                    std::chrono::minutes(38) + std::chrono::seconds(30);
  EXPECT_EQ(FormatRfc3339(t), "2026-11-23T16:38:30Z");
  EXPECT_EQ(FormatRfc3339(t + microseconds(125)), "2026-11-23T16:38:30.000125Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMicros(0)), "1970-01-01T00:00:00Z");
}

TEST(ClockTest, UnixMicrosRoundTrip) {
  const Instant t = FromUnixMicros(1'795'000'000'123'456);
  EXPECT_EQ(ToUnixMicros(t), 1'795'000'000'123'456);
}

TEST(SystemClockTest, IsAfter2025) {
  SystemClock clock;
  EXPECT_GT(clock.Now(), Instant(sys_days{std::chrono::year{2025} / 1 / 1}));
}

}  // namespace
}  // namespace cadent
