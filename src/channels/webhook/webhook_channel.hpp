// The webhook channel: a sequence's webhook step as an HTTP POST (libcurl) of the JSON body
// the engine built (message.text) to the step's URL (message.to_address), signed so that
// the receiver can tell it came from this workspace.
//
// The request (docs/CAMPAIGNS.md shows a receiver checking it):
//   POST <url>   Content-Type: application/json   User-Agent: cadent-webhook/1
//   Cadent-Webhook-Id: <message id>         the same on every retry: an idempotency key
//   Cadent-Webhook-Attempt: <n>             1 for the first attempt
//   Cadent-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// The answer: 2xx accepted; 408 and 5xx transient; 429 rate limited (Retry-After, seconds
// or an HTTP date, honoured); other 4xx and 3xx (redirects are not followed) rejected;
// connection failures and timeouts transient. Only http and https URLs are fetched.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "channels/channel.hpp"
#include "core/common/clock.hpp"

namespace cadent::channels {

// The Cadent-Webhook-Signature value for `body` sent at `unix_seconds`.
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

class WebhookChannel final : public Channel {
 public:
  struct Options {
    // The signing secret of a workspace (WorkspaceStore::WebhookSecret). Required.
    std::function<Result<std::string>(WorkspaceId)> secret_of;
    // For the signature's timestamp. Required; must outlive the channel.
    const Clock* clock = nullptr;
    std::chrono::milliseconds connect_timeout{5'000};
    // The whole exchange. A webhook step is sent inline by the dispatcher: keep it short.
    std::chrono::milliseconds timeout{10'000};
  };

  explicit WebhookChannel(Options options);
  ~WebhookChannel() override;
  WebhookChannel(const WebhookChannel&) = delete;
  WebhookChannel& operator=(const WebhookChannel&) = delete;

  std::string_view name() const override { return "webhook"; }
  Capabilities capabilities() const override;
  // kInvalidArgument for a message that is not a webhook or whose URL is not http(s); the
  // workspace's secret lookup failing is a Status error too (nothing was sent).
  Result<SendResult> Send(const OutgoingMessage& message) override;
  // Reconcile: the default (kUnknown). A receiver keeps its own record; the id header lets
  // it drop a repeat, but cadent cannot ask it.

 private:
  struct Curl;
  Options options_;
  std::mutex mutex_;            // one transfer at a time on the reused handle
  std::unique_ptr<Curl> curl_;  // guarded by mutex_; keeps connections alive between sends
  // Secrets looked up once per workspace (they are never rotated in place).
  std::mutex secrets_mutex_;
  absl::flat_hash_map<int64_t, std::string> secrets_;  // guarded by secrets_mutex_
};

}  // namespace cadent::channels
