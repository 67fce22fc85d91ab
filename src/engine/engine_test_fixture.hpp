// The engine test fixture: a real SQLite database (in memory, or a file when a test needs
// to reach it with raw SQL), a fake clock, an outbox channel in a fresh directory, and
// helpers to add templates, senders and contacts and to read back what was "sent".
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "channels/outbox/outbox_channel.hpp"
#include "core/calendar/test_util.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_service.hpp"
#include "engine/engine.hpp"
#include "nlohmann/json.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent::engine_testing {

namespace fs = std::filesystem;

// One line of the outbox's messages.jsonl.
struct OutboxLine {
  MessageId id;
  EnrollmentId enrollment;
  ContactId contact;
  std::string step;
  std::string channel;
  SenderId sender;
  std::string to;
  std::string subject;
  std::string text;
  Instant planned_at;
  Instant sent_at;
};

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           StrCat("cadent-engine-", ::getpid(), "-",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    OpenDatabase(":memory:");
  }
  void TearDown() override {
    engine_.reset();
    outbox_.reset();
    service_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  void OpenDatabase(const std::string& path) {
    engine_.reset();
    service_.reset();
    db_.reset();
    Result<std::unique_ptr<Database>> db = storage::sqlite::OpenSqliteDatabase({path}, clock_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    service_ = std::make_unique<CampaignService>(*db_, clock_);
  }

  Database& db() { return *db_; }
  CampaignService& service() { return *service_; }

  void SetPostalAddress() {
    ASSERT_TRUE(db_->workspaces().SetPostalAddress(ws_, "1 Main St, Springfield").ok());
  }

  // An email template whose body names the contact and carries the unsubscribe link.
  void AddEmailTemplate(const std::string& name, bool with_unsubscribe = true) {
    templating::TemplateSource source;
    source.channel = templating::Channel::kEmail;
    source.subject = StrCat(name, " for {{first_name|there}}");
    source.html =
        StrCat("<p>Hi {{first_name|there}}, this is ", name, ".</p>",
               with_unsubscribe ? "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>" : "");
    ASSERT_TRUE(db_->templates().Create(ws_, name, source, "test").ok());
  }

  void AddLinkedInTemplate(const std::string& name, templating::Channel channel) {
    templating::TemplateSource source;
    source.channel = channel;
    source.text = StrCat("Hi {{first_name|there}}: ", name);
    ASSERT_TRUE(db_->templates().Create(ws_, name, source, "test").ok());
  }

  SenderAccount AddSender(const std::string& name, const std::string& channel,
                          const std::string& policy_json, const std::string& zone = "UTC") {
    SenderAccount account;
    account.workspace_id = ws_;
    account.name = name;
    account.channel = channel;
    account.address = channel == "email" ? StrCat(name, "@sender.example") : StrCat("li-", name);
    account.from_name = StrCat(name, " Sender");
    account.time_zone = zone;
    account.policy_json = policy_json;
    Result<SenderAccount> added = db_->senders().Add(account);
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? *added : account;
  }

  Contact AddContact(const std::string& local, const std::string& domain,
                     const std::string& country, const std::string& zone) {
    ContactData data;
    data.email = StrCat(local, "@", domain);
    data.email_normalized = data.email;
    data.email_domain = domain;
    data.registrable_domain = domain;
    data.first_name = local;
    data.company = domain;
    data.country = country;
    data.time_zone = zone;
    data.linkedin_url = StrCat("https://www.linkedin.com/in/", local);
    Result<Contact> created = db_->contacts().Create(ws_, data);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Contact{};
  }

  sequence::Step SendStep(const std::string& id, const std::string& template_name,
                          const std::string& delay = "0",
                          templating::Channel channel = templating::Channel::kEmail) {
    sequence::Step step;
    step.id = id;
    step.kind = sequence::StepKind::kSend;
    step.channel = channel;
    sequence::Variant variant;
    variant.name = "A";
    variant.template_name = template_name;
    step.variants.push_back(variant);
    Result<calendar::DelayRule> rule = calendar::DelayRule::Parse(delay);
    EXPECT_TRUE(rule.ok()) << rule.status();
    if (rule.ok()) step.delay = *rule;
    return step;
  }

  // intro now, bump 2 days later, breakup 3 days after that; senders = the pool.
  CampaignDefinition ThreeStepEmail(const std::string& name, std::vector<std::string> senders) {
    CampaignDefinition def;
    def.name = name;
    def.settings.senders = std::move(senders);
    def.sequence.steps = {SendStep("intro", "intro"), SendStep("bump", "bump", "2 days"),
                          SendStep("breakup", "breakup", "3 days")};
    return def;
  }
  void AddThreeStepTemplates() {
    AddEmailTemplate("intro");
    AddEmailTemplate("bump");
    AddEmailTemplate("breakup");
  }

  CampaignId Create(const CampaignDefinition& def) {
    Result<Campaign> created = service_->Create(ws_, def);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : CampaignId();
  }

  LaunchReport Launch(CampaignId id) {
    Result<LaunchReport> report = service_->Launch(ws_, id);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : LaunchReport{};
  }

  void OpenOutbox(bool write_eml = true) {
    outbox_.reset();
    channels::OutboxChannel::Options options;
    options.dir = dir_ / "outbox";
    options.write_eml = write_eml;
    options.sync = false;
    Result<std::unique_ptr<channels::OutboxChannel>> outbox =
        channels::OutboxChannel::Open(options);
    ASSERT_TRUE(outbox.ok()) << outbox.status();
    outbox_ = *std::move(outbox);
  }

  // A new engine (after the outbox is open), started, sending through the outbox or
  // `channel`.
  Engine& StartEngine(const std::string& owner = "test-engine", int batch_size = 256,
                      channels::Channel* channel = nullptr) {
    engine_.reset();
    EngineOptions options;
    options.owner = owner;
    options.batch_size = batch_size;
    options.on_rejected = [this](std::string_view what) { rejected_.emplace_back(what); };
    engine_ = std::make_unique<Engine>(*db_, clock_, channel ? *channel : *outbox_, options);
    const Status started = engine_->Start();
    EXPECT_TRUE(started.ok()) << started;
    return *engine_;
  }

  PassStats RunUntil(Instant until) {
    Result<PassStats> stats = engine_->RunVirtual(clock_, until);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : PassStats{};
  }
  PassStats RunDue() {
    Result<PassStats> stats = engine_->RunDue();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : PassStats{};
  }

  std::vector<OutboxLine> OutboxLines() {
    int64_t from = 0;
    return OutboxLinesFrom(&from);
  }
  // The lines after byte *offset (only whole ones), moving *offset past them.
  std::vector<OutboxLine> OutboxLinesFrom(int64_t* offset) {
    std::vector<OutboxLine> out;
    std::ifstream in(dir_ / "outbox" / "messages.jsonl", std::ios::binary);
    in.seekg(*offset);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a partial last line: read it next time
      *offset += static_cast<int64_t>(line.size()) + 1;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      if (j.is_discarded()) continue;
      OutboxLine o;
      o.id = MessageId(j.at("id").get<int64_t>());
      o.enrollment = EnrollmentId(j.at("enrollment").get<int64_t>());
      o.contact = ContactId(j.at("contact").get<int64_t>());
      o.step = j.at("step").get<std::string>();
      o.channel = j.at("channel").get<std::string>();
      o.sender = SenderId(j.at("sender").get<int64_t>());
      o.to = j.at("to").get<std::string>();
      o.subject = j.at("subject").get<std::string>();
      o.text = j.at("text").get<std::string>();
      Result<Instant> planned = ParseRfc3339(j.at("planned_at").get<std::string>());
      Result<Instant> sent = ParseRfc3339(j.at("sent_at").get<std::string>());
      EXPECT_TRUE(planned.ok() && sent.ok()) << line;
      o.planned_at = planned.ok() ? *planned : Instant();
      o.sent_at = sent.ok() ? *sent : Instant();
      out.push_back(std::move(o));
    }
    return out;
  }

  // Outbox lines grouped by contact, each contact's in file order.
  std::map<int64_t, std::vector<OutboxLine>> LinesByContact() {
    std::map<int64_t, std::vector<OutboxLine>> out;
    for (OutboxLine& line : OutboxLines()) out[line.contact.value()].push_back(std::move(line));
    return out;
  }

  Enrollment EnrollmentOf(CampaignId campaign, const Contact& contact) {
    Result<std::optional<Enrollment>> found =
        db_->engine().FindEnrollment(ws_, campaign, contact.id);
    EXPECT_TRUE(found.ok() && found->has_value()) << contact.data.email;
    return found.ok() && found->has_value() ? **found : Enrollment{};
  }
  std::vector<Message> MessagesOf(CampaignId campaign, const Contact& contact) {
    Result<std::vector<Message>> messages =
        db_->engine().MessagesOf(ws_, EnrollmentOf(campaign, contact).id);
    EXPECT_TRUE(messages.ok()) << messages.status();
    return messages.ok() ? *messages : std::vector<Message>{};
  }

  Result<Event> Inject(const Contact& contact, EventKind kind, std::optional<CampaignId> campaign,
                       std::string_view detail = "") {
    return service_->AddEvent(ws_, contact, kind, campaign, clock_.Now(), "test", detail);
  }

  static Instant At(std::string_view rfc3339) { return calendar::testing::At(rfc3339); }

  fs::path dir_;
  // Tuesday 2026-12-01 08:00 UTC.
  FakeClock clock_{calendar::testing::At("2026-12-01T08:00:00Z")};
  WorkspaceId ws_ = kDefaultWorkspace;
  std::unique_ptr<Database> db_;
  std::unique_ptr<CampaignService> service_;
  std::unique_ptr<channels::OutboxChannel> outbox_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::string> rejected_;
};

}  // namespace cadent::engine_testing
