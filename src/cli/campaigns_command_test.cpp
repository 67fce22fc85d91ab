// Campaigns from the command line, end to end in-process: senders, the postal address, a
// campaign file, a refused launch, a launch, a virtual-time run through the outbox, events,
// stats, explain, forecast, pause/resume/stop.
#include <fstream>

#include "cli/cli_test_fixture.hpp"

namespace cadent::cli {
namespace {

using ::testing::HasSubstr;

class CampaignsCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const std::string csv = Write("people.csv",
                                  "email,first_name,company,country,time_zone\n"
                                  "ann@acme.com,Ann,Acme,US,America/New_York\n"
                                  "bob@globex.com,Bob,Globex,DE,Europe/Berlin\n"
                                  "cy@initech.com,Cy,Initech,SA,Asia/Riyadh\n"
                                  "dee@umbrella.com,Dee,Umbrella,JP,Asia/Tokyo\n");
    ASSERT_EQ(Cadent({"import", "contacts", csv, "--list", "leads"}).code, 0);
    for (const char* name : {"intro", "bump"}) {
      const std::string tmpl =
          Write(std::string(name) + ".tmpl",
                std::string("---\nname: ") + name +
                    "\nchannel: email\nsubject: \"Hi {{first_name}}\"\n---\n"
                    "<p>Hello {{first_name}} at {{company}}.</p>\n"
                    "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n");
      Outcome created = Cadent({"templates", "create", tmpl});
      ASSERT_EQ(created.code, 0) << created.err;
    }
    Outcome sender =
        Cadent({"senders", "add", "alice", "--address", "alice@sender.example", "--from-name",
                "Alice Smith", "--min-spacing", "0", "--max-spacing", "0"});
    ASSERT_EQ(sender.code, 0) << sender.err;
    campaign_file_ = Write("campaign.yaml",
                           "name: Q1\n"
                           "audience: {lists: [leads]}\n"
                           "senders: [alice]\n"
                           "calendar:\n"
                           "  window: \"Mon-Fri 09:00-17:00\"\n"
                           "steps:\n"
                           "  - send: email\n"
                           "    template: intro\n"
                           "  - send: email\n"
                           "    template: bump\n"
                           "    after: 2 business days\n");
  }

  std::vector<nlohmann::json> OutboxLines() {
    std::vector<nlohmann::json> lines;
    std::ifstream in(dir_ / "var" / "outbox" / "messages.jsonl");
    std::string line;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  std::string campaign_file_;
};

TEST_F(CampaignsCliTest, LaunchIsRefusedWithEveryProblemThenRunsInVirtualTime) {
  ASSERT_EQ(Cadent({"campaigns", "create", campaign_file_}).code, 0);

  // No postal address yet: refused, nothing enrolled.
  Outcome refused = Cadent({"campaigns", "launch", "Q1"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("postal address"));
  Outcome draft = Cadent({"--json", "campaigns", "status", "Q1"});
  ASSERT_EQ(draft.code, 0) << draft.err;
  EXPECT_EQ(draft.Json()["status"], "draft");
  EXPECT_TRUE(draft.Json()["enrollments"].empty());

  ASSERT_EQ(Cadent({"workspace", "set-address", "Acme Inc, 1 Main St, Springfield"}).code, 0);
  // Monday 2026-12-07 06:00 UTC.
  Outcome launched =
      Cadent({"--now", "2026-12-07T06:00:00Z", "--json", "campaigns", "launch", "Q1"});
  ASSERT_EQ(launched.code, 0) << launched.err;
  EXPECT_EQ(launched.Json()["status"], "active");
  EXPECT_EQ(launched.Json()["enrolled"], 4);
  // --now is the time the database stamps too.
  Outcome active = Cadent({"--json", "campaigns", "status", "Q1"});
  ASSERT_EQ(active.code, 0) << active.err;
  EXPECT_EQ(active.Json()["launched_at"], "2026-12-07T06:00:00Z");

  Outcome run = Cadent({"--now", "2026-12-07T06:00:00Z", "--json", "run", "--clock", "virtual",
                        "--until", "2026-12-20"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.Json()["sent"], 8);

  const std::vector<nlohmann::json> lines = OutboxLines();
  ASSERT_EQ(lines.size(), 8u);
  for (const nlohmann::json& line : lines) {
    EXPECT_EQ(line["from"], "alice@sender.example");
    EXPECT_THAT(line["html"].get<std::string>(), HasSubstr("/u/"));
    EXPECT_THAT(line["text"].get<std::string>(), HasSubstr("1 Main St, Springfield"))
        << "every email carries the postal address";
  }
  // Cy is in Riyadh: 09:00 local on Monday is 06:00 UTC, Bob in Berlin 08:00 UTC.
  for (const nlohmann::json& line : lines) {
    if (line["to"] == "bob@globex.com" && line["step"] == "step1") {
      EXPECT_EQ(line["sent_at"], "2026-12-07T08:00:00Z");
    }
    if (line["to"] == "bob@globex.com" && line["step"] == "step2") {
      EXPECT_EQ(line["sent_at"], "2026-12-09T08:00:00Z");  // 2 business days later
    }
  }

  Outcome stats = Cadent({"--json", "campaigns", "stats", "Q1"});
  ASSERT_EQ(stats.code, 0) << stats.err;
  ASSERT_EQ(stats.Json().size(), 2u);
  EXPECT_EQ(stats.Json()[0]["sent"], 4);
  EXPECT_EQ(stats.Json()[1]["sent"], 4);
  Outcome status = Cadent({"--json", "campaigns", "status", "Q1"});
  EXPECT_EQ(status.Json()["status"], "completed");
  EXPECT_EQ(status.Json()["enrollments"]["completed"], 4);

  Outcome explain = Cadent({"explain", "Q1", "bob@globex.com"});
  ASSERT_EQ(explain.code, 0) << explain.err;
  EXPECT_THAT(explain.out, HasSubstr("Europe/Berlin (contact)"));
  EXPECT_THAT(explain.out, HasSubstr("sent step1 via alice"));
  EXPECT_THAT(explain.out, HasSubstr("sent step2 via alice"));
}

TEST_F(CampaignsCliTest, ReplyStopsTheSequenceAndExplainSaysWhy) {
  ASSERT_EQ(Cadent({"workspace", "set-address", "Acme Inc, 1 Main St, Springfield"}).code, 0);
  ASSERT_EQ(Cadent({"campaigns", "create", campaign_file_}).code, 0);
  ASSERT_EQ(Cadent({"--now", "2026-12-07T06:00:00Z", "campaigns", "launch", "Q1"}).code, 0);
  // Day one only: every first step goes out on Monday.
  Outcome first = Cadent({"--now", "2026-12-07T06:00:00Z", "--json", "run", "--clock", "virtual",
                          "--until", "2026-12-08"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(first.Json()["sent"], 4);

  Outcome reply = Cadent({"--now", "2026-12-08T10:00:00Z", "events", "add", "ann@acme.com",
                          "--kind", "replied", "--detail", "sounds good"});
  ASSERT_EQ(reply.code, 0) << reply.err;
  Outcome rest = Cadent({"--now", "2026-12-08T10:00:00Z", "--json", "run", "--clock", "virtual",
                         "--until", "2026-12-20"});
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_EQ(rest.Json()["sent"], 3) << "Ann replied: no second step for her";
  EXPECT_EQ(rest.Json()["events"], 1);
  for (const nlohmann::json& line : OutboxLines()) {
    if (line["to"] == "ann@acme.com") {
      EXPECT_EQ(line["step"], "step1");
    }
  }
  Outcome explain = Cadent({"explain", "Q1", "ann@acme.com"});
  EXPECT_THAT(explain.out, HasSubstr("event: replied"));
  EXPECT_THAT(explain.out, HasSubstr("stopped: replied"));
  Outcome stats = Cadent({"--json", "campaigns", "stats", "Q1"});
  EXPECT_EQ(stats.Json()[0]["replied"], 1);
}

TEST_F(CampaignsCliTest, PauseHoldsSendsAndResumeSpreadsThem) {
  ASSERT_EQ(Cadent({"workspace", "set-address", "Acme Inc, 1 Main St, Springfield"}).code, 0);
  ASSERT_EQ(Cadent({"campaigns", "create", campaign_file_}).code, 0);
  ASSERT_EQ(Cadent({"--now", "2026-12-07T06:00:00Z", "campaigns", "launch", "Q1"}).code, 0);
  ASSERT_EQ(Cadent({"campaigns", "pause", "Q1"}).code, 0);
  Outcome paused = Cadent({"--now", "2026-12-07T06:00:00Z", "--json", "run", "--clock", "virtual",
                           "--until", "2026-12-09"});
  ASSERT_EQ(paused.code, 0) << paused.err;
  EXPECT_EQ(paused.Json()["sent"], 0);
  // Resumed on Wednesday: the overdue first steps go then, not on Monday.
  ASSERT_EQ(Cadent({"--now", "2026-12-09T12:00:00Z", "campaigns", "resume", "Q1"}).code, 0);
  Outcome resumed = Cadent({"--now", "2026-12-09T12:00:00Z", "--json", "run", "--clock", "virtual",
                            "--until", "2026-12-10"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(resumed.Json()["sent"], 4);
  for (const nlohmann::json& line : OutboxLines()) {
    EXPECT_GE(line["sent_at"].get<std::string>(), "2026-12-09T12:00:00Z");
  }
  ASSERT_EQ(Cadent({"campaigns", "stop", "Q1"}).code, 0);
  Outcome status = Cadent({"--json", "campaigns", "status", "Q1"});
  EXPECT_EQ(status.Json()["status"], "stopped");
  EXPECT_EQ(status.Json()["enrollments"]["stopped"], 4);
  Outcome after = Cadent({"--now", "2026-12-09T12:00:00Z", "--json", "run", "--clock", "virtual",
                          "--until", "2026-12-31"});
  EXPECT_EQ(after.Json()["sent"], 0);
}

TEST_F(CampaignsCliTest, BadFilesAndUnknownCampaignsAreClearErrors) {
  Outcome bad =
      Cadent({"campaigns", "create", Write("bad.yaml", "name: X\nsteps:\n  - send: fax\n")});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml"));
  EXPECT_THAT(bad.err, HasSubstr("steps[0]"));
  Outcome missing = Cadent({"campaigns", "launch", "nope"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no campaign named 'nope'"));
  Outcome event = Cadent({"events", "add", "ann@acme.com", "--kind", "liked"});
  EXPECT_EQ(event.code, 2);
  EXPECT_THAT(event.err, HasSubstr("liked"));
  Outcome clock = Cadent({"run", "--clock", "virtual"});
  EXPECT_EQ(clock.code, 2);
  EXPECT_THAT(clock.err, HasSubstr("--until"));
  Outcome now = Cadent({"--now", "yesterday", "campaigns", "list"});
  EXPECT_EQ(now.code, 2);
}

}  // namespace
}  // namespace cadent::cli
