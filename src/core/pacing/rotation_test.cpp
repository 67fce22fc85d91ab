#include "core/pacing/rotation.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/pacing/in_memory_pacer.hpp"

namespace cadent::pacing {
namespace {

using namespace date::literals;  // 2026_y
using std::chrono::hours;
using std::chrono::seconds;

const Instant kNine = Instant(date::sys_days(2026_y / date::April / 1) + hours(9));

SenderPolicy Policy(int32_t daily_cap) {
  SenderPolicy policy;
  policy.zone = date::locate_zone("UTC");
  policy.min_spacing = policy.max_spacing = seconds(100);
  policy.daily_cap = daily_cap;
  return policy;
}

TEST(RotationTest, NewContactsGoToTheEarliestFreeSender) {
  InMemoryPacer pacer;
  const std::vector<SenderId> pool = {SenderId(3), SenderId(1), SenderId(2)};
  for (const SenderId s : pool) pacer.SetSender(kDefaultWorkspace, s, Policy(100));
  // All free at 09:00: the tie goes to the smallest id, then the next, round the pool.
  std::vector<int64_t> chosen;
  for (int i = 0; i < 6; ++i) {
    const auto r = ReserveForContact(pacer, pool, std::nullopt, kNine, {});
    ASSERT_TRUE(r.ok()) << r.status();
    chosen.push_back(r->sender.value());
    EXPECT_EQ(r->at, kNine + seconds(100) * (i / 3));
  }
  EXPECT_EQ(chosen, (std::vector<int64_t>{1, 2, 3, 1, 2, 3}));
}

TEST(RotationTest, ABusySenderIsSkipped) {
  InMemoryPacer pacer;
  const std::vector<SenderId> pool = {SenderId(1), SenderId(2)};
  pacer.SetSender(kDefaultWorkspace, SenderId(1), Policy(1));
  pacer.SetSender(kDefaultWorkspace, SenderId(2), Policy(100));
  ASSERT_TRUE(pacer.Reserve(SenderId(1), kNine, {}).ok());  // sender 1's day is full
  for (int i = 0; i < 3; ++i) {
    const auto r = ReserveForContact(pacer, pool, std::nullopt, kNine, {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->sender, SenderId(2));
  }
}

TEST(RotationTest, FollowUpsStayWithTheirSender) {
  InMemoryPacer pacer;
  const std::vector<SenderId> pool = {SenderId(1), SenderId(2)};
  pacer.SetSender(kDefaultWorkspace, SenderId(1), Policy(1));
  pacer.SetSender(kDefaultWorkspace, SenderId(2), Policy(100));
  ASSERT_TRUE(pacer.Reserve(SenderId(1), kNine, {}).ok());
  // Sender 1 wrote to this contact: the follow-up waits for sender 1's next day rather
  // than moving to the free sender 2.
  const auto r = ReserveForContact(pacer, pool, SenderId(1), kNine, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sender, SenderId(1));
  EXPECT_EQ(r->at, Instant(date::sys_days(2026_y / date::April / 2)));
  // Even a sender that has left the pool keeps its threads.
  pacer.SetSender(kDefaultWorkspace, SenderId(9), Policy(100));
  EXPECT_EQ(ReserveForContact(pacer, pool, SenderId(9), kNine, {})->sender, SenderId(9));
}

TEST(RotationTest, Errors) {
  InMemoryPacer pacer;
  EXPECT_EQ(ReserveForContact(pacer, {}, std::nullopt, kNine, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<SenderId> pool = {SenderId(1)};
  pacer.SetSender(kDefaultWorkspace, SenderId(1), Policy(0));
  EXPECT_EQ(ReserveForContact(pacer, pool, std::nullopt, kNine, {}).status().code(),
            absl::StatusCode::kResourceExhausted);
  const std::vector<SenderId> unknown = {SenderId(5)};
  EXPECT_EQ(ReserveForContact(pacer, unknown, std::nullopt, kNine, {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cadent::pacing
