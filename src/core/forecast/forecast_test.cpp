#include "core/forecast/forecast.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/calendar/test_util.hpp"

namespace cadent::forecast {
namespace {

using namespace date::literals;  // 2026_y
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using calendar::testing::Local;
using calendar::testing::Zone;

calendar::DelayRule Delay(std::string_view text) {
  Result<calendar::DelayRule> rule = calendar::DelayRule::Parse(text);
  EXPECT_TRUE(rule.ok()) << text << ": " << rule.status();
  return rule.ok() ? *rule : calendar::DelayRule{};
}

Sender EmailSender(int64_t id, const date::time_zone* zone) {
  Sender sender;
  sender.id = pacing::SenderId(id);
  sender.channel = "email";
  sender.policy.zone = zone;
  sender.policy.min_spacing = seconds(60);
  sender.policy.max_spacing = seconds(60);
  return sender;
}

// Ten contacts in New York, one sender, two email steps three days apart.
Input SmallInput() {
  Input input;
  input.audience = {{"America/New_York", "US", "", 10}};
  input.steps = {{"email", Delay("0"), true}, {"email", Delay("3 days"), true}};
  input.senders = {EmailSender(1, Zone("America/New_York"))};
  input.start = Local(Zone("America/New_York"), 2026_y / date::April / 6, 8);  // a Monday
  input.keep_schedule = true;
  return input;
}

TEST(ForecastTest, SimulatesASmallCampaign) {
  const Result<Forecast> forecast = RunForecast(SmallInput());
  ASSERT_TRUE(forecast.ok()) << forecast.status();
  EXPECT_EQ(forecast->contacts, 10);
  EXPECT_EQ(forecast->messages, 20);
  EXPECT_EQ(forecast->contacts_finished, 10);
  EXPECT_EQ(forecast->contacts_unfinished, 0);
  const auto* ny = Zone("America/New_York");
  // The window opens at 09:00; the sender sends one a minute.
  EXPECT_EQ(forecast->first_message, Local(ny, 2026_y / date::April / 6, 9));
  EXPECT_EQ(forecast->last_message, Local(ny, 2026_y / date::April / 9, 9, 9));
  ASSERT_EQ(forecast->per_day.size(), 2u);
  EXPECT_EQ(forecast->per_day[0].day, 2026_y / date::April / 6);
  EXPECT_EQ(forecast->per_day[0].messages, 10);
  EXPECT_EQ(forecast->per_day[0].channel, "email");
  EXPECT_EQ(forecast->per_day[1].day, 2026_y / date::April / 9);
  EXPECT_EQ(forecast->delayed_by_hours, 10);  // 08:00 enrollment waits for 09:00
  EXPECT_EQ(forecast->delayed_by_spacing, 9);
  EXPECT_EQ(forecast->delayed_by_caps, 0);
  EXPECT_EQ(forecast->delayed_by_holiday, 0);
  const std::string summary = Summary(*forecast);
  EXPECT_THAT(summary, ::testing::HasSubstr("contacts: 10, messages: 20"));
  EXPECT_THAT(summary, ::testing::HasSubstr("busiest: 2026-04-06 (10 messages)"));
}

TEST(ForecastTest, IsDeterministic) {
  Input input = SmallInput();
  input.audience = {{"Europe/Berlin", "DE", "a.de", 40}, {"Asia/Tokyo", "JP", "b.jp", 30}};
  input.senders.push_back(EmailSender(2, Zone("Europe/Berlin")));
  input.senders[0].policy.max_spacing = seconds(200);
  input.reply_rate = 0.3;
  const Result<Forecast> a = RunForecast(input);
  const Result<Forecast> b = RunForecast(input);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->schedule.size(), b->schedule.size());
  for (size_t i = 0; i < a->schedule.size(); ++i) {
    EXPECT_EQ(a->schedule[i].at, b->schedule[i].at);
    EXPECT_EQ(a->schedule[i].sender, b->schedule[i].sender);
  }
  EXPECT_EQ(a->contacts_replied, b->contacts_replied);
  input.seed = 2;
  EXPECT_NE(RunForecast(input)->contacts_replied, -1);  // another seed also runs
}

TEST(ForecastTest, RepliesStopTheSequence) {
  Input input = SmallInput();
  input.reply_rate = 1.0;
  Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  EXPECT_EQ(forecast->messages, 10);
  EXPECT_EQ(forecast->contacts_replied, 10);
  EXPECT_EQ(forecast->contacts_finished, 10);
  // A step that does not stop on reply is still sent.
  input.steps[1].stops_on_reply = false;
  forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  EXPECT_EQ(forecast->messages, 20);
}

TEST(ForecastTest, HolidaysDelayContacts) {
  Input input = SmallInput();
  // Enrolled after hours the day before Thanksgiving (2026-11-26): the first step waits
  // for Friday.
  const auto* ny = Zone("America/New_York");
  input.start = Local(ny, 2026_y / date::November / 25, 18);
  const Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  EXPECT_EQ(forecast->first_message, Local(ny, 2026_y / date::November / 27, 9));
  EXPECT_EQ(forecast->delayed_by_holiday, 10);
  EXPECT_DOUBLE_EQ(forecast->ShareDelayedByHoliday(), 1.0);
}

TEST(ForecastTest, CapsDelayContacts) {
  Input input = SmallInput();
  input.audience[0].count = 20;
  input.steps.resize(1);
  input.senders[0].policy.daily_cap = 5;
  const Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  EXPECT_EQ(forecast->messages, 20);
  EXPECT_EQ(forecast->per_day.size(), 4u);
  EXPECT_EQ(forecast->delayed_by_caps, 15);  // all but the first day's five
  EXPECT_DOUBLE_EQ(forecast->ShareDelayedByCaps(), 0.75);
  for (const DailyCount& day : forecast->per_day) EXPECT_LE(day.messages, 5);
}

TEST(ForecastTest, RotationKeepsTheThread) {
  Input input = SmallInput();
  input.audience[0].count = 30;
  input.steps.push_back({"email", Delay("2 business days"), true});
  input.senders.push_back(EmailSender(2, Zone("UTC")));
  input.senders.push_back(EmailSender(3, Zone("UTC")));
  const Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  std::map<uint32_t, std::set<uint16_t>> senders_of;
  std::map<uint16_t, int> firsts;
  for (const ScheduledMessage& m : forecast->schedule) {
    senders_of[m.contact].insert(m.sender);
    if (m.step == 0) ++firsts[m.sender];
  }
  for (const auto& [contact, senders] : senders_of) EXPECT_EQ(senders.size(), 1u) << contact;
  EXPECT_EQ(firsts, (std::map<uint16_t, int>{{0, 10}, {1, 10}, {2, 10}}));  // spread evenly
}

TEST(ForecastTest, HorizonLeavesContactsUnfinished) {
  Input input = SmallInput();
  input.horizon = days(2);
  const Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok());
  EXPECT_EQ(forecast->messages, 10);
  EXPECT_EQ(forecast->contacts_unfinished, 10);
  EXPECT_EQ(forecast->contacts_finished, 0);
}

TEST(ForecastTest, RejectsBadInput) {
  Input input = SmallInput();
  input.steps.clear();
  EXPECT_EQ(RunForecast(input).status().code(), absl::StatusCode::kInvalidArgument);
  input = SmallInput();
  input.steps[1].channel = "sms";
  EXPECT_EQ(RunForecast(input).status().code(), absl::StatusCode::kInvalidArgument);
  input = SmallInput();
  input.reply_rate = 1.5;
  EXPECT_EQ(RunForecast(input).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cadent::forecast
