// The Mailgun adapter: POST <base>/v3/<domain>/messages, HTTP basic auth "api:<API key>", an
// application/x-www-form-urlencoded body. The base is https://api.mailgun.net for region "us"
// (or ""), https://api.eu.mailgun.net for "eu", or the transport's endpoint; the domain is
// the transport's sending domain (required).
//
// The request: from and to as "Name <address>", subject, text, html, h:Reply-To,
// h:<extra header> for each of ours (List-Unsubscribe, ...), h:Message-Id, and
// v:cadent_message_id (a user variable Mailgun's events carry back).
// The answer: 200 {id: "<...>", message: "Queued. Thank you."}; the id without its angle
// brackets goes to SendResult::provider_id. Errors as the shared table (401 kUnauthorized,
// 400/404 kRejected, 429 kRateLimited, 5xx kTransient). Mailgun takes no idempotency key.
#pragma once

#include "channels/email/http_email_channel.hpp"

namespace cadent::channels {

class MailgunChannel final : public HttpEmailChannel {
 public:
  using Options = HttpEmailOptions;
  explicit MailgunChannel(Options options) : HttpEmailChannel(std::move(options)) {}

  std::string_view name() const override { return "mailgun"; }

 protected:
  // kInvalidArgument without a domain or with a region other than "", "us" and "eu".
  Result<HttpRequest> BuildRequest(const OutgoingMessage& message, const EmailTransport& transport,
                                   Instant now) override;
  void ReadAnswer(const HttpResponse& response, SendResult& result) override;
};

// The API base for the transport: its endpoint when set, else by region ("" and "us":
// https://api.mailgun.net, "eu": https://api.eu.mailgun.net); kInvalidArgument for another
// region.
Result<std::string> MailgunBaseUrl(const EmailTransport& transport);

// application/x-www-form-urlencoded escaping of one name or value (RFC 3986 unreserved
// characters kept, everything else %XX, UTF-8 bytes included).
std::string FormEscape(std::string_view text);

}  // namespace cadent::channels
