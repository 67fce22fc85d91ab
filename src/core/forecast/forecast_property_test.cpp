// The randomized property test: 10,000 contacts in 50 zones over 30 simulated days.
// The produced schedule is checked independently of the pacer: every message inside the
// recipient's window (IsAllowed), on no holiday (HolidayData) and no weekend (WeekendOf), at
// an allowed local time; no spacing or cap violation per sender (schedule_check.hpp); the
// campaign's new-contact cap; steps in order, each contact kept by one sender per channel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/forecast/forecast.hpp"
#include "core/pacing/testing/schedule_check.hpp"

namespace cadent::forecast {
namespace {

using namespace date::literals;  // 2026_y
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct Place {
  std::string_view zone;
  std::string_view country;
};

// 50 zones: DST north and south, half-hour and 45-minute offsets, Fri/Sat weekends, and
// countries whose holidays fall in the simulated month (Eid al-Fitr, Easter, Nowruz, ...).
constexpr Place kPlaces[] = {
    {"America/New_York", "US"},    {"America/Chicago", "US"},
    {"America/Denver", "US"},      {"America/Los_Angeles", "US"},
    {"Pacific/Honolulu", "US"},    {"America/Toronto", "CA"},
    {"America/Vancouver", "CA"},   {"America/Mexico_City", "MX"},
    {"America/Sao_Paulo", "BR"},   {"America/Argentina/Buenos_Aires", "AR"},
    {"Europe/London", "GB"},       {"Europe/Dublin", "IE"},
    {"Europe/Lisbon", "PT"},       {"Europe/Madrid", "ES"},
    {"Europe/Paris", "FR"},        {"Europe/Brussels", "BE"},
    {"Europe/Amsterdam", "NL"},    {"Europe/Berlin", "DE"},
    {"Europe/Vienna", "AT"},       {"Europe/Prague", "CZ"},
    {"Europe/Warsaw", "PL"},       {"Europe/Rome", "IT"},
    {"Europe/Athens", "GR"},       {"Europe/Bucharest", "RO"},
    {"Europe/Stockholm", "SE"},    {"Europe/Oslo", "NO"},
    {"Europe/Copenhagen", "DK"},   {"Europe/Helsinki", "FI"},
    {"Atlantic/Reykjavik", "IS"},  {"Europe/Istanbul", "TR"},
    {"Europe/Moscow", "RU"},       {"Asia/Riyadh", "SA"},
    {"Asia/Dubai", "AE"},          {"Asia/Qatar", "QA"},
    {"Asia/Kuwait", "KW"},         {"Asia/Jerusalem", "IL"},
    {"Africa/Cairo", "EG"},        {"Africa/Lagos", "NG"},
    {"Africa/Nairobi", "KE"},      {"Africa/Johannesburg", "ZA"},
    {"Asia/Karachi", "PK"},        {"Asia/Kolkata", "IN"},
    {"Asia/Dhaka", "BD"},          {"Asia/Kathmandu", "NP"},
    {"Asia/Ho_Chi_Minh", "VN"},    {"Asia/Singapore", "SG"},
    {"Asia/Manila", "PH"},         {"Asia/Tokyo", "JP"},
    {"Australia/Lord_Howe", "AU"}, {"Pacific/Chatham", "NZ"},
};
static_assert(std::size(kPlaces) == 50);

TEST(ForecastPropertyTest, TenThousandContactsFiftyZonesThirtyDays) {
  constexpr int kContacts = 10'000;
  std::mt19937_64 random(20260316);
  Input input;
  input.start = Instant(date::sys_days(2026_y / date::March / 16));  // Eid, Easter, EU DST
  input.horizon = days(30);
  input.keep_schedule = true;
  input.reply_rate = 0.08;
  input.seed = 99;
  ASSERT_TRUE(calendar::SendWindow::Parse("Mon-Sun 09:00-12:00,13:00-17:30").ok());
  input.calendar.window = *calendar::SendWindow::Parse("Mon-Sun 09:00-12:00,13:00-17:30");
  input.calendar.weekend = calendar::WeekendPolicy::kCountry;
  input.calendar.holidays = calendar::HolidayPolicy::kRecipientCountry;
  input.campaign = pacing::CampaignPolicy{date::locate_zone("UTC"), 900};
  std::vector<std::string> domains;
  for (int i = 0; i < 40; ++i) domains.push_back("d" + std::to_string(i) + ".example");
  for (int i = 0; i < kContacts; ++i) {
    const Place& place = kPlaces[random() % std::size(kPlaces)];
    input.audience.push_back({std::string(place.zone), std::string(place.country),
                              domains[random() % domains.size()], 1});
  }
  input.steps = {{"email", *calendar::DelayRule::Parse("0"), true},
                 {"linkedin", *calendar::DelayRule::Parse("2 business days"), true},
                 {"email", *calendar::DelayRule::Parse("3 days at 09:30"), true},
                 {"email", *calendar::DelayRule::Parse("4 business days"), false}};
  const char* sender_zones[] = {"America/New_York", "Europe/London",  "Europe/Berlin",
                                "Asia/Dubai",       "Asia/Singapore", "Australia/Sydney"};
  for (int i = 0; i < 24; ++i) {
    Sender sender;
    sender.id = pacing::SenderId(i + 1);
    const bool linkedin = i >= 18;
    sender.channel = linkedin ? "linkedin" : "email";
    pacing::SenderPolicy& p = sender.policy;
    p.zone = date::locate_zone(sender_zones[i % std::size(sender_zones)]);
    p.min_spacing = seconds(linkedin ? 120 : 90);
    p.max_spacing = seconds(linkedin ? 300 : 180);
    p.daily_cap = linkedin ? 40 : 150;
    p.hourly_cap = linkedin ? 10 : 25;
    p.weekly_cap = linkedin ? 150 : 800;
    p.domain_hourly_cap = linkedin ? std::nullopt : std::optional<int32_t>(2);
    if (i % 4 == 0) p.warm_up = pacing::WarmUp{date::local_days(2026_y / date::March / 14), 20, 8};
    p.jitter_seed = static_cast<uint64_t>(i) * 7919;
    input.senders.push_back(sender);
  }

  const Result<Forecast> forecast = RunForecast(input);
  ASSERT_TRUE(forecast.ok()) << forecast.status();
  EXPECT_EQ(forecast->contacts, kContacts);
  EXPECT_GT(forecast->messages, 15'000);
  EXPECT_EQ(static_cast<int64_t>(forecast->schedule.size()), forecast->messages);
  EXPECT_GT(forecast->delayed_by_holiday, 0);
  EXPECT_GT(forecast->delayed_by_caps, 0);
  EXPECT_EQ(forecast->contacts_finished + forecast->contacts_unfinished, kContacts);

  const calendar::HolidayData& holidays = calendar::HolidayData::Builtin();
  std::vector<calendar::RecipientCalendar> calendars;
  for (const AudienceGroup& contact : input.audience) {
    calendars.push_back(calendar::MakeRecipientCalendar(
        input.calendar, date::locate_zone(contact.zone), contact.country));
  }
  const Instant end = input.start + input.horizon;
  int64_t window_violations = 0;
  std::map<uint16_t, std::vector<pacing::testing::SentMessage>> by_sender;
  std::vector<pacing::testing::SentMessage> all;
  std::map<uint32_t, std::vector<ScheduledMessage>> by_contact;
  for (const ScheduledMessage& m : forecast->schedule) {
    const AudienceGroup& contact = input.audience[m.contact];
    const date::time_zone* zone = date::locate_zone(contact.zone);
    const auto local = zone->to_local(m.at);
    const date::local_days day = std::chrono::floor<days>(local);
    const date::year_month_day ymd(day);
    const auto time_of_day = std::chrono::floor<minutes>(local - day);
    const bool in_hours = (time_of_day >= hours(9) && time_of_day < hours(12)) ||
                          (time_of_day >= hours(13) && time_of_day < hours(17) + minutes(30));
    const bool weekend = calendar::WeekendOf(contact.country).test(date::weekday(day).c_encoding());
    const bool holiday = holidays.Find(contact.country, ymd) != nullptr;
    if (!calendar::IsAllowed(m.at, calendars[m.contact]) || !in_hours || weekend || holiday ||
        m.at < input.start || m.at > end) {
      if (++window_violations <= 10) {
        ADD_FAILURE() << "contact " << m.contact << " (" << contact.zone << ", " << contact.country
                      << ") step " << m.step << " at " << FormatRfc3339(m.at)
                      << ": in_hours=" << in_hours << " weekend=" << weekend
                      << " holiday=" << holiday;
      }
    }
    pacing::testing::SentMessage sent{m.at, contact.recipient_domain, pacing::CampaignId(1),
                                      m.is_new_contact};
    by_sender[m.sender].push_back(sent);
    all.push_back(sent);
    by_contact[m.contact].push_back(m);
  }
  EXPECT_EQ(window_violations, 0);

  for (const auto& [sender, messages] : by_sender) {
    EXPECT_THAT(pacing::testing::CheckSenderSchedule(input.senders[sender].policy, messages),
                ::testing::IsEmpty())
        << "sender " << input.senders[sender].id;
  }
  EXPECT_THAT(pacing::testing::CheckCampaignSchedule(input.campaign, *input.campaign.zone, all),
              ::testing::IsEmpty());

  // Per contact: steps in order, strictly later each time, one first message, one sender
  // per channel.
  for (const auto& [contact, messages] : by_contact) {
    std::map<std::string, uint16_t> sender_of_channel;
    int new_contact_flags = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(messages[i].step, messages[i - 1].step);
        EXPECT_GT(messages[i].at, messages[i - 1].at);
      }
      new_contact_flags += messages[i].is_new_contact ? 1 : 0;
      const std::string& channel = input.steps[messages[i].step].channel;
      const auto [it, inserted] = sender_of_channel.emplace(channel, messages[i].sender);
      EXPECT_EQ(it->second, messages[i].sender) << "contact " << contact << " changed sender";
    }
    EXPECT_EQ(new_contact_flags, 1);
    EXPECT_TRUE(messages[0].is_new_contact);
  }
  std::cout << Summary(*forecast);
}

}  // namespace
}  // namespace cadent::forecast
