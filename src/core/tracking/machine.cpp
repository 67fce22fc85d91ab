#include "core/tracking/machine.hpp"

#include <array>
#include <cctype>

namespace cadent::tracking {
namespace {

bool ContainsIgnoringCase(std::string_view text, std::string_view needle) {
  if (needle.size() > text.size()) return false;
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(text[i + j])) ==
                                    std::tolower(static_cast<unsigned char>(needle[j]))) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

// Parts of the user agents of mail gateway scanners, link-preview fetchers, crawlers and
// HTTP libraries (no mail client a person reads with sends these).
constexpr std::array<std::string_view, 24> kScannerAgents = {
    "bot",       "crawler",        "spider",          "preview",
    "scanner",   "barracuda",      "mimecast",        "proofpoint",
    "symantec",  "messagelabs",    "trendmicro",      "trend micro",
    "sophos",    "forcepoint",     "ironport",        "fortinet",
    "safelinks", "headlesschrome", "python-requests", "python-urllib",
    "curl/",     "wget/",          "go-http-client",  "java/"};

bool IsScannerAgent(std::string_view agent) {
  for (std::string_view part : kScannerAgents) {
    if (ContainsIgnoringCase(agent, part)) return true;
  }
  return false;
}

// Apple owns 17.0.0.0/8; Mail Privacy Protection fetches from there (and through relays).
bool IsAppleAddress(std::string_view address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.substr(0, kMapped.size()) == kMapped) address.remove_prefix(kMapped.size());
  return address.substr(0, 3) == "17.";
}

std::string_view Common(const Hit& hit) {
  if (hit.head) return "head-request";
  if (hit.user_agent.empty()) return "no-user-agent";
  return "";
}

bool TooSoon(const Hit& hit) {
  return hit.since_sent && *hit.since_sent >= std::chrono::microseconds(0) &&
         *hit.since_sent < kTooSoonAfterSend;
}

}  // namespace

std::string_view MachineOpen(const Hit& hit) {
  if (std::string_view common = Common(hit); !common.empty()) return common;
  if (hit.user_agent == "Mozilla/5.0" || IsAppleAddress(hit.remote_address)) {
    return "apple-mail-privacy";
  }
  if (ContainsIgnoringCase(hit.user_agent, "GoogleImageProxy")) return "google-image-proxy";
  if (ContainsIgnoringCase(hit.user_agent, "YahooMailProxy")) return "yahoo-mail-proxy";
  if (IsScannerAgent(hit.user_agent)) return "scanner-user-agent";
  if (TooSoon(hit)) return "too-soon-after-send";
  return "";
}

std::string_view MachineClick(const Hit& hit) {
  if (std::string_view common = Common(hit); !common.empty()) return common;
  if (IsScannerAgent(hit.user_agent)) return "scanner-user-agent";
  if (TooSoon(hit)) return "too-soon-after-send";
  return "";
}

}  // namespace cadent::tracking
