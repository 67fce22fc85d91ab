// The campaign forecast at the size: 100,000 contacts x 4 steps (two channels,
// 60 senders), grouped by (zone, country) and one contact at a time. Target: under 2 s.
// Run: build/<release>/bench/forecast_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "core/forecast/forecast.hpp"

namespace cadent::forecast {
namespace {

using std::chrono::seconds;

struct Place {
  const char* zone;
  const char* country;
  int weight;
};
constexpr Place kPlaces[] = {
    {"America/New_York", "US", 18},    {"America/Chicago", "US", 8},
    {"America/Los_Angeles", "US", 10}, {"America/Toronto", "CA", 4},
    {"America/Mexico_City", "MX", 3},  {"America/Sao_Paulo", "BR", 4},
    {"Europe/London", "GB", 9},        {"Europe/Berlin", "DE", 7},
    {"Europe/Paris", "FR", 5},         {"Europe/Madrid", "ES", 3},
    {"Europe/Rome", "IT", 3},          {"Europe/Amsterdam", "NL", 2},
    {"Europe/Stockholm", "SE", 2},     {"Europe/Warsaw", "PL", 2},
    {"Asia/Riyadh", "SA", 2},          {"Asia/Dubai", "AE", 2},
    {"Asia/Jerusalem", "IL", 1},       {"Africa/Lagos", "NG", 1},
    {"Asia/Kolkata", "IN", 5},         {"Asia/Singapore", "SG", 2},
    {"Asia/Tokyo", "JP", 2},           {"Australia/Sydney", "AU", 3},
    {"Pacific/Auckland", "NZ", 1},     {"Asia/Kathmandu", "NP", 1},
};

Input MakeInput(int contacts, bool one_by_one) {
  Input input;
  input.start = Instant(date::sys_days(date::year{2026} / 3 / 2));
  input.calendar.window = *calendar::SendWindow::Parse("Mon-Fri 09:00-12:00,13:00-17:30");
  input.campaign.new_contacts_per_day = 6000;
  input.reply_rate = 0.05;
  input.steps = {{"email", *calendar::DelayRule::Parse("0"), true},
                 {"linkedin", *calendar::DelayRule::Parse("2 business days"), true},
                 {"email", *calendar::DelayRule::Parse("3 days at 09:30"), true},
                 {"email", *calendar::DelayRule::Parse("4 business days"), true}};
  const char* sender_zones[] = {"America/New_York", "Europe/London", "Europe/Berlin"};
  for (int i = 0; i < 60; ++i) {
    Sender sender;
    sender.id = pacing::SenderId(i + 1);
    const bool linkedin = i >= 40;
    sender.channel = linkedin ? "linkedin" : "email";
    pacing::SenderPolicy& p = sender.policy;
    p.zone = date::locate_zone(sender_zones[i % 3]);
    p.min_spacing = seconds(linkedin ? 60 : 20);
    p.max_spacing = seconds(linkedin ? 180 : 60);
    p.daily_cap = linkedin ? 150 : 500;
    p.hourly_cap = linkedin ? 30 : 90;
    p.weekly_cap = linkedin ? 700 : std::optional<int32_t>();
    p.domain_hourly_cap = linkedin ? std::optional<int32_t>() : 10;
    p.jitter_seed = static_cast<uint64_t>(i);
    input.senders.push_back(sender);
  }
  int total_weight = 0;
  for (const Place& place : kPlaces) total_weight += place.weight;
  std::mt19937_64 random(1);
  for (const Place& place : kPlaces) {
    const int64_t count = int64_t{contacts} * place.weight / total_weight;
    if (one_by_one) {
      for (int64_t i = 0; i < count; ++i) {
        input.audience.push_back(
            {place.zone, place.country, "d" + std::to_string(random() % 5000) + ".example", 1});
      }
    } else {
      input.audience.push_back({place.zone, place.country, "", count});
    }
  }
  return input;
}

void BM_Forecast(benchmark::State& state) {
  const Input input = MakeInput(static_cast<int>(state.range(0)), state.range(1) != 0);
  Forecast last;
  for (auto _ : state) {
    Result<Forecast> forecast = RunForecast(input);
    if (!forecast.ok()) {
      state.SkipWithError(std::string(forecast.status().message()).c_str());
      break;
    }
    last = std::move(*forecast);
  }
  state.counters["contacts"] = static_cast<double>(last.contacts);
  state.counters["messages"] = static_cast<double>(last.messages);
  state.counters["unfinished"] = static_cast<double>(last.contacts_unfinished);
  state.counters["days"] =
      last.last_message
          ? static_cast<double>(
                std::chrono::floor<std::chrono::days>(*last.last_message - input.start).count())
          : 0.0;
}
// Arguments: contacts, one contact per audience entry (1) or grouped by zone (0).
BENCHMARK(BM_Forecast)
    ->Args({100'000, 0})
    ->Args({100'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace cadent::forecast
