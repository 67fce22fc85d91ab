#include "storage/engine_store.hpp"

#include <array>

namespace cadent {
namespace {
constexpr std::array<std::string_view, kEventKindCount> kEventKindNames = {
    "opened",       "clicked",    "replied",   "accepted",     "bounced",
    "unsubscribed", "complained", "converted", "auto_replied", "soft_bounced"};
}  // namespace

std::string_view ToString(EventKind kind) { return kEventKindNames[static_cast<size_t>(kind)]; }

std::optional<EventKind> ParseEventKind(std::string_view text) {
  for (size_t i = 0; i < kEventKindNames.size(); ++i) {
    if (kEventKindNames[i] == text) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

}  // namespace cadent
