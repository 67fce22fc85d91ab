// Which tracking hits are machines rather than people: mail privacy proxies that fetch
// every image of every message (Apple Mail Privacy Protection), image proxies, and the link
// scanners of mail gateways that follow every link on arrival. Pure rules over what a
// request shows; the caller records the hit either way, flagged with the reason.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cadent::tracking {

// A hit this soon after the message went out is a scanner: nobody reads that fast.
inline constexpr std::chrono::seconds kTooSoonAfterSend{10};

struct Hit {
  bool head = false;                // a HEAD request: a scanner probing, not a person
  std::string_view user_agent;      // the User-Agent header, "" when absent
  std::string_view remote_address;  // the peer's IP ("17.58.1.1", "::1")
  // How long after the message was sent the hit came; nullopt when unknown.
  std::optional<std::chrono::microseconds> since_sent;
};

// The reason an open (the message's image fetched) is machine traffic, or "" for a person:
//   "head-request", "no-user-agent", "apple-mail-privacy" (the bare "Mozilla/5.0" agent
//   Apple's proxy sends, or an address in Apple's 17.0.0.0/8), "google-image-proxy"
//   (GoogleImageProxy), "yahoo-mail-proxy", "scanner-user-agent" (known gateway scanners,
//   bots, HTTP libraries), "too-soon-after-send".
std::string_view MachineOpen(const Hit& hit);

// The same for a click: "head-request", "no-user-agent", "scanner-user-agent",
// "too-soon-after-send", or "" for a person.
std::string_view MachineClick(const Hit& hit);

}  // namespace cadent::tracking
