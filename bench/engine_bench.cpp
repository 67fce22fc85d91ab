// The engine's figures (issue 5), measured through the C++ API on a SQLite file (WAL,
// synchronous=FULL but for the commits the engine marks crash-safe, as `cadent` runs it)
// with the outbox channel:
//
//   launch    CampaignService::Launch of a 3-step email campaign over N contacts: enroll
//             them and plan each first message (default calendar: recipient zones, country
//             weekends and holidays). Target: 1,000,000 contacts in under 10 s.
//   dispatch  Engine::RunDue draining step 1 of N enrollments all due now: claim, pace
//             (a sender without spacing or caps), render, record the attempt, send to the
//             outbox (fdatasync per batch), record the outcome and plan step 2. Target:
//             at least 20,000 messages/s with write_eml=false; write_eml=true is shown too.
//   lateness  Engine::RunRealTime on the system clock, below capacity: N messages due
//             uniformly over S seconds in the near future. Per message, (time the channel
//             got it - due), (time it was durable after Flush - due) and (the sent_at the
//             engine records - due). Target: p99 under 50 ms.
//
// Contacts are created through ImportStore::CommitBatch (50,000 per transaction), the
// import's own path; that is setup, never timed. Each repetition starts from a copy of a
// prepared database file, so every launch and every dispatch sees the same state.
//
// Full size (the issue's figures; about 3 minutes and 2 GB of disk in $TMPDIR):
//   build/release/bench/engine_bench --launch 1000000 --launch-reps 3 --dispatch 100000
//       --dispatch-reps 5 --lateness 5000 --lateness-seconds 10 --lateness-reps 3
// (one command line).
// `make bench` (bench/run.sh) runs it smaller: --launch 200000 --dispatch 20000 ...
// Other options: --dir DIR (where the databases go; default $TMPDIR or /tmp), --batch N
// (the engine's claim batch, default 512), --only launch|dispatch|lateness.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/outbox/outbox_channel.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_json.hpp"
#include "engine/campaign_service.hpp"
#include "engine/engine.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent::bench {
namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;
using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(std::string_view what, const Status& status) {
  std::cerr << "engine_bench: " << what << ": " << status << "\n";
  std::exit(1);
}
void Check(const Status& status, std::string_view what) {
  if (!status.ok()) Die(what, status);
}
template <typename T>
T Check(Result<T> result, std::string_view what) {
  if (!result.ok()) Die(what, result.status());
  return *std::move(result);
}

struct Options {
  int64_t launch = 1'000'000;
  int launch_reps = 3;
  int64_t dispatch = 100'000;
  int dispatch_reps = 5;
  int dispatch_eml_reps = 2;
  int64_t lateness = 5'000;
  double lateness_seconds = 10;
  int lateness_reps = 3;
  int batch = EngineOptions{}.batch_size;
  fs::path dir;
  std::string only;
};

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return StrCat(one, " ", five, " ", fifteen);
}

// "median X (min A, max B)" of a sample.
struct Summary {
  double median = 0, min = 0, max = 0;
};
Summary Summarize(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  Summary s;
  if (values.empty()) return s;
  const size_t n = values.size();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}
std::string Format(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}
std::string Thousands(double value) {
  const std::string digits = StrCat(static_cast<int64_t>(std::llround(value)));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string Describe(const Summary& s, int decimals, std::string_view unit) {
  return StrCat("median ", Format(s.median, decimals), unit, " (min ", Format(s.min, decimals),
                ", max ", Format(s.max, decimals), ")");
}
std::string DescribeRate(const Summary& s, std::string_view unit) {
  return StrCat("median ", Thousands(s.median), " ", unit, " (min ", Thousands(s.min), ", max ",
                Thousands(s.max), ")");
}

// Where recipients are: zones and countries in proportions close to a B2B list.
struct Place {
  const char* zone;
  const char* country;
};
constexpr Place kPlaces[] = {
    {"America/New_York", "US"},    {"America/Chicago", "US"},
    {"America/Los_Angeles", "US"}, {"America/Toronto", "CA"},
    {"America/Sao_Paulo", "BR"},   {"Europe/London", "GB"},
    {"Europe/Berlin", "DE"},       {"Europe/Paris", "FR"},
    {"Europe/Madrid", "ES"},       {"Europe/Amsterdam", "NL"},
    {"Asia/Kolkata", "IN"},        {"Asia/Singapore", "SG"},
    {"Asia/Tokyo", "JP"},          {"Australia/Sydney", "AU"},
    {"Asia/Dubai", "AE"},          {"", "US"},  // no zone: resolved from the country
};

ContactData MakeContact(int64_t i) {
  ContactData c;
  const std::string domain = StrCat("company", i % 20'000, ".example");
  c.email = StrCat("person", i, "@", domain);
  c.email_normalized = c.email;
  c.email_domain = domain;
  c.registrable_domain = domain;
  c.first_name = StrCat("First", i % 1000);
  c.last_name = StrCat("Last", i);
  c.company = StrCat("Company ", i % 20'000);
  c.title = i % 3 == 0 ? "CTO" : "Head of Sales";
  const Place& place = kPlaces[i % std::size(kPlaces)];
  c.country = place.country;
  c.time_zone = place.zone;
  return c;
}

templating::TemplateSource EmailTemplate(std::string_view name) {
  templating::TemplateSource source;
  source.channel = templating::Channel::kEmail;
  source.subject = StrCat("{{spin: Quick question | A thought}} for {{company}}, ",
                          "{{first_name|there}} (", name, ")");
  source.html = StrCat(
      "<p>{{spin: Hi | Hello | Hey}} {{first_name|there}},</p>\n"
      "<p>I noticed {{company}} is growing{{#if title}} and, as {{title}}, you{{else}}; you"
      "{{/if}} may be looking at how your team books meetings.</p>\n"
      "<p>We helped companies like yours cut the time to first meeting in half. Here is the "
      "<a href=\"https://example.com/case-study\">case study</a> (",
      name,
      ").</p>\n"
      "<p>Would a short call on {{day_of_week}} or later this week work?</p>\n"
      "<p>{{sender.first_name|The team}}<br>{{{sender.signature|Example Inc.}}}</p>\n"
      "<p style=\"font-size:11px\">1 Main St, Springfield. "
      "<a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n");
  return source;
}

// The database of one benchmark: contacts on a list, three templates, a sender without
// spacing or caps, the workspace's postal address and a draft campaign (`definition_json`).
// Written once to `path`, then copied for each repetition.
void Prepare(const fs::path& path, int64_t contacts, const std::string& definition_json,
             const Clock& clock) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  std::unique_ptr<Database> db =
      Check(storage::sqlite::OpenSqliteDatabase({path.string()}, clock), "open");
  const WorkspaceId ws = kDefaultWorkspace;
  Check(db->workspaces().SetPostalAddress(ws, "1 Main St, Springfield, IL 62701"), "address");
  const ContactList list = Check(db->lists().Create(ws, "bench"), "list");
  ImportSpec spec;
  spec.file_name = "bench";
  spec.fingerprint = StrCat("bench-", contacts);
  spec.list = list.id;
  const ImportRecord import = Check(db->imports().Create(ws, spec), "import");
  constexpr int64_t kBatch = 50'000;
  const auto start = Steady::now();
  for (int64_t first = 0; first < contacts; first += kBatch) {
    ImportBatch batch;
    const int64_t end = std::min(contacts, first + kBatch);
    batch.rows.reserve(static_cast<size_t>(end - first));
    for (int64_t i = first; i < end; ++i) batch.rows.push_back({i + 2, MakeContact(i)});
    batch.resume_line = end + 1;
    Check(db->imports().CommitBatch(ws, import.id, batch).status(), "contacts");
  }
  Check(db->imports().Finish(ws, import.id, ImportStatus::kCompleted, ""), "import finish");
  if (contacts >= 100'000) {
    std::cout << "  (setup: " << Thousands(static_cast<double>(contacts)) << " contacts in "
              << Format(Seconds(Steady::now() - start).count(), 1) << " s)\n";
  }
  for (const char* name : {"intro", "bump", "last"}) {
    Check(db->templates().Create(ws, name, EmailTemplate(name), "bench").status(), "template");
  }
  SenderAccount alice;
  alice.workspace_id = ws;
  alice.name = "alice";
  alice.address = "alice@sender.example";
  alice.from_name = "Alice Example";
  alice.policy_json = R"({"min_spacing_s": 0, "max_spacing_s": 0})";
  alice.signature = "<b>Alice</b>, Example Inc.";
  Check(db->senders().Add(alice).status(), "sender");
  const CampaignDefinition definition = Check(ParseCampaignJson(definition_json), "definition");
  CampaignService service(*db, clock);
  Check(service.Create(ws, definition).status(), "campaign");
}

// A copy of the prepared database for one repetition.
fs::path CopyOf(const fs::path& base, const fs::path& copy) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(copy.string() + suffix);
    if (fs::exists(base.string() + suffix)) {
      fs::copy_file(base.string() + suffix, copy.string() + suffix);
    }
  }
  return copy;
}
void RemoveDb(const fs::path& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
}

Campaign Find(CampaignService& service, std::string_view name) {
  return Check(service.Find(kDefaultWorkspace, name), "find campaign");
}

// Three emails; `calendar` is the campaign's calendar object (empty: the default).
std::string Definition(std::string_view name, std::string_view calendar,
                       std::string_view after2 = "3 business days",
                       std::string_view after3 = "4 business days") {
  return StrCat(
      R"({"name": ")", name, R"(", "audience": {"lists": ["bench"]},)", R"("senders": ["alice"],)",
      calendar.empty() ? "" : StrCat(R"("calendar": )", calendar, ","),
      R"("steps": [{"id": "intro", "send": "email", "template": "intro"},)",
      R"({"id": "bump", "send": "email", "template": "bump", "after": ")", after2, R"("},)",
      R"({"id": "last", "send": "email", "template": "last", "after": ")", after3, R"("}]})");
}
constexpr std::string_view kOpenCalendar =
    R"({"window": "Mon-Sun 00:00-24:00", "weekends": "window", "holidays": "none"})";

// Tuesday 2026-12-01 08:00 UTC.
Instant LaunchTime() { return Check(ParseRfc3339("2026-12-01T08:00:00Z"), "time"); }

void BenchLaunch(const Options& o) {
  std::cout << "\n== launch: enroll " << Thousands(static_cast<double>(o.launch))
            << " contacts into a 3-step email campaign and plan their first messages ("
            << o.launch_reps << " runs)\n";
  FakeClock clock(LaunchTime());
  const fs::path base = o.dir / "launch-base.db";
  Prepare(base, o.launch, Definition("launch", ""), clock);
  std::vector<double> seconds, rates;
  for (int rep = 1; rep <= o.launch_reps; ++rep) {
    const fs::path path = CopyOf(base, o.dir / "launch.db");
    std::unique_ptr<Database> db =
        Check(storage::sqlite::OpenSqliteDatabase({path.string()}, clock), "open");
    CampaignService service(*db, clock);
    const Campaign campaign = Find(service, "launch");
    const auto start = Steady::now();
    const LaunchReport report = Check(service.Launch(kDefaultWorkspace, campaign.id), "launch");
    const double s = Seconds(Steady::now() - start).count();
    if (report.enrolled != o.launch) {
      std::cerr << "engine_bench: launch enrolled " << report.enrolled << " of " << o.launch
                << " (audience " << report.audience << ", suppressed " << report.suppressed
                << ", missing data " << report.missing_data << ")\n";
      std::exit(1);
    }
    seconds.push_back(s);
    rates.push_back(static_cast<double>(report.enrolled) / s);
    std::cout << "  run " << rep << ": " << Format(s, 2) << " s, " << Thousands(rates.back())
              << " enrollments/s (status " << sequence::ToString(report.campaign.status) << ")\n";
    db.reset();
    RemoveDb(path);
  }
  RemoveDb(base);
  const Summary s = Summarize(seconds);
  std::cout << "launch " << Thousands(static_cast<double>(o.launch)) << ": " << Describe(s, 2, " s")
            << "; " << DescribeRate(Summarize(rates), "enrollments/s")
            << "; target < 10 s for 1,000,000: "
            << (o.launch == 1'000'000 ? (s.median < 10 ? "met" : "NOT met") : "n/a at this size")
            << "\n";
}

// One dispatch repetition: a copy of the launched database, a fresh outbox, RunDue timed.
double DispatchOnce(const Options& o, const fs::path& base, bool write_eml, FakeClock& clock,
                    int rep) {
  const fs::path path = CopyOf(base, o.dir / "dispatch.db");
  const fs::path outbox_dir = o.dir / "dispatch-outbox";
  fs::remove_all(outbox_dir);
  std::unique_ptr<Database> db =
      Check(storage::sqlite::OpenSqliteDatabase({path.string()}, clock), "open");
  channels::OutboxChannel::Options outbox_options;
  outbox_options.dir = outbox_dir;
  outbox_options.write_eml = write_eml;
  outbox_options.sync = true;
  std::unique_ptr<channels::OutboxChannel> outbox =
      Check(channels::OutboxChannel::Open(outbox_options), "outbox");
  EngineOptions options;
  options.owner = "bench";
  options.batch_size = o.batch;
  Engine engine(*db, clock, *outbox, options);
  Check(engine.Start(), "engine start");
  const auto start = Steady::now();
  const PassStats stats = Check(engine.RunDue(), "RunDue");
  const double s = Seconds(Steady::now() - start).count();
  if (stats.sent != o.dispatch || outbox->lines() != o.dispatch) {
    std::cerr << "engine_bench: dispatch sent " << stats.sent << " (outbox " << outbox->lines()
              << " lines) of " << o.dispatch << "; skipped " << stats.skipped << ", deferred "
              << stats.deferred << ", failed " << stats.failed << "\n";
    std::exit(1);
  }
  std::cout << "  run " << rep << (write_eml ? " (eml)" : "") << ": " << Format(s, 2) << " s, "
            << Thousands(static_cast<double>(stats.sent) / s) << " messages/s\n";
  outbox.reset();
  db.reset();
  RemoveDb(path);
  fs::remove_all(outbox_dir);
  return static_cast<double>(stats.sent) / s;
}

void BenchDispatch(const Options& o) {
  std::cout << "\n== dispatch: Engine::RunDue sends step 1 of "
            << Thousands(static_cast<double>(o.dispatch))
            << " enrollments due now through the outbox (sync=true, batch " << o.batch
            << "; sender without spacing or caps)\n";
  FakeClock clock(LaunchTime());
  const fs::path base = o.dir / "dispatch-base.db";
  Prepare(base, o.dispatch, Definition("dispatch", kOpenCalendar, "1 day", "2 days"), clock);
  {
    std::unique_ptr<Database> db =
        Check(storage::sqlite::OpenSqliteDatabase({base.string()}, clock), "open");
    CampaignService service(*db, clock);
    Check(service.Launch(kDefaultWorkspace, Find(service, "dispatch").id).status(), "launch");
  }
  std::vector<double> plain, eml;
  for (int rep = 1; rep <= o.dispatch_reps; ++rep) {
    plain.push_back(DispatchOnce(o, base, /*write_eml=*/false, clock, rep));
  }
  for (int rep = 1; rep <= o.dispatch_eml_reps; ++rep) {
    eml.push_back(DispatchOnce(o, base, /*write_eml=*/true, clock, rep));
  }
  RemoveDb(base);
  const Summary s = Summarize(plain);
  std::cout << "dispatch " << Thousands(static_cast<double>(o.dispatch))
            << " (write_eml=false): " << DescribeRate(s, "messages/s")
            << "; target >= 20,000/s: " << (s.median >= 20'000 ? "met" : "NOT met") << "\n";
  if (!eml.empty()) {
    std::cout << "dispatch " << Thousands(static_cast<double>(o.dispatch))
              << " (write_eml=true, one .eml per message, syncfs per batch): "
              << DescribeRate(Summarize(eml), "messages/s") << "\n";
  }
}

// The outbox, timed: when each message reached Send and when the Flush after it returned.
class TimingChannel final : public channels::Channel {
 public:
  TimingChannel(channels::Channel& inner, const Clock& clock) : inner_(inner), clock_(clock) {}
  std::string_view name() const override { return inner_.name(); }
  channels::Capabilities capabilities() const override { return inner_.capabilities(); }
  Result<channels::SendResult> Send(const channels::OutgoingMessage& message) override {
    const Instant at = clock_.Now();
    Result<channels::SendResult> result = inner_.Send(message);
    std::lock_guard lock(mutex_);
    sent_[message.id.value()] = {at, at};
    unflushed_.push_back(message.id.value());
    return result;
  }
  Result<channels::ReconcileResult> Reconcile(const channels::OutgoingMessage& m) override {
    return inner_.Reconcile(m);
  }
  Status Flush() override {
    Status status = inner_.Flush();
    const Instant at = clock_.Now();
    std::lock_guard lock(mutex_);
    for (const int64_t id : unflushed_) sent_[id].durable = at;
    unflushed_.clear();
    count_.store(static_cast<int64_t>(sent_.size()));
    return status;
  }
  int64_t durable_count() const { return count_.load(); }

  struct Times {
    Instant handed;   // Send was called
    Instant durable;  // the Flush after it returned
  };
  std::map<int64_t, Times> times() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  channels::Channel& inner_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<int64_t, Times> sent_;   // guarded
  std::vector<int64_t> unflushed_;  // guarded
  std::atomic<int64_t> count_{0};
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};
Percentiles ComputePercentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Percentiles p;
  if (ms.empty()) return p;
  const auto at = [&](double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::clamp<size_t>(rank, 1, ms.size()) - 1];
  };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.max = ms.back();
  return p;
}
std::string Describe(const Percentiles& p) {
  return StrCat("p50 ", Format(p.p50, 2), " ms, p99 ", Format(p.p99, 2), " ms, max ",
                Format(p.max, 2), " ms");
}

void BenchLateness(const Options& o) {
  std::cout << "\n== lateness: Engine::RunRealTime on the system clock, "
            << Thousands(static_cast<double>(o.lateness)) << " messages due uniformly over "
            << Format(o.lateness_seconds, 0) << " s ("
            << Format(static_cast<double>(o.lateness) / o.lateness_seconds, 0)
            << "/s, far below capacity); outbox sync=true, write_eml=false\n";
  SystemClock clock;
  const fs::path base = o.dir / "lateness-base.db";
  Prepare(base, o.lateness, Definition("lateness", kOpenCalendar, "1 day", "2 days"), clock);
  std::vector<double> handed_all, durable_all, recorded_all;
  std::vector<double> p99s;
  for (int rep = 1; rep <= o.lateness_reps; ++rep) {
    const fs::path path = CopyOf(base, o.dir / "lateness.db");
    const fs::path outbox_dir = o.dir / "lateness-outbox";
    fs::remove_all(outbox_dir);
    std::unique_ptr<Database> db =
        Check(storage::sqlite::OpenSqliteDatabase({path.string()}, clock), "open");
    CampaignService service(*db, clock);
    const Campaign campaign = Find(service, "lateness");
    Check(service.Launch(kDefaultWorkspace, campaign.id).status(), "launch");
    // Spread the first messages: due_i = t0 + i * S / N, re-planned as a resume does it
    // (planned -> claimed -> planned with a new due time, in one unit per message).
    const std::vector<Message> planned =
        Check(db->engine().OverdueMessages(campaign.id, Instant::max() - std::chrono::hours(24),
                                           static_cast<int>(o.lateness) + 1),
              "messages");
    if (static_cast<int64_t>(planned.size()) != o.lateness) {
      std::cerr << "engine_bench: " << planned.size() << " planned messages\n";
      std::exit(1);
    }
    const Instant t0 = clock.Now() + std::chrono::seconds(2);
    const Duration step = std::chrono::duration_cast<Duration>(
        Seconds(o.lateness_seconds / static_cast<double>(o.lateness)));
    std::map<int64_t, Instant> due;
    std::vector<ChangeUnit> units;
    for (size_t i = 0; i < planned.size(); ++i) {
      MessageChange claim;
      claim.id = planned[i].id;
      claim.from = sequence::MessageStatus::kPlanned;
      claim.event = sequence::MessageEvent::kClaim;
      MessageChange replan;
      replan.id = planned[i].id;
      replan.from = sequence::MessageStatus::kClaimed;
      replan.event = sequence::MessageEvent::kRelease;
      replan.due_at = t0 + step * static_cast<int64_t>(i);
      replan.slot_at = std::optional<Instant>();
      due[planned[i].id.value()] = *replan.due_at;
      ChangeUnit unit;
      unit.messages = {claim, replan};
      units.push_back(std::move(unit));
    }
    const ApplyResult applied =
        Check(db->engine().Apply(units, clock.Now(), EngineStore::Durability::kDurable), "re-plan");
    if (!applied.conflicted.empty()) {
      std::cerr << "engine_bench: re-plan conflicted\n";
      std::exit(1);
    }

    channels::OutboxChannel::Options outbox_options;
    outbox_options.dir = outbox_dir;
    outbox_options.write_eml = false;
    outbox_options.sync = true;
    std::unique_ptr<channels::OutboxChannel> outbox =
        Check(channels::OutboxChannel::Open(outbox_options), "outbox");
    TimingChannel timing(*outbox, clock);
    EngineOptions options;
    options.owner = "bench";
    options.batch_size = o.batch;
    Engine engine(*db, clock, timing, options);
    Check(engine.Start(), "engine start");
    Result<PassStats> result = PassStats{};
    std::thread runner([&] { result = engine.RunRealTime(clock); });
    const auto deadline =
        Steady::now() + std::chrono::seconds(2) +
        std::chrono::duration_cast<Steady::duration>(Seconds(o.lateness_seconds)) +
        std::chrono::seconds(30);
    while (timing.durable_count() < o.lateness && Steady::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    engine.Stop();
    runner.join();
    Check(result.status(), "RunRealTime");

    std::vector<double> handed, durable, recorded;
    for (const auto& [id, t] : timing.times()) {
      const auto it = due.find(id);
      if (it == due.end()) continue;  // a later step (not due within the run)
      const auto ms = [&](Instant at) {
        return std::chrono::duration<double, std::milli>(at - it->second).count();
      };
      handed.push_back(ms(t.handed));
      durable.push_back(ms(t.durable));
      // What the database holds as sent_at (the pass's start instant).
      const Message m = Check(db->engine().GetMessage(kDefaultWorkspace, MessageId(id)), "get");
      recorded.push_back(m.sent_at ? ms(*m.sent_at) : NAN);
    }
    if (static_cast<int64_t>(handed.size()) != o.lateness) {
      std::cerr << "engine_bench: only " << handed.size() << " of " << o.lateness
                << " messages went out before the deadline\n";
      std::exit(1);
    }
    const Percentiles h = ComputePercentiles(handed);
    std::cout << "  run " << rep << ": handed to the channel - due: " << Describe(h)
              << "; durable (after Flush) - due: " << Describe(ComputePercentiles(durable))
              << "; recorded sent_at - due: " << Describe(ComputePercentiles(recorded)) << "\n";
    p99s.push_back(h.p99);
    handed_all.insert(handed_all.end(), handed.begin(), handed.end());
    durable_all.insert(durable_all.end(), durable.begin(), durable.end());
    recorded_all.insert(recorded_all.end(), recorded.begin(), recorded.end());
    outbox.reset();
    db.reset();
    RemoveDb(path);
    fs::remove_all(outbox_dir);
  }
  RemoveDb(base);
  const Percentiles h = ComputePercentiles(handed_all);
  std::cout << "lateness, all " << Thousands(static_cast<double>(handed_all.size()))
            << " messages: handed to the channel - due: " << Describe(h) << "\n"
            << "  durable (outbox fdatasync done) - due: "
            << Describe(ComputePercentiles(durable_all))
            << "\n  recorded sent_at - due: " << Describe(ComputePercentiles(recorded_all))
            << " (sent_at is the pass's start, so it hides the pass's own work)\n"
            << "  p99 per run (handed): " << Describe(Summarize(p99s), 2, " ms")
            << "; target p99 < 50 ms: " << (h.p99 < 50 ? "met" : "NOT met") << "\n";
}

int Main(int argc, char** argv) {
  Options o;
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') {
    o.dir = tmp;
  } else {
    o.dir = "/tmp";
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "engine_bench: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--launch") {
      o.launch = std::stoll(next());
    } else if (arg == "--launch-reps") {
      o.launch_reps = std::stoi(next());
    } else if (arg == "--dispatch") {
      o.dispatch = std::stoll(next());
    } else if (arg == "--dispatch-reps") {
      o.dispatch_reps = std::stoi(next());
    } else if (arg == "--dispatch-eml-reps") {
      o.dispatch_eml_reps = std::stoi(next());
    } else if (arg == "--lateness") {
      o.lateness = std::stoll(next());
    } else if (arg == "--lateness-seconds") {
      o.lateness_seconds = std::stod(next());
    } else if (arg == "--lateness-reps") {
      o.lateness_reps = std::stoi(next());
    } else if (arg == "--batch") {
      o.batch = std::stoi(next());
    } else if (arg == "--dir") {
      o.dir = next();
    } else if (arg == "--only") {
      o.only = next();
    } else {
      std::cerr << "engine_bench: unknown option " << arg
                << " (see the comment at the top of bench/engine_bench.cpp)\n";
      return 2;
    }
  }
  std::cout << std::unitbuf;  // progress shows when the output is a file
  o.dir /= StrCat("cadent-engine-bench-", ::getpid());
  fs::create_directories(o.dir);
  std::cout << "engine_bench: SQLite file in " << o.dir.string() << "; "
            << std::thread::hardware_concurrency() << " cores; load average " << LoadAverage()
            << "\n";
  // Each phase starts with the disk settled: the files the last one wrote and removed are
  // not still being written back while it measures.
  if (o.only.empty() || o.only == "launch") BenchLaunch(o);
  ::sync();
  if (o.only.empty() || o.only == "dispatch") BenchDispatch(o);
  ::sync();
  if (o.only.empty() || o.only == "lateness") BenchLateness(o);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::cout << "\nload average at the end " << LoadAverage() << "; peak RSS "
            << usage.ru_maxrss / 1024 << " MB\n";
  fs::remove_all(o.dir);
  return 0;
}

}  // namespace
}  // namespace cadent::bench

int main(int argc, char** argv) { return cadent::bench::Main(argc, argv); }
