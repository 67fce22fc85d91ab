// The hammer: several threads reserve (and sometimes release) on shared senders at once;
// afterwards the surviving bookings are checked independently of the pacer.
#include "core/pacing/in_memory_pacer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "core/pacing/rotation.hpp"
#include "core/pacing/testing/schedule_check.hpp"

namespace cadent::pacing {
namespace {

using namespace date::literals;  // 2026_y
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(InMemoryPacerHammerTest, NoLimitBrokenUnderConcurrency) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 400;
  const std::vector<SenderId> pool = {SenderId(1), SenderId(2), SenderId(3)};
  const CampaignId campaign(1);
  const auto* ny = date::locate_zone("America/New_York");
  SenderPolicy policy;
  policy.zone = ny;
  policy.min_spacing = seconds(90);
  policy.max_spacing = seconds(180);
  policy.daily_cap = 60;
  policy.hourly_cap = 12;
  policy.weekly_cap = 250;
  policy.domain_hourly_cap = 3;
  policy.warm_up = WarmUp{date::local_days(2026_y / date::March / 5), 20, 10};
  const CampaignPolicy campaign_policy{date::locate_zone("Europe/Berlin"), 80};

  InMemoryPacer pacer;
  for (const SenderId s : pool) {
    SenderPolicy p = policy;
    p.jitter_seed = static_cast<uint64_t>(s.value());
    pacer.SetSender(kDefaultWorkspace, s, p);
  }
  pacer.SetCampaign(kDefaultWorkspace, campaign, campaign_policy);

  // Across the 2026-03-08 DST change in New York.
  const Instant start = Instant(date::sys_days(2026_y / date::March / 4));
  const std::vector<std::string> domains = {"a.com", "b.com", "c.com", "d.com", "e.com"};
  std::vector<std::vector<Reservation>> kept(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(static_cast<uint64_t>(t) + 1);
      for (int i = 0; i < kPerThread; ++i) {
        Request request;
        request.campaign = campaign;
        request.is_new_contact = random() % 2 == 0;
        request.recipient_domain = domains[random() % domains.size()];
        const Instant earliest = start + minutes(static_cast<int64_t>(random() % (6 * 24 * 60)));
        Result<Reservation> r =
            random() % 3 == 0 ? ReserveForContact(pacer, pool, std::nullopt, earliest, request)
                              : pacer.Reserve(pool[random() % pool.size()], earliest, request);
        ASSERT_TRUE(r.ok()) << r.status();
        if (random() % 10 == 0) {
          ASSERT_TRUE(pacer.Release(*r).ok());
        } else {
          kept[static_cast<size_t>(t)].push_back(*r);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::map<SenderId, std::vector<testing::SentMessage>> by_sender;
  std::vector<testing::SentMessage> all;
  size_t total = 0;
  LimitSet pushes_seen;
  for (const auto& list : kept) {
    total += list.size();
    for (const Reservation& r : list) pushes_seen |= r.pushed_by;
  }
  // The load is dense enough that every sender-side limit actually bound somewhere.
  for (const Limit limit : {Limit::kSpacing, Limit::kDailyCap, Limit::kHourlyCap, Limit::kWarmUp,
                            Limit::kDomainHourlyCap, Limit::kCampaignNewContacts}) {
    EXPECT_TRUE(pushes_seen.test(static_cast<size_t>(limit))) << ToString(limit);
  }
  for (const SenderId s : pool) {
    for (const Booking& b : pacer.BookingsOf(kDefaultWorkspace, s)) {
      by_sender[s].push_back({b.at, b.recipient_domain, b.campaign, b.is_new_contact});
      all.push_back(by_sender[s].back());
    }
  }
  EXPECT_EQ(all.size(), total);  // every kept reservation is booked, no released one is
  for (const auto& [sender, messages] : by_sender) {
    EXPECT_THAT(testing::CheckSenderSchedule(policy, messages), ::testing::IsEmpty())
        << "sender " << sender;
  }
  EXPECT_THAT(testing::CheckCampaignSchedule(campaign_policy, *campaign_policy.zone, all),
              ::testing::IsEmpty());
  // The kept reservations are exactly the bookings.
  std::multiset<std::pair<int64_t, int64_t>> granted;
  for (const auto& list : kept) {
    for (const Reservation& r : list) granted.insert({r.sender.value(), ToUnixMicros(r.at)});
  }
  std::multiset<std::pair<int64_t, int64_t>> booked;
  for (const auto& [sender, messages] : by_sender) {
    for (const auto& m : messages) booked.insert({sender.value(), ToUnixMicros(m.at)});
  }
  EXPECT_EQ(granted, booked);
}

}  // namespace
}  // namespace cadent::pacing
