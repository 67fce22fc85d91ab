// The send calendar's hot path (issue 4: at least 2,000,000 NextAllowed computations per second
// on one core for a mixed workload), with a bare date/tz local-to-instant conversion loop as
// the floor to compare against. Run with --benchmark_repetitions=5.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "core/calendar/calendar.hpp"

namespace cadent::calendar {
namespace {

constexpr size_t kCases = 4096;  // power of two: the loops index with a mask

const char* const kZones[] = {
    "America/New_York",    "America/Chicago",  "America/Los_Angeles", "America/Sao_Paulo",
    "America/Mexico_City", "Europe/London",    "Europe/Berlin",       "Europe/Paris",
    "Asia/Riyadh",         "Asia/Dubai",       "Asia/Tehran",         "Asia/Kolkata",
    "Asia/Kathmandu",      "Asia/Tokyo",       "Asia/Singapore",      "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",     "Africa/Lagos"};
const char* const kCountries[] = {"US", "US", "US", "BR", "MX", "GB", "DE", "FR", "SA", "AE",
                                  "IR", "IN", "NP", "JP", "SG", "AU", "AU", "NZ", "NZ", "NG"};
const char* const kWindows[] = {"Mon-Fri 09:00-17:00",
                                "Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00",
                                "Sun-Thu 08:00-16:00", "Mon-Sat 10:00-13:00,15:00-19:00"};

struct Workload {
  std::vector<CalendarOptions> options;  // one per window; calendars point into them
  std::vector<RecipientCalendar> calendars;
  std::vector<Instant> instants;
  std::vector<const date::time_zone*> zones;
  std::vector<date::local_seconds> locals;
  std::vector<DelayRule> rules;
};

const Workload& GetWorkload() {
  static const Workload* const workload = [] {
    auto* w = new Workload();
    std::mt19937_64 rng(7);
    for (const char* spec : kWindows) {
      CalendarOptions options;
      options.window = *SendWindow::Parse(spec);
      w->options.push_back(std::move(options));
    }
    // 2024-01-01 .. 2035-12-31, uniformly: many requests fall outside hours or on closed days.
    std::uniform_int_distribution<int64_t> seconds(1704067200, 2082671999);
    for (size_t i = 0; i < kCases; ++i) {
      const size_t z = rng() % std::size(kZones);
      const date::time_zone* zone = date::locate_zone(kZones[z]);
      w->calendars.push_back(
          MakeRecipientCalendar(w->options[rng() % w->options.size()], zone, kCountries[z]));
      w->instants.push_back(Instant(std::chrono::seconds(seconds(rng))));
      w->zones.push_back(zone);
      w->locals.push_back(date::local_seconds(std::chrono::seconds(seconds(rng))));
    }
    for (const char* rule : {"3 days", "2 business days at 08:30", "90 minutes", "1 day at 10:00",
                             "5 business days", "4h"}) {
      w->rules.push_back(*DelayRule::Parse(rule));
    }
    return w;
  }();
  return *workload;
}

// The floor: date/tz's own local -> instant conversion over the same zones.
void BM_DateTzLocalToSys(benchmark::State& state) {
  const Workload& w = GetWorkload();
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kCases - 1);
    benchmark::DoNotOptimize(w.zones[k]->to_sys(w.locals[k], date::choose::earliest));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DateTzLocalToSys);

// The scheduler's path: NextAllowed without reasons.
void BM_NextAllowed_Mixed(benchmark::State& state) {
  const Workload& w = GetWorkload();
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kCases - 1);
    benchmark::DoNotOptimize(NextAllowed(w.instants[k], w.calendars[k], /*reasons=*/false));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NextAllowed_Mixed);

// `cadent explain`'s path: with the reasons (allocates strings).
void BM_NextAllowed_MixedWithReasons(benchmark::State& state) {
  const Workload& w = GetWorkload();
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kCases - 1);
    benchmark::DoNotOptimize(NextAllowed(w.instants[k], w.calendars[k], /*reasons=*/true));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NextAllowed_MixedWithReasons);

void BM_StepDueAt_Mixed(benchmark::State& state) {
  const Workload& w = GetWorkload();
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kCases - 1);
    benchmark::DoNotOptimize(
        StepDueAt(w.instants[k], w.rules[k % w.rules.size()], w.calendars[k], /*reasons=*/false));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StepDueAt_Mixed);

void BM_ToLocal(benchmark::State& state) {
  const Workload& w = GetWorkload();
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kCases - 1);
    benchmark::DoNotOptimize(ToLocal(w.instants[k], *w.zones[k]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ToLocal);

void BM_ResolveZone(benchmark::State& state) {
  const std::string phones[] = {"+4930123456", "+966501234567", "+14155550123", "+81312345678"};
  const char* const contact_zones[] = {"", "", "Europe/Paris", ""};
  const char* const countries[] = {"DE", "SA", "US", "JP"};
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & 3;
    benchmark::DoNotOptimize(ResolveZone(contact_zones[k], phones[k], countries[k], "UTC"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResolveZone);

}  // namespace
}  // namespace cadent::calendar
