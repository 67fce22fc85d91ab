// The Postmark adapter: POST <base>/email (base https://api.postmarkapp.com), the server token
// in X-Postmark-Server-Token, JSON in and out.
//
// The request: From and To as "Name <address>", ReplyTo, Subject, TextBody, HtmlBody,
// Headers [{Name, Value}] (our extra headers and Message-ID), MessageStream "outbound",
// Metadata {cadent_message_id}.
// The answer: 200 {ErrorCode: 0, MessageID} (the id goes to SendResult::provider_id). A
// non-zero ErrorCode decides the code whatever the status: 300 (invalid email request) and
// 406 (inactive recipient: bounced, unsubscribed or complained) kHardBounce; 10 (bad or
// missing server token) kUnauthorized; 405 (not allowed to send: account out of credits),
// 400/401 (sender signature not found / not confirmed) and 412 (pending approval) kBlocked;
// 429 kRateLimited; other codes by status (422 kRejected). Postmark takes no idempotency key.
#pragma once

#include "channels/email/http_email_channel.hpp"

namespace cadent::channels {

class PostmarkChannel final : public HttpEmailChannel {
 public:
  using Options = HttpEmailOptions;
  explicit PostmarkChannel(Options options) : HttpEmailChannel(std::move(options)) {}

  std::string_view name() const override { return "postmark"; }

 protected:
  Result<HttpRequest> BuildRequest(const OutgoingMessage& message, const EmailTransport& transport,
                                   Instant now) override;
  void ReadAnswer(const HttpResponse& response, SendResult& result) override;
};

}  // namespace cadent::channels
