// libFuzzer target for the inbound classifier: any bytes classify without crashing, within
// the documented bounds, and the same bytes always classify the same way.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "channels/imap/inbound.hpp"

#define FUZZ_CHECK(condition)                                                            \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cadent::channels::ClassifyInbound;
  using cadent::channels::InboundKind;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const auto first = ClassifyInbound(raw);
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(first->references.size() <= cadent::channels::kMaxReferences);
  FUZZ_CHECK(first->detail.size() <= 300);
  for (const auto& id : first->references) FUZZ_CHECK(!id.empty());
  const bool bounce =
      first->kind == InboundKind::kHardBounce || first->kind == InboundKind::kSoftBounce;
  FUZZ_CHECK(bounce || first->recipient.empty());
  if (first->kind == InboundKind::kHardBounce) FUZZ_CHECK(!first->status.empty());
  const auto second = ClassifyInbound(raw);
  FUZZ_CHECK(second.ok() && second->kind == first->kind &&
             second->references == first->references && second->status == first->status);
  return 0;
}
