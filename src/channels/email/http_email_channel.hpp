// What the HTTP email API adapters (sendgrid/, postmark/, resend/, mailgun/, ses/) share: the
// per-message transport lookup, the libcurl client with its kept-alive connections, the one
// status -> SendCode table, Retry-After, and a bounded parallel SendBatch. Each provider
// only builds its request and reads its answer.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/channel.hpp"
#include "channels/email/transport.hpp"
#include "channels/http_client.hpp"
#include "core/common/clock.hpp"

namespace cadent::channels {

// The options of every HTTP email adapter.
struct HttpEmailOptions {
  // The sender account's transport and API key, looked up for every message. Required.
  TransportLookup transports;
  // For Retry-After dates and request signatures (SES). Required; must outlive the channel.
  const Clock* clock = nullptr;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{30'000};  // the whole exchange of one message
  // SendBatch sends at most this many messages at once (1 = one after the other).
  int parallel_requests = 4;
};

// Base class of the HTTP email adapters. Send:
//   1. refuses (kInvalidArgument, nothing sent) a message that is not email, has no
//      recipient, or whose extra headers CheckEmlHeaders refuses;
//   2. looks up the sender's transport: a lookup error is returned as the Status error for
//      that message (nothing sent); a transport of another kind is kInvalidArgument;
//   3. POSTs the provider's request. No HTTP answer (refused, reset, timeout) -> kTransient
//      with the reason as detail. An answer -> SendCodeForStatus with the provider's
//      overrides (2xx kAccepted, 401/403 kUnauthorized, 429 kRateLimited, 408/5xx
//      kTransient, other 4xx kRejected), Retry-After (seconds or HTTP date) kept for every
//      failure that carries one, then ReadAnswer (the provider id; codes in the body such
//      as Postmark's 406 inactive recipient -> kHardBounce).
// Thread-safe: sends share the client's pool of kept-alive connections.
class HttpEmailChannel : public Channel {
 public:
  explicit HttpEmailChannel(HttpEmailOptions options);
  ~HttpEmailChannel() override;

  Capabilities capabilities() const override;
  Result<SendResult> Send(const OutgoingMessage& message) override;
  // Up to options.parallel_requests sends at once on worker threads, each message with its
  // own result, in order.
  std::vector<Result<SendResult>> SendBatch(std::span<const OutgoingMessage* const> batch) override;

 protected:
  // The provider's request for `message` sent through `transport` at `now` (for
  // signatures). A Status error refuses the message without sending it.
  virtual Result<HttpRequest> BuildRequest(const OutgoingMessage& message,
                                           const EmailTransport& transport, Instant now) = 0;
  // Refines `result` (already coded by status) from the provider's answer: provider_id on
  // success, a code from the provider's own error codes. Never fails.
  virtual void ReadAnswer(const HttpResponse& response, SendResult& result) = 0;
  // Statuses this provider means differently from the shared table.
  virtual std::span<const std::pair<long, sequence::SendCode>> StatusOverrides() const {
    return {};
  }
  // Whether the provider deduplicates by our message id (Capabilities::idempotency_keys).
  virtual bool TakesIdempotencyKey() const { return false; }

  const HttpEmailOptions& options() const { return options_; }

 private:
  HttpEmailOptions options_;
  HttpClient client_;
};

// "Name <address>" for a From or To field, the name quoted (RFC 5322 quoted-string) when it
// holds a special character; just the address when the name is empty. Control characters
// become spaces so that no value can end a header line.
std::string FormatMailbox(std::string_view name, std::string_view address);

// `endpoint` without a trailing '/', or `fallback` when endpoint is "".
std::string BaseUrl(std::string_view endpoint, std::string_view fallback);

// The Message-ID header value for the message ("<id>"), "" when the dispatcher chose none.
std::string MessageIdHeader(const OutgoingMessage& message);

}  // namespace cadent::channels
