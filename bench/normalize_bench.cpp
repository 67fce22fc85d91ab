// Cost of the contact normalizers on the import path (target: 200k rows/s on 2 cores, so
// a row's whole budget is ~10 us of CPU; normalization should take a small part of it).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/contacts/field_map.hpp"
#include "core/contacts/normalize.hpp"
#include "core/contacts/suppression.hpp"

namespace cadent {
namespace {

RawContact RealisticRow() {
  RawContact raw;
  raw.email = "Jane.Doe@acme-widgets.com";
  raw.first_name = "Jane";
  raw.last_name = "Doe";
  raw.company = "Acme Widgets Inc.";
  raw.title = "VP of Sales";
  raw.phone = "(415) 555-0123";
  raw.country = "US";
  return raw;
}

void BM_BuildContact_Realistic(benchmark::State& state) {
  const RawContact raw = RealisticRow();
  for (auto _ : state) benchmark::DoNotOptimize(BuildContact(raw));
}
BENCHMARK(BM_BuildContact_Realistic)->ThreadRange(1, 2)->UseRealTime();

// As above, but every row on a new domain (no help from the public-suffix cache).
void BM_BuildContact_DistinctDomains(benchmark::State& state) {
  std::vector<RawContact> rows;
  for (int i = 0; i < 100000; ++i) {
    rows.push_back(RealisticRow());
    rows.back().email = "Jane.Doe@company" + std::to_string(i) + ".com";
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(BuildContact(rows[i]));
    i = (i + 1) % rows.size();
  }
}
BENCHMARK(BM_BuildContact_DistinctDomains)->ThreadRange(1, 2)->UseRealTime();

void BM_BuildContact_Full(benchmark::State& state) {
  RawContact raw = RealisticRow();
  raw.phone = "+44 20 7946 0958";
  raw.country = "United Kingdom";
  raw.time_zone = "europe/london";
  raw.linkedin_url = "https://www.linkedin.com/in/Jane-Doe/?utm_source=x";
  raw.custom_fields = {{"Plan", "Pro"}, {"Icebreaker", "Loved your talk at SaaStr."}};
  for (auto _ : state) benchmark::DoNotOptimize(BuildContact(raw));
}
BENCHMARK(BM_BuildContact_Full);

// A row as it comes from the CSV reader: mapping plus BuildContact.
void BM_MapRowAndBuildContact(benchmark::State& state) {
  const Result<HeaderMapping> mapping =
      MapHeaders({"Email", "First Name", "Last Name", "Company", "Title", "Phone", "Country"}, {});
  const std::vector<std::string_view> fields = {"Jane.Doe@acme-widgets.com",
                                                "Jane",
                                                "Doe",
                                                "Acme Widgets Inc.",
                                                "VP of Sales",
                                                "(415) 555-0123",
                                                "US"};
  for (auto _ : state) benchmark::DoNotOptimize(BuildContact(mapping->ToRawContact(fields)));
}
BENCHMARK(BM_MapRowAndBuildContact);

void BM_NormalizeEmail(benchmark::State& state, std::string input) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeEmail(input));
}
BENCHMARK_CAPTURE(BM_NormalizeEmail, ascii, std::string("Jane.Doe@acme-widgets.com"));
BENCHMARK_CAPTURE(BM_NormalizeEmail, ascii_co_uk, std::string("jo@sales.acme.co.uk"));
BENCHMARK_CAPTURE(BM_NormalizeEmail, idn, std::string("jane@bücher.de"));
BENCHMARK_CAPTURE(BM_NormalizeEmail, invalid, std::string("Jane Doe <jane@acme.com>"));

// Every address on a different domain, so libpsl's answer is never cached: the worst case.
void BM_NormalizeEmail_DistinctDomains(benchmark::State& state) {
  std::vector<std::string> emails;
  for (int i = 0; i < 100000; ++i) {
    emails.push_back("jane.doe@company" + std::to_string(i) + (i % 3 == 0 ? ".co.uk" : ".com"));
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(NormalizeEmail(emails[i]));
    i = (i + 1) % emails.size();
  }
}
BENCHMARK(BM_NormalizeEmail_DistinctDomains);

void BM_NormalizePhone(benchmark::State& state, std::string input, std::string country) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizePhone(input, country));
}
BENCHMARK_CAPTURE(BM_NormalizePhone, e164_fast, std::string("+14155550123"), std::string());
BENCHMARK_CAPTURE(BM_NormalizePhone, international_fast, std::string("+44 20 7946 0958"),
                  std::string("GB"));
BENCHMARK_CAPTURE(BM_NormalizePhone, nanp_national_fast, std::string("(415) 555-0123"),
                  std::string("US"));
BENCHMARK_CAPTURE(BM_NormalizePhone, national_slow, std::string("030 1234567"), std::string("DE"));
BENCHMARK_CAPTURE(BM_NormalizePhone, italy_slow, std::string("+39 06 1234 5678"), std::string());

// libphonenumber's Parse + IsPossibleNumber + Format on input the fast path would take.
void BM_NormalizePhoneSlow_E164(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(internal::NormalizePhoneSlow("+14155550123", ""));
}
BENCHMARK(BM_NormalizePhoneSlow_E164);

void BM_NormalizeName(benchmark::State& state, std::string input) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeName(input));
}
BENCHMARK_CAPTURE(BM_NormalizeName, ascii, std::string("Acme Widgets Inc."));
BENCHMARK_CAPTURE(BM_NormalizeName, ascii_messy, std::string("  Acme   Widgets\tInc. "));
BENCHMARK_CAPTURE(BM_NormalizeName, unicode, std::string("Zoë Müller-Lüdenscheidt"));

void BM_NormalizeCountry(benchmark::State& state, std::string input) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeCountry(input));
}
BENCHMARK_CAPTURE(BM_NormalizeCountry, alpha2, std::string("US"));
BENCHMARK_CAPTURE(BM_NormalizeCountry, name, std::string("United Kingdom"));
BENCHMARK_CAPTURE(BM_NormalizeCountry, accented, std::string("Côte d’Ivoire"));

void BM_NormalizeTimeZone(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeTimeZone("america/new_york"));
}
BENCHMARK(BM_NormalizeTimeZone);

void BM_NormalizeLinkedInUrl(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        NormalizeLinkedInUrl("https://www.linkedin.com/in/Jane-Doe-1a2b3c/?utm_source=share"));
  }
}
BENCHMARK(BM_NormalizeLinkedInUrl);

void BM_SuppressionMatch(benchmark::State& state) {
  SuppressionSet set;
  for (int i = 0; i < 100000; ++i) {
    SuppressionEntry entry;
    entry.id = SuppressionId(i + 1);
    entry.kind = i % 10 == 0 ? SuppressionKind::kDomain : SuppressionKind::kEmail;
    entry.value = i % 10 == 0 ? "domain" + std::to_string(i) + ".com"
                              : "user" + std::to_string(i) + "@example.com";
    set.Add(std::move(entry));
  }
  const Result<ContactData> contact = BuildContact(RealisticRow());
  for (auto _ : state) benchmark::DoNotOptimize(set.Match(*contact));
}
BENCHMARK(BM_SuppressionMatch);

}  // namespace
}  // namespace cadent
