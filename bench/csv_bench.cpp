// CSV reader and writer throughput on realistic contact exports (12 columns, some quoted
// fields, some non-ASCII names). Target: >= 2M rows/s reading, release build.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/byte_source.hpp"
#include "core/csv/csv_reader.hpp"
#include "core/csv/csv_writer.hpp"

namespace cadent::csv {
namespace {

constexpr int kRows = 200000;

// Deterministic contact rows, shaped like a CRM export: email, first_name, last_name,
// company, title, phone, linkedin_url, city, country, time_zone, tags, created_at.
std::vector<std::vector<std::string>> MakeContacts(int rows) {
  static const char* const kFirst[] = {"Jane", "John",   "Maria", "Wei",   "Olga",  "Ahmed",
                                       "René", "Sakura", "Zoë",   "Liam",  "Emma",  "Noah",
                                       "Ana",  "Jürgen", "Chloé", "Priya", "Kenji", "Fatima"};
  static const char* const kLast[] = {"Smith",  "Müller", "García",   "Wang",    "Ivanova",
                                      "Hassan", "Dubois", "Yamada",   "O'Brien", "Johnson",
                                      "Rossi",  "Novak",  "Kowalski", "Silva",   "王"};
  static const char* const kCompany[] = {"Acme",          "Globex, Inc.",     "Initech",
                                         "Umbrella Corp", "Stark Industries", "Wayne Enterprises",
                                         "Hooli",         "Pied Piper",       "Soylent, Ltd."};
  static const char* const kTitle[] = {
      "CEO",    "CTO", "VP Sales", "Head of Growth", "Software Engineer", "Marketing Manager",
      "Founder"};
  static const char* const kCity[] = {"Berlin", "New York", "São Paulo", "Tokyo", "Paris",
                                      "London", "Zürich",   "Toronto",   "Sydney"};
  static const char* const kCountry[] = {"DE", "US", "BR", "JP", "FR", "GB", "CH", "CA", "AU"};
  static const char* const kZone[] = {"Europe/Berlin", "America/New_York", "America/Sao_Paulo",
                                      "Asia/Tokyo",    "Europe/Paris",     "Europe/London",
                                      "Europe/Zurich", "America/Toronto",  "Australia/Sydney"};
  std::mt19937 random(42);
  auto pick = [&](const auto& list) {
    return std::string(list[random() % (sizeof(list) / sizeof(list[0]))]);
  };
  std::vector<std::vector<std::string>> out;
  out.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    const std::string first = pick(kFirst);
    const std::string last = pick(kLast);
    const size_t city = random() % 9;
    std::string tags = i % 7 == 0 ? "vip,\"warm\" lead" : "cold";
    out.push_back(
        {"user" + std::to_string(i) + "@example.com", first, last, pick(kCompany), pick(kTitle),
         "+1415555" + std::to_string(1000 + i % 9000),
         "https://www.linkedin.com/in/user-" + std::to_string(i), kCity[city], kCountry[city],
         kZone[city], tags,
         "2026-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + "T09:30:00Z"});
  }
  return out;
}

const std::string& ContactsCsv() {
  static const std::string csv = [] {
    std::string out;
    AppendRecord({"email", "first_name", "last_name", "company", "title", "phone", "linkedin_url",
                  "city", "country", "time_zone", "tags", "created_at"},
                 {}, &out);
    for (const auto& row : MakeContacts(kRows)) {
      std::vector<std::string_view> fields(row.begin(), row.end());
      AppendRecord(fields, {}, &out);
    }
    return out;
  }();
  return csv;
}

void ReadAll(benchmark::State& state, std::unique_ptr<Reader> reader, int64_t* rows) {
  Record record;
  for (;;) {
    auto more = reader->Next(&record);
    if (!more.ok()) {
      state.SkipWithError(std::string(more.status().message()).c_str());
      return;
    }
    if (!*more) break;
    if (record.error.has_value()) {
      state.SkipWithError(record.error->message.c_str());
      return;
    }
    benchmark::DoNotOptimize(record.fields.data());
    ++*rows;
  }
}

void SetCounters(benchmark::State& state, int64_t rows, size_t bytes) {
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

// In memory: the parser alone.
void BM_ReadContactsFromString(benchmark::State& state) {
  const std::string& csv = ContactsCsv();
  int64_t rows = 0;
  for (auto _ : state) {
    auto reader = Reader::Open(std::make_unique<StringSource>(csv));
    if (!reader.ok()) {
      state.SkipWithError("open failed");
      break;
    }
    ReadAll(state, std::move(*reader), &rows);
  }
  SetCounters(state, rows, csv.size());
}
BENCHMARK(BM_ReadContactsFromString)->Unit(benchmark::kMillisecond);

// From a file (in the page cache): the import path.
void BM_ReadContactsFromFile(benchmark::State& state) {
  const std::string& csv = ContactsCsv();
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cadent-csv-bench-" + std::to_string(getpid()) + ".csv"))
                               .string();
  std::ofstream(path, std::ios::binary) << csv;
  int64_t rows = 0;
  for (auto _ : state) {
    auto reader = Reader::OpenFile(path);
    if (!reader.ok()) {
      state.SkipWithError("open failed");
      break;
    }
    ReadAll(state, std::move(*reader), &rows);
  }
  std::filesystem::remove(path);
  SetCounters(state, rows, csv.size());
}
BENCHMARK(BM_ReadContactsFromFile)->Unit(benchmark::kMillisecond);

// The export path: contacts to CSV with the formula guard on.
void BM_WriteContacts(benchmark::State& state) {
  const auto contacts = MakeContacts(kRows);
  std::vector<std::vector<std::string_view>> rows;
  for (const auto& row : contacts) rows.emplace_back(row.begin(), row.end());
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    Writer writer = Writer::ToString(&out, {.formula_guard = FormulaGuard::kNeutralize});
    for (const auto& row : rows) benchmark::DoNotOptimize(writer.WriteRecord(row).ok());
    bytes = out.size();
  }
  SetCounters(state, static_cast<int64_t>(rows.size()) * state.iterations(), bytes);
}
BENCHMARK(BM_WriteContacts)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cadent::csv
