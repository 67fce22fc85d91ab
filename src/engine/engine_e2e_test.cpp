// End to end in virtual time (issue #5's "tests that must exist"): a 3-step email campaign
// over 1,000 contacts in 20 zones across the holidays, with sender caps and spacing, with
// replies injected for a chosen set; and a LinkedIn connector campaign with acceptances and
// timeouts. Every send is checked against the recipient's calendar, the senders' limits
// (pacing/testing/schedule_check.hpp, which shares no code with the pacer) and the step
// delays.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/pacing/testing/schedule_check.hpp"
#include "engine/engine.hpp"
#include "engine/engine_test_fixture.hpp"

namespace cadent {
namespace {

using engine_testing::OutboxLine;
using sequence::CampaignStatus;
using sequence::EnrollmentStatus;
using sequence::MessageStatus;
using ::testing::IsEmpty;

struct Place {
  const char* zone;
  const char* country;
};
// 20 zones; SA and IL have Friday/Saturday weekends; NP is covered by no holiday file.
constexpr Place kPlaces[] = {
    {"America/New_York", "US"},    {"America/Los_Angeles", "US"}, {"America/Chicago", "US"},
    {"Europe/Berlin", "DE"},       {"Europe/London", "GB"},       {"Europe/Paris", "FR"},
    {"Asia/Riyadh", "SA"},         {"Asia/Kolkata", "IN"},        {"Asia/Tokyo", "JP"},
    {"America/Sao_Paulo", "BR"},   {"Australia/Sydney", "AU"},    {"Australia/Perth", "AU"},
    {"Asia/Dubai", "AE"},          {"Asia/Singapore", "SG"},      {"Africa/Johannesburg", "ZA"},
    {"America/Mexico_City", "MX"}, {"Asia/Jerusalem", "IL"},      {"Pacific/Auckland", "NZ"},
    {"Asia/Seoul", "KR"},          {"Asia/Kathmandu", "NP"},
};

date::year_month_day LocalDay(Instant at, const date::time_zone* zone) {
  return date::year_month_day(date::floor<date::days>(zone->to_local(at)));
}
date::weekday LocalWeekday(Instant at, const date::time_zone* zone) {
  return date::weekday(date::floor<date::days>(zone->to_local(at)));
}
std::chrono::minutes LocalMinuteOfDay(Instant at, const date::time_zone* zone) {
  const auto local = zone->to_local(at);
  return std::chrono::duration_cast<std::chrono::minutes>(local - date::floor<date::days>(local));
}

class EngineE2eTest : public engine_testing::EngineFixture {
 protected:
  std::shared_ptr<const CampaignRuntime> Runtime(CampaignId id) {
    Result<Campaign> campaign = db().campaigns().Get(ws_, id);
    EXPECT_TRUE(campaign.ok());
    Result<std::shared_ptr<const CampaignRuntime>> runtime = CampaignRuntime::Load(db(), *campaign);
    EXPECT_TRUE(runtime.ok()) << runtime.status();
    return runtime.ok() ? *runtime : nullptr;
  }

  // Every line's send time is open in its recipient's calendar (as the runtime builds it).
  void ExpectAllowedByCalendar(const CampaignRuntime& runtime,
                               const std::map<int64_t, Contact>& contacts,
                               const std::vector<OutboxLine>& lines) {
    int bad = 0;
    for (const OutboxLine& line : lines) {
      const Contact& c = contacts.at(line.contact.value());
      const CampaignRuntime::Recipient r = runtime.RecipientOf(c.data);
      if (!calendar::IsAllowed(line.sent_at, r.calendar) && ++bad <= 10) {
        ADD_FAILURE() << line.step << " to " << c.data.email << " (" << c.data.time_zone << ") at "
                      << FormatRfc3339(line.sent_at) << " is outside the calendar";
      }
    }
    EXPECT_EQ(bad, 0);
  }

  // Zero cap or spacing violation, per sender, by an independent checker.
  void ExpectPacingKept(const CampaignRuntime& runtime, const std::map<int64_t, Contact>& contacts,
                        const std::vector<OutboxLine>& lines) {
    std::map<int64_t, std::vector<pacing::testing::SentMessage>> by_sender;
    for (const OutboxLine& line : lines) {
      pacing::testing::SentMessage m;
      m.at = line.sent_at;
      m.recipient_domain = contacts.at(line.contact.value()).data.email_domain;
      m.campaign = CampaignId(1);
      by_sender[line.sender.value()].push_back(m);
    }
    for (const auto& [sender, messages] : by_sender) {
      const RuntimeSender* s = runtime.sender(SenderId(sender));
      ASSERT_NE(s, nullptr) << sender;
      const std::vector<std::string> violations =
          pacing::testing::CheckSenderSchedule(s->policy, messages);
      EXPECT_THAT(violations, IsEmpty()) << "sender " << s->account.name;
    }
  }
};

TEST_F(EngineE2eTest, ThousandContactsTwentyZonesHolidaysCapsAndReplies) {
  // Monday 2026-12-21: Christmas and New Year fall inside the campaign.
  clock_.Set(At("2026-12-21T00:00:00Z"));
  AddThreeStepTemplates();
  SetPostalAddress();
  const std::string policy =
      R"({"daily_cap":150,"hourly_cap":30,"min_spacing_s":20,"max_spacing_s":60})";
  AddSender("s1", "email", policy, "UTC");
  AddSender("s2", "email", policy, "America/New_York");
  AddSender("s3", "email",
            R"({"daily_cap":100,"hourly_cap":20,"min_spacing_s":30,"max_spacing_s":90})",
            "Europe/Berlin");
  std::map<int64_t, Contact> contacts;
  std::set<int64_t> repliers;
  constexpr int kContacts = 1000;
  for (int i = 0; i < kContacts; ++i) {
    const Place& place = kPlaces[i % 20];
    // 50 company domains, so domains repeat across zones and senders.
    const Contact c =
        AddContact(StrCat("p", i), StrCat("company", i % 50, ".com"), place.country, place.zone);
    contacts.emplace(c.id.value(), c);
    if (i % 10 == 3) repliers.insert(c.id.value());
  }
  ASSERT_EQ(contacts.size(), 1000u);
  ASSERT_EQ(repliers.size(), 100u);
  const CampaignId id = Create(ThreeStepEmail("holiday-push", {"s1", "s2", "s3"}));
  const LaunchReport report = Launch(id);
  ASSERT_EQ(report.enrolled, kContacts);
  OpenOutbox(/*write_eml=*/false);
  StartEngine();

  // Run a day at a time; after each day, every chosen contact whose intro went out replies
  // (the bump is at least 2 days after the intro, so always before it).
  std::set<int64_t> replied;
  int64_t read = 0;
  const auto started = std::chrono::steady_clock::now();
  for (Instant until = At("2026-12-22T00:00:00Z"); until <= At("2027-03-01T00:00:00Z");
       until += std::chrono::hours(24)) {
    RunUntil(until);
    for (const OutboxLine& line : OutboxLinesFrom(&read)) {
      if (line.step != "intro" || !repliers.contains(line.contact.value()) ||
          replied.contains(line.contact.value())) {
        continue;
      }
      ASSERT_TRUE(Inject(contacts.at(line.contact.value()), EventKind::kReplied, id).ok());
      replied.insert(line.contact.value());
    }
    Result<Campaign> campaign = db().campaigns().Get(ws_, id);
    ASSERT_TRUE(campaign.ok());
    if (campaign->status == CampaignStatus::kCompleted) break;
  }
  RecordProperty("virtual_run_ms",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count()));
  ASSERT_EQ(replied, repliers);
  Result<Campaign> campaign = db().campaigns().Get(ws_, id);
  ASSERT_TRUE(campaign.ok());
  EXPECT_EQ(campaign->status, CampaignStatus::kCompleted);

  const std::vector<OutboxLine> lines = OutboxLines();
  EXPECT_EQ(lines.size(), 900u * 3 + 100u);
  std::set<int64_t> ids;
  for (const OutboxLine& line : lines) EXPECT_TRUE(ids.insert(line.id.value()).second);

  std::shared_ptr<const CampaignRuntime> runtime = Runtime(id);
  ASSERT_NE(runtime, nullptr);
  ExpectAllowedByCalendar(*runtime, contacts, lines);
  ExpectPacingKept(*runtime, contacts, lines);
  // ... and they were binding: on its busiest local day each sender sent exactly its daily
  // cap, and 2,800 messages took weeks, across Christmas and New Year.
  std::map<int64_t, std::map<date::local_days, int>> per_day;
  for (const OutboxLine& line : lines) {
    const RuntimeSender* s = runtime->sender(line.sender);
    ASSERT_NE(s, nullptr);
    ++per_day[line.sender.value()][date::floor<date::days>(s->policy.zone->to_local(line.sent_at))];
  }
  ASSERT_EQ(per_day.size(), 3u);
  for (const auto& [sender, days] : per_day) {
    int busiest = 0;
    for (const auto& [day, n] : days) busiest = std::max(busiest, n);
    EXPECT_EQ(busiest, *runtime->sender(SenderId(sender))->policy.daily_cap) << sender;
  }
  const auto [first, last] = std::minmax_element(
      lines.begin(), lines.end(),
      [](const OutboxLine& a, const OutboxLine& b) { return a.sent_at < b.sent_at; });
  EXPECT_GE(last->sent_at - first->sent_at, std::chrono::days(14));
  RecordProperty("last_send", FormatRfc3339(last->sent_at));

  // Per contact: the steps in order, each after the previous send plus its delay; replies
  // stop the sequence for exactly the repliers.
  std::map<int64_t, std::vector<OutboxLine>> by_contact;
  for (const OutboxLine& line : lines) by_contact[line.contact.value()].push_back(line);
  ASSERT_EQ(by_contact.size(), 1000u);
  int checked_holidays = 0;
  for (const auto& [contact_id, mine] : by_contact) {
    const Contact& c = contacts.at(contact_id);
    const date::time_zone* zone = date::locate_zone(c.data.time_zone);
    const bool replier = repliers.contains(contact_id);
    ASSERT_EQ(mine.size(), replier ? 1u : 3u) << c.data.email;
    EXPECT_EQ(mine[0].step, "intro");
    EXPECT_GE(mine[0].sent_at, At("2026-12-21T00:00:00Z"));
    if (!replier) {
      EXPECT_EQ(mine[1].step, "bump");
      EXPECT_EQ(mine[2].step, "breakup");
      EXPECT_GE(mine[1].sent_at - mine[0].sent_at, std::chrono::hours(48)) << c.data.email;
      EXPECT_GE(mine[2].sent_at - mine[1].sent_at, std::chrono::hours(72)) << c.data.email;
      // ... and not before the step was due by the recipient's calendar (pacing only pushes
      // later).
      const CampaignRuntime::Recipient r = runtime->RecipientOf(c.data);
      const sequence::Sequence& seq = *runtime->sequence(1);
      for (size_t k = 1; k < 3; ++k) {
        Result<calendar::Slot> due =
            calendar::StepDueAt(mine[k - 1].sent_at, seq.steps[k].delay, r.calendar, false);
        ASSERT_TRUE(due.ok()) << due.status();
        EXPECT_GE(mine[k].sent_at, due->at) << c.data.email << " " << mine[k].step;
      }
      // Follow-ups stay with the sender that first wrote.
      EXPECT_EQ(mine[1].sender, mine[0].sender);
      EXPECT_EQ(mine[2].sender, mine[0].sender);
    }
    const Enrollment e = EnrollmentOf(id, c);
    EXPECT_EQ(e.status, replier ? EnrollmentStatus::kStopped : EnrollmentStatus::kCompleted);
    if (replier) {
      EXPECT_EQ(e.stop_reason, "replied");
    }

    // Independent of the calendar code: local business hours Mon-Fri (the default window),
    // no Friday for SA and IL (their weekend), no Christmas or New Year's Day where they are
    // public holidays.
    for (const OutboxLine& line : mine) {
      const date::weekday wd = LocalWeekday(line.sent_at, zone);
      const std::chrono::minutes minute = LocalMinuteOfDay(line.sent_at, zone);
      EXPECT_GE(minute, std::chrono::hours(9))
          << c.data.email << " " << FormatRfc3339(line.sent_at);
      EXPECT_LT(minute, std::chrono::hours(17))
          << c.data.email << " " << FormatRfc3339(line.sent_at);
      EXPECT_NE(wd, date::Sunday);
      EXPECT_NE(wd, date::Saturday);
      if (c.data.country == std::string("SA") || c.data.country == std::string("IL")) {
        EXPECT_NE(wd, date::Friday) << c.data.email;
      }
      const date::year_month_day day = LocalDay(line.sent_at, zone);
      // From data/holidays/: who keeps Christmas and New Year's Day as public holidays.
      static const std::set<std::string> kChristmas = {"US", "DE", "GB", "FR", "IN", "BR",
                                                       "AU", "SG", "ZA", "MX", "NZ", "KR"};
      static const std::set<std::string> kNewYear = {"US", "DE", "GB", "FR", "JP", "BR", "AU",
                                                     "AE", "SG", "ZA", "MX", "NZ", "KR"};
      if (kChristmas.contains(c.data.country)) {
        EXPECT_NE(day, date::year(2026) / 12 / 25) << c.data.email;
        ++checked_holidays;
      }
      if (kNewYear.contains(c.data.country)) {
        EXPECT_NE(day, date::year(2027) / 1 / 1) << c.data.email;
      }
    }
  }
  EXPECT_GT(checked_holidays, 0);

  // The database agrees with the outbox: every line is a sent message with that time, and
  // every planned follow-up of a replier was cancelled.
  const std::vector<StepStats> stats = [&] {
    Result<std::vector<StepStats>> s = service().Stats(ws_, id);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : std::vector<StepStats>{};
  }();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].by_status[static_cast<size_t>(MessageStatus::kSent)], 1000);
  EXPECT_EQ(stats[1].by_status[static_cast<size_t>(MessageStatus::kSent)], 900);
  EXPECT_EQ(stats[1].by_status[static_cast<size_t>(MessageStatus::kCancelled)], 100);
  EXPECT_EQ(stats[2].by_status[static_cast<size_t>(MessageStatus::kSent)], 900);
  EXPECT_EQ(stats[0].events[static_cast<size_t>(EventKind::kReplied)], 100);
  for (const int64_t contact_id : {*repliers.begin(), contacts.begin()->first}) {
    const std::vector<Message> messages = MessagesOf(id, contacts.at(contact_id));
    const auto& mine = by_contact.at(contact_id);
    for (size_t i = 0; i < mine.size(); ++i) {
      ASSERT_LT(i, messages.size());
      EXPECT_EQ(messages[i].status, MessageStatus::kSent);
      ASSERT_TRUE(messages[i].sent_at.has_value());
      EXPECT_EQ(*messages[i].sent_at, mine[i].sent_at);
    }
  }
  // Senders shared the load.
  std::map<int64_t, int> per_sender;
  for (const OutboxLine& line : lines) ++per_sender[line.sender.value()];
  EXPECT_EQ(per_sender.size(), 3u);
}

TEST_F(EngineE2eTest, ConnectorFollowsUpOnAcceptanceAndEndsAtTheTimeout) {
  clock_.Set(At("2027-02-01T00:00:00Z"));  // a Monday
  AddLinkedInTemplate("invite", templating::Channel::kLinkedInInvite);
  AddLinkedInTemplate("follow1", templating::Channel::kLinkedInMessage);
  AddLinkedInTemplate("follow2", templating::Channel::kLinkedInMessage);
  const SenderAccount li =
      AddSender("li", "linkedin",
                R"({"daily_cap":15,"weekly_cap":60,"min_spacing_s":120,"max_spacing_s":300})",
                "Europe/London");
  std::map<int64_t, Contact> contacts;
  std::vector<Contact> accepters, others;
  for (int i = 0; i < 24; ++i) {
    const Place& place = kPlaces[(i * 3) % 20];
    const Contact c =
        AddContact(StrCat("l", i), StrCat("firm", i, ".com"), place.country, place.zone);
    contacts.emplace(c.id.value(), c);
    (i % 2 == 0 ? accepters : others).push_back(c);
  }
  sequence::ConnectorPreset preset;
  preset.invite_template = "invite";
  preset.follow_up_templates = {"follow1", "follow2"};
  preset.accept_within = std::chrono::hours(24 * 14);
  CampaignDefinition def;
  def.name = "connector";
  def.settings.senders = {"li"};
  def.sequence = sequence::MakeConnector(preset);
  ASSERT_THAT(sequence::Check(def.sequence, def.settings.kind), IsEmpty());
  const CampaignId id = Create(def);
  ASSERT_EQ(Launch(id).enrolled, 24);
  OpenOutbox();
  StartEngine();

  // Invites go out (15 a day at most); each accepter accepts 3 days after its invite.
  std::map<int64_t, Instant> invited, accepted;
  const std::set<int64_t> accepter_ids = [&] {
    std::set<int64_t> s;
    for (const Contact& c : accepters) s.insert(c.id.value());
    return s;
  }();
  for (Instant until = At("2027-02-01T12:00:00Z"); until <= At("2027-04-01T00:00:00Z");
       until += std::chrono::hours(12)) {
    RunUntil(until);
    for (const OutboxLine& line : OutboxLines()) {
      if (line.step == "invite") invited.emplace(line.contact.value(), line.sent_at);
    }
    for (const auto& [contact, at] : invited) {
      if (!accepter_ids.contains(contact) || accepted.contains(contact)) continue;
      if (clock_.Now() - at < std::chrono::hours(72)) continue;
      ASSERT_TRUE(Inject(contacts.at(contact), EventKind::kAccepted, id).ok());
      accepted.emplace(contact, clock_.Now());
    }
    // Halfway through the acceptance window a non-accepter is still waiting.
    for (const Contact& c : others) {
      const auto it = invited.find(c.id.value());
      if (it == invited.end()) continue;
      const Duration since = clock_.Now() - it->second;
      if (since < std::chrono::hours(24 * 13)) {
        const Enrollment e = EnrollmentOf(id, c);
        EXPECT_EQ(e.status, EnrollmentStatus::kWaiting) << c.data.email;
        EXPECT_EQ(e.step, "accepted");
      }
    }
    Result<Campaign> campaign = db().campaigns().Get(ws_, id);
    ASSERT_TRUE(campaign.ok());
    if (campaign->status == CampaignStatus::kCompleted) break;
  }
  EXPECT_EQ(invited.size(), 24u);
  EXPECT_EQ(accepted.size(), accepters.size());

  const std::vector<OutboxLine> lines = OutboxLines();
  std::map<int64_t, std::vector<OutboxLine>> by_contact;
  for (const OutboxLine& line : lines) by_contact[line.contact.value()].push_back(line);
  for (const Contact& c : accepters) {
    const auto& mine = by_contact[c.id.value()];
    ASSERT_EQ(mine.size(), 3u) << c.data.email;
    EXPECT_EQ(mine[0].step, "invite");
    EXPECT_EQ(mine[0].channel, "linkedin_invite");
    EXPECT_EQ(mine[0].to, c.data.linkedin_url);
    EXPECT_EQ(mine[1].step, "follow_up_1");
    EXPECT_EQ(mine[1].channel, "linkedin_message");
    EXPECT_EQ(mine[2].step, "follow_up_2");
    EXPECT_GE(mine[1].sent_at, accepted.at(c.id.value()));
    // Two business days between the follow-ups: at least 48 hours.
    EXPECT_GE(mine[2].sent_at - mine[1].sent_at, std::chrono::hours(48));
    EXPECT_EQ(EnrollmentOf(id, c).status, EnrollmentStatus::kCompleted);
  }
  for (const Contact& c : others) {
    const auto& mine = by_contact[c.id.value()];
    ASSERT_EQ(mine.size(), 1u) << c.data.email;
    EXPECT_EQ(mine[0].step, "invite");
    const Enrollment e = EnrollmentOf(id, c);
    EXPECT_EQ(e.status, EnrollmentStatus::kCompleted) << c.data.email;
    // Completed at the deadline, not before.
    EXPECT_GE(e.updated_at, mine[0].sent_at + std::chrono::hours(24 * 14));
    EXPECT_EQ(MessagesOf(id, c).size(), 1u);
  }
  std::shared_ptr<const CampaignRuntime> runtime = Runtime(id);
  ASSERT_NE(runtime, nullptr);
  ExpectAllowedByCalendar(*runtime, contacts, lines);
  ExpectPacingKept(*runtime, contacts, lines);
  for (const OutboxLine& line : lines) EXPECT_EQ(line.sender, li.id);
  Result<Campaign> campaign = db().campaigns().Get(ws_, id);
  ASSERT_TRUE(campaign.ok());
  EXPECT_EQ(campaign->status, CampaignStatus::kCompleted);
}

}  // namespace
}  // namespace cadent
