// Template rendering: the realistic 1.5 KB email of bench/templates/ (subject, 6 variables,
// one conditional, one spintax, 4 links), rendered into a reused Rendered. Heap allocations
// are counted by replacing the global operator new in this binary; the benchmark reports
// allocations per render after warm-up (counter `allocs_per_render`).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "core/templating/template.hpp"

namespace {

std::atomic<uint64_t> g_allocations{0};

}  // namespace

// g++ cannot see that these delete operators pair with the news above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace cadent::templating {
namespace {

std::string ReadFile(const std::string& name) {
  std::ifstream in(std::string(CADENT_SOURCE_DIR) + "/bench/templates/" + name, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TemplateSource BenchSource() {
  TemplateSource source;
  source.channel = Channel::kEmail;
  source.subject = ReadFile("subject.txt");
  source.html = ReadFile("email.html");
  return source;
}

struct Data {
  ContactData contact;
  SenderFields sender;
  Data() {
    contact.first_name = "Ann";
    contact.last_name = "Lee";
    contact.company = "Northwind Traders";
    contact.title = "VP Engineering";
    contact.email = "ann.lee@northwind.example";
    contact.custom_fields["industry"] = "fintech";
    sender.first_name = "Bob";
  }
};

void BM_RenderEmail(benchmark::State& state) {
  auto compiled = Compile(BenchSource());
  if (!compiled.ok()) {
    state.SkipWithError(std::string(compiled.status().message()).c_str());
    return;
  }
  Data data;
  RenderContext context;
  context.contact = &data.contact;
  context.sender = &data.sender;
  context.unsubscribe_url = "https://t.cadent.example.com/u/8f3a9c0d2b7e41f6a5d3?s=12&c=3456";
  context.day_of_week = "Tuesday";
  Rendered out;
  // Warm the buffers with every spin choice.
  for (uint64_t seed = 0; seed < 16; ++seed) {
    context.spin_seed = seed;
    if (!Render(*compiled, context, out).ok()) state.SkipWithError("render failed");
  }
  if (out.links.size() != 4) state.SkipWithError("expected 4 links");
  uint64_t seed = 0;
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    context.spin_seed = ++seed;
    const Status status = Render(*compiled, context, out);
    benchmark::DoNotOptimize(status.ok());
    benchmark::DoNotOptimize(out.html.data());
  }
  const uint64_t allocations = g_allocations.load() - before;
  state.counters["allocs_per_render"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["renders_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["html_bytes"] = static_cast<double>(out.html.size());
  state.counters["text_bytes"] = static_cast<double>(out.text.size());
}
BENCHMARK(BM_RenderEmail);

void BM_CompileEmail(benchmark::State& state) {
  const TemplateSource source = BenchSource();
  for (auto _ : state) {
    auto compiled = Compile(source);
    benchmark::DoNotOptimize(compiled.ok());
  }
}
BENCHMARK(BM_CompileEmail);

}  // namespace
}  // namespace cadent::templating
