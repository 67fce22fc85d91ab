#include "channels/smtp/smtp_channel.hpp"

#include <curl/curl.h>
#include <sched.h>

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "channels/curl_init.hpp"
#include "channels/email/eml.hpp"
#include "channels/smtp/smtp_reply.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

using sequence::SendCode;

constexpr size_t kMaxReplyBytes = 4096;  // of one server reply, multi-line included

// The parts of EmailTransport::endpoint libcurl needs.
struct Endpoint {
  std::string scheme;  // "smtp" or "smtps" (libcurl's)
  std::string authority;
  bool starttls = false;  // smtp://: the upgrade is required, never optional
};

Result<Endpoint> ParseEndpoint(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat("SMTP endpoint \"", url, "\" has no scheme"));
  }
  const std::string scheme = absl::AsciiStrToLower(ToAbsl(url.substr(0, scheme_end)));
  Endpoint endpoint;
  if (scheme == "smtp") {
    endpoint.scheme = "smtp";
    endpoint.starttls = true;
  } else if (scheme == "smtps") {
    endpoint.scheme = "smtps";
  } else if (scheme == "smtp+insecure") {
    endpoint.scheme = "smtp";
  } else {
    return absl::InvalidArgumentError(StrCat(
        "SMTP endpoint must start with smtp://, smtps:// or smtp+insecure://, got \"", url, "\""));
  }
  std::string_view authority = url.substr(scheme_end + 3);
  while (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.empty() || authority.find_first_of("@/?#; \r\n") != std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat(
        "SMTP endpoint \"", url, "\" needs a plain host[:port] (credentials go in the secret)"));
  }
  endpoint.authority = std::string(authority);
  return endpoint;
}

// An address that can stand in "MAIL FROM:<...>" or "RCPT TO:<...>" as it is: no spaces,
// controls or angle brackets (a CR LF would start a command of its own).
bool IsSmtpPath(std::string_view address) {
  if (address.empty() || address.size() > 254 || address.find('@') == std::string_view::npos) {
    return false;
  }
  return std::none_of(address.begin(), address.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '<' || c == '>';
  });
}

// The EHLO name: the sending domain when it is a plain DNS name, else "" (libcurl then uses
// the machine's own name).
std::string EhloName(std::string_view from_address) {
  const std::string_view domain = from_address.substr(from_address.rfind('@') + 1);
  const bool plain =
      !domain.empty() && domain.size() <= 253 &&
      std::all_of(domain.begin(), domain.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
      });
  return plain ? absl::AsciiStrToLower(ToAbsl(domain)) : std::string();
}

// What one exchange left behind: the last complete reply, and whether the whole message
// had gone out.
struct Exchange {
  std::string_view upload;  // what is left to send
  bool uploaded = false;
  std::string reply;       // the lines of the last (or current) reply
  bool reply_done = true;  // the last line of `reply` ended it ("250 ..." not "250-...")
  // The last refusal (4xx or 5xx) of the exchange: libcurl answers a refused RCPT with QUIT,
  // whose "221 Bye" would otherwise be the last reply.
  std::string refusal;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = std::min(size * count, exchange->upload.size());
  std::memcpy(buffer, exchange->upload.data(), n);
  exchange->upload.remove_prefix(n);
  if (n == 0) exchange->uploaded = true;
  return n;
}

// libcurl hands every server reply line of an SMTP exchange to the header callback.
size_t OnReply(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (exchange->reply_done) exchange->reply.clear();
  if (exchange->reply.size() < kMaxReplyBytes) {
    exchange->reply.append(line.substr(0, kMaxReplyBytes - exchange->reply.size()));
    exchange->reply += '\n';
  }
  exchange->reply_done = line.size() < 4 || line[3] != '-';
  if (exchange->reply_done && !exchange->reply.empty() &&
      (exchange->reply[0] == '4' || exchange->reply[0] == '5')) {
    exchange->refusal = exchange->reply;
  }
  return n;
}

// "Ok: queued as 4F3A1B" -> "4F3A1B"; otherwise the reply itself.
std::string QueueId(const SmtpReply& reply) {
  const std::string_view text = reply.text;
  const size_t at = text.find("queued as ");
  if (at != std::string_view::npos) {
    std::string_view id = text.substr(at + 10);
    id = id.substr(0, id.find_first_of(" |"));
    if (!id.empty()) return std::string(id);
  }
  return reply.text;
}

// Transport-level failures: which are the account's settings (flag the sender and wait for
// a fix) rather than the network (try again).
SendCode SendCodeForCurl(CURLcode rc) {
  switch (rc) {
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
    case CURLE_USE_SSL_FAILED:  // STARTTLS required and not offered
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return SendCode::kUnauthorized;
    default:
      return SendCode::kTransient;
  }
}

}  // namespace

struct SmtpChannel::Connection {
  CURL* curl = nullptr;
  ~Connection() {
    if (curl != nullptr) curl_easy_cleanup(curl);  // QUIT when a connection is open
  }
};

SmtpChannel::SmtpChannel(SmtpOptions options) : options_(std::move(options)) {
  InitCurl();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus_ = std::max(1, CPU_COUNT(&set));
}

SmtpChannel::~SmtpChannel() = default;

Capabilities SmtpChannel::capabilities() const {
  Capabilities c;
  c.channels = {templating::Channel::kEmail};
  return c;  // SMTP has no idempotency key and no way to ask what was delivered
}

int64_t SmtpChannel::connections_opened() const {
  std::lock_guard lock(mutex_);
  return connections_opened_;
}

std::unique_ptr<SmtpChannel::Connection> SmtpChannel::Acquire(AccountKey key, int limit) {
  std::unique_lock lock(mutex_);
  Pool& pool = pools_[key];
  pool.released.wait(lock, [&] {
    return !pool.idle.empty() || pool.busy + static_cast<int>(pool.idle.size()) < limit;
  });
  ++pool.busy;
  if (!pool.idle.empty()) {
    std::unique_ptr<Connection> connection = std::move(pool.idle.back());
    pool.idle.pop_back();
    return connection;
  }
  lock.unlock();
  auto connection = std::make_unique<Connection>();
  connection->curl = curl_easy_init();
  return connection;
}

void SmtpChannel::Release(AccountKey key, std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  Pool& pool = pools_[key];
  --pool.busy;
  if (connection != nullptr && connection->curl != nullptr) {
    pool.idle.push_back(std::move(connection));
  }
  pool.released.notify_one();
}

Result<SendResult> SmtpChannel::Send(const OutgoingMessage& message) {
  if (message.channel != templating::Channel::kEmail) {
    return absl::InvalidArgumentError(StrCat("the smtp channel cannot carry ",
                                             templating::ToString(message.channel), " messages"));
  }
  if (!IsSmtpPath(message.from_address) || !IsSmtpPath(message.to_address)) {
    return absl::InvalidArgumentError(
        StrCat("message ", message.id.value(), " has no usable sender or recipient address"));
  }
  TRY(CheckEmlHeaders(message.headers));
  if (!options_.transports) {
    return absl::FailedPreconditionError("the smtp channel has no transport lookup");
  }
  ASSIGN_OR_RETURN(const EmailTransport transport,
                   options_.transports(message.workspace, message.sender));
  if (!transport.kind.empty() && transport.kind != "smtp") {
    return absl::InvalidArgumentError(StrCat("sender ", message.sender.value(), " uses transport '",
                                             transport.kind, "', not smtp"));
  }
  ASSIGN_OR_RETURN(const Endpoint endpoint, ParseEndpoint(transport.endpoint));

  // Built and signed before a connection is taken: the CPU work of several messages runs
  // side by side while one connection of the account streams.
  const std::string ehlo = EhloName(message.from_address);
  std::string eml = RenderEml(message, ehlo.empty() ? "cadent.invalid" : ehlo);
  if (options_.sign) {
    ASSIGN_OR_RETURN(std::string signature, options_.sign(message, eml));
    if (!signature.empty()) eml.insert(0, signature);
  }

  const AccountKey key{message.workspace.value(), message.sender.value()};
  std::unique_ptr<Connection> connection = Acquire(key, std::max(1, transport.connections));
  CURL* curl = connection->curl;
  if (curl == nullptr) {
    Release(key, nullptr);
    return absl::InternalError("curl_easy_init failed");
  }
  // Keeps the connection (and its TLS session and login) for the next message.
  curl_easy_reset(curl);
  const std::string url = StrCat(endpoint.scheme, "://", endpoint.authority, "/", ehlo);
  const std::string from = StrCat("<", message.from_address, ">");
  const std::string to = StrCat("<", message.to_address, ">");
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  Exchange exchange;
  exchange.upload = eml;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  // libcurl's smallest upload buffer (16 KB; its SMTP escaping takes twice that again):
  // cold emails are a few KB, and the default 64 KB buffers cost ~190 KB of fresh heap per
  // message that glibc hands back to the kernel after each send (page faults every time).
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(eml.size()));
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &OnRead);
  curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnReply);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  if (endpoint.starttls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, transport.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, transport.verify_tls ? 2L : 0L);
  if (!transport.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, transport.ca_file.c_str());
  if (!transport.auth.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, transport.username.c_str());
    // The credentials go with the AUTH command (RFC 4954 initial response): one round trip
    // less per new connection.
    curl_easy_setopt(curl, CURLOPT_SASL_IR, 1L);
    if (transport.auth == "xoauth2") {
      curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, transport.secret.c_str());
      curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
    } else {
      curl_easy_setopt(curl, CURLOPT_PASSWORD, transport.secret.c_str());
      curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS,
                       transport.auth == "login" ? "AUTH=LOGIN" : "AUTH=PLAIN");
    }
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  const CURLcode rc = curl_easy_perform(curl);
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  curl_slist_free_all(recipients);
  // The credentials set above must not linger in the pooled handle's options.
  curl_easy_setopt(curl, CURLOPT_PASSWORD, nullptr);
  curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, nullptr);
  if (connects > 0) {
    std::lock_guard lock(mutex_);
    connections_opened_ += connects;
  }
  Release(key, std::move(connection));

  SendResult result;
  const std::optional<SmtpReply> reply = ParseSmtpReply(exchange.reply);
  const std::optional<SmtpReply> refusal = ParseSmtpReply(exchange.refusal);
  if (rc == CURLE_OK) {
    result.code = SendCode::kAccepted;
    if (reply) {
      result.provider_id = QueueId(*reply);
      result.detail = reply->text;
    }
    return result;
  }
  if (refusal && refusal->code >= 400) {
    result.code = SendCodeForSmtpReply(*refusal);
    result.detail = refusal->text;
    return result;
  }
  result.code = SendCodeForCurl(rc);
  result.detail = StrCat("SMTP ", endpoint.authority, ": ", curl_easy_strerror(rc));
  if (exchange.uploaded && result.code == SendCode::kTransient) {
    result.detail += " after the whole message was sent: it may have been delivered";
  }
  if (reply && !reply->text.empty()) StrAppend(&result.detail, " (last reply: ", reply->text, ")");
  return result;
}

std::vector<Result<SendResult>> SmtpChannel::SendBatch(
    std::span<const OutgoingMessage* const> batch) {
  // The connections the batch's accounts may use (a lookup error counts one: that message
  // fails fast in Send).
  absl::flat_hash_map<AccountKey, int> accounts;
  for (const OutgoingMessage* message : batch) {
    const AccountKey key{message->workspace.value(), message->sender.value()};
    if (accounts.contains(key) || !options_.transports) continue;
    Result<EmailTransport> transport = options_.transports(message->workspace, message->sender);
    accounts[key] = transport.ok() ? std::max(1, transport->connections) : 1;
  }
  int connections = 0;
  for (const auto& [key, count] : accounts) connections += count;
  const int workers = std::clamp(connections + cpus_ - 1, 1, std::max(1, options_.max_parallel));
  return SendInParallel(*this, batch, workers);
}

}  // namespace cadent::channels
