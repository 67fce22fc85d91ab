// bench/smtp: the SMTP channel against Postfix's smtp-sink on loopback, beside Postfix's own
// smtp-source sending the same number of same-sized messages at the same connection
// concurrency (the practical limit of this machine). One sender account, no spacing; 1 and
// 4 connections; ours without DKIM (the ratio to smtp-source is the figure), then with
// ed25519 and with RSA-2048 signing.
//
// The machine is a small VM whose loopback timings swing when client and server sit on
// different cores, so everything (this process, its worker threads, smtp-sink and
// smtp-source) is pinned to one core (--cpu). CPU time per message is reported as well: the
// steadiest figure. smtp-source and ours alternate within each repetition, so a slow spell
// of the machine hits both.
//
//   smtp_bench [--messages 20000] [--reps 3] [--cpu 0] [--batch 512] [--dkim 0|1]
#include <curl/curl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "channels/email/dkim.hpp"
#include "channels/email/eml.hpp"
#include "channels/smtp/smtp_channel.hpp"
#include "core/common/strings.hpp"
#include "support/ports.hpp"
#include "support/subprocess.hpp"

namespace cadent {
namespace {

using channels::OutgoingMessage;
using SteadyClock = std::chrono::steady_clock;

struct Flags {
  int messages = 20'000;
  int reps = 3;
  int cpu = 0;
  int batch = 512;
  int dkim = 1;  // 0: skip the signed runs (profiling the rest)
};

struct Cpu {
  double user = 0;
  double system = 0;
  Cpu operator-(const Cpu& o) const { return Cpu{user - o.user, system - o.system}; }
};

Cpu CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return Cpu{seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

// A small cold email as the dispatcher hands it over: text and html, one-click unsubscribe.
std::vector<OutgoingMessage> Messages(int count) {
  std::vector<OutgoingMessage> messages(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    OutgoingMessage& m = messages[static_cast<size_t>(i)];
    m.id = MessageId(i + 1);
    m.workspace = WorkspaceId(1);
    m.sender = SenderId(1);
    m.transport = "smtp";
    m.from_address = "ana@mail.example.com";
    m.from_name = "Ana Lopez";
    m.to_address = StrCat("contact", i + 1, "@example.org");
    m.to_name = StrCat("Contact ", i + 1);
    m.message_id = StrCat(i + 1, ".1@mail.example.com");
    m.subject = "Quick question about your hiring plans";
    m.text = StrCat("Hi Contact ", i + 1,
                    ",\n\nI noticed your team is growing. We help companies like yours hire "
                    "engineers in half the time.\nWould a 15-minute call next week be useful?"
                    "\n\nAna\n\nAcme Inc, 1 Main St, Springfield\nUnsubscribe: "
                    "https://t.example.com/u/abc",
                    i, "\n");
    m.html = StrCat("<p>Hi Contact ", i + 1,
                    ",</p><p>I noticed your team is growing. We help companies like yours hire "
                    "engineers in half the time.</p><p>Would a 15-minute call next week be "
                    "useful?</p><p>Ana</p><p style=\"font-size:11px\">Acme Inc, 1 Main St, "
                    "Springfield &middot; <a href=\"https://t.example.com/u/abc",
                    i, "\">Unsubscribe</a></p>");
    m.headers = {{"List-Unsubscribe", StrCat("<https://t.example.com/u/abc", i, ">")},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    m.attempt_at = FromUnixMicros(1'796'000'000'000'000);
  }
  return messages;
}

struct Trial {
  double seconds = 0;
  Cpu cpu;
  int64_t connections = 0;
  int failed = 0;
};

Trial RunOurs(uint16_t port, int connections, const channels::SignHook& sign,
              const std::vector<OutgoingMessage>& messages, int batch_size) {
  channels::EmailTransport transport;
  transport.kind = "smtp";
  transport.endpoint = StrCat("smtp+insecure://127.0.0.1:", port);
  transport.connections = connections;
  channels::SmtpOptions options;
  options.transports = [transport](WorkspaceId, SenderId) -> Result<channels::EmailTransport> {
    return transport;
  };
  options.sign = sign;
  Trial trial;
  const Cpu cpu_before = CpuSeconds(RUSAGE_SELF);
  const auto start = SteadyClock::now();
  {
    channels::SmtpChannel channel(std::move(options));
    std::vector<const OutgoingMessage*> batch;
    for (size_t i = 0; i < messages.size(); i += static_cast<size_t>(batch_size)) {
      batch.clear();
      for (size_t j = i; j < std::min(messages.size(), i + static_cast<size_t>(batch_size)); ++j) {
        batch.push_back(&messages[j]);
      }
      for (const Result<channels::SendResult>& r : channel.SendBatch(batch)) {
        if (!r.ok() || r->code != sequence::SendCode::kAccepted) ++trial.failed;
      }
    }
    trial.connections = channel.connections_opened();
  }  // QUIT on every connection is part of the run, as it is for smtp-source
  trial.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  trial.cpu = CpuSeconds(RUSAGE_SELF) - cpu_before;
  return trial;
}

// The floor of the channel's own design: libcurl alone sending one prebuilt message over
// and over on one kept connection (no MIME, no pool, no lookups). The gap between this and
// the channel is our own per-message work; the gap between this and smtp-source is libcurl's.
Trial RunBareCurl(uint16_t port, const std::string& eml, int count) {
  struct Upload {
    std::string_view left;
  };
  Trial trial;
  CURL* curl = curl_easy_init();
  const std::string url = StrCat("smtp://127.0.0.1:", port, "/mail.example.com");
  const Cpu cpu_before = CpuSeconds(RUSAGE_SELF);
  const auto start = SteadyClock::now();
  for (int i = 0; i < count; ++i) {
    Upload upload{eml};
    curl_easy_reset(curl);
    curl_slist* to = curl_slist_append(nullptr, "<contact@example.org>");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<ana@mail.example.com>");
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(
        curl, CURLOPT_READFUNCTION, +[](char* buffer, size_t size, size_t n, void* user) -> size_t {
          auto* u = static_cast<Upload*>(user);
          const size_t k = std::min(size * n, u->left.size());
          std::memcpy(buffer, u->left.data(), k);
          u->left.remove_prefix(k);
          return k;
        });
    if (curl_easy_perform(curl) != CURLE_OK) ++trial.failed;
    curl_slist_free_all(to);
  }
  curl_easy_cleanup(curl);
  trial.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  trial.cpu = CpuSeconds(RUSAGE_SELF) - cpu_before;
  trial.connections = 1;
  return trial;
}

// RenderEml alone over the same messages: the MIME every send builds (GMime).
double MimeMicrosPerMessage(const std::vector<OutgoingMessage>& messages) {
  const Cpu before = CpuSeconds(RUSAGE_SELF);
  size_t bytes = 0;
  for (const OutgoingMessage& m : messages)
    bytes += channels::RenderEml(m, "mail.example.com").size();
  const Cpu used = CpuSeconds(RUSAGE_SELF) - before;
  return bytes == 0 ? 0 : (used.user + used.system) * 1e6 / static_cast<double>(messages.size());
}

Trial RunSource(uint16_t port, int connections, int count, size_t length, int cpu) {
  Trial trial;
  const Cpu cpu_before = CpuSeconds(RUSAGE_CHILDREN);
  const auto start = SteadyClock::now();
  const integration::RunResult run = integration::Run(
      {"/usr/bin/taskset", "-c", std::to_string(cpu), "/usr/sbin/smtp-source", "-d", "-s",
       std::to_string(connections), "-m", std::to_string(count), "-l", std::to_string(length), "-f",
       "ana@mail.example.com", "-t", "contact@example.org", StrCat("127.0.0.1:", port)},
      integration::After(std::chrono::minutes(10)));
  trial.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  trial.cpu = CpuSeconds(RUSAGE_CHILDREN) - cpu_before;
  trial.connections = connections;
  if (!run.status.Success()) {
    std::fprintf(stderr, "smtp-source failed: %s %s\n", run.status.Describe().c_str(),
                 run.err.c_str());
    trial.failed = count;
  }
  return trial;
}

struct Series {
  std::vector<double> rates;
  std::vector<double> cpu_us;     // user + system, per message
  std::vector<double> system_us;  // of which in the kernel
  void Add(const Trial& t, int count) {
    rates.push_back(count / t.seconds);
    cpu_us.push_back((t.cpu.user + t.cpu.system) * 1e6 / count);
    system_us.push_back(t.cpu.system * 1e6 / count);
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Describe(const Series& s) {
  const auto [low, high] = std::minmax_element(s.rates.begin(), s.rates.end());
  char text[200];
  std::snprintf(text, sizeof text, "%8.0f msg/s (%.0f-%.0f)  %6.1f us CPU/msg (%.1f in the kernel)",
                Median(s.rates), *low, *high, Median(s.cpu_us), Median(s.system_us));
  return text;
}

channels::SignHook Signer(channels::DkimAlgorithm algorithm) {
  Result<channels::GeneratedDkimKey> key =
      channels::GenerateDkimKey(algorithm, "mail.example.com", "bench");
  if (!key.ok()) return nullptr;
  Result<std::shared_ptr<const channels::DkimSigner>> signer = channels::DkimSigner::Create(
      channels::DkimKey{"mail.example.com", "bench", algorithm, key->private_key_pem});
  if (!signer.ok()) return nullptr;
  return [s = *signer](const OutgoingMessage& m, std::string_view eml) {
    return s->Sign(
        eml,
        std::chrono::duration_cast<std::chrono::seconds>(m.attempt_at.time_since_epoch()).count());
  };
}

int Main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (name == "--messages") {
      flags.messages = value;
    } else if (name == "--reps") {
      flags.reps = value;
    } else if (name == "--cpu") {
      flags.cpu = value;
    } else if (name == "--batch") {
      flags.batch = value;
    } else if (name == "--dkim") {
      flags.dkim = value;
    } else {
      std::fprintf(
          stderr,
          "usage: smtp_bench [--messages N] [--reps R] [--cpu C] [--batch B] [--dkim 0|1]\n");
      return 2;
    }
  }
  if (flags.messages <= 0 || flags.reps <= 0 || flags.batch <= 0) {
    std::fprintf(stderr, "smtp_bench: --messages, --reps and --batch must be positive\n");
    return 2;
  }
  for (const char* tool : {"/usr/sbin/smtp-sink", "/usr/sbin/smtp-source", "/usr/bin/taskset"}) {
    if (access(tool, X_OK) != 0) {
      std::fprintf(stderr, "smtp_bench: %s is missing (scripts/install-deps.sh installs it)\n",
                   tool);
      return 1;
    }
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(flags.cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    std::fprintf(stderr, "smtp_bench: cannot pin to CPU %d: %s\n", flags.cpu, std::strerror(errno));
    return 1;
  }
  const uint16_t port = integration::FreeLoopbackPort();
  std::vector<std::string> sink = {"/usr/bin/taskset", "-c", std::to_string(flags.cpu),
                                   "/usr/sbin/smtp-sink"};
  if (geteuid() == 0) sink.insert(sink.end(), {"-u", "nobody"});
  sink.insert(sink.end(), {StrCat("127.0.0.1:", port), "1024"});
  integration::Child server(sink);
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (!integration::AcceptsOnLoopback(port)) {
    if (!server.Poll() || SteadyClock::now() > deadline) {
      std::fprintf(stderr, "smtp_bench: smtp-sink did not start: %s\n", server.err().c_str());
      return 1;
    }
    integration::Child::WaitForAny({&server}, integration::After(std::chrono::milliseconds(20)));
  }

  const std::vector<OutgoingMessage> messages = Messages(flags.messages);
  const std::string eml = channels::RenderEml(messages[0], "mail.example.com");
  const size_t length = eml.size();
  const channels::SignHook ed25519 = Signer(channels::DkimAlgorithm::kEd25519Sha256);
  const channels::SignHook rsa = Signer(channels::DkimAlgorithm::kRsaSha256);
  if (!ed25519 || !rsa) {
    std::fprintf(stderr, "smtp_bench: cannot make the DKIM keys\n");
    return 1;
  }
  std::printf(
      "smtp_bench: %d messages of %zu bytes per run, %d reps, everything pinned to CPU %d; "
      "smtp-sink on 127.0.0.1:%u\n",
      flags.messages, length, flags.reps, flags.cpu, port);

  std::printf("MIME alone (RenderEml, GMime): %.1f us CPU/msg\n", MimeMicrosPerMessage(messages));

  int failures = 0;
  for (const int connections : {1, 4}) {
    Series source, ours, ours_ed25519, ours_rsa, bare;
    std::vector<double> ratios;
    int64_t opened = 0;
    for (int rep = 0; rep < flags.reps; ++rep) {
      const Trial s = RunSource(port, connections, flags.messages, length, flags.cpu);
      const Trial o = RunOurs(port, connections, nullptr, messages, flags.batch);
      if (connections == 1) {
        const Trial b = RunBareCurl(port, eml, flags.messages);
        failures += b.failed;
        bare.Add(b, flags.messages);
      }
      const Trial e = flags.dkim ? RunOurs(port, connections, ed25519, messages, flags.batch) : o;
      const Trial r = flags.dkim ? RunOurs(port, connections, rsa, messages, flags.batch) : o;
      failures += s.failed + o.failed + e.failed + r.failed;
      source.Add(s, flags.messages);
      ours.Add(o, flags.messages);
      ours_ed25519.Add(e, flags.messages);
      ours_rsa.Add(r, flags.messages);
      ratios.push_back(s.seconds / o.seconds);
      opened = std::max(opened, o.connections);
    }
    const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("\n%d connection%s:\n", connections, connections == 1 ? "" : "s");
    std::printf("  smtp-source        %s\n", Describe(source).c_str());
    std::printf("  cadent, no DKIM    %s  (%lld connections opened)\n", Describe(ours).c_str(),
                static_cast<long long>(opened));
    std::printf("  cadent, ed25519    %s\n", Describe(ours_ed25519).c_str());
    std::printf("  cadent, rsa-2048   %s\n", Describe(ours_rsa).c_str());
    if (connections == 1) {
      std::printf("  libcurl alone      %s  (one prebuilt message, no MIME: the floor)\n",
                  Describe(bare).c_str());
    }
    std::printf("  ratio cadent / smtp-source (no DKIM, per rep): median %.2fx (%.2f-%.2f)\n",
                Median(ratios), *low, *high);
  }
  if (failures > 0) {
    std::fprintf(stderr, "smtp_bench: %d sends failed\n", failures);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace cadent

int main(int argc, char** argv) { return cadent::Main(argc, argv); }
