#include "engine/sender_transport.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "channels/email/dkim.hpp"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

using nlohmann::json;

Result<json> ParseObject(std::string_view text, std::string_view what) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(StrCat(what, ": not a JSON object"));
  }
  return parsed;
}

template <typename T>
Status Read(const json& object, std::string_view what, std::string_view key, T& out) {
  const auto it = object.find(std::string(key));
  if (it == object.end()) return OkStatus();
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return absl::InvalidArgumentError(StrCat(what, ".", key, ": not text"));
    out = it->template get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) {
      return absl::InvalidArgumentError(StrCat(what, ".", key, ": not true or false"));
    }
    out = it->template get<bool>();
  } else {
    if (!it->is_number_integer()) {
      return absl::InvalidArgumentError(StrCat(what, ".", key, ": not a whole number"));
    }
    out = it->template get<T>();
  }
  return OkStatus();
}

Status OnlyKeys(const json& object, std::string_view what,
                std::initializer_list<std::string_view> keys) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return absl::InvalidArgumentError(StrCat(what, ": unknown key '", key, "'"));
    }
  }
  return OkStatus();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool IsKnownTransport(std::string_view kind) {
  return std::find(std::begin(kTransports), std::end(kTransports), kind) != std::end(kTransports);
}

std::string TransportSettingsToJson(const TransportSettings& s) {
  json out = json::object();
  if (!s.endpoint.empty()) out["endpoint"] = s.endpoint;
  if (!s.username.empty()) out["username"] = s.username;
  if (!s.auth.empty()) out["auth"] = s.auth;
  if (!s.region.empty()) out["region"] = s.region;
  if (!s.domain.empty()) out["domain"] = s.domain;
  if (!s.verify_tls) out["verify_tls"] = false;
  if (!s.ca_file.empty()) out["ca_file"] = s.ca_file;
  if (s.connections != 1) out["connections"] = s.connections;
  if (!s.imap_url.empty()) out["imap_url"] = s.imap_url;
  if (!s.imap_username.empty()) out["imap_username"] = s.imap_username;
  return out.dump();
}

Result<TransportSettings> ParseTransportSettings(std::string_view text) {
  constexpr std::string_view kWhat = "sender settings";
  ASSIGN_OR_RETURN(json object, ParseObject(text, kWhat));
  TRY(OnlyKeys(object, kWhat,
               {"endpoint", "username", "auth", "region", "domain", "verify_tls", "ca_file",
                "connections", "imap_url", "imap_username"}));
  TransportSettings s;
  TRY(Read(object, kWhat, "endpoint", s.endpoint));
  TRY(Read(object, kWhat, "username", s.username));
  TRY(Read(object, kWhat, "auth", s.auth));
  TRY(Read(object, kWhat, "region", s.region));
  TRY(Read(object, kWhat, "domain", s.domain));
  TRY(Read(object, kWhat, "verify_tls", s.verify_tls));
  TRY(Read(object, kWhat, "ca_file", s.ca_file));
  TRY(Read(object, kWhat, "connections", s.connections));
  TRY(Read(object, kWhat, "imap_url", s.imap_url));
  TRY(Read(object, kWhat, "imap_username", s.imap_username));
  return s;
}

std::string TransportSecretsToJson(const TransportSecrets& s) {
  json out = json::object();
  if (!s.secret.empty()) out["secret"] = s.secret;
  if (!s.imap_secret.empty()) out["imap_secret"] = s.imap_secret;
  return out.dump();
}

Result<TransportSecrets> ParseTransportSecrets(std::string_view text) {
  constexpr std::string_view kWhat = "sender credentials";
  ASSIGN_OR_RETURN(json object, ParseObject(text, kWhat));
  TRY(OnlyKeys(object, kWhat, {"secret", "imap_secret"}));
  TransportSecrets s;
  TRY(Read(object, kWhat, "secret", s.secret));
  TRY(Read(object, kWhat, "imap_secret", s.imap_secret));
  return s;
}

Status CheckTransport(std::string_view kind, const TransportSettings& s,
                      const TransportSecrets& secrets) {
  if (!IsKnownTransport(kind)) {
    return absl::InvalidArgumentError(
        StrCat("unknown transport '", kind,
               "' (outbox, smtp, sendgrid, mailgun, postmark, ses or resend)"));
  }
  if (s.connections < 1 || s.connections > 64) {
    return absl::InvalidArgumentError("connections must be between 1 and 64");
  }
  if (!s.imap_url.empty() &&
      !(StartsWith(s.imap_url, "imaps://") || StartsWith(s.imap_url, "imap://") ||
        StartsWith(s.imap_url, "imap+insecure://"))) {
    return absl::InvalidArgumentError(
        StrCat("inbox '", s.imap_url, "': use imaps://host:993/INBOX or imap://host/INBOX"));
  }
  if (kind == "outbox") return OkStatus();
  if (kind == "smtp") {
    if (!(StartsWith(s.endpoint, "smtp://") || StartsWith(s.endpoint, "smtps://") ||
          StartsWith(s.endpoint, "smtp+insecure://"))) {
      return absl::InvalidArgumentError(
          StrCat("smtp endpoint '", s.endpoint,
                 "': use smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)"));
    }
    if (s.auth != "" && s.auth != "plain" && s.auth != "login" && s.auth != "xoauth2") {
      return absl::InvalidArgumentError(
          StrCat("smtp auth '", s.auth, "': plain, login, xoauth2, or none"));
    }
    if (!s.auth.empty() && (s.username.empty() || secrets.secret.empty())) {
      return absl::InvalidArgumentError(
          StrCat("smtp auth ", s.auth, " needs a username and a password or token"));
    }
    return OkStatus();
  }
  if (!s.endpoint.empty() && !StartsWith(s.endpoint, "https://") &&
      !StartsWith(s.endpoint, "http://")) {
    return absl::InvalidArgumentError(
        StrCat(kind, " endpoint '", s.endpoint, "': an http(s) base URL, or none"));
  }
  if (secrets.secret.empty()) {
    return absl::InvalidArgumentError(StrCat(kind, " needs its API key (the secret)"));
  }
  if (kind == "ses" && (s.region.empty() || s.username.empty())) {
    return absl::InvalidArgumentError(
        "ses needs a region and an access key id (username); the secret access key is the "
        "secret");
  }
  if (kind == "mailgun") {
    if (s.domain.empty()) return absl::InvalidArgumentError("mailgun needs its sending domain");
    if (!s.region.empty() && s.region != "us" && s.region != "eu") {
      return absl::InvalidArgumentError("mailgun region: us or eu");
    }
  }
  return OkStatus();
}

Result<channels::EmailTransport> TransportOf(const SenderAccount& account, const SecretBox& box) {
  if (account.channel != "email" || account.transport == "outbox") {
    return absl::FailedPreconditionError(
        StrCat("sender '", account.name, "' has no email transport"));
  }
  ASSIGN_OR_RETURN(TransportSettings settings, ParseTransportSettings(account.settings_json));
  TransportSecrets secrets;
  if (!account.sealed_credentials.empty()) {
    Result<std::string> opened =
        box.Open(SecretPurpose::kSenderCredentials, account.id.value(), account.sealed_credentials);
    if (!opened.ok()) {
      return Status(opened.status().code(), StrCat("sender '", account.name,
                                                   "': ", std::string(opened.status().message())));
    }
    ASSIGN_OR_RETURN(secrets, ParseTransportSecrets(*opened));
  }
  channels::EmailTransport t;
  t.kind = account.transport;
  t.endpoint = settings.endpoint;
  t.username = settings.username;
  t.secret = std::move(secrets.secret);
  t.auth = settings.auth;
  t.region = settings.region;
  t.domain = settings.domain;
  t.verify_tls = settings.verify_tls;
  t.ca_file = settings.ca_file;
  t.connections = settings.connections;
  return t;
}

channels::TransportLookup CachedTransportLookup(Database& db, const SecretBox& box,
                                                const Clock& clock, Duration ttl) {
  struct Entry {
    channels::EmailTransport transport;
    Instant until;
  };
  struct Cache {
    std::mutex mutex;
    // By workspace and sender (the workspace is part of the key: a lookup never answers
    // with another workspace's account). Guarded by mutex.
    absl::flat_hash_map<std::pair<int64_t, int64_t>, Entry> entries;
  };
  auto cache = std::make_shared<Cache>();
  return [&db, &box, &clock, ttl, cache](WorkspaceId workspace,
                                         SenderId sender) -> Result<channels::EmailTransport> {
    const Instant now = clock.Now();
    {
      std::lock_guard lock(cache->mutex);
      auto it = cache->entries.find(std::make_pair(workspace.value(), sender.value()));
      if (it != cache->entries.end() && it->second.until > now) return it->second.transport;
    }
    // Read outside the lock: the store serialises itself, and a slow read must not hold up
    // the other connections' lookups.
    ASSIGN_OR_RETURN(SenderAccount account, db.senders().Get(workspace, sender));
    ASSIGN_OR_RETURN(channels::EmailTransport transport, TransportOf(account, box));
    std::lock_guard lock(cache->mutex);
    cache->entries[std::make_pair(workspace.value(), sender.value())] = Entry{transport, now + ttl};
    return transport;
  };
}

SignHook CachedDkimSigning(Database& db, const SecretBox& box, const Clock& clock, Duration ttl) {
  struct Entry {
    std::shared_ptr<const channels::DkimSigner> signer;  // null: the domain has no key
    Instant until;
  };
  struct Cache {
    std::mutex mutex;
    absl::flat_hash_map<std::pair<int64_t, std::string>, Entry> entries;  // guarded by mutex
  };
  auto cache = std::make_shared<Cache>();
  return [&db, &box, &clock, ttl, cache](const channels::OutgoingMessage& message,
                                         std::string_view eml) -> Result<std::string> {
    const size_t at = message.from_address.rfind('@');
    if (at == std::string::npos) return std::string();
    std::string domain = message.from_address.substr(at + 1);
    for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const Instant now = clock.Now();
    const auto key = std::make_pair(message.workspace.value(), domain);
    std::shared_ptr<const channels::DkimSigner> signer;
    bool cached = false;
    {
      std::lock_guard lock(cache->mutex);
      auto it = cache->entries.find(key);
      if (it != cache->entries.end() && it->second.until > now) {
        signer = it->second.signer;
        cached = true;
      }
    }
    if (!cached) {
      ASSIGN_OR_RETURN(std::optional<DkimKeyRecord> record,
                       db.senders().FindDkimKey(message.workspace, domain));
      if (record) {
        ASSIGN_OR_RETURN(std::string pem,
                         box.Open(SecretPurpose::kDkimKey, record->id, record->sealed_key));
        const std::optional<channels::DkimAlgorithm> algorithm =
            channels::ParseDkimAlgorithm(record->algorithm);
        if (!algorithm) {
          return absl::DataLossError(
              StrCat("DKIM key of ", domain, ": unknown algorithm ", record->algorithm));
        }
        ASSIGN_OR_RETURN(signer, channels::DkimSigner::Create(channels::DkimKey{
                                     record->domain, record->selector, *algorithm, pem}));
      }
      std::lock_guard lock(cache->mutex);
      cache->entries[key] = Entry{signer, now + ttl};
    }
    if (!signer) return std::string();
    return signer->Sign(
        eml, std::chrono::duration_cast<std::chrono::seconds>(message.attempt_at.time_since_epoch())
                 .count());
  };
}

}  // namespace cadent
