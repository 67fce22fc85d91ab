// The SendGrid adapter: v3 Mail Send (POST <base>/v3/mail/send, Authorization: Bearer <API
// key>, JSON; base https://api.sendgrid.com unless the transport's endpoint overrides it).
//
// The request: personalizations[0].to = the recipient {email, name}; from {email, name};
// reply_to; subject; content = text/plain then text/html (SendGrid requires that order);
// headers = our extra headers (List-Unsubscribe, ...) and Message-ID; custom_args
// {cadent_message_id} so that event webhooks name our message.
// The answer: 202 Accepted with the id in X-Message-Id (SendResult::provider_id). Errors as
// the shared table (401/403 kUnauthorized, 413 and other 4xx kRejected, 429 kRateLimited).
// SendGrid takes no idempotency key: a retry after a lost answer may send twice.
#pragma once

#include "channels/email/http_email_channel.hpp"

namespace cadent::channels {

class SendGridChannel final : public HttpEmailChannel {
 public:
  using Options = HttpEmailOptions;
  explicit SendGridChannel(Options options) : HttpEmailChannel(std::move(options)) {}

  std::string_view name() const override { return "sendgrid"; }

 protected:
  Result<HttpRequest> BuildRequest(const OutgoingMessage& message, const EmailTransport& transport,
                                   Instant now) override;
  void ReadAnswer(const HttpResponse& response, SendResult& result) override;
};

}  // namespace cadent::channels
