// Crash safety of the dispatcher (issue 5, "Tests that must exist"): the real binary runs the
// engine (`cadent run --clock virtual`) against the outbox channel, is killed with SIGKILL
// after a random delay, and is started again, over and over, until a run ends on its own.
// Then every (contact, step) of the campaign must have gone out exactly once: nothing lost
// (every message row `sent`, every expected line in messages.jsonl) and nothing sent twice
// (no message id on two lines). A message whose fate the channel could not tell would be
// `unknown` and reported; the outbox reconciles exactly (its file is the provider), so there
// must be none.
//
// Rounds: each round is a fresh database and outbox with a 200-contact, 3-step email campaign
// (600 messages). Rounds repeat until CADENT_CRASH_TRIALS kills (default 50) were made.
//
// When the kills land: a run is mostly process start (about 0.4 s in the ASan build) and then
// about 1.5 s of sending for the whole campaign. Each round first times a run with nothing to
// do (start-up and exit: S), then kills each run after a delay drawn uniformly from
// [S/2, S + CADENT_CRASH_MAX_DELAY_MS] (default 400 ms): some before the engine sends
// anything, most while it claims, records, writes the outbox and records outcomes (batches
// of 16, 64 or 256 messages, drawn per run), a few after the last send. Delays and batch
// sizes come from a seeded generator (CADENT_CRASH_SEED, printed), so a failing sequence of
// kills can be replayed; tools/crash-trials.sh runs longer soaks.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "integration/cadent_test.hpp"

namespace cadent::integration {
namespace {

namespace fs = std::filesystem;

constexpr int kContacts = 200;
constexpr char kSteps[][8] = {"intro", "bump", "breakup"};
constexpr int kStepCount = 3;
constexpr int kMessages = kContacts * kStepCount;
constexpr char kNow[] = "2026-12-01T00:00:00Z";
constexpr char kUntil[] = "2026-12-10";
constexpr char kCampaign[] = "crash";
// A round whose runs were killed this many times lets the next run finish (the test must
// end even if every delay were too short for a run to get anywhere).
constexpr int kMaxKillsPerRound = 40;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  return end != nullptr && *end == '\0' && value > 0 ? value : fallback;
}

// Kills to make in all (the issue asks for at least 50 in `make test`).
int64_t Trials() { return EnvInt("CADENT_CRASH_TRIALS", 50); }
uint64_t Seed() { return static_cast<uint64_t>(EnvInt("CADENT_CRASH_SEED", 20261201)); }
// How far past the start-up time S kill delays go (see the top of the file).
int64_t MaxDelayMs() { return EnvInt("CADENT_CRASH_MAX_DELAY_MS", 400); }

std::string Email(int i) {
  return "person" + std::to_string(i) + "@firm" + std::to_string(i % 37) + ".com";
}

std::string ContactsCsv() {
  static constexpr const char* kCountries[] = {"US", "GB", "DE", "FR", "BR", "JP"};
  std::string csv = "email,first_name,last_name,company,country\n";
  for (int i = 1; i <= kContacts; ++i) {
    csv += Email(i) + ",First" + std::to_string(i) + ",Last" + std::to_string(i) + ",Firm " +
           std::to_string(i % 37) + "," + kCountries[i % 6] + "\n";
  }
  return csv;
}

std::string TemplateFile(const std::string& name) {
  return "---\nname: " + name + "\nchannel: email\nsubject: \"" + name +
         " for {{first_name|there}}\"\n---\n"
         "<p>Hi {{first_name|there}},</p>\n<p>This is " +
         name +
         " from {{company|your company}}.</p>\n"
         "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n";
}

// Three emails, a day and two days apart, in a window open all week, no holidays: the test
// is about crashes, not calendars.
std::string CampaignYaml() {
  return std::string("name: ") + kCampaign +
         "\naudience: {lists: [leads]}\n"
         "senders: [alice]\n"
         "calendar:\n"
         "  window: \"Mon-Sun 00:00-24:00\"\n"
         "  weekends: window\n"
         "  holidays: none\n"
         "steps:\n"
         "  - id: intro\n    send: email\n    template: intro\n"
         "  - id: bump\n    send: email\n    template: bump\n    after: 1 day\n"
         "  - id: breakup\n    send: email\n    template: breakup\n    after: 2 days\n";
}

// One whole line of messages.jsonl.
struct OutboxLine {
  int64_t id = 0;
  int attempt = 0;
  std::string to;
  std::string step;
};

// The whole lines of the outbox (a torn last line, which the next Open cuts, is ignored).
std::vector<OutboxLine> ReadOutbox(const fs::path& outbox) {
  std::vector<OutboxLine> lines;
  const fs::path path = outbox / "messages.jsonl";
  if (!fs::exists(path)) return lines;
  const std::string text = ReadFile(path);
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const nlohmann::json j =
        nlohmann::json::parse(text.substr(start, end - start), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      ADD_FAILURE() << path << ": a whole line that is not JSON: "
                    << text.substr(start, std::min<size_t>(end - start, 200));
      continue;
    }
    lines.push_back(
        {j.value("id", int64_t{0}), j.value("attempt", 0), j.value("to", ""), j.value("step", "")});
  }
  return lines;
}

int64_t WholeLines(const fs::path& outbox) {
  const fs::path path = outbox / "messages.jsonl";
  if (!fs::exists(path)) return 0;
  const std::string text = ReadFile(path);
  return std::count(text.begin(), text.end(), '\n');
}

// Where a kill landed, judged by the outbox lines before and after the run.
enum class Landing { kBeforeSends, kMidRun, kAfterLastSend };

struct RoundReport {
  int kills = 0;
  int landed[3] = {};
  int runs = 0;
  int64_t lines = 0;
  int64_t resent = 0;      // lines with attempt > 1: a send the crash stopped, made again
  int64_t duplicates = 0;  // ids on more than one line
  int64_t unknown = 0;     // messages the database holds as unknown
};

class DispatchCrashTest : public CadentTest {
 protected:
  // Runs `cadent --db DB ARGS...` to completion and expects it to succeed.
  RunResult Must(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--db", db_};
    full.insert(full.end(), args.begin(), args.end());
    RunResult run = Cadent(full, std::chrono::seconds(120));
    EXPECT_TRUE(run.status.Success()) << Describe(full, run);
    return run;
  }

  void SetUpRound(const fs::path& round) {
    fs::create_directories(round);
    db_ = (round / "cadent.db").string();
    outbox_ = round / "outbox";
    WriteFile(round / "contacts.csv", ContactsCsv());
    for (const char* step : kSteps)
      WriteFile(round / (std::string(step) + ".tmpl"), TemplateFile(step));
    WriteFile(round / "campaign.yaml", CampaignYaml());

    const RunResult imported =
        Must({"import", "contacts", (round / "contacts.csv").string(), "--list", "leads"});
    const nlohmann::json summary = ParseJson(imported.out, "import summary");
    ASSERT_TRUE(summary.is_object()) << imported.out;
    ASSERT_EQ(summary["counts"].value("imported", 0), kContacts) << imported.out;
    for (const char* step : kSteps) {
      ASSERT_TRUE(Must({"templates", "create", (round / (std::string(step) + ".tmpl")).string()})
                      .status.Success());
    }
    ASSERT_TRUE(Must({"workspace", "set-address", "1 Main St, Springfield, IL 62701, USA"})
                    .status.Success());
    ASSERT_TRUE(Must({"senders", "add", "alice", "--address", "alice@example.com", "--min-spacing",
                      "0", "--max-spacing", "0"})
                    .status.Success());
    ASSERT_TRUE(Must({"campaigns", "create", (round / "campaign.yaml").string()}).status.Success());
    // S: a run with nothing to do yet (start, recover, find no work, exit).
    const auto start = SteadyClock::now();
    Child idle(RunArgv(256), SpawnOptions{dir().string()});
    const ExitStatus idle_status = idle.Wait(After(std::chrono::seconds(60)));
    ASSERT_TRUE(idle_status.Success()) << idle_status.Describe() << "\n" << idle.err();
    startup_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
    const RunResult launched = Must({"--json", "--now", kNow, "campaigns", "launch", kCampaign});
    const nlohmann::json launch = ParseJson(launched.out, "launch report");
    ASSERT_TRUE(launch.is_object()) << launched.out;
    ASSERT_EQ(launch.value("enrolled", 0), kContacts) << launched.out;
  }

  // `cadent run` in virtual time, as the crash test runs it.
  std::vector<std::string> RunArgv(int batch) const {
    std::vector<std::string> argv = {CadentBinary(), "--db", db_, "--json", "--now", kNow};
    argv.insert(argv.end(),
                {"run", "--clock=virtual", std::string("--until=") + kUntil, "--owner=crash-test",
                 "--outbox=" + outbox_.string(), "--batch=" + std::to_string(batch)});
    return argv;
  }

  // Starts the engine, kills it after a random delay or lets it finish; returns true when it
  // ended on its own (exit 0).
  bool Trial(bool may_kill, RoundReport* report) {
    const int64_t before = WholeLines(outbox_);
    std::uniform_int_distribution<int64_t> delay_ms(startup_ms_ / 2, startup_ms_ + MaxDelayMs());
    std::uniform_int_distribution<int> batch_index(0, 2);
    static constexpr int kBatches[] = {16, 64, 256};
    const int64_t delay = delay_ms(random_);
    const int batch = kBatches[batch_index(random_)];
    Child child(RunArgv(batch), SpawnOptions{dir().string()});
    const ExitStatus status = child.Wait(may_kill ? After(std::chrono::milliseconds(delay))
                                                  : After(std::chrono::seconds(120)));
    ++report->runs;
    if (status.exited) {
      EXPECT_EQ(status.code, 0) << "the engine failed on its own (not killed)\nstderr:\n"
                                << child.err();
      if (status.code == 0) {
        const nlohmann::json stats = ParseJson(child.out(), "run stats");
        if (stats.is_object()) final_stats_ = stats;
      }
      return true;
    }
    EXPECT_TRUE(may_kill && status.signal == SIGKILL)
        << "the engine ended unexpectedly: " << status.Describe() << "\nstderr:\n"
        << child.err();
    ++report->kills;
    const int64_t after = WholeLines(outbox_);
    const Landing landing = after >= kMessages ? Landing::kAfterLastSend
                            : after > before   ? Landing::kMidRun
                                               : Landing::kBeforeSends;
    ++report->landed[static_cast<int>(landing)];
    return false;
  }

  // Checks what a finished round left: the outbox and the database.
  void Check(RoundReport* report) {
    const std::vector<OutboxLine> lines = ReadOutbox(outbox_);
    report->lines = static_cast<int64_t>(lines.size());
    std::map<int64_t, int> by_id;
    std::map<std::pair<std::string, std::string>, std::set<int64_t>> by_pair;  // (to, step)
    for (const OutboxLine& line : lines) {
      ++by_id[line.id];
      by_pair[{line.to, line.step}].insert(line.id);
      if (line.attempt > 1) ++report->resent;
    }
    for (const auto& [id, count] : by_id) {
      if (count > 1) {
        ++report->duplicates;
        if (report->duplicates <= 5)
          ADD_FAILURE() << "message " << id << " sent " << count << " times";
      }
    }
    int64_t lost = 0;
    int64_t twice = 0;
    for (int i = 1; i <= kContacts; ++i) {
      for (const char* step : kSteps) {
        const auto it = by_pair.find({Email(i), step});
        const size_t ids = it == by_pair.end() ? 0 : it->second.size();
        if (ids == 0 && ++lost <= 5) ADD_FAILURE() << "lost: " << step << " to " << Email(i);
        if (ids > 1 && ++twice <= 5) {
          ADD_FAILURE() << step << " to " << Email(i) << " went out as " << ids << " messages";
        }
      }
    }
    EXPECT_EQ(lost, 0) << "(contact, step) pairs never sent";
    EXPECT_EQ(twice, 0) << "(contact, step) pairs sent as more than one message";
    EXPECT_EQ(by_pair.size(), static_cast<size_t>(kMessages)) << "unexpected (to, step) pairs";
    EXPECT_EQ(report->lines, kMessages);

    const RunResult status_run = Must({"--json", "--now", kNow, "campaigns", "status", kCampaign});
    const nlohmann::json status = ParseJson(status_run.out, "campaigns status");
    ASSERT_TRUE(status.is_object()) << status_run.out;
    report->unknown = status.value("unknown_messages", int64_t{-1});
    // The outbox answers Reconcile exactly, so nothing may be left in the ambiguous window.
    EXPECT_EQ(report->unknown, 0) << status_run.out;
    EXPECT_EQ(status.value("status", ""), "completed") << status_run.out;
    EXPECT_EQ(status["enrollments"], nlohmann::json({{"completed", kContacts}})) << status_run.out;

    const RunResult stats_run = Must({"--json", "--now", kNow, "campaigns", "stats", kCampaign});
    const nlohmann::json stats = ParseJson(stats_run.out, "campaigns stats");
    ASSERT_TRUE(stats.is_array()) << stats_run.out;
    std::set<std::string> steps;
    for (const nlohmann::json& row : stats) {
      const std::string step = row.value("step", "");
      steps.insert(step);
      // Every message row is sent: none planned, claimed, sending, failed, skipped,
      // cancelled or unknown.
      EXPECT_EQ(row.value("sent", -1), kContacts) << row.dump();
      EXPECT_EQ(row.value("planned", -1), 0) << row.dump();
      EXPECT_EQ(row.value("failed", -1), 0) << row.dump();
      EXPECT_EQ(row.value("skipped", -1), 0) << row.dump();
      EXPECT_EQ(row.value("unknown", -1), 0) << row.dump();
    }
    EXPECT_EQ(steps, std::set<std::string>(std::begin(kSteps), std::end(kSteps))) << stats_run.out;
  }

  std::string db_;
  fs::path outbox_;
  int64_t startup_ms_ = 0;  // S of this round
  std::mt19937_64 random_{Seed()};
  nlohmann::json final_stats_;
};

TEST_F(DispatchCrashTest, KilledAtRandomPointsNothingLostNothingSentTwice) {
  const auto start = SteadyClock::now();
  std::cerr << "[ crash    ] seed " << Seed() << " (CADENT_CRASH_SEED), " << Trials()
            << " kills (CADENT_CRASH_TRIALS), delays S/2 to S + " << MaxDelayMs()
            << " ms (CADENT_CRASH_MAX_DELAY_MS)\n";
  RoundReport total;
  for (int round = 1; total.kills < Trials(); ++round) {
    ASSERT_NO_FATAL_FAILURE(SetUpRound(dir() / ("round-" + std::to_string(round))));
    RoundReport report;
    final_stats_ = nlohmann::json();
    while (!Trial(/*may_kill=*/report.kills < kMaxKillsPerRound, &report)) {
      ASSERT_FALSE(HasFailure()) << "round " << round << ", run " << report.runs;
    }
    ASSERT_FALSE(HasFailure()) << "round " << round << ", run " << report.runs;
    ASSERT_NO_FATAL_FAILURE(Check(&report));
    std::cerr << "[ crash    ] round " << round << " (S " << startup_ms_ << " ms): " << report.runs
              << " runs, " << report.kills << " killed (" << report.landed[0]
              << " before any send, " << report.landed[1] << " mid-run, " << report.landed[2]
              << " after the last send); outbox " << report.lines << " lines, " << report.resent
              << " resent after a crash, " << report.duplicates << " ids twice, " << report.unknown
              << " unknown; last run " << final_stats_.dump() << "\n";
    ASSERT_FALSE(HasFailure()) << "round " << round;
    total.kills += report.kills;
    total.runs += report.runs;
    for (int i = 0; i < 3; ++i) total.landed[i] += report.landed[i];
    total.lines += report.lines;
    total.resent += report.resent;
    total.duplicates += report.duplicates;
    total.unknown += report.unknown;
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - start).count();
  std::cerr << "[ crash    ] total: " << total.kills << " kills in " << total.runs << " runs ("
            << total.landed[0] << " before any send, " << total.landed[1] << " mid-run, "
            << total.landed[2] << " after the last send); " << total.lines << " messages sent, "
            << total.resent << " resent after a crash, 0 lost, " << total.duplicates
            << " sent twice, " << total.unknown << " unknown; " << seconds << " s\n";
  EXPECT_GE(total.kills, Trials());
}

}  // namespace
}  // namespace cadent::integration
