// Tracking and unsubscribe through the engine and the Tracker, in virtual time against a
// real SQLite database and the outbox channel: the links each email carries are signed and
// resolve to their message; a bad token resolves to nothing and writes nothing; an
// unsubscribe suppresses at once and wins over a send that is already due; opens are
// recorded with machine traffic flagged and counted apart.
#include "engine/tracking.hpp"

#include <set>
#include <sstream>

#include "engine/engine_test_fixture.hpp"

namespace cadent {
namespace {

using sequence::EnrollmentStatus;
using sequence::MessageStatus;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kNoSpacing[] = R"({"min_spacing_s":0,"max_spacing_s":0})";
constexpr std::string_view kThunderbird =
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0";

class TrackingTest : public engine_testing::EngineFixture {
 protected:
  // A 3-step email campaign over `n` contacts in New York, launched, and its first step
  // sent (intro goes out on 2026-12-01 at 09:00 New York time).
  CampaignId LaunchAndSendIntro(int n) {
    AddThreeStepTemplates();
    SetPostalAddress();
    AddSender("alice", "email", kNoSpacing);
    for (int i = 0; i < n; ++i) {
      contacts_.push_back(AddContact(StrCat("c", i), "example.com", "US", "America/New_York"));
    }
    const CampaignId id = Create(ThreeStepEmail("basic", {"alice"}));
    Launch(id);
    OpenOutbox();
    StartEngine();
    RunUntil(At("2026-12-02T00:00:00Z"));
    return id;
  }

  // The outbox's JSON lines (with the html part, which OutboxLine leaves out).
  std::vector<nlohmann::json> RawLines() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "outbox" / "messages.jsonl");
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string Eml(MessageId id) {
    std::ifstream in(dir_ / "outbox" / "eml" / StrCat(id.value(), ".eml"));
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }
  // The first token after `prefix` ("/u/", "/t/o/") in `text`. (No std::regex: g++ 12
  // warns inside it under -O1, -Werror.)
  static std::string TokenAfter(const std::string& text, const std::string& prefix) {
    const size_t at = text.find(prefix);
    if (at == std::string::npos) return "";
    const size_t start = at + prefix.size();
    const size_t end = text.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  // Events of the campaign's enrollments (each test contact has one).
  int64_t EventCount() {
    int64_t n = 0;
    for (const Contact& c : contacts_) {
      Result<std::optional<Enrollment>> e = db().engine().FindEnrollment(ws_, campaign_, c.id);
      if (!e.ok() || !e->has_value()) continue;
      Result<std::vector<Event>> events = db().engine().EventsOf(ws_, (*e)->id);
      if (events.ok()) n += static_cast<int64_t>(events->size());
    }
    return n;
  }
  bool Suppressed(const Contact& c) {
    Result<std::optional<SuppressionEntry>> match = db().suppression().Match(ws_, c.data);
    EXPECT_TRUE(match.ok());
    return match.ok() && match->has_value();
  }
  ContactStatus StatusOf(const Contact& c) {
    Result<Contact> got = db().contacts().Get(ws_, c.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? got->status : ContactStatus::kActive;
  }

  std::vector<Contact> contacts_;
  CampaignId campaign_;
};

TEST_F(TrackingTest, EachEmailCarriesSignedLinksThatNameItsMessage) {
  campaign_ = LaunchAndSendIntro(2);
  const std::vector<nlohmann::json> lines = RawLines();
  ASSERT_EQ(lines.size(), 2u);
  Tracker tracker(db(), clock_);
  std::set<std::string> seen;
  for (const nlohmann::json& line : lines) {
    const MessageId id(line.at("id").get<int64_t>());
    const std::string html = line.at("html").get<std::string>();
    const std::string eml = Eml(id);
    // No guessable /u/<message id> any more: the link is a signed token.
    EXPECT_THAT(html, Not(HasSubstr(StrCat("/u/", id.value(), "\""))));
    const std::string unsubscribe = TokenAfter(html, "/u/");
    ASSERT_FALSE(unsubscribe.empty()) << html;
    EXPECT_THAT(eml,
                HasSubstr(StrCat("List-Unsubscribe: <http://127.0.0.1:8080/u/", unsubscribe, ">")));
    EXPECT_THAT(eml, HasSubstr("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    Result<TrackedMessage> resolved =
        tracker.Resolve(unsubscribe, tracking::TokenKind::kUnsubscribe);
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_EQ(resolved->message.id, id);
    // The open pixel, last in the html, with its own token.
    const std::string open = TokenAfter(html, "/t/o/");
    ASSERT_FALSE(open.empty()) << html;
    EXPECT_THAT(html, HasSubstr(StrCat("/t/o/", open, ".gif\" width=\"1\" height=\"1\"")));
    EXPECT_NE(open, unsubscribe);
    Result<TrackedMessage> opened = tracker.Resolve(open, tracking::TokenKind::kOpen);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->message.id, id);
    seen.insert(unsubscribe);
  }
  EXPECT_EQ(seen.size(), 2u) << "one token per message";
  // The key was made once for the workspace and is not part of what Workspace shows.
  Result<std::string> key = db().workspaces().TrackingKey(ws_, "");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 64u);
}

TEST_F(TrackingTest, ABadTokenResolvesToNothingAndWritesNothing) {
  campaign_ = LaunchAndSendIntro(1);
  const std::string html = RawLines().at(0).at("html").get<std::string>();
  const std::string good = TokenAfter(html, "/u/");
  const std::string open = TokenAfter(html, "/t/o/");
  ASSERT_FALSE(good.empty());
  const int64_t events_before = EventCount();
  Tracker tracker(db(), clock_);
  std::vector<std::string> bad = {"",
                                  "x",
                                  good.substr(0, good.size() - 1),
                                  good + "A",
                                  open,  // an open token is no unsubscribe token
                                  std::string(200, 'A'),
                                  "../../etc/passwd",
                                  "%00"};
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    bad.push_back(flipped);
  }
  for (const std::string& token : bad) {
    SCOPED_TRACE(token);
    EXPECT_TRUE(absl::IsNotFound(tracker.Unsubscribe(token).status()));
    EXPECT_TRUE(
        absl::IsNotFound(tracker.Resolve(token, tracking::TokenKind::kUnsubscribe).status()));
  }
  // Opens with unsubscribe tokens (and tampered ones) record nothing either.
  EXPECT_TRUE(absl::IsNotFound(tracker.Open(good, tracking::Hit{}).status()));
  EXPECT_FALSE(Suppressed(contacts_[0]));
  EXPECT_EQ(StatusOf(contacts_[0]), ContactStatus::kActive);
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(TrackingTest, AnotherWorkspacesTokenNamesNothingHere) {
  campaign_ = LaunchAndSendIntro(1);
  const MessageId sent(RawLines().at(0).at("id").get<int64_t>());
  Result<Workspace> other = db().workspaces().Create("Other");
  ASSERT_TRUE(other.ok());
  // A token of the other workspace, genuinely signed with its key, naming our message id.
  TrackingKeys keys(db());
  Result<std::string> other_key = keys.ForSigning(other->id);
  ASSERT_TRUE(other_key.ok());
  Result<std::string> token = tracking::Sign(
      tracking::Token{tracking::TokenKind::kUnsubscribe, other->id, sent, 0}, *other_key);
  ASSERT_TRUE(token.ok());
  Tracker tracker(db(), clock_);
  EXPECT_TRUE(absl::IsNotFound(tracker.Unsubscribe(*token).status()));
  // And one naming our workspace signed with the other's key.
  token =
      tracking::Sign(tracking::Token{tracking::TokenKind::kUnsubscribe, ws_, sent, 0}, *other_key);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(absl::IsNotFound(tracker.Unsubscribe(*token).status()));
  // A workspace that never signed anything has no key, and verifying does not make one.
  Result<Workspace> fresh = db().workspaces().Create("Fresh");
  ASSERT_TRUE(fresh.ok());
  token = tracking::Sign(tracking::Token{tracking::TokenKind::kUnsubscribe, fresh->id, sent, 0},
                         std::string(64, '0'));
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(absl::IsNotFound(tracker.Unsubscribe(*token).status()));
  EXPECT_EQ(db().workspaces().TrackingKey(fresh->id, "").value_or("?"), "");
  EXPECT_FALSE(Suppressed(contacts_[0]));
}

TEST_F(TrackingTest, ResolvingWritesNothing) {
  campaign_ = LaunchAndSendIntro(1);
  const std::string good = TokenAfter(RawLines().at(0).at("html").get<std::string>(), "/u/");
  Tracker tracker(db(), clock_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(tracker.Resolve(good, tracking::TokenKind::kUnsubscribe).ok());
  }
  EXPECT_FALSE(Suppressed(contacts_[0]));
  EXPECT_EQ(StatusOf(contacts_[0]), ContactStatus::kActive);
  EXPECT_EQ(EventCount(), 0);
}

TEST_F(TrackingTest, UnsubscribeSuppressesAtOnceStopsTheEnrollmentAndIsIdempotent) {
  campaign_ = LaunchAndSendIntro(2);
  const std::vector<nlohmann::json> lines = RawLines();
  ASSERT_EQ(lines.size(), 2u);
  const nlohmann::json& first =
      lines[0].at("contact").get<int64_t>() == contacts_[0].id.value() ? lines[0] : lines[1];
  const std::string token = TokenAfter(first.at("html").get<std::string>(), "/u/");
  int woken = 0;
  Tracker tracker(db(), clock_, [&woken] { ++woken; });
  Result<TrackedMessage> done = tracker.Unsubscribe(token);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->contact.id, contacts_[0].id);
  // Committed before the call returned, with no engine pass in between.
  EXPECT_TRUE(Suppressed(contacts_[0]));
  EXPECT_FALSE(Suppressed(contacts_[1]));
  EXPECT_EQ(StatusOf(contacts_[0]), ContactStatus::kUnsubscribed);
  EXPECT_EQ(woken, 1);
  // A second POST (the recipient clicks twice, or a client retries): fine, nothing new.
  ASSERT_TRUE(tracker.Unsubscribe(token).ok());
  EXPECT_EQ(woken, 1);
  const Enrollment e = EnrollmentOf(campaign_, contacts_[0]);
  Result<std::vector<Event>> events = db().engine().EventsOf(ws_, e.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, EventKind::kUnsubscribed);
  EXPECT_EQ((*events)[0].message_id, MessageId(first.at("id").get<int64_t>()));
  EXPECT_EQ((*events)[0].source, "tracking");

  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(EnrollmentOf(campaign_, contacts_[0]).status, EnrollmentStatus::kStopped);
  int64_t to_first = 0;
  int64_t to_second = 0;
  for (const engine_testing::OutboxLine& line : OutboxLines()) {
    (line.contact == contacts_[0].id ? to_first : to_second) += 1;
  }
  EXPECT_EQ(to_first, 1) << "nothing after the unsubscribe";
  EXPECT_EQ(to_second, 3);
  Result<std::vector<StepStats>> stats = db().engine().Stats(ws_, campaign_);
  ASSERT_TRUE(stats.ok());
  int64_t unsubscribed = 0;
  for (const StepStats& s : *stats) {
    unsubscribed += s.events[static_cast<size_t>(EventKind::kUnsubscribed)];
  }
  EXPECT_EQ(unsubscribed, 1);
}

// The message is due, the unsubscribe commits, then the dispatcher runs: the send must not
// happen, whichever of the event applier or the claim-time suppression check sees it first.
TEST_F(TrackingTest, UnsubscribeRacingADueSendWins) {
  campaign_ = LaunchAndSendIntro(1);
  const std::string token = TokenAfter(RawLines().at(0).at("html").get<std::string>(), "/u/");
  const Message* bump = nullptr;
  std::vector<Message> messages = MessagesOf(campaign_, contacts_[0]);
  for (const Message& m : messages) {
    if (m.step == "bump") bump = &m;
  }
  ASSERT_NE(bump, nullptr);
  ASSERT_EQ(bump->status, MessageStatus::kPlanned);
  clock_.Set(bump->due_at + std::chrono::minutes(1));  // due now
  Tracker tracker(db(), clock_);
  ASSERT_TRUE(tracker.Unsubscribe(token).ok());
  RunDue();
  EXPECT_EQ(OutboxLines().size(), 1u) << "the bump went out after the unsubscribe";
  messages = MessagesOf(campaign_, contacts_[0]);
  for (const Message& m : messages) {
    if (m.step != "bump") continue;
    EXPECT_TRUE(m.status == MessageStatus::kSkipped || m.status == MessageStatus::kCancelled)
        << sequence::ToString(m.status);
  }
  EXPECT_EQ(EnrollmentOf(campaign_, contacts_[0]).status, EnrollmentStatus::kStopped);
}

// Suppression wins in every campaign of the workspace: a second campaign that enrolled the
// contact before the unsubscribe sends nothing after it.
TEST_F(TrackingTest, UnsubscribeStopsEveryCampaignOfTheWorkspace) {
  campaign_ = LaunchAndSendIntro(1);
  const std::string token = TokenAfter(RawLines().at(0).at("html").get<std::string>(), "/u/");
  CampaignDefinition second = ThreeStepEmail("second", {"alice"});
  second.settings.allow_in_other_campaigns = true;
  const CampaignId other = Create(second);
  const LaunchReport launched = Launch(other);
  ASSERT_EQ(EnrollmentOf(other, contacts_[0]).status, EnrollmentStatus::kActive);
  Tracker tracker(db(), clock_);
  ASSERT_TRUE(tracker.Unsubscribe(token).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  EXPECT_EQ(OutboxLines().size(), 1u);
  EXPECT_EQ(EnrollmentOf(other, contacts_[0]).status, EnrollmentStatus::kStopped);
  (void)launched;
}

TEST_F(TrackingTest, OpensAreRecordedWithMachineTrafficFlaggedAndCountedApart) {
  campaign_ = LaunchAndSendIntro(3);
  const std::vector<nlohmann::json> lines = RawLines();
  ASSERT_EQ(lines.size(), 3u);
  std::map<int64_t, std::string> open_of;  // contact -> open token
  for (const nlohmann::json& line : lines) {
    open_of[line.at("contact").get<int64_t>()] =
        TokenAfter(line.at("html").get<std::string>(), "/t/o/");
  }
  clock_.Advance(std::chrono::hours(1));
  Tracker tracker(db(), clock_);
  tracking::Hit person;
  person.user_agent = kThunderbird;
  person.remote_address = "203.0.113.5";
  tracking::Hit apple;
  apple.user_agent = "Mozilla/5.0";
  apple.remote_address = "17.1.2.3";
  // c0 opens twice as a person; c1's Apple proxy fetches the pixel; c2 both.
  ASSERT_TRUE(tracker.Open(open_of[contacts_[0].id.value()], person).ok());
  ASSERT_TRUE(tracker.Open(open_of[contacts_[0].id.value()], person).ok());
  ASSERT_TRUE(tracker.Open(open_of[contacts_[1].id.value()], apple).ok());
  ASSERT_TRUE(tracker.Open(open_of[contacts_[2].id.value()], apple).ok());
  ASSERT_TRUE(tracker.Open(open_of[contacts_[2].id.value()], person).ok());

  Result<std::vector<Event>> c1 =
      db().engine().EventsOf(ws_, EnrollmentOf(campaign_, contacts_[1]).id);
  ASSERT_TRUE(c1.ok());
  ASSERT_EQ(c1->size(), 1u);
  EXPECT_EQ((*c1)[0].kind, EventKind::kOpened);
  EXPECT_EQ((*c1)[0].machine, "apple-mail-privacy");
  Result<std::vector<Event>> c0 =
      db().engine().EventsOf(ws_, EnrollmentOf(campaign_, contacts_[0]).id);
  ASSERT_TRUE(c0.ok());
  ASSERT_EQ(c0->size(), 2u);
  EXPECT_EQ((*c0)[0].machine, "");

  Result<std::vector<StepStats>> stats = db().engine().Stats(ws_, campaign_);
  ASSERT_TRUE(stats.ok());
  const StepStats* intro = nullptr;
  for (const StepStats& s : *stats) {
    if (s.step == "intro") intro = &s;
  }
  ASSERT_NE(intro, nullptr);
  EXPECT_EQ(intro->events[static_cast<size_t>(EventKind::kOpened)], 3) << "contacts, total";
  EXPECT_EQ(intro->human_events[static_cast<size_t>(EventKind::kOpened)], 2)
      << "contacts with a person's open";
}

TEST_F(TrackingTest, AnOpenSecondsAfterSendingIsAMachine) {
  campaign_ = LaunchAndSendIntro(1);
  const nlohmann::json line = RawLines().at(0);
  const std::string open = TokenAfter(line.at("html").get<std::string>(), "/t/o/");
  Result<Message> m = db().engine().GetMessage(ws_, MessageId(line.at("id").get<int64_t>()));
  ASSERT_TRUE(m.ok() && m->sent_at.has_value());
  clock_.Set(*m->sent_at + std::chrono::seconds(2));
  Tracker tracker(db(), clock_);
  tracking::Hit person;
  person.user_agent = kThunderbird;
  ASSERT_TRUE(tracker.Open(open, person).ok());
  Result<std::vector<Event>> events =
      db().engine().EventsOf(ws_, EnrollmentOf(campaign_, contacts_[0]).id);
  ASSERT_TRUE(events.ok() && events->size() == 1u);
  EXPECT_EQ((*events)[0].machine, "too-soon-after-send");
}

TEST_F(TrackingTest, TheOpenPixelCanBeTurnedOff) {
  AddThreeStepTemplates();
  SetPostalAddress();
  AddSender("alice", "email", kNoSpacing);
  contacts_.push_back(AddContact("c0", "example.com", "US", "America/New_York"));
  campaign_ = Create(ThreeStepEmail("basic", {"alice"}));
  Launch(campaign_);
  OpenOutbox();
  EngineOptions options;
  options.owner = "no-pixel";
  options.track_opens = false;
  engine_ = std::make_unique<Engine>(db(), clock_, *outbox_, options);
  ASSERT_TRUE(engine_->Start().ok());
  RunUntil(At("2026-12-02T00:00:00Z"));
  const std::string html = RawLines().at(0).at("html").get<std::string>();
  EXPECT_THAT(html, Not(HasSubstr("/t/o/")));
  EXPECT_THAT(html, HasSubstr("/u/"));
}

// A one-step campaign whose email has two web links (one with a variable), a mailto link
// and the unsubscribe link; `track_clicks` as given. Sends it to one contact.
class ClickTest : public TrackingTest {
 protected:
  std::string SendWithLinks(bool track_clicks = true) {
    templating::TemplateSource source;
    source.channel = templating::Channel::kEmail;
    source.subject = "Links";
    source.html =
        "<p><a href=\"https://example.com/pricing?x=1&amp;y=2\">Pricing</a> "
        "<a href=\"https://{{company}}/about\">About</a> "
        "<a href=\"mailto:alice@sender.example\">Write</a></p>"
        "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>";
    EXPECT_TRUE(db().templates().Create(ws_, "links", source, "test").ok());
    SetPostalAddress();
    AddSender("alice", "email", kNoSpacing);
    contacts_.push_back(AddContact("c0", "acme.example", "US", "America/New_York"));
    CampaignDefinition def;
    def.name = "links";
    def.settings.senders = {"alice"};
    def.settings.track_clicks = track_clicks;
    def.sequence.steps = {SendStep("only", "links")};
    campaign_ = Create(def);
    Launch(campaign_);
    OpenOutbox();
    StartEngine();
    RunUntil(At("2026-12-02T00:00:00Z"));
    const std::vector<nlohmann::json> lines = RawLines();
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? "" : lines[0].at("html").get<std::string>();
  }
  // Every click token in `html`, in order.
  static std::vector<std::string> ClickTokens(std::string html) {
    std::vector<std::string> out;
    for (std::string token = TokenAfter(html, "/t/c/"); !token.empty();
         token = TokenAfter(html, "/t/c/")) {
      out.push_back(token);
      html = html.substr(html.find(token) + token.size());
    }
    return out;
  }
  std::vector<Event> Events() {
    Result<std::vector<Event>> events =
        db().engine().EventsOf(ws_, EnrollmentOf(campaign_, contacts_[0]).id);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<Event>{};
  }
};

TEST_F(ClickTest, WebLinksAreRewrittenAndRedirectToWhatWasSent) {
  const std::string html = SendWithLinks();
  const std::vector<std::string> tokens = ClickTokens(html);
  ASSERT_EQ(tokens.size(), 2u) << html;
  // The originals are gone from the hrefs; mailto and unsubscribe links are left alone.
  EXPECT_THAT(html, Not(HasSubstr("href=\"https://example.com/pricing")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"https://acme.example/about")));
  EXPECT_THAT(html, HasSubstr("href=\"mailto:alice@sender.example\""));
  EXPECT_THAT(html, HasSubstr("href=\"http://127.0.0.1:8080/u/"));

  clock_.Advance(std::chrono::hours(2));
  Tracker tracker(db(), clock_);
  tracking::Hit person;
  person.user_agent = kThunderbird;
  Result<std::string> first = tracker.Click(tokens[0], person);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "https://example.com/pricing?x=1&y=2");  // entities decoded
  Result<std::string> second = tracker.Click(tokens[1], person);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, "https://acme.example/about");  // as rendered for this contact
  tracking::Hit scanner = person;
  scanner.head = true;
  ASSERT_TRUE(tracker.Click(tokens[0], scanner).ok());

  const std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, EventKind::kClicked);
  EXPECT_EQ(events[0].machine, "");
  EXPECT_EQ(events[0].detail, "https://example.com/pricing?x=1&y=2");
  EXPECT_EQ(events[2].machine, "head-request");
  Result<std::vector<StepStats>> stats = db().engine().Stats(ws_, campaign_);
  ASSERT_TRUE(stats.ok() && stats->size() == 1u);
  EXPECT_EQ((*stats)[0].events[static_cast<size_t>(EventKind::kClicked)], 1);
  EXPECT_EQ((*stats)[0].human_events[static_cast<size_t>(EventKind::kClicked)], 1);
}

TEST_F(ClickTest, NoOpenRedirect) {
  const std::string html = SendWithLinks();
  ASSERT_EQ(ClickTokens(html).size(), 2u);
  const MessageId sent(RawLines().at(0).at("id").get<int64_t>());
  Result<std::string> key = db().workspaces().TrackingKey(ws_, "");
  ASSERT_TRUE(key.ok() && !key->empty());
  Tracker tracker(db(), clock_);
  // A genuine token for a link index the message does not have.
  Result<std::string> beyond =
      tracking::Sign(tracking::Token{tracking::TokenKind::kClick, ws_, sent, 2}, *key);
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(absl::IsNotFound(tracker.Click(*beyond, tracking::Hit{}).status()));
  // Tampered tokens, and unsubscribe or open tokens used as clicks.
  std::string tampered = ClickTokens(html)[0];
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(absl::IsNotFound(tracker.Click(tampered, tracking::Hit{}).status()));
  EXPECT_TRUE(absl::IsNotFound(tracker.Click(TokenAfter(html, "/u/"), tracking::Hit{}).status()));
  EXPECT_TRUE(absl::IsNotFound(tracker.Click(TokenAfter(html, "/t/o/"), tracking::Hit{}).status()));
  EXPECT_THAT(Events(), ::testing::IsEmpty());
}

TEST_F(ClickTest, ClickTrackingCanBeTurnedOffPerCampaign) {
  const std::string html = SendWithLinks(/*track_clicks=*/false);
  EXPECT_THAT(ClickTokens(html), ::testing::IsEmpty());
  EXPECT_THAT(html, HasSubstr("href=\"https://example.com/pricing?x=1&amp;y=2\""));
}

// A machine's open is recorded but is not the recipient opening: it resolves no condition.
TEST_F(TrackingTest, AMachineOpenDoesNotSatisfyAnOpenedCondition) {
  AddEmailTemplate("intro");
  AddEmailTemplate("opened-follow-up");
  AddEmailTemplate("other-follow-up");
  SetPostalAddress();
  AddSender("alice", "email", kNoSpacing);
  contacts_.push_back(AddContact("c0", "example.com", "US", "America/New_York"));
  CampaignDefinition def;
  def.name = "branching";
  def.settings.senders = {"alice"};
  sequence::Step opened;
  opened.id = "opened";
  opened.kind = sequence::StepKind::kCondition;
  opened.condition = sequence::ConditionKind::kOpened;
  opened.within = std::chrono::hours(48);
  opened.on_yes = "yes";
  opened.on_no = "no";
  sequence::Step yes = SendStep("yes", "opened-follow-up");
  yes.next = "fin";
  sequence::Step fin;
  fin.id = "fin";
  fin.kind = sequence::StepKind::kEnd;
  def.sequence.steps = {SendStep("intro", "intro"), opened, yes, SendStep("no", "other-follow-up"),
                        fin};
  campaign_ = Create(def);
  Launch(campaign_);
  OpenOutbox();
  StartEngine();
  RunUntil(At("2026-12-02T00:00:00Z"));
  const std::string open = TokenAfter(RawLines().at(0).at("html").get<std::string>(), "/t/o/");
  Tracker tracker(db(), clock_);
  tracking::Hit apple;
  apple.user_agent = "Mozilla/5.0";
  ASSERT_TRUE(tracker.Open(open, apple).ok());
  RunUntil(At("2027-01-31T00:00:00Z"));
  std::vector<std::string> steps;
  for (const engine_testing::OutboxLine& line : OutboxLines()) steps.push_back(line.step);
  EXPECT_EQ(steps, (std::vector<std::string>{"intro", "no"}));
}

TEST(TrackingGif, IsAOnePixelGif) {
  const std::string_view gif = TransparentGif();
  EXPECT_EQ(gif.size(), 43u);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  EXPECT_EQ(gif[6], 1);  // width 1
  EXPECT_EQ(gif[8], 1);  // height 1
  EXPECT_EQ(gif.back(), ';');
}

}  // namespace
}  // namespace cadent
