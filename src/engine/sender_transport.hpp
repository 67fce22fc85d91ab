// How a sender account reaches its provider, as stored: the transport's kind
// (SenderAccount::transport), its settings (SenderAccount::settings_json, no secrets) and
// its secrets (SenderAccount::sealed_credentials, a sealed JSON object). TransportOf opens
// them into the channels::EmailTransport the adapters use.
#pragma once

#include <string>
#include <string_view>

#include "channels/channel.hpp"
#include "channels/email/transport.hpp"
#include "core/common/clock.hpp"
#include "engine/secrets.hpp"
#include "storage/campaign_store.hpp"
#include "storage/database.hpp"

namespace cadent {

// The transports a sender account can have.
inline constexpr std::string_view kTransports[] = {"outbox",   "smtp", "sendgrid", "mailgun",
                                                   "postmark", "ses",  "resend"};
bool IsKnownTransport(std::string_view kind);

struct TransportSettings {
  std::string endpoint;  // see channels::EmailTransport::endpoint
  std::string username;
  std::string auth;  // smtp: plain, login, xoauth2, or "" (none)
  std::string region;
  std::string domain;
  bool verify_tls = true;
  std::string ca_file;
  int connections = 1;
  // The inbox replies and bounces arrive in: "imaps://host:993/INBOX", "imap://host/INBOX"
  // (STARTTLS), "" = none. Its password is TransportSecrets::imap_secret.
  std::string imap_url;
  std::string imap_username;
};

struct TransportSecrets {
  std::string secret;  // password, API key or OAuth access token
  std::string imap_secret;
};

std::string TransportSettingsToJson(const TransportSettings& settings);
// kInvalidArgument naming the field for malformed JSON, unknown keys or wrong types.
Result<TransportSettings> ParseTransportSettings(std::string_view json);
std::string TransportSecretsToJson(const TransportSecrets& secrets);
Result<TransportSecrets> ParseTransportSecrets(std::string_view json);

// Checks that `kind` with these settings and secrets can send, naming the first problem
// (an SMTP endpoint that is not smtp:// or smtps://, SES without a region or access key,
// Mailgun without a domain, an API without its key, ...).
Status CheckTransport(std::string_view kind, const TransportSettings& settings,
                      const TransportSecrets& secrets);

// The account's transport with its secrets opened. kFailedPrecondition for an account whose
// transport is the outbox (it has none) or that is not email.
Result<channels::EmailTransport> TransportOf(const SenderAccount& account, const SecretBox& box);

// The adapters' lookup over the database: each account's transport opened once and kept for
// `ttl` (then read again, so that credentials changed by another process are picked up).
// Thread-safe. `db`, `box` and `clock` must outlive it.
channels::TransportLookup CachedTransportLookup(Database& db, const SecretBox& box,
                                                const Clock& clock,
                                                Duration ttl = std::chrono::minutes(1));

// Signs an email with the DKIM key of its From address's domain in its workspace, when the
// domain has one ("" otherwise): the SMTP channel's signing hook, called on its worker
// threads. Keys are opened once and kept for `ttl` (a removed or added key is seen within
// it). Thread-safe; `db`, `box` and `clock` must outlive it.
using SignHook = channels::SignHook;
SignHook CachedDkimSigning(Database& db, const SecretBox& box, const Clock& clock,
                           Duration ttl = std::chrono::minutes(1));

}  // namespace cadent
