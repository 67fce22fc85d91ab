// The engine's basics, in virtual time against a real SQLite database and the outbox
// channel: launch validation, sending each step once in order with its delay, pause and
// resume, stop, the storage's refusal of invalid status changes, suppression, stop rules,
// condition branches, and recovery after a dead dispatcher.
#include "engine/engine.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "channels/email/eml.hpp"
#include "engine/engine_test_fixture.hpp"

namespace cadent {
namespace {

using sequence::CampaignStatus;
using sequence::EnrollmentStatus;
using sequence::MessageStatus;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kNoSpacing[] = R"({"min_spacing_s":0,"max_spacing_s":0})";

class EngineTest : public engine_testing::EngineFixture {
 protected:
  // Templates, postal address, one email sender "alice" with no spacing, and `n` contacts
  // in New York; a 3-step campaign over them, created (not launched).
  CampaignId Basic(int n, const std::string& name = "basic") {
    AddThreeStepTemplates();
    SetPostalAddress();
    alice_ = AddSender("alice", "email", kNoSpacing);
    for (int i = 0; i < n; ++i) {
      contacts_.push_back(AddContact(StrCat("c", i), "example.com", "US", "America/New_York"));
    }
    return Create(ThreeStepEmail(name, {"alice"}));
  }

  // The email templates `names`, the postal address and the sender alice (no spacing).
  void EmailSetup(std::initializer_list<std::string> names) {
    for (const std::string& name : names) AddEmailTemplate(name);
    SetPostalAddress();
    alice_ = AddSender("alice", "email", kNoSpacing);
  }
  // A condition step "opened": yes when the last message was opened within `hours`.
  static sequence::Step OpenedWithin(int hours, const std::string& on_yes,
                                     const std::string& on_no) {
    sequence::Step opened;
    opened.id = "opened";
    opened.kind = sequence::StepKind::kCondition;
    opened.condition = sequence::ConditionKind::kOpened;
    opened.within = std::chrono::hours(hours);
    opened.on_yes = on_yes;
    opened.on_no = on_no;
    return opened;
  }

  // An intro template of this subject and html, the standard bump and breakup, the address.
  void IntroWithFollowUps(const std::string& subject, const std::string& html) {
    templating::TemplateSource source;
    source.subject = subject;
    source.html = html;
    ASSERT_TRUE(db().templates().Create(ws_, "intro", source, "").ok());
    AddEmailTemplate("bump");
    AddEmailTemplate("breakup");
    SetPostalAddress();
  }

  // An intro that names {{company}} without a fallback, sender alice, and two contacts: one
  // with a company and one without.
  std::pair<Contact, Contact> CompanyIntroFor2() {
    IntroWithFollowUps("About {{company}}",
                       "<p>{{company}}</p><a href=\"{{unsubscribe_url}}\">u</a>");
    AddSender("alice", "email", kNoSpacing);
    const Contact with = AddContact("a", "example.com", "US", "America/New_York");
    ContactData data;
    data.email = data.email_normalized = "nocompany@example.org";
    data.email_domain = data.registrable_domain = "example.org";
    data.time_zone = "America/New_York";
    Result<Contact> without = db().contacts().Create(ws_, data);
    EXPECT_TRUE(without.ok()) << without.status();
    return {with, without.ok() ? *without : Contact{}};
  }

  int64_t Count(const std::vector<StepStats>& stats, std::string_view step, MessageStatus status) {
    int64_t n = 0;
    for (const StepStats& s : stats) {
      if (s.step == step) n += s.by_status[static_cast<size_t>(status)];
    }
    return n;
  }
  std::vector<StepStats> Stats(CampaignId id) {
    Result<std::vector<StepStats>> stats = service().Stats(ws_, id);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : std::vector<StepStats>{};
  }
  Campaign Get(CampaignId id) {
    Result<Campaign> c = db().campaigns().Get(ws_, id);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : Campaign{};
  }
  std::vector<std::string> StepsSentTo(const Contact& contact) {
    std::vector<std::string> steps;
    for (const engine_testing::OutboxLine& line : OutboxLines()) {
      if (line.contact == contact.id) steps.push_back(line.step);
    }
    return steps;
  }
  const Message* Find(const std::vector<Message>& messages, std::string_view step) {
    for (const Message& m : messages) {
      if (m.step == step) return &m;
    }
    return nullptr;
  }

  SenderAccount alice_;
  std::vector<Contact> contacts_;
};

// ---------------------------------------------------------------------------------------
// Launch

TEST_F(EngineTest, LaunchRefusesWithEveryProblemAndWritesNothing) {
  AddEmailTemplate("intro", /*with_unsubscribe=*/false);
  AddEmailTemplate("breakup");
  AddSender("li", "linkedin", kNoSpacing);
  const Contact a = AddContact("a", "example.com", "US", "America/New_York");
  CampaignDefinition def;
  def.name = "refused";
  def.settings.senders = {"li"};
  def.sequence.steps = {SendStep("intro", "intro"), SendStep("bump", "ghost", "2 days"),
                        SendStep("breakup", "breakup", "3 days")};
  const CampaignId id = Create(def);

  Result<LaunchReport> refused = service().Launch(ws_, id);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  const std::string message(refused.status().message());
  EXPECT_THAT(message, HasSubstr("no template named 'ghost'"));
  EXPECT_THAT(message, HasSubstr("template 'intro' has no {{unsubscribe_url}}"));
  EXPECT_THAT(message, HasSubstr("no postal address"));
  EXPECT_THAT(message, HasSubstr("no email sender account"));
  // One problem per line.
  EXPECT_GE(std::count(message.begin(), message.end(), '\n'), 4) << message;

  // Nothing written.
  EXPECT_EQ(Get(id).status, CampaignStatus::kDraft);
  EXPECT_FALSE(Get(id).launched_at.has_value());
  Result<std::vector<std::pair<EnrollmentStatus, int64_t>>> counts =
      db().engine().EnrollmentCounts(ws_, id);
  ASSERT_TRUE(counts.ok());
  EXPECT_THAT(*counts, IsEmpty());
  EXPECT_THAT(Stats(id), IsEmpty());
  Result<std::optional<Enrollment>> enrollment = db().engine().FindEnrollment(ws_, id, a.id);
  ASSERT_TRUE(enrollment.ok());
  EXPECT_FALSE(enrollment->has_value());

  // Each problem fixed: the launch goes through.
  AddEmailTemplate("ghost");
  Result<std::optional<Template>> intro = db().templates().FindByName(ws_, "intro");
  ASSERT_TRUE(intro.ok() && intro->has_value());
  templating::TemplateSource fixed;
  fixed.subject = "intro";
  fixed.html = "<p>Hi</p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a>";
  ASSERT_TRUE(db().templates().AddVersion(ws_, (*intro)->id, 1, fixed, "fix").ok());
  SetPostalAddress();
  AddSender("alice", "email", kNoSpacing);
  def.settings.senders = {"li", "alice"};
  ASSERT_TRUE(service().Update(ws_, id, def, false).ok());
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.enrolled, 1);
  EXPECT_EQ(report.campaign.status, CampaignStatus::kActive);
}

TEST_F(EngineTest, LaunchRefusesEachProblemAlone) {
  // A complete setup, then one thing missing at a time.
  AddThreeStepTemplates();
  AddEmailTemplate("plain", /*with_unsubscribe=*/false);
  AddSender("alice", "email", kNoSpacing);
  AddSender("li", "linkedin", kNoSpacing);
  AddContact("a", "example.com", "US", "America/New_York");
  auto launch = [&](const CampaignDefinition& def) -> std::string {
    const CampaignId id = Create(def);
    Result<LaunchReport> r = service().Launch(ws_, id);
    return r.ok() ? "" : std::string(r.status().message());
  };
  // No postal address.
  EXPECT_THAT(launch(ThreeStepEmail("c1", {"alice"})), HasSubstr("no postal address"));
  SetPostalAddress();
  // A missing template.
  CampaignDefinition missing = ThreeStepEmail("c2", {"alice"});
  missing.sequence.steps[1].variants[0].template_name = "nope";
  EXPECT_THAT(launch(missing), HasSubstr("no template named 'nope'"));
  // A template without {{unsubscribe_url}}.
  CampaignDefinition plain = ThreeStepEmail("c3", {"alice"});
  plain.sequence.steps[2].variants[0].template_name = "plain";
  EXPECT_THAT(launch(plain), HasSubstr("'plain' has no {{unsubscribe_url}}"));
  // No sender for the channel.
  EXPECT_THAT(launch(ThreeStepEmail("c4", {"li"})), HasSubstr("no email sender account"));
  // A sender that does not exist.
  EXPECT_THAT(launch(ThreeStepEmail("c5", {"nobody"})), HasSubstr("'nobody'"));
  // All fine.
  EXPECT_EQ(launch(ThreeStepEmail("c6", {"alice"})), "");
}

// ---------------------------------------------------------------------------------------
// Sending

TEST_F(EngineTest, SendsEveryStepOnceInOrderWithItsDelay) {
  const CampaignId id = Basic(4);
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.audience, 4);
  EXPECT_EQ(report.enrolled, 4);
  OpenOutbox();
  StartEngine();
  const PassStats total = RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(total.sent, 12);
  EXPECT_EQ(total.failed + total.skipped + total.cancelled, 0);

  const std::vector<engine_testing::OutboxLine> lines = OutboxLines();
  ASSERT_EQ(lines.size(), 12u);
  std::set<int64_t> ids;
  for (const auto& line : lines) EXPECT_TRUE(ids.insert(line.id.value()).second) << line.id.value();

  // New York: 09:00 EST is 14:00 UTC. Tue Dec 1 (launch day), Thu Dec 3 (+2 days), then
  // +3 days is Sunday Dec 6: Monday Dec 7.
  for (const Contact& c : contacts_) {
    std::vector<engine_testing::OutboxLine> mine;
    for (const auto& line : lines) {
      if (line.contact == c.id) mine.push_back(line);
    }
    ASSERT_EQ(mine.size(), 3u) << c.data.email;
    EXPECT_EQ(mine[0].step, "intro");
    EXPECT_EQ(mine[1].step, "bump");
    EXPECT_EQ(mine[2].step, "breakup");
    EXPECT_EQ(mine[0].sent_at, At("2026-12-01T14:00:00Z"));
    EXPECT_EQ(mine[1].sent_at, At("2026-12-03T14:00:00Z"));
    EXPECT_EQ(mine[2].sent_at, At("2026-12-07T14:00:00Z"));
    EXPECT_EQ(mine[0].to, c.data.email_normalized);
    EXPECT_EQ(mine[0].sender, alice_.id);
    EXPECT_THAT(mine[0].subject, HasSubstr(c.data.first_name));

    // The database agrees with the outbox.
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_EQ(messages.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(messages[i].status, MessageStatus::kSent) << messages[i].step;
      EXPECT_EQ(messages[i].step, mine[i].step);
      EXPECT_EQ(messages[i].id, mine[i].id);
      ASSERT_TRUE(messages[i].sent_at.has_value());
      EXPECT_EQ(*messages[i].sent_at, mine[i].sent_at);
      EXPECT_EQ(messages[i].attempts, 1);
      EXPECT_EQ(messages[i].sender, alice_.id);
    }
    const Enrollment e = EnrollmentOf(id, c);
    EXPECT_EQ(e.status, EnrollmentStatus::kCompleted);
    EXPECT_EQ(e.sender, alice_.id);
    ASSERT_TRUE(e.last_sent_at.has_value());
    EXPECT_EQ(*e.last_sent_at, At("2026-12-07T14:00:00Z"));
  }

  // Stats per step.
  const std::vector<StepStats> stats = Stats(id);
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].step, "intro");
  EXPECT_EQ(stats[1].step, "bump");
  EXPECT_EQ(stats[2].step, "breakup");
  for (const StepStats& s : stats) {
    EXPECT_EQ(s.by_status[static_cast<size_t>(MessageStatus::kSent)], 4) << s.step;
    EXPECT_EQ(s.by_status[static_cast<size_t>(MessageStatus::kPlanned)], 0) << s.step;
  }
  // Every enrollment finished: the campaign completed.
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
  EXPECT_TRUE(Get(id).ended_at.has_value());
  Result<std::optional<Instant>> next = engine_->NextWork();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST_F(EngineTest, UnsubscribeLinkAndHeadersAreMintedPerMessage) {
  const CampaignId id = Basic(1);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  const std::vector<engine_testing::OutboxLine> lines = OutboxLines();
  ASSERT_EQ(lines.size(), 1u);
  std::ifstream eml(dir_ / "outbox" / "eml" / StrCat(lines[0].id.value(), ".eml"));
  std::stringstream content;
  content << eml.rdbuf();
  // A signed token, not the guessable message id (tracking_test.cpp checks what it names).
  EXPECT_THAT(content.str(), HasSubstr("List-Unsubscribe: <http://127.0.0.1:8080/u/"));
  EXPECT_THAT(content.str(), Not(HasSubstr(StrCat("/u/", lines[0].id.value(), ">"))));
  EXPECT_THAT(content.str(), HasSubstr("List-Unsubscribe"));
}

TEST_F(EngineTest, SameThreadFollowUpsReplyToTheThreadWithTheOpenersSubject) {
  IntroWithFollowUps("Quick question, {{first_name}}",
                     "<p>Hi</p><a href=\"{{unsubscribe_url}}\">u</a>");
  SenderAccount account;
  account.workspace_id = ws_;
  account.name = "alice";
  account.address = "alice@Sender.example";
  account.reply_to = "replies@sender.example";
  account.policy_json = kNoSpacing;
  ASSERT_TRUE(db().senders().Add(account).ok());
  CampaignDefinition def = ThreeStepEmail("threads", {"alice"});
  def.sequence.steps[1].same_thread = true;
  def.sequence.steps[2].same_thread = true;
  const Contact ann = AddContact("ann", "example.com", "US", "America/New_York");
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-20T00:00:00Z"));
  const std::vector<engine_testing::OutboxLine> lines = OutboxLines();
  ASSERT_EQ(lines.size(), 3u);
  std::vector<channels::ParsedEml> emls;
  for (const engine_testing::OutboxLine& line : lines) {
    std::ifstream file(dir_ / "outbox" / "eml" / StrCat(line.id.value(), ".eml"));
    std::stringstream content;
    content << file.rdbuf();
    Result<channels::ParsedEml> parsed = channels::ParseEml(content.str());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    emls.push_back(*std::move(parsed));
  }
  const auto header = [](const channels::ParsedEml& eml, std::string_view name) {
    for (const auto& h : eml.headers) {
      if (absl::EqualsIgnoreCase(h.name, ToAbsl(name))) return h.value;
    }
    return std::string("(none)");
  };
  // Our own Message-ID on the sending domain, one per message and attempt.
  const std::string intro_id = StrCat("<", lines[0].id.value(), ".1@Sender.example>");
  const std::string bump_id = StrCat("<", lines[1].id.value(), ".1@Sender.example>");
  EXPECT_EQ(header(emls[0], "Message-ID"), intro_id);
  EXPECT_EQ(header(emls[0], "Reply-To"), "replies@sender.example");
  EXPECT_EQ(header(emls[0], "In-Reply-To"), "(none)");
  EXPECT_EQ(emls[0].subject, "Quick question, ann");
  // The bump answers the intro; the breakup answers the bump and names the whole thread.
  EXPECT_EQ(header(emls[1], "In-Reply-To"), intro_id);
  EXPECT_EQ(header(emls[1], "References"), intro_id);
  EXPECT_EQ(emls[1].subject, "Re: Quick question, ann");
  EXPECT_EQ(header(emls[2], "In-Reply-To"), bump_id);
  EXPECT_EQ(header(emls[2], "References"), StrCat(intro_id, " ", bump_id));
  EXPECT_EQ(emls[2].subject, "Re: Quick question, ann");

  // Stored: the thread in order, and each email found by its Message-ID (brackets or not),
  // in its own workspace only.
  const Enrollment enrollment = EnrollmentOf(id, ann);
  Result<std::vector<EngineStore::SentEmail>> thread =
      db().engine().EmailThread(ws_, enrollment.id);
  ASSERT_TRUE(thread.ok()) << thread.status();
  ASSERT_EQ(thread->size(), 3u);
  EXPECT_EQ((*thread)[0].id, lines[0].id);
  EXPECT_EQ((*thread)[2].subject, "Re: Quick question, ann");
  Result<std::optional<EngineStore::SentEmail>> found = db().engine().FindEmail(ws_, bump_id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, lines[1].id);
  EXPECT_EQ((*found)->enrollment, enrollment.id);
  EXPECT_EQ((*found)->contact, ann.id);
  EXPECT_TRUE(db().engine().FindEmail(ws_, bump_id.substr(1, bump_id.size() - 2))->has_value());
  EXPECT_FALSE(
      db().engine().FindEmail(ws_, StrCat(lines[1].id.value(), ".1@forged.example"))->has_value());
  EXPECT_FALSE(db().engine().FindEmail(ws_, "no-digits@x")->has_value());
  Result<Workspace> other = db().workspaces().Create("Other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(db().engine().FindEmail(other->id, bump_id)->has_value());
}

TEST_F(EngineTest, PauseStopsClaimsAndResumeReplansOverdueMessages) {
  const CampaignId id = Basic(3);
  Launch(id);
  OpenOutbox();
  StartEngine();
  ASSERT_TRUE(service().Pause(ws_, id).ok());
  EXPECT_EQ(Get(id).status, CampaignStatus::kPaused);

  // The intros fall due (14:00 UTC) while paused: nothing is claimed.
  clock_.Set(At("2026-12-01T15:00:00Z"));
  PassStats pass = RunDue();
  EXPECT_EQ(pass.sent, 0);
  EXPECT_THAT(OutboxLines(), IsEmpty());
  for (const Contact& c : contacts_) {
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].status, MessageStatus::kPlanned);
  }
  // A paused campaign has no work to wake for, so virtual time runs to the end untouched.
  RunUntil(At("2026-12-02T02:00:00Z"));
  EXPECT_THAT(OutboxLines(), IsEmpty());

  // Resume at 21:00 in New York: the overdue intros go to the next allowed slot, Wednesday
  // 09:00 (14:00 UTC), not in a burst now.
  const Instant resumed = clock_.Now();
  ASSERT_TRUE(service().Resume(ws_, id).ok());
  EXPECT_EQ(Get(id).status, CampaignStatus::kActive);
  for (const Contact& c : contacts_) {
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].status, MessageStatus::kPlanned);
    EXPECT_GE(messages[0].due_at, resumed);
    EXPECT_EQ(messages[0].due_at, At("2026-12-02T14:00:00Z"));
    EXPECT_THAT(messages[0].reasons, HasSubstr("re-planned on resume"));
  }
  pass = RunDue();
  EXPECT_EQ(pass.sent, 0);

  RunUntil(At("2027-01-31T00:00:00Z"));
  const std::vector<engine_testing::OutboxLine> lines = OutboxLines();
  ASSERT_EQ(lines.size(), 9u);
  for (const auto& line : lines) {
    EXPECT_GE(line.sent_at, At("2026-12-02T14:00:00Z")) << line.step;
    if (line.step == "intro") {
      EXPECT_EQ(line.sent_at, At("2026-12-02T14:00:00Z"));
    }
  }
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, PauseMidCampaignHoldsTheFollowUps) {
  const CampaignId id = Basic(2);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 2u);
  ASSERT_TRUE(service().Pause(ws_, id).ok());
  // The bumps were due Thursday; nothing goes until the resume on Monday Dec 14.
  RunUntil(At("2026-12-14T12:00:00Z"));
  EXPECT_EQ(OutboxLines().size(), 2u);
  ASSERT_TRUE(service().Resume(ws_, id).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  const auto by_contact = LinesByContact();
  ASSERT_EQ(by_contact.size(), 2u);
  for (const auto& [contact, lines] : by_contact) {
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1].step, "bump");
    EXPECT_EQ(lines[1].sent_at, At("2026-12-14T14:00:00Z"));
    // The breakup counts its 3 days from the bump's actual send: Thursday Dec 17.
    EXPECT_EQ(lines[2].sent_at, At("2026-12-17T14:00:00Z"));
  }
}

TEST_F(EngineTest, ResumeGivesUpThePacingSlotsOfReplannedMessages) {
  AddThreeStepTemplates();
  SetPostalAddress();
  AddSender("capped", "email", R"({"daily_cap":2,"min_spacing_s":0,"max_spacing_s":0})");
  for (int i = 0; i < 4; ++i) {
    contacts_.push_back(AddContact(StrCat("c", i), "example.com", "US", "America/New_York"));
  }
  const CampaignId id = Create(ThreeStepEmail("capped", {"capped"}));
  Launch(id);
  OpenOutbox();
  StartEngine();
  // Two intros go on Tuesday; the cap defers the other two to Wednesday 14:00 UTC.
  RunUntil(At("2026-12-01T20:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 2u);
  std::vector<Contact> deferred;
  for (const Contact& c : contacts_) {
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_FALSE(messages.empty());
    if (messages[0].status != MessageStatus::kPlanned) continue;
    ASSERT_EQ(messages.size(), 1u);
    ASSERT_TRUE(messages[0].slot_at.has_value());
    EXPECT_EQ(*messages[0].slot_at, At("2026-12-02T14:00:00Z"));
    deferred.push_back(c);
  }
  ASSERT_EQ(deferred.size(), 2u);

  // Paused over their slots; resumed an hour later the same day. The re-planned intros
  // reserve fresh slots: the old ones are given up, so Wednesday still has room for both.
  ASSERT_TRUE(service().Pause(ws_, id).ok());
  clock_.Set(At("2026-12-02T15:00:00Z"));
  EXPECT_EQ(RunDue().sent, 0);
  ASSERT_TRUE(service().Resume(ws_, id).ok());
  RunUntil(At("2026-12-02T20:00:00Z"));
  for (const Contact& c : deferred) {
    const std::vector<std::string> steps = StepsSentTo(c);
    ASSERT_EQ(steps, std::vector<std::string>{"intro"}) << c.data.email;
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_TRUE(messages[0].sent_at.has_value());
    EXPECT_GE(*messages[0].sent_at, At("2026-12-02T15:00:00Z"));
    EXPECT_LT(*messages[0].sent_at, At("2026-12-02T15:01:00Z"));
  }
}

TEST_F(EngineTest, StopCancelsPlannedMessages) {
  const CampaignId id = Basic(3);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 3u);

  ASSERT_TRUE(service().Stop(ws_, id).ok());
  EXPECT_EQ(Get(id).status, CampaignStatus::kStopped);
  EXPECT_TRUE(Get(id).ended_at.has_value());
  for (const Contact& c : contacts_) {
    const Enrollment e = EnrollmentOf(id, c);
    EXPECT_EQ(e.status, EnrollmentStatus::kStopped);
    EXPECT_EQ(e.stop_reason, "campaign stopped");
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].status, MessageStatus::kSent);
    EXPECT_EQ(messages[1].step, "bump");
    EXPECT_EQ(messages[1].status, MessageStatus::kCancelled);
  }
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(OutboxLines().size(), 3u);
  EXPECT_EQ(Count(Stats(id), "bump", MessageStatus::kCancelled), 3);
  // A stopped campaign cannot be resumed or stopped again.
  EXPECT_FALSE(service().Resume(ws_, id).ok());
  EXPECT_FALSE(service().Stop(ws_, id).ok());
}

// ---------------------------------------------------------------------------------------
// The state machines in storage

TEST_F(EngineTest, StorageRefusesInvalidStatusChanges) {
  const std::string path = (dir_ / "cadent.db").string();
  OpenDatabase(path);
  const CampaignId id = Basic(2);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  const std::vector<Message> before = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(before.size(), 2u);
  const Message& sent = before[0];
  ASSERT_EQ(sent.status, MessageStatus::kSent);

  // The engine's check: claim is not an event a sent message accepts.
  ChangeUnit invalid;
  MessageChange claim;
  claim.id = sent.id;
  claim.from = MessageStatus::kSent;
  claim.event = sequence::MessageEvent::kClaim;
  invalid.messages.push_back(claim);
  // The unit is rejected (reported with the reason, for the caller to log) and not written.
  Result<ApplyResult> refused =
      db().engine().Apply({&invalid, 1}, clock_.Now(), EngineStore::Durability::kDurable);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->conflicted, std::vector<size_t>{0});
  ASSERT_EQ(refused->rejected.size(), 1u);
  EXPECT_EQ(refused->rejected[0].first, 0u);
  EXPECT_THAT(refused->rejected[0].second, HasSubstr("claim is not allowed in status sent"));
  EXPECT_EQ(MessagesOf(id, contacts_[0])[0].status, MessageStatus::kSent);

  // A change that expects a status the row no longer has is a conflict, and writes nothing
  // of its unit (the enrollment change beside it included).
  ChangeUnit stale;
  MessageChange old_claim;
  old_claim.id = sent.id;
  old_claim.from = MessageStatus::kPlanned;
  old_claim.event = sequence::MessageEvent::kClaim;
  stale.messages.push_back(old_claim);
  const Enrollment e = EnrollmentOf(id, contacts_[0]);
  EnrollmentChange stop;
  stop.id = e.id;
  stop.from = e.status;
  stop.from_step = e.step;
  stop.event = sequence::EnrollmentEvent::kStop;
  stop.stop_reason = "should not be written";
  stale.enrollments.push_back(stop);
  Result<ApplyResult> conflicted =
      db().engine().Apply({&stale, 1}, clock_.Now(), EngineStore::Durability::kDurable);
  ASSERT_TRUE(conflicted.ok()) << conflicted.status();
  EXPECT_EQ(conflicted->conflicted, std::vector<size_t>{0});
  EXPECT_THAT(conflicted->rejected, IsEmpty());
  EXPECT_EQ(EnrollmentOf(id, contacts_[0]).status, EnrollmentStatus::kActive);
  EXPECT_EQ(MessagesOf(id, contacts_[0])[0].status, MessageStatus::kSent);

  // The second contact replies: its enrollment is stopped (terminal).
  ASSERT_TRUE(Inject(contacts_[1], EventKind::kReplied, id).ok());
  RunDue();
  ASSERT_EQ(EnrollmentOf(id, contacts_[1]).status, EnrollmentStatus::kStopped);

  // Raw SQL that skips the engine is refused by the triggers.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  char* error = nullptr;
  EXPECT_NE(sqlite3_exec(raw, "UPDATE messages SET status = 'planned' WHERE status = 'sent'",
                         nullptr, nullptr, &error),
            SQLITE_OK);
  ASSERT_NE(error, nullptr);
  EXPECT_THAT(std::string(error), HasSubstr("invalid message status change"));
  sqlite3_free(error);
  error = nullptr;
  EXPECT_NE(sqlite3_exec(raw, "UPDATE enrollments SET status = 'active' WHERE status = 'stopped'",
                         nullptr, nullptr, &error),
            SQLITE_OK);
  ASSERT_NE(error, nullptr);
  EXPECT_THAT(std::string(error), HasSubstr("invalid enrollment status change"));
  sqlite3_free(error);
  error = nullptr;
  EXPECT_NE(sqlite3_exec(raw,
                         "INSERT INTO messages (workspace_id, campaign_id, enrollment_id, "
                         "contact_id, version, step, channel, status, due_at_us, "
                         "planned_at_us, created_at_us, updated_at_us) SELECT workspace_id, "
                         "campaign_id, enrollment_id, contact_id, version, 'x', channel, "
                         "'sent', 0, 0, 0, 0 FROM messages LIMIT 1",
                         nullptr, nullptr, &error),
            SQLITE_OK);
  ASSERT_NE(error, nullptr);
  EXPECT_THAT(std::string(error), HasSubstr("invalid initial message status"));
  sqlite3_free(error);
  error = nullptr;
  EXPECT_NE(sqlite3_exec(raw, "UPDATE campaigns SET status = 'draft'", nullptr, nullptr, &error),
            SQLITE_OK);
  ASSERT_NE(error, nullptr);
  EXPECT_THAT(std::string(error), HasSubstr("invalid campaign status change"));
  sqlite3_free(error);
  // A valid change through raw SQL still works (the triggers are not blanket refusals).
  const std::string cancel =
      StrCat("UPDATE messages SET status = 'cancelled' WHERE status = 'planned' ",
             "AND step = 'bump' AND contact_id = ", contacts_[0].id.value());
  EXPECT_EQ(sqlite3_exec(raw, cancel.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(raw), 1);
  sqlite3_close(raw);

  for (const Contact& c : contacts_) {
    EXPECT_EQ(MessagesOf(id, c)[0].status, MessageStatus::kSent);
  }
  EXPECT_EQ(MessagesOf(id, contacts_[0])[1].status, MessageStatus::kCancelled);
  EXPECT_EQ(EnrollmentOf(id, contacts_[1]).status, EnrollmentStatus::kStopped);
  EXPECT_EQ(Get(id).status, CampaignStatus::kActive);
}

// The CLI (`cadent events add`, `campaigns pause`) writes through its own connection while
// `cadent run` runs: the engine must see those writes on its next pass.
TEST_F(EngineTest, SeesWhatAnotherConnectionWrites) {
  const std::string path = (dir_ / "cadent.db").string();
  OpenDatabase(path);
  const CampaignId id = Basic(3);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 3u);

  Result<std::unique_ptr<Database>> other = storage::sqlite::OpenSqliteDatabase({path}, clock_);
  ASSERT_TRUE(other.ok()) << other.status();
  CampaignService cli(**other, clock_);
  ASSERT_TRUE(
      cli.AddEvent(ws_, contacts_[0], EventKind::kReplied, id, clock_.Now(), "cli", "").ok());
  const PassStats pass = RunDue();
  EXPECT_EQ(pass.events, 1);
  EXPECT_EQ(EnrollmentOf(id, contacts_[0]).status, EnrollmentStatus::kStopped);

  SuppressionEntry entry;
  entry.workspace = ws_;
  entry.kind = SuppressionKind::kEmail;
  entry.value = contacts_[1].data.email_normalized;
  ASSERT_TRUE((*other)->suppression().Add(entry).ok());
  ASSERT_TRUE(cli.Pause(ws_, id).ok());
  RunUntil(At("2026-12-14T00:00:00Z"));
  EXPECT_EQ(OutboxLines().size(), 3u);
  ASSERT_TRUE(cli.Resume(ws_, id).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(contacts_[0]), std::vector<std::string>{"intro"});
  EXPECT_EQ(StepsSentTo(contacts_[1]), std::vector<std::string>{"intro"});
  EXPECT_EQ(StepsSentTo(contacts_[2]), (std::vector<std::string>{"intro", "bump", "breakup"}));
  EXPECT_THAT(EnrollmentOf(id, contacts_[1]).stop_reason, HasSubstr("suppressed"));
  Result<Campaign> seen_by_cli = (*other)->campaigns().Get(ws_, id);
  ASSERT_TRUE(seen_by_cli.ok());
  EXPECT_EQ(seen_by_cli->status, CampaignStatus::kCompleted);
}

// ---------------------------------------------------------------------------------------
// Suppression and stop rules

TEST_F(EngineTest, SuppressionAddedAfterLaunchSkipsAtClaimAndStopsTheEnrollment) {
  const CampaignId id = Basic(2);
  Launch(id);
  SuppressionEntry entry;
  entry.workspace = ws_;
  entry.kind = SuppressionKind::kEmail;
  entry.value = contacts_[0].data.email_normalized;
  entry.reason = "manual";
  ASSERT_TRUE(db().suppression().Add(entry).ok());
  OpenOutbox();
  StartEngine();
  const PassStats total = RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(total.sent, 3);
  EXPECT_EQ(total.skipped, 1);

  EXPECT_THAT(StepsSentTo(contacts_[0]), IsEmpty());
  EXPECT_EQ(StepsSentTo(contacts_[1]), (std::vector<std::string>{"intro", "bump", "breakup"}));
  const Enrollment e = EnrollmentOf(id, contacts_[0]);
  EXPECT_EQ(e.status, EnrollmentStatus::kStopped);
  EXPECT_THAT(e.stop_reason, HasSubstr("suppressed"));
  const std::vector<Message> messages = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].status, MessageStatus::kSkipped);
  EXPECT_THAT(messages[0].error, HasSubstr("suppressed"));
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, SuppressedAtLaunchIsNotEnrolled) {
  const CampaignId id = Basic(2);
  SuppressionEntry entry;
  entry.workspace = ws_;
  entry.kind = SuppressionKind::kDomain;
  entry.value = "example.com";
  ASSERT_TRUE(db().suppression().Add(entry).ok());
  const Contact other = AddContact("z", "other.com", "US", "America/New_York");
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.audience, 3);
  EXPECT_EQ(report.suppressed, 2);
  EXPECT_EQ(report.enrolled, 1);
  EXPECT_EQ(EnrollmentOf(id, other).status, EnrollmentStatus::kActive);
}

TEST_F(EngineTest, ReplyStopsExactlyThatEnrollmentAndConversionToo) {
  const CampaignId id = Basic(4);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 4u);

  ASSERT_TRUE(Inject(contacts_[0], EventKind::kReplied, std::nullopt, "thanks!").ok());
  ASSERT_TRUE(Inject(contacts_[1], EventKind::kConverted, id).ok());
  // An out-of-office is recorded but stops nothing.
  ASSERT_TRUE(Inject(contacts_[2], EventKind::kAutoReplied, id).ok());
  const PassStats pass = RunDue();
  EXPECT_EQ(pass.events, 3);
  EXPECT_EQ(pass.sent, 0);

  const Enrollment replied = EnrollmentOf(id, contacts_[0]);
  EXPECT_EQ(replied.status, EnrollmentStatus::kStopped);
  EXPECT_EQ(replied.stop_reason, "replied");
  const std::vector<Message> replied_messages = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(replied_messages.size(), 2u);
  EXPECT_EQ(replied_messages[1].status, MessageStatus::kCancelled);
  const Enrollment converted = EnrollmentOf(id, contacts_[1]);
  EXPECT_EQ(converted.status, EnrollmentStatus::kStopped);
  EXPECT_EQ(converted.stop_reason, "converted");
  for (size_t i = 2; i < 4; ++i) {
    EXPECT_EQ(EnrollmentOf(id, contacts_[i]).status, EnrollmentStatus::kActive);
    const std::vector<Message> messages = MessagesOf(id, contacts_[i]);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].status, MessageStatus::kPlanned);
  }
  // The reply is counted against the message it answers.
  const std::vector<StepStats> stats = Stats(id);
  ASSERT_FALSE(stats.empty());
  EXPECT_EQ(stats[0].step, "intro");
  EXPECT_EQ(stats[0].events[static_cast<size_t>(EventKind::kReplied)], 1);
  EXPECT_EQ(stats[0].events[static_cast<size_t>(EventKind::kConverted)], 1);

  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(contacts_[0]), std::vector<std::string>{"intro"});
  EXPECT_EQ(StepsSentTo(contacts_[1]), std::vector<std::string>{"intro"});
  EXPECT_EQ(StepsSentTo(contacts_[2]), (std::vector<std::string>{"intro", "bump", "breakup"}));
  EXPECT_EQ(StepsSentTo(contacts_[3]), (std::vector<std::string>{"intro", "bump", "breakup"}));
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, UnsubscribeEventSuppressesTheAddress) {
  const CampaignId id = Basic(2);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_TRUE(Inject(contacts_[0], EventKind::kUnsubscribed, id).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(contacts_[0]), std::vector<std::string>{"intro"});
  EXPECT_EQ(StepsSentTo(contacts_[1]).size(), 3u);
  Result<std::optional<SuppressionEntry>> match = db().suppression().Match(ws_, contacts_[0].data);
  ASSERT_TRUE(match.ok());
  EXPECT_TRUE(match->has_value());
  Result<Contact> contact = db().contacts().Get(ws_, contacts_[0].id);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->status, ContactStatus::kUnsubscribed);
}

TEST_F(EngineTest, CompanyReplyRuleStopsColleaguesOnly) {
  AddThreeStepTemplates();
  SetPostalAddress();
  AddSender("alice", "email", kNoSpacing);
  const Contact a = AddContact("a", "acme.com", "US", "America/New_York");
  const Contact b = AddContact("b", "acme.com", "US", "America/New_York");
  const Contact c = AddContact("c", "other.com", "US", "America/New_York");
  CampaignDefinition with_rule = ThreeStepEmail("with-rule", {"alice"});
  with_rule.settings.stop.on_company_reply = true;
  const CampaignId id = Create(with_rule);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_TRUE(Inject(a, EventKind::kReplied, id).ok());
  RunDue();
  EXPECT_EQ(EnrollmentOf(id, a).status, EnrollmentStatus::kStopped);
  EXPECT_EQ(EnrollmentOf(id, b).status, EnrollmentStatus::kStopped);
  EXPECT_THAT(EnrollmentOf(id, b).stop_reason, HasSubstr("company reply"));
  EXPECT_EQ(EnrollmentOf(id, c).status, EnrollmentStatus::kActive);
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(a).size(), 1u);
  EXPECT_EQ(StepsSentTo(b).size(), 1u);
  EXPECT_EQ(StepsSentTo(c).size(), 3u);
}

TEST_F(EngineTest, WithoutTheCompanyRuleAReplyStopsOnlyTheReplier) {
  const CampaignId id = Basic(0);
  const Contact a = AddContact("a", "acme.com", "US", "America/New_York");
  const Contact b = AddContact("b", "acme.com", "US", "America/New_York");
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_TRUE(Inject(a, EventKind::kReplied, id).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(a).size(), 1u);
  EXPECT_EQ(StepsSentTo(b).size(), 3u);
}

// ---------------------------------------------------------------------------------------
// Conditions

TEST_F(EngineTest, ConditionTakesTheYesBranchOnAnOpenAndTheNoBranchAtTheDeadline) {
  EmailSetup({"intro", "thanks", "nudge"});
  const Contact a = AddContact("a", "example.com", "US", "America/New_York");
  const Contact b = AddContact("b", "example.com", "US", "America/New_York");
  CampaignDefinition def;
  def.name = "branching";
  def.settings.senders = {"alice"};
  const sequence::Step opened = OpenedWithin(72, "thanks", "nudge");
  sequence::Step thanks = SendStep("thanks", "thanks");
  thanks.next = "fin";
  sequence::Step fin;
  fin.id = "fin";
  fin.kind = sequence::StepKind::kEnd;
  def.sequence.steps = {SendStep("intro", "intro"), opened, thanks, SendStep("nudge", "nudge"),
                        fin};
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T10:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 2u);
  for (const Contact& c : {a, b}) {
    const Enrollment e = EnrollmentOf(id, c);
    EXPECT_EQ(e.status, EnrollmentStatus::kWaiting);
    EXPECT_EQ(e.step, "opened");
    ASSERT_TRUE(e.wake_at.has_value());
    EXPECT_EQ(*e.wake_at, At("2026-12-04T14:00:00Z"));  // intro + 72 h
  }

  // a opens: the yes branch now (the next slot in a's window, Wednesday 09:00 in New York).
  ASSERT_TRUE(Inject(a, EventKind::kOpened, id).ok());
  RunDue();
  const Enrollment ea = EnrollmentOf(id, a);
  EXPECT_EQ(ea.status, EnrollmentStatus::kActive);
  EXPECT_EQ(ea.step, "thanks");
  EXPECT_EQ(EnrollmentOf(id, b).status, EnrollmentStatus::kWaiting);

  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(a), (std::vector<std::string>{"intro", "thanks"}));
  EXPECT_EQ(StepsSentTo(b), (std::vector<std::string>{"intro", "nudge"}));
  const auto by_contact = LinesByContact();
  EXPECT_EQ(by_contact.at(a.id.value())[1].sent_at, At("2026-12-02T14:00:00Z"));
  EXPECT_EQ(by_contact.at(b.id.value())[1].sent_at, At("2026-12-04T14:00:00Z"));
  EXPECT_EQ(EnrollmentOf(id, a).status, EnrollmentStatus::kCompleted);
  EXPECT_EQ(EnrollmentOf(id, b).status, EnrollmentStatus::kCompleted);
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, AnOpenInAnotherCampaignDoesNotSatisfyTheCondition) {
  EmailSetup({"intro", "thanks"});
  const Contact a = AddContact("a", "example.com", "US", "America/New_York");
  CampaignDefinition def;
  def.name = "conditional";
  def.settings.senders = {"alice"};
  const sequence::Step opened = OpenedWithin(48, "thanks", "");
  def.sequence.steps = {SendStep("intro", "intro"), opened, SendStep("thanks", "thanks")};
  const CampaignId id = Create(def);
  CampaignDefinition other_def;
  other_def.name = "other";
  other_def.settings.senders = {"alice"};
  other_def.settings.allow_in_other_campaigns = true;
  other_def.sequence.steps = {SendStep("intro", "intro")};
  const CampaignId other = Create(other_def);
  Launch(id);
  Launch(other);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-01T16:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 2u);
  // Opened the other campaign's message: this campaign's condition is not met.
  ASSERT_TRUE(Inject(a, EventKind::kOpened, other).ok());
  RunDue();
  EXPECT_EQ(EnrollmentOf(id, a).status, EnrollmentStatus::kWaiting);
  RunUntil(At("2027-01-31T00:00:00Z"));
  int thanks = 0;
  for (const auto& line : OutboxLines()) thanks += line.step == "thanks" ? 1 : 0;
  EXPECT_EQ(thanks, 0);
  const Enrollment e = EnrollmentOf(id, a);
  EXPECT_EQ(e.status, EnrollmentStatus::kCompleted);  // the "no" edge is the end
  EXPECT_GE(e.updated_at, At("2026-12-03T14:00:00Z"));
}

// ---------------------------------------------------------------------------------------
// Scheduling: a start time, wait steps, A/B variants, missing data, live edits

TEST_F(EngineTest, ScheduledCampaignStartsByItselfAtItsStartTime) {
  AddThreeStepTemplates();
  SetPostalAddress();
  AddSender("alice", "email", kNoSpacing);
  const Contact a = AddContact("a", "example.com", "US", "America/New_York");
  CampaignDefinition def = ThreeStepEmail("later", {"alice"});
  def.settings.start_at = At("2026-12-03T00:00:00Z");
  const CampaignId id = Create(def);
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.campaign.status, CampaignStatus::kScheduled);
  EXPECT_EQ(report.enrolled, 1);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T23:59:00Z"));
  EXPECT_THAT(OutboxLines(), IsEmpty());
  EXPECT_EQ(Get(id).status, CampaignStatus::kScheduled);
  RunUntil(At("2027-01-31T00:00:00Z"));
  const auto lines = OutboxLines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].sent_at, At("2026-12-03T14:00:00Z"));  // Thursday 09:00 in New York
  ASSERT_TRUE(Get(id).launched_at.has_value());
  EXPECT_EQ(*Get(id).launched_at, At("2026-12-03T00:00:00Z"));
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, WaitStepHoldsTheEnrollmentUntilItsDelayIsOver) {
  EmailSetup({"intro", "bump"});
  const Contact a = AddContact("a", "example.com", "US", "America/New_York");
  CampaignDefinition def;
  def.name = "waiting";
  def.settings.senders = {"alice"};
  sequence::Step wait;
  wait.id = "pause";
  wait.kind = sequence::StepKind::kWait;
  wait.delay = *calendar::DelayRule::Parse("3 days");
  def.sequence.steps = {SendStep("intro", "intro"), wait, SendStep("bump", "bump")};
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-03T00:00:00Z"));
  const Enrollment e = EnrollmentOf(id, a);
  EXPECT_EQ(e.status, EnrollmentStatus::kWaiting);
  EXPECT_EQ(e.step, "pause");
  ASSERT_TRUE(e.wake_at.has_value());
  EXPECT_EQ(*e.wake_at, At("2026-12-04T14:00:00Z"));
  RunUntil(At("2027-01-31T00:00:00Z"));
  const auto lines = OutboxLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].step, "bump");
  EXPECT_EQ(lines[1].sent_at, At("2026-12-04T14:00:00Z"));
  EXPECT_EQ(EnrollmentOf(id, a).status, EnrollmentStatus::kCompleted);
}

TEST_F(EngineTest, VariantsSplitTheAudienceAndAreCountedApart) {
  AddThreeStepTemplates();
  EmailSetup({"intro_b"});
  for (int i = 0; i < 40; ++i) {
    contacts_.push_back(AddContact(StrCat("v", i), "example.com", "US", "America/New_York"));
  }
  CampaignDefinition def = ThreeStepEmail("ab", {"alice"});
  sequence::Variant b;
  b.name = "B";
  b.template_name = "intro_b";
  def.sequence.steps[0].variants.push_back(b);
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  int a_count = 0;
  int b_count = 0;
  for (const auto& line : OutboxLines()) {
    if (line.subject.starts_with("intro_b")) {
      ++b_count;
    } else {
      EXPECT_TRUE(line.subject.starts_with("intro for")) << line.subject;
      ++a_count;
    }
  }
  EXPECT_EQ(a_count + b_count, 40);
  EXPECT_GT(a_count, 5);
  EXPECT_GT(b_count, 5);
  const std::vector<StepStats> stats = Stats(id);
  std::map<std::string, int64_t> sent;
  for (const StepStats& st : stats) {
    if (st.step == "intro")
      sent[st.variant] = st.by_status[static_cast<size_t>(MessageStatus::kSent)];
  }
  EXPECT_EQ(sent["A"], a_count);
  EXPECT_EQ(sent["B"], b_count);
}

TEST_F(EngineTest, MissingDataSkipsTheContactAtLaunch) {
  const auto [with, without] = CompanyIntroFor2();
  const CampaignId id = Create(ThreeStepEmail("missing", {"alice"}));
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.audience, 2);
  EXPECT_EQ(report.missing_data, 1);
  EXPECT_EQ(
      report.missing_by_variable.count("company") ? report.missing_by_variable.at("company") : 0,
      1);
  EXPECT_EQ(report.enrolled, 1);
  Result<std::optional<Enrollment>> none = db().engine().FindEnrollment(ws_, id, without.id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(EnrollmentOf(id, with).status, EnrollmentStatus::kActive);
}

TEST_F(EngineTest, MissingDataUnderHoldHoldsTheEnrollmentUntilTheContactIsFixed) {
  const std::string path = (dir_ / "cadent.db").string();
  OpenDatabase(path);
  const auto [fine, blank] = CompanyIntroFor2();
  CampaignDefinition def = ThreeStepEmail("held", {"alice"});
  def.settings.missing_data = sequence::CampaignSettings::MissingData::kHold;
  const CampaignId id = Create(def);
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.enrolled, 2) << "hold enrolls the contact";
  OpenOutbox();
  StartEngine();

  // The intro's day: the blank contact's enrollment is held, its message a day later.
  RunUntil(At("2026-12-01T20:00:00Z"));
  const Enrollment held = EnrollmentOf(id, blank);
  EXPECT_EQ(held.status, EnrollmentStatus::kHeld);
  EXPECT_EQ(held.step, "intro");
  ASSERT_TRUE(held.wake_at.has_value());
  const std::vector<Message> waiting = MessagesOf(id, blank);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].status, MessageStatus::kPlanned);
  EXPECT_EQ(waiting[0].due_at, *held.wake_at);
  EXPECT_EQ(waiting[0].error, "held: missing company");
  EXPECT_EQ(StepsSentTo(fine), std::vector<std::string>{"intro"});
  EXPECT_TRUE(StepsSentTo(blank).empty());

  // Still blank the next day: looked at again, held again.
  RunUntil(*held.wake_at + std::chrono::hours(1));
  const Enrollment again = EnrollmentOf(id, blank);
  EXPECT_EQ(again.status, EnrollmentStatus::kHeld);
  ASSERT_TRUE(again.wake_at.has_value());
  EXPECT_GT(*again.wake_at, *held.wake_at);
  EXPECT_TRUE(StepsSentTo(blank).empty());

  // Fixed (as an import with --on-duplicate fill-empty would): the next look sends it,
  // and the sequence goes on from there.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE contacts SET company = 'Acme' WHERE company = ''", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(StepsSentTo(blank), (std::vector<std::string>{"intro", "bump", "breakup"}));
  EXPECT_EQ(EnrollmentOf(id, blank).status, EnrollmentStatus::kCompleted);
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, SenderFieldsWithoutFallbackAreCheckedOnEverySenderOfThePool) {
  IntroWithFollowUps("Hello {{first_name|there}}",
                     "<p>{{sender.signature}}</p><a href=\"{{unsubscribe_url}}\">u</a>");
  SenderAccount alice;
  alice.workspace_id = ws_;
  alice.name = "alice";
  alice.address = "alice@sender.example";
  alice.policy_json = kNoSpacing;
  alice.signature = "Alice, Example Inc.";
  ASSERT_TRUE(db().senders().Add(alice).ok());
  AddSender("bob", "email", kNoSpacing);  // no signature
  AddContact("a", "example.com", "US", "America/New_York");
  AddContact("b", "example.com", "US", "America/New_York");

  // Bob cannot send the intro: the launch names him and the field, and writes nothing.
  const CampaignId both = Create(ThreeStepEmail("both", {"alice", "bob"}));
  Result<LaunchReport> refused = service().Launch(ws_, both);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("template 'intro' uses {{sender.signature}} without a fallback, and "
                        "sender 'bob' has no signature"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("sender 'alice'")));
  EXPECT_EQ(Get(both).status, CampaignStatus::kDraft);

  // Alice alone: every contact is enrolled; her signature is not "missing data".
  const CampaignId alone = Create(ThreeStepEmail("alone", {"alice"}));
  const LaunchReport report = Launch(alone);
  EXPECT_EQ(report.enrolled, 2);
  EXPECT_EQ(report.missing_data, 0);
}

TEST_F(EngineTest, LiveEditMovesEnrollmentsOnlyWhenAskedTo) {
  AddThreeStepTemplates();
  EmailSetup({"final"});
  for (int i = 0; i < 2; ++i) {
    contacts_.push_back(AddContact(StrCat("m", i), "example.com", "US", "America/New_York"));
  }
  CampaignDefinition v1 = ThreeStepEmail("moving", {"alice"});
  const CampaignId id = Create(v1);
  CampaignDefinition kept = ThreeStepEmail("staying", {"alice"});
  kept.settings.allow_in_other_campaigns = true;
  const CampaignId kept_id = Create(kept);
  Launch(id);
  Launch(kept_id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  ASSERT_EQ(OutboxLines().size(), 4u);

  // Version 2 replaces the breakup with a final note a day after the bump.
  auto v2 = [](CampaignDefinition def) {
    def.sequence.steps[2].id = "final";
    def.sequence.steps[2].variants[0].template_name = "final";
    def.sequence.steps[2].delay = *calendar::DelayRule::Parse("1 day");
    return def;
  };
  Result<Campaign> moved = service().Update(ws_, id, v2(v1), /*migrate=*/true);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->latest_version, 2);
  Result<Campaign> stayed = service().Update(ws_, kept_id, v2(kept), /*migrate=*/false);
  ASSERT_TRUE(stayed.ok()) << stayed.status();
  EXPECT_EQ(stayed->latest_version, 2);

  RunUntil(At("2027-01-31T00:00:00Z"));
  for (const Contact& c : contacts_) {
    std::vector<std::string> moving, staying;
    std::vector<Instant> moving_at;
    for (const auto& line : OutboxLines()) {
      if (line.contact != c.id) continue;
      const Enrollment e = EnrollmentOf(id, c);
      if (line.enrollment == e.id) {
        moving.push_back(line.step);
        moving_at.push_back(line.sent_at);
      } else {
        staying.push_back(line.step);
      }
    }
    EXPECT_EQ(moving, (std::vector<std::string>{"intro", "bump", "final"}));
    EXPECT_EQ(staying, (std::vector<std::string>{"intro", "bump", "breakup"}));
    ASSERT_EQ(moving_at.size(), 3u);
    EXPECT_EQ(moving_at[2], At("2026-12-04T14:00:00Z"));  // Thursday's bump + 1 day
    EXPECT_EQ(EnrollmentOf(id, c).version, 2);
    EXPECT_EQ(EnrollmentOf(kept_id, c).version, 1);
  }
}

TEST_F(EngineTest, ExplainGivesTheReasonForEveryWait) {
  AddThreeStepTemplates();
  SetPostalAddress();
  AddSender("alice", "email", R"({"daily_cap":1,"min_spacing_s":0,"max_spacing_s":0})");
  const Contact saudi = AddContact("s", "example.sa", "SA", "Asia/Riyadh");
  const Contact first = AddContact("u1", "example.com", "US", "America/New_York");
  const Contact second = AddContact("u2", "example.com", "US", "America/New_York");
  // Thursday Dec 24, 15:00 UTC: 18:00 in Riyadh (closed until Monday: Friday and Saturday are
  // the weekend there, Sunday is outside the window); 10:00 in New York.
  clock_.Set(At("2026-12-24T15:00:00Z"));
  const CampaignId id = Create(ThreeStepEmail("explained", {"alice"}));
  Launch(id);
  auto explain = [&](const Contact& c) {
    Result<Explanation> e = service().Explain(ws_, id, c);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : Explanation{};
  };
  const Explanation before = explain(saudi);
  EXPECT_EQ(before.zone, "Asia/Riyadh (contact)");
  ASSERT_EQ(before.plan.size(), 1u);
  EXPECT_THAT(before.plan[0].what, HasSubstr("planned intro"));
  EXPECT_THAT(before.plan[0].why, HasSubstr("weekend: Friday"));
  EXPECT_THAT(before.plan[0].why, HasSubstr("weekend: Saturday"));
  ASSERT_TRUE(before.plan[0].at.has_value());
  EXPECT_EQ(*before.plan[0].at, At("2026-12-28T06:00:00Z"));  // Monday 09:00 in Riyadh

  OpenOutbox();
  StartEngine();
  RunDue();
  // One a day: u1 goes now; u2 gets alice's next free day in its window (Friday is
  // Christmas in the US): Monday 09:00 in New York. That books Monday, so Riyadh's intro,
  // claimed on Monday morning, waits for Tuesday.
  const Explanation capped = explain(second);
  ASSERT_EQ(capped.plan.size(), 1u);
  EXPECT_THAT(capped.plan[0].why, HasSubstr("daily_cap"));
  ASSERT_TRUE(capped.plan[0].at.has_value());
  EXPECT_EQ(*capped.plan[0].at, At("2026-12-28T14:00:00Z"));
  const Explanation sent = explain(first);
  bool found = false;
  for (const Explanation::Line& line : sent.history) {
    found = found || line.what == "sent intro via alice";
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(sent.status, HasSubstr("active at step bump"));

  RunUntil(At("2026-12-30T00:00:00Z"));
  const std::vector<Message> saudi_messages = MessagesOf(id, saudi);
  ASSERT_FALSE(saudi_messages.empty());
  ASSERT_TRUE(saudi_messages[0].sent_at.has_value());
  EXPECT_EQ(*saudi_messages[0].sent_at, At("2026-12-29T06:00:00Z"));
  EXPECT_THAT(saudi_messages[0].reasons, HasSubstr("weekend: Friday"));
  EXPECT_THAT(saudi_messages[0].reasons, HasSubstr("daily_cap"));

  ASSERT_TRUE(Inject(first, EventKind::kReplied, id).ok());
  RunDue();
  const Explanation stopped = explain(first);
  EXPECT_THAT(stopped.status, HasSubstr("stopped"));
  bool said = false;
  for (const Explanation::Line& line : stopped.plan) said = said || line.what == "stopped: replied";
  EXPECT_TRUE(said);
}

// ---------------------------------------------------------------------------------------
// Retries and failures

// Forwards to the outbox unless the script answers for (contact, step, attempt) first.
class ScriptedChannel final : public channels::Channel {
 public:
  using Script =
      std::function<std::optional<channels::SendResult>(const channels::OutgoingMessage&)>;
  ScriptedChannel(channels::Channel& inner, Script script)
      : inner_(inner), script_(std::move(script)) {}
  std::string_view name() const override { return "scripted"; }
  channels::Capabilities capabilities() const override { return inner_.capabilities(); }
  Result<channels::SendResult> Send(const channels::OutgoingMessage& m) override {
    attempts_.push_back(m);
    if (std::optional<channels::SendResult> answer = script_(m)) return *answer;
    return inner_.Send(m);
  }
  Result<channels::ReconcileResult> Reconcile(const channels::OutgoingMessage& m) override {
    return inner_.Reconcile(m);
  }
  Status Flush() override { return inner_.Flush(); }
  std::vector<channels::OutgoingMessage> attempts_;

 private:
  channels::Channel& inner_;
  Script script_;
};

TEST_F(EngineTest, RetriesTransientErrorsAndAppliesFailurePolicies) {
  AddThreeStepTemplates();
  SetPostalAddress();
  alice_ = AddSender("alice", "email", kNoSpacing);
  for (int i = 0; i < 4; ++i) {
    contacts_.push_back(AddContact(StrCat("r", i), "example.com", "US", "America/New_York"));
  }
  CampaignDefinition def = ThreeStepEmail("failing", {"alice"});
  def.sequence.steps[1].on_failure = sequence::FailurePolicy::kContinue;
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  const ContactId transient = contacts_[0].id, rejected = contacts_[1].id,
                  bounced = contacts_[2].id, continues = contacts_[3].id;
  ScriptedChannel channel(
      *outbox_, [&](const channels::OutgoingMessage& m) -> std::optional<channels::SendResult> {
        channels::SendResult r;
        if (m.contact == transient && m.step == "intro" && m.attempt == 1) {
          r.code = sequence::SendCode::kTransient;
          r.detail = "421 try again later";
          return r;
        }
        if (m.contact == rejected && m.step == "intro") {
          r.code = sequence::SendCode::kRejected;
          r.detail = "552 message too large";
          return r;
        }
        if (m.contact == bounced && m.step == "intro") {
          r.code = sequence::SendCode::kHardBounce;
          r.detail = "550 5.1.1 no such user";
          return r;
        }
        if (m.contact == continues && m.step == "bump") {
          r.code = sequence::SendCode::kRejected;
          r.detail = "554 refused";
          return r;
        }
        return std::nullopt;
      });
  EngineOptions options;
  options.owner = "scripted";
  Engine engine(db(), clock_, channel, options);
  ASSERT_TRUE(engine.Start().ok());
  Result<PassStats> run = engine.RunVirtual(clock_, At("2027-01-31T00:00:00Z"));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->retried, 1);
  EXPECT_EQ(run->failed, 3);

  // Transient: retried after a backoff (60 s base, jittered into [30 s, 60 s]), sent once.
  const std::vector<Message> t = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].status, MessageStatus::kSent);
  EXPECT_EQ(t[0].attempts, 2);
  ASSERT_TRUE(t[0].sent_at.has_value());
  EXPECT_GE(*t[0].sent_at, At("2026-12-01T14:00:30Z"));
  EXPECT_LE(*t[0].sent_at, At("2026-12-01T14:01:00Z"));
  EXPECT_EQ(StepsSentTo(contacts_[0]), (std::vector<std::string>{"intro", "bump", "breakup"}));

  // Rejected, policy stop: the message failed, the enrollment failed, nothing more.
  const std::vector<Message> r = MessagesOf(id, contacts_[1]);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, MessageStatus::kFailed);
  EXPECT_THAT(r[0].error, HasSubstr("552"));
  EXPECT_EQ(EnrollmentOf(id, contacts_[1]).status, EnrollmentStatus::kFailed);
  EXPECT_THAT(StepsSentTo(contacts_[1]), IsEmpty());

  // Hard bounce: failed, the address suppressed, the contact bounced, the event counted.
  const std::vector<Message> b = MessagesOf(id, contacts_[2]);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, MessageStatus::kFailed);
  EXPECT_EQ(EnrollmentOf(id, contacts_[2]).status, EnrollmentStatus::kFailed);
  Result<Contact> bounced_contact = db().contacts().Get(ws_, contacts_[2].id);
  ASSERT_TRUE(bounced_contact.ok());
  EXPECT_EQ(bounced_contact->status, ContactStatus::kBounced);
  Result<std::optional<SuppressionEntry>> match = db().suppression().Match(ws_, contacts_[2].data);
  ASSERT_TRUE(match.ok());
  EXPECT_TRUE(match->has_value());
  EXPECT_EQ(Stats(id)[0].events[static_cast<size_t>(EventKind::kBounced)], 1);

  // Rejected bump with policy continue: the breakup still goes, 3 days after the attempt.
  const std::vector<Message> c = MessagesOf(id, contacts_[3]);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].status, MessageStatus::kFailed);
  EXPECT_EQ(c[2].status, MessageStatus::kSent);
  EXPECT_EQ(StepsSentTo(contacts_[3]), (std::vector<std::string>{"intro", "breakup"}));
  EXPECT_EQ(EnrollmentOf(id, contacts_[3]).status, EnrollmentStatus::kCompleted);

  // Every attempt carried the message id as its idempotency key, the attempt counted.
  int transient_attempts = 0;
  for (const auto& m : channel.attempts_) {
    if (m.contact == transient && m.step == "intro") {
      ++transient_attempts;
      EXPECT_EQ(m.id, t[0].id);
      EXPECT_EQ(m.attempt, transient_attempts);
    }
  }
  EXPECT_EQ(transient_attempts, 2);
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, CalendarZoneSenderEvaluatesEveryWindowInTheSendersZone) {
  AddThreeStepTemplates();
  SetPostalAddress();
  alice_ = AddSender("alice", "email", kNoSpacing, "Asia/Tokyo");
  // Tuesday 2026-12-01 08:00 UTC: 17:00 in Tokyo (the window closed at 17:00), 03:00 in
  // New York, 00:00 in Los Angeles.
  const Contact ny = AddContact("ny", "example.com", "US", "America/New_York");
  const Contact la = AddContact("la", "example.com", "US", "America/Los_Angeles");
  CampaignDefinition def = ThreeStepEmail("tokyo", {"alice"});
  def.settings.calendar.zone_choice = calendar::CalendarOptions::ZoneChoice::kSender;
  const CampaignId id = Create(def);
  Launch(id);
  Result<Explanation> explained = service().Explain(ws_, id, la);
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_EQ(explained->zone, "Asia/Tokyo (sender)");
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T06:00:00Z"));
  // Both at 09:00 Tokyo on Wednesday (00:00 UTC), whatever their own clocks say.
  for (const Contact& c : {ny, la}) {
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_FALSE(messages.empty());
    ASSERT_TRUE(messages[0].sent_at.has_value()) << c.data.email;
    EXPECT_EQ(*messages[0].sent_at, At("2026-12-02T00:00:00Z")) << c.data.email;
  }
}

TEST_F(EngineTest, AMessageThatCannotRenderFailsItsStepByThePolicy) {
  templating::TemplateSource invite;
  invite.channel = templating::Channel::kLinkedInInvite;
  invite.text = "Hi {{first_name|there}}, about {{company|your team}}";
  ASSERT_TRUE(db().templates().Create(ws_, "invite", invite, "test").ok());
  AddLinkedInTemplate("thanks", templating::Channel::kLinkedInMessage);
  AddSender("li", "linkedin", kNoSpacing);
  const Contact fits = AddContact("fits", "example.com", "US", "America/New_York");
  ContactData data = fits.data;
  data.email = data.email_normalized = "long@example.com";
  data.linkedin_url = "https://www.linkedin.com/in/long";
  data.company = std::string(400, 'x');  // the note would be over LinkedIn's 300 characters
  Result<Contact> too_long = db().contacts().Create(ws_, data);
  ASSERT_TRUE(too_long.ok()) << too_long.status();
  CampaignDefinition def;
  def.name = "notes";
  def.settings.senders = {"li"};
  def.sequence.steps = {
      SendStep("invite", "invite", "0", templating::Channel::kLinkedInInvite),
      SendStep("thanks", "thanks", "1 day", templating::Channel::kLinkedInMessage)};
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2027-01-31T00:00:00Z"));
  const std::vector<Message> failed = MessagesOf(id, *too_long);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status, MessageStatus::kFailed);
  EXPECT_THAT(failed[0].error, HasSubstr("300"));
  // The step's policy (stop) fails the enrollment: it is not left at a step with no message,
  // and the campaign completes.
  const Enrollment e = EnrollmentOf(id, *too_long);
  EXPECT_EQ(e.status, EnrollmentStatus::kFailed);
  EXPECT_EQ(e.stop_reason, "step invite failed");
  EXPECT_EQ(StepsSentTo(fits), (std::vector<std::string>{"invite", "thanks"}));
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

// ---------------------------------------------------------------------------------------
// Webhook steps

sequence::Step WebhookStep(const std::string& id, sequence::FailurePolicy on_failure) {
  sequence::Step hook;
  hook.id = id;
  hook.kind = sequence::StepKind::kWebhook;
  hook.url = StrCat("https://hooks.example.com/", id);
  hook.on_failure = on_failure;
  return hook;
}

channels::SendResult Answer(sequence::SendCode code, std::string detail) {
  channels::SendResult r;
  r.code = code;
  r.detail = std::move(detail);
  return r;
}

// Answers every webhook message by `answer` (and never passes one to the outbox).
ScriptedChannel::Script Webhooks(
    std::function<channels::SendResult(const channels::OutgoingMessage&)> answer) {
  return [answer = std::move(answer)](
             const channels::OutgoingMessage& m) -> std::optional<channels::SendResult> {
    if (m.channel != templating::Channel::kWebhook) return std::nullopt;
    return answer(m);
  };
}

TEST_F(EngineTest, AWebhookStepPostsTheContactAndCampaignThenTheSequenceMovesOn) {
  EmailSetup({"intro", "bump"});
  for (int i = 0; i < 3; ++i) {
    contacts_.push_back(AddContact(StrCat("h", i), "example.com", "US", "America/New_York"));
  }
  CampaignDefinition def;
  def.name = "hooked";
  def.settings.senders = {"alice"};
  sequence::Step pause;
  pause.id = "pause";
  pause.kind = sequence::StepKind::kWait;
  pause.delay = *calendar::DelayRule::Parse("1 day");
  def.sequence.steps = {SendStep("intro", "intro"), pause,
                        WebhookStep("crm", sequence::FailurePolicy::kContinue),
                        SendStep("bump", "bump", "2 days")};
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox();
  const ContactId retried = contacts_[1].id, rejected = contacts_[2].id;
  ScriptedChannel channel(*outbox_, Webhooks([&](const channels::OutgoingMessage& m) {
    if (m.contact == retried && m.attempt == 1) {
      return Answer(sequence::SendCode::kTransient, "HTTP 503");
    }
    if (m.contact == rejected) return Answer(sequence::SendCode::kRejected, "HTTP 410: gone");
    return Answer(sequence::SendCode::kAccepted, "");
  }));
  StartEngine("hooks", 256, &channel);

  // After the webhook, before the bump: the webhook is not the enrollment's last send.
  RunUntil(At("2026-12-03T00:00:00Z"));
  const std::vector<Message> first = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(first.size(), 3u);
  const Enrollment midway = EnrollmentOf(id, contacts_[0]);
  EXPECT_EQ(midway.step, "bump");
  EXPECT_EQ(midway.last_sent_at, first[0].sent_at) << "conditions count from the intro";
  EXPECT_EQ(midway.sender, alice_.id);

  RunUntil(At("2027-01-31T00:00:00Z"));

  int hooks = 0;
  for (const channels::OutgoingMessage& m : channel.attempts_) {
    if (m.channel != templating::Channel::kWebhook) continue;
    ++hooks;
    SCOPED_TRACE(m.contact.value());
    EXPECT_EQ(m.to_address, "https://hooks.example.com/crm");
    EXPECT_EQ(m.step, "crm");
    EXPECT_FALSE(m.sender.valid());
    const nlohmann::json body = nlohmann::json::parse(m.text);
    EXPECT_EQ(body.at("type"), "step.webhook");
    EXPECT_EQ(body.at("id"), m.id.value());
    EXPECT_EQ(body.at("attempt"), m.attempt);
    EXPECT_EQ(body.at("step"), "crm");
    EXPECT_EQ(body.at("campaign").at("name"), "hooked");
    EXPECT_EQ(body.at("campaign").at("id"), id.value());
    EXPECT_EQ(body.at("enrollment").at("id"), m.enrollment.value());
    EXPECT_EQ(body.at("contact").at("id"), m.contact.value());
    const auto contact = std::find_if(contacts_.begin(), contacts_.end(),
                                      [&](const Contact& c) { return c.id == m.contact; });
    ASSERT_NE(contact, contacts_.end());
    EXPECT_EQ(body.at("contact").at("email"), contact->data.email);
    EXPECT_EQ(body.at("contact").at("company"), contact->data.company);
  }
  EXPECT_EQ(hooks, 4) << "one each, and a retry for the 503";

  for (const Contact& c : contacts_) {
    SCOPED_TRACE(c.data.email);
    const std::vector<Message> messages = MessagesOf(id, c);
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[1].channel, templating::Channel::kWebhook);
    ASSERT_TRUE(messages[0].sent_at.has_value());
    // Due one day after the intro, and sent then: no window, sender or pacing in the way.
    EXPECT_EQ(messages[1].planned_at, *messages[0].sent_at + std::chrono::hours(24));
    // The webhook's failure (continue) or success alike, the bump follows 2 days later.
    EXPECT_EQ(StepsSentTo(c), (std::vector<std::string>{"intro", "bump"}));
    EXPECT_EQ(EnrollmentOf(id, c).status, EnrollmentStatus::kCompleted);
  }
  const std::vector<Message> ok = MessagesOf(id, contacts_[0]);
  ASSERT_TRUE(ok[1].sent_at.has_value());
  EXPECT_EQ(ok[1].status, MessageStatus::kSent);
  EXPECT_EQ(ok[1].planned_at, *ok[1].sent_at);
  EXPECT_GE(ok[2].planned_at, *ok[1].sent_at + std::chrono::hours(48));
  const std::vector<Message> again = MessagesOf(id, contacts_[1]);
  EXPECT_EQ(again[1].status, MessageStatus::kSent);
  EXPECT_EQ(again[1].attempts, 2);
  const std::vector<Message> gone = MessagesOf(id, contacts_[2]);
  EXPECT_EQ(gone[1].status, MessageStatus::kFailed);
  EXPECT_THAT(gone[1].error, HasSubstr("HTTP 410"));
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(EngineTest, AFailedWebhookWithTheStopPolicyFailsTheEnrollment) {
  EmailSetup({"intro"});
  contacts_.push_back(AddContact("s0", "example.com", "US", "America/New_York"));
  CampaignDefinition def;
  def.name = "strict";
  def.settings.senders = {"alice"};
  // The webhook first: the launch plans it as the first message.
  def.sequence.steps = {WebhookStep("signup", sequence::FailurePolicy::kStop),
                        SendStep("intro", "intro")};
  const CampaignId id = Create(def);
  const LaunchReport report = Launch(id);
  EXPECT_EQ(report.enrolled, 1);
  OpenOutbox();
  ScriptedChannel channel(*outbox_, Webhooks([](const channels::OutgoingMessage&) {
    return Answer(sequence::SendCode::kRejected, "HTTP 400: bad request");
  }));
  StartEngine("strict", 256, &channel);
  RunUntil(At("2027-01-31T00:00:00Z"));
  const std::vector<Message> messages = MessagesOf(id, contacts_[0]);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].status, MessageStatus::kFailed);
  EXPECT_EQ(messages[0].planned_at, At("2026-12-01T08:00:00Z")) << "at launch, outside hours";
  const Enrollment e = EnrollmentOf(id, contacts_[0]);
  EXPECT_EQ(e.status, EnrollmentStatus::kFailed);
  EXPECT_EQ(e.stop_reason, "step signup failed");
  EXPECT_THAT(StepsSentTo(contacts_[0]), IsEmpty());
}

// ---------------------------------------------------------------------------------------
// Crash recovery

// Forwards to the outbox but, like most providers, cannot say after a crash what went out.
class NoReconcileChannel final : public channels::Channel {
 public:
  explicit NoReconcileChannel(channels::Channel& inner) : inner_(inner) {}
  std::string_view name() const override { return "no-reconcile"; }
  channels::Capabilities capabilities() const override { return inner_.capabilities(); }
  Result<channels::SendResult> Send(const channels::OutgoingMessage& m) override {
    return inner_.Send(m);
  }
  Status Flush() override { return inner_.Flush(); }

 private:
  channels::Channel& inner_;
};

class CrashTest : public EngineTest {
 protected:
  // Claims every due intro as `owner` and records the attempts of the first `attempted`,
  // as a dispatcher does before calling the channel; returns the claimed messages.
  std::vector<ClaimedMessage> ClaimAndAttempt(const std::string& owner, int limit, int attempted) {
    Result<std::vector<ClaimedMessage>> claimed =
        db().engine().Claim(owner, clock_.Now(), clock_.Now() + std::chrono::minutes(5), limit);
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    if (!claimed.ok()) return {};
    std::vector<ChangeUnit> units;
    for (int i = 0; i < attempted && i < static_cast<int>(claimed->size()); ++i) {
      const Message& m = (*claimed)[i].message;
      ChangeUnit unit;
      MessageChange attempt;
      attempt.id = m.id;
      attempt.from = MessageStatus::kClaimed;
      attempt.event = sequence::MessageEvent::kAttempt;
      attempt.fence = m.fence;
      attempt.count_attempt = true;
      attempt.sender = alice_.id;
      attempt.slot_at = std::optional<Instant>(clock_.Now());
      unit.messages.push_back(attempt);
      units.push_back(std::move(unit));
    }
    Result<ApplyResult> applied =
        db().engine().Apply(units, clock_.Now(), EngineStore::Durability::kDurable);
    EXPECT_TRUE(applied.ok() && applied->conflicted.empty());
    return *claimed;
  }

  // What the dead dispatcher managed to hand to the outbox before it died.
  void WriteToOutbox(const ClaimedMessage& c) {
    channels::OutgoingMessage out;
    out.id = c.message.id;
    out.workspace = c.message.workspace_id;
    out.campaign = c.message.campaign_id;
    out.enrollment = c.message.enrollment_id;
    out.contact = c.message.contact_id;
    out.step = c.message.step;
    out.channel = c.message.channel;
    out.sender = alice_.id;
    out.from_address = alice_.address;
    out.to_address = c.contact.data.email_normalized;
    out.subject = "intro";
    out.text = "hello";
    out.planned_at = clock_.Now();
    out.attempt_at = clock_.Now();
    ASSERT_TRUE(outbox_->Send(out).ok());
    ASSERT_TRUE(outbox_->Flush().ok());
  }

  MessageStatus StatusOf(MessageId id) {
    Result<Message> m = db().engine().GetMessage(ws_, id);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->status : MessageStatus::kFailed;
  }
};

TEST_F(CrashTest, RestartReconcilesThroughTheOutboxAndSendsEachMessageOnce) {
  const CampaignId id = Basic(5);
  Launch(id);
  OpenOutbox(/*write_eml=*/false);

  // The dead process: claimed 4 intros, recorded 3 attempts, wrote 2 to the outbox, died.
  clock_.Set(At("2026-12-01T14:00:00Z"));
  std::vector<ClaimedMessage> dead = ClaimAndAttempt("worker-1", 4, 3);
  ASSERT_EQ(dead.size(), 4u);
  WriteToOutbox(dead[0]);
  WriteToOutbox(dead[1]);
  ASSERT_EQ(StatusOf(dead[0].message.id), MessageStatus::kSending);
  ASSERT_EQ(StatusOf(dead[3].message.id), MessageStatus::kClaimed);
  outbox_.reset();
  // Another live process claims the fifth at 14:05, its lease running until 14:10.
  clock_.Set(At("2026-12-01T14:05:00Z"));
  std::vector<ClaimedMessage> other = ClaimAndAttempt("worker-2", 1, 0);
  ASSERT_EQ(other.size(), 1u);

  // The restart at 14:06, after the dead process's leases expired (14:05).
  clock_.Set(At("2026-12-01T14:06:00Z"));
  OpenOutbox(/*write_eml=*/false);
  StartEngine("worker-1");
  // Written before the crash: recorded sent, not resent, and the enrollment moved on.
  for (int i = 0; i < 2; ++i) {
    const MessageId m = dead[i].message.id;
    EXPECT_EQ(StatusOf(m), MessageStatus::kSent);
    const std::vector<Message> messages = MessagesOf(id, dead[i].contact);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].step, "bump");
    EXPECT_EQ(messages[1].status, MessageStatus::kPlanned);
    const Enrollment e = EnrollmentOf(id, dead[i].contact);
    EXPECT_EQ(e.step, "bump");
    ASSERT_TRUE(e.last_sent_at.has_value());
  }
  // Not written, or never attempted: back to planned.
  EXPECT_EQ(StatusOf(dead[2].message.id), MessageStatus::kPlanned);
  EXPECT_EQ(StatusOf(dead[3].message.id), MessageStatus::kPlanned);
  // Another owner's live lease is left alone.
  EXPECT_EQ(StatusOf(other[0].message.id), MessageStatus::kClaimed);

  const PassStats pass = RunDue();
  EXPECT_EQ(pass.sent, 2);
  EXPECT_EQ(StatusOf(dead[2].message.id), MessageStatus::kSent);
  EXPECT_EQ(StatusOf(dead[3].message.id), MessageStatus::kSent);
  EXPECT_EQ(StatusOf(other[0].message.id), MessageStatus::kClaimed);

  // worker-2 dies too: once its lease expires, this engine recovers and sends it.
  RunUntil(At("2026-12-02T00:00:00Z"));
  EXPECT_EQ(StatusOf(other[0].message.id), MessageStatus::kSent);
  Result<Message> late = db().engine().GetMessage(ws_, other[0].message.id);
  ASSERT_TRUE(late.ok() && late->sent_at.has_value());
  EXPECT_GE(*late->sent_at, At("2026-12-01T14:10:00Z"));

  RunUntil(At("2027-01-31T00:00:00Z"));
  std::map<int64_t, int> sends;
  for (const auto& line : OutboxLines()) ++sends[line.id.value()];
  EXPECT_EQ(sends.size(), 15u);
  for (const auto& [message, n] : sends) EXPECT_EQ(n, 1) << "message " << message;
  for (const Contact& c : contacts_) {
    EXPECT_EQ(StepsSentTo(c), (std::vector<std::string>{"intro", "bump", "breakup"}));
    EXPECT_EQ(EnrollmentOf(id, c).status, EnrollmentStatus::kCompleted);
  }
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
}

TEST_F(CrashTest, ACrashAfterTheLastSendStillCompletesTheCampaignAtRestart) {
  // One step only: the intro is the last message of its enrollment.
  EmailSetup({"intro"});
  contacts_.push_back(AddContact("solo", "example.com", "US", "America/New_York"));
  CampaignDefinition def;
  def.name = "one-shot";
  def.settings.senders = {"alice"};
  def.sequence.steps = {SendStep("intro", "intro")};
  const CampaignId id = Create(def);
  Launch(id);
  OpenOutbox(/*write_eml=*/false);
  // The process wrote the message and died before recording the outcome.
  clock_.Set(At("2026-12-01T14:00:00Z"));
  std::vector<ClaimedMessage> dead = ClaimAndAttempt("worker-1", 1, 1);
  ASSERT_EQ(dead.size(), 1u);
  WriteToOutbox(dead[0]);
  outbox_.reset();
  ASSERT_EQ(Get(id).status, CampaignStatus::kActive);

  // The restart alone (no pass runs) records the send, ends the enrollment and the campaign.
  OpenOutbox(/*write_eml=*/false);
  StartEngine("worker-1");
  EXPECT_EQ(StatusOf(dead[0].message.id), MessageStatus::kSent);
  EXPECT_EQ(EnrollmentOf(id, contacts_[0]).status, EnrollmentStatus::kCompleted);
  EXPECT_EQ(Get(id).status, CampaignStatus::kCompleted);
  EXPECT_EQ(OutboxLines().size(), 1u);
}

TEST_F(CrashTest, AChannelThatCannotTellLeavesTheMessageUnknownAndUnsent) {
  const CampaignId id = Basic(2);
  Launch(id);
  OpenOutbox(/*write_eml=*/false);
  clock_.Set(At("2026-12-01T14:00:00Z"));
  std::vector<ClaimedMessage> dead = ClaimAndAttempt("worker-1", 1, 1);
  ASSERT_EQ(dead.size(), 1u);
  WriteToOutbox(dead[0]);

  // Restarted a minute later: the lease has not expired, but it was this owner's, so it is
  // dead and recovered at once.
  clock_.Advance(std::chrono::minutes(1));
  NoReconcileChannel blind(*outbox_);
  EngineOptions options;
  options.owner = "worker-1";
  Engine engine(db(), clock_, blind, options);
  ASSERT_TRUE(engine.Start().ok());
  EXPECT_EQ(StatusOf(dead[0].message.id), MessageStatus::kUnknown);
  Result<PassStats> run = engine.RunVirtual(clock_, At("2027-01-31T00:00:00Z"));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(StatusOf(dead[0].message.id), MessageStatus::kUnknown);
  Result<CampaignStatusReport> status = service().Status(ws_, id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->unknown_messages, 1);
  Result<std::vector<Message>> unknown = db().engine().UnknownMessages(ws_, 10);
  ASSERT_TRUE(unknown.ok());
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_THAT((*unknown)[0].error, HasSubstr("not resent"));
  // Written once (by the dead process), never again; the other contact went through.
  std::map<int64_t, int> sends;
  for (const auto& line : OutboxLines()) ++sends[line.id.value()];
  EXPECT_EQ(sends[dead[0].message.id.value()], 1);
  EXPECT_EQ(OutboxLines().size(), 4u);
}

}  // namespace
}  // namespace cadent
