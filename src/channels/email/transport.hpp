// How an email sender account reaches its provider: the settings of its transport and its
// unsealed secret. The app builds it from the stored account (storage keeps the secret
// sealed); the adapters under src/channels/<provider>/ look it up per message. A value of
// this type holds a credential: never log, print or return it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "channels/channel.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"

namespace cadent::channels {

struct EmailTransport {
  std::string kind;  // "smtp", "sendgrid", "mailgun", "postmark", "ses", "resend"
  // smtp: "smtp://host:587" (STARTTLS required) or "smtps://host:465" (implicit TLS);
  // "smtp+insecure://host:port" = no TLS at all (loopback test servers only).
  // APIs: the base URL, "" = the provider's public endpoint (tests point it at a fake).
  std::string endpoint;
  std::string username;  // smtp: login; ses: access key id
  // smtp: password, or the OAuth access token with auth "xoauth2"; APIs: the API key (ses:
  // the secret access key; postmark: the server token).
  std::string secret;
  std::string auth;        // smtp: "plain", "login", "xoauth2", or "" (no AUTH)
  std::string region;      // ses: "us-east-1", ...; mailgun: "us" or "eu"
  std::string domain;      // mailgun: the sending domain
  bool verify_tls = true;  // certificate verification; off only when the user says so
  std::string ca_file;     // a CA bundle to trust instead of the system's (tests, private CAs)
  int connections = 1;     // smtp: at most this many parallel connections for the account
};

// The transport of one sender account. kNotFound for an unknown sender; other errors when
// the secret cannot be unsealed.
using TransportLookup = std::function<Result<EmailTransport>(WorkspaceId, SenderId)>;

// DKIM for the SMTP channel: the DKIM-Signature header field(s) to put in front of `eml`
// (the message as RenderEml made it), "" to send it unsigned. Called on the channel's worker
// threads. (The API providers sign with the domain set up in their own console.)
using SignHook = std::function<Result<std::string>(const OutgoingMessage&, std::string_view eml)>;

}  // namespace cadent::channels
