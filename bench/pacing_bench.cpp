// Reservation throughput of the in-memory pacer: one sender, 1 and 2 threads reserving at
// once (the 1-thread run is the baseline of the same binary run), plus the pure PlanSlot.
// Run: build/<release>/bench/pacing_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/pacing/in_memory_pacer.hpp"

namespace cadent::pacing {
namespace {

using std::chrono::seconds;

const Instant kStart = Instant(date::sys_days(date::year{2026} / 3 / 2));
constexpr SenderId kSender{1};
constexpr CampaignId kCampaign{1};

SenderPolicy BenchPolicy() {
  SenderPolicy policy;
  policy.zone = date::locate_zone("America/New_York");
  policy.min_spacing = seconds(30);
  policy.max_spacing = seconds(90);
  policy.daily_cap = 400;
  policy.hourly_cap = 60;
  policy.weekly_cap = 2000;
  policy.domain_hourly_cap = 5;
  policy.jitter_seed = 17;
  return policy;
}

const std::vector<std::string>& Domains() {
  static const auto* domains = [] {
    auto* d = new std::vector<std::string>;
    for (int i = 0; i < 20; ++i) d->push_back("domain" + std::to_string(i) + ".example");
    return d;
  }();
  return *domains;
}

std::unique_ptr<InMemoryPacer> g_pacer;

// Every thread reserves on the same sender, each from the slot it got last (as dispatchers
// working through a queue do); bookings older than ten days are forgotten now and then so
// memory stays flat.
void BM_ReserveOneSender(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_pacer = std::make_unique<InMemoryPacer>();
    g_pacer->SetSender(kDefaultWorkspace, kSender, BenchPolicy());
    g_pacer->SetCampaign(kDefaultWorkspace, kCampaign, CampaignPolicy{nullptr, 300});
  }
  Instant earliest = kStart;
  uint64_t n = static_cast<uint64_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    Request request;
    request.campaign = kCampaign;
    request.recipient_domain = Domains()[n % Domains().size()];
    request.is_new_contact = n % 3 == 0;
    Result<Reservation> r = g_pacer->Reserve(kSender, earliest, request);
    if (!r.ok()) {
      state.SkipWithError("reserve failed");
      break;
    }
    earliest = r->requested + (r->at - r->requested) / 2;
    if (++n % 4096 == 0 && state.thread_index() == 0) {
      g_pacer->Forget(r->at - std::chrono::days(10));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReserveOneSender)->Threads(1)->Threads(2)->UseRealTime();

// The pure slot arithmetic over a realistic ledger (a week of a busy sender).
void BM_PlanSlot(benchmark::State& state) {
  const SenderPolicy policy = BenchPolicy();
  InMemoryPacer pacer;
  pacer.SetSender(kDefaultWorkspace, kSender, policy);
  for (int i = 0; i < 2000; ++i) (void)pacer.Reserve(kSender, kStart, {});
  const std::vector<Booking> bookings = pacer.BookingsOf(kDefaultWorkspace, kSender);
  Request request;
  request.recipient_domain = "domain3.example";
  PlanInput input;
  input.sender = kSender;
  input.policy = &policy;
  input.bookings = bookings;
  input.request = &request;
  int64_t i = 0;
  for (auto _ : state) {
    // Requests spread over the booked week: most land in a full hour or day.
    input.earliest = kStart + std::chrono::minutes((i++ * 37) % (7 * 24 * 60));
    benchmark::DoNotOptimize(PlanSlot(input));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlanSlot);

}  // namespace
}  // namespace cadent::pacing
