// DKIM signatures per second on one core: DkimSigner::Sign (relaxed canonicalization, body
// hash, header hash, the signature) over a ~2 KB RenderEml message (html + text, a non-ASCII
// subject, List-Unsubscribe), for RSA-2048 and Ed25519 keys generated at start-up. One
// thread, so items_per_second is signatures per second per core.
//   cmake --preset release && cmake --build build/release --target dkim_bench
//   build/release/bench/dkim_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "channels/channel.hpp"
#include "channels/email/dkim.hpp"
#include "channels/email/eml.hpp"

namespace cadent::channels {
namespace {

OutgoingMessage BenchOutgoing() {
  OutgoingMessage message;
  message.id = MessageId(123456);
  message.attempt = 1;
  message.from_address = "zoe@mail.example.com";
  message.from_name = "Zoë Müller";
  message.to_address = "ana.garcia@example.org";
  message.to_name = "Ana García";
  message.reply_to = "replies@example.com";
  message.message_id = "123456.1@mail.example.com";
  message.subject = "Quick question about your Q3 roadmap, Ana — 5 minutes?";
  std::string text =
      "Hi Ana,\n\nI noticed Acme shipped the new onboarding flow last week: congratulations.\n"
      "We help teams like yours cut the time to first value by a third; would a short call "
      "next Tuesday or Wednesday work?\n\nA few numbers from teams we work with: onboarding time "
      "down from 21 to 14 days, activation up 18%, support tickets in the first month down by "
      "a quarter. Happy to share the case study if it is useful.\n\nBest,\nZoë\n\n--\n"
      "Zoë Müller, Example GmbH, Hauptstraße 1, 10115 Berlin\nUnsubscribe: "
      "https://t.example.com/u/abcdef0123456789\n";
  std::string html =
      "<html><body><p>Hi Ana,</p><p>I noticed <b>Acme</b> shipped the new "
      "onboarding flow last week: congratulations.</p><p>We help teams like "
      "yours cut the time to first value by a third; would a short call next "
      "Tuesday or Wednesday work?</p><p>A few numbers from teams we work with: "
      "onboarding time down from 21 to 14 days, activation up 18%, support "
      "tickets in the first month down by a quarter.</p><p>Best,<br>Zoë</p><p><a "
      "href=\"https://t.example.com/u/abcdef0123456789\">Unsubscribe</a></p>"
      "</body></html>";
  message.text = text;
  message.html = html;
  message.headers = {
      {"List-Unsubscribe",
       "<https://t.example.com/u/abcdef0123456789>, <mailto:u+abcdef@t.example.com>"},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  message.attempt_at = FromUnixMicros(1'795'000'000'000'000);
  return message;
}

std::string BenchMessage() { return RenderEml(BenchOutgoing(), "mail.example.com"); }

// The MIME every SMTP send builds before it signs (GMime, under its process-wide lock).
void BM_RenderEml(benchmark::State& state) {
  const OutgoingMessage message = BenchOutgoing();
  for (auto _ : state) {
    std::string eml = RenderEml(message, "mail.example.com");
    benchmark::DoNotOptimize(eml.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderEml)->Unit(benchmark::kMicrosecond);

std::shared_ptr<const DkimSigner> MakeSigner(DkimAlgorithm algorithm) {
  Result<GeneratedDkimKey> generated = GenerateDkimKey(algorithm, "example.com", "bench", 2048);
  if (!generated.ok()) {
    std::fprintf(stderr, "GenerateDkimKey: %s\n",
                 std::string(generated.status().message()).c_str());
    std::abort();
  }
  Result<std::shared_ptr<const DkimSigner>> signer =
      DkimSigner::Create(DkimKey{"example.com", "bench", algorithm, generated->private_key_pem});
  if (!signer.ok()) {
    std::fprintf(stderr, "DkimSigner::Create: %s\n",
                 std::string(signer.status().message()).c_str());
    std::abort();
  }
  return *signer;
}

void BM_Sign(benchmark::State& state, DkimAlgorithm algorithm) {
  const std::shared_ptr<const DkimSigner> signer = MakeSigner(algorithm);
  const std::string message = BenchMessage();
  state.counters["message_bytes"] = static_cast<double>(message.size());
  for (auto _ : state) {
    Result<std::string> signature = signer->Sign(message, 1'795'000'000);
    if (!signature.ok()) {
      state.SkipWithError(std::string(signature.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(signature->data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Sign, rsa2048, DkimAlgorithm::kRsaSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Sign, ed25519, DkimAlgorithm::kEd25519Sha256)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cadent::channels
