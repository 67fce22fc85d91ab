// The Resend adapter: POST <base>/emails (base https://api.resend.com), Authorization: Bearer
// <API key>, JSON, and Idempotency-Key: <our message id>: Resend keeps the key for 24 hours
// and answers a retry of the same request with the first send's id instead of sending again.
//
// The request: from "Name <address>", to ["Name <address>"], subject, text, html, reply_to,
// headers {our extra headers, Message-ID}, tags [{name: cadent_message_id, value}].
// The answer: 200 {id} (SendResult::provider_id); errors {statusCode, name, message} as the
// shared table (401 missing key and 403 invalid key kUnauthorized, 422 kRejected, 429
// kRateLimited), except 409 concurrent_idempotent_requests (the first attempt is still in
// flight: kTransient) and 409 invalid_idempotent_request (same key, other body: kRejected).
#pragma once

#include "channels/email/http_email_channel.hpp"

namespace cadent::channels {

class ResendChannel final : public HttpEmailChannel {
 public:
  using Options = HttpEmailOptions;
  explicit ResendChannel(Options options) : HttpEmailChannel(std::move(options)) {}

  std::string_view name() const override { return "resend"; }

 protected:
  Result<HttpRequest> BuildRequest(const OutgoingMessage& message, const EmailTransport& transport,
                                   Instant now) override;
  void ReadAnswer(const HttpResponse& response, SendResult& result) override;
  bool TakesIdempotencyKey() const override { return true; }
};

}  // namespace cadent::channels
