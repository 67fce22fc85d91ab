// The Amazon SES adapter: SES v2 SendEmail (POST <base>/v2/email/outbound-emails, base
// https://email.<region>.amazonaws.com unless the transport's endpoint overrides it), JSON,
// signed with AWS Signature Version 4 (service "ses"; the transport's username is the access
// key id, its secret the secret access key, its region the region).
//
// The request sends our own MIME: Content.Raw.Data = base64 of RenderEml (so the
// List-Unsubscribe headers, the Message-ID and the exact MIME structure go out as the outbox
// would write them), with FromEmailAddress and Destination.ToAddresses alongside. Signed
// headers: content-type, host, x-amz-content-sha256, x-amz-date.
// The answer: 200 {MessageId} (SendResult::provider_id). Errors by status (403 wrong
// signature or unknown key kUnauthorized, 429 kRateLimited, 5xx kTransient) and then by the
// error type (X-Amzn-ErrorType, else the body's __type/code): MessageRejected kRejected;
// MailFromDomainNotVerifiedException, AccountSuspendedException and SendingPausedException
// kBlocked; LimitExceededException and TooManyRequestsException kRateLimited. SES v2
// SendEmail takes no idempotency key.
#pragma once

#include "channels/email/http_email_channel.hpp"

namespace cadent::channels {

class SesChannel final : public HttpEmailChannel {
 public:
  using Options = HttpEmailOptions;
  explicit SesChannel(Options options);

  std::string_view name() const override { return "ses"; }

 protected:
  // kInvalidArgument without a region, access key id or secret.
  Result<HttpRequest> BuildRequest(const OutgoingMessage& message, const EmailTransport& transport,
                                   Instant now) override;
  void ReadAnswer(const HttpResponse& response, SendResult& result) override;
};

}  // namespace cadent::channels
