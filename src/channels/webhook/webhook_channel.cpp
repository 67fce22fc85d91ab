#include "channels/webhook/webhook_channel.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "channels/curl_init.hpp"
#include "channels/http_client.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

constexpr size_t kDetailBytes = 512;  // of the response body, kept in the error

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    InitCurl();
    // Fails only without a usable random source, which HMAC does not need.
    [[maybe_unused]] const int sodium = sodium_init();
  });
}

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    return url.size() > prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), url.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return starts("http://") || starts("https://");
}

// What one transfer saw.
struct Exchange {
  std::string body;  // the first kDetailBytes of the response body
  std::string retry_after;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (exchange->body.size() < kDetailBytes) {
    exchange->body.append(data, std::min(n, kDetailBytes - exchange->body.size()));
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos &&
      absl::EqualsIgnoreCase(ToAbsl(line.substr(0, colon)), "retry-after")) {
    exchange->retry_after =
        std::string(ToStd(absl::StripAsciiWhitespace(ToAbsl(line.substr(colon + 1)))));
  }
  return n;
}

std::string Detail(long status, const Exchange& exchange) {
  std::string body(ToStd(absl::StripAsciiWhitespace(exchange.body)));
  for (char& c : body) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return body.empty() ? StrCat("HTTP ", status) : StrCat("HTTP ", status, ": ", body);
}

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  GlobalInit();
  const std::string t = std::to_string(unix_seconds);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(t.data()), t.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>("."), 1);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return StrCat("t=", t, ",v1=", ToHex(mac, sizeof mac));
}

struct WebhookChannel::Curl {
  CURL* handle = nullptr;
  ~Curl() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

WebhookChannel::WebhookChannel(Options options)
    : options_(std::move(options)), curl_(std::make_unique<Curl>()) {
  GlobalInit();
}

WebhookChannel::~WebhookChannel() = default;

Capabilities WebhookChannel::capabilities() const {
  Capabilities c;
  c.channels = {templating::Channel::kWebhook};
  return c;
}

Result<SendResult> WebhookChannel::Send(const OutgoingMessage& message) {
  if (message.channel != templating::Channel::kWebhook) {
    return absl::InvalidArgumentError(StrCat("the webhook channel cannot carry ",
                                             templating::ToString(message.channel), " messages"));
  }
  if (!IsHttpUrl(message.to_address)) {
    return absl::InvalidArgumentError(
        StrCat("webhook URL must be http:// or https://, got '", message.to_address, "'"));
  }
  if (!options_.secret_of || options_.clock == nullptr) {
    return absl::FailedPreconditionError("webhook channel without a secret source or clock");
  }
  std::string secret;
  {
    std::lock_guard lock(secrets_mutex_);
    auto known = secrets_.find(message.workspace.value());
    if (known == secrets_.end()) {
      ASSIGN_OR_RETURN(std::string looked_up, options_.secret_of(message.workspace));
      known = secrets_.emplace(message.workspace.value(), std::move(looked_up)).first;
    }
    secret = known->second;
  }
  const Instant now = options_.clock->Now();
  const int64_t unix_seconds = ToUnixMicros(now) / 1'000'000;

  std::lock_guard lock(mutex_);
  if (curl_->handle == nullptr) {
    curl_->handle = curl_easy_init();
    if (curl_->handle == nullptr) return absl::InternalError("curl_easy_init failed");
  }
  CURL* curl = curl_->handle;
  curl_easy_reset(curl);  // keeps the connection cache
  Exchange exchange;
  const std::string headers_text[] = {
      "Content-Type: application/json",
      "User-Agent: cadent-webhook/1",
      StrCat("Cadent-Webhook-Id: ", message.id.value()),
      StrCat("Cadent-Webhook-Attempt: ", message.attempt),
      StrCat("Cadent-Webhook-Signature: ", WebhookSignature(secret, unix_seconds, message.text)),
      "Expect:",  // no 100-continue round trip
  };
  curl_slist* headers = nullptr;
  for (const std::string& h : headers_text) headers = curl_slist_append(headers, h.c_str());
  const std::string url = message.to_address;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message.text.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(message.text.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);

  SendResult result;
  if (rc != CURLE_OK) {
    result.code = sequence::SendCode::kTransient;
    result.detail = StrCat("POST ", url, ": ", curl_easy_strerror(rc));
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.detail = Detail(status, exchange);
  if (status >= 200 && status < 300) {
    result.code = sequence::SendCode::kAccepted;
  } else if (status == 429) {
    result.code = sequence::SendCode::kRateLimited;
    result.retry_after = ParseRetryAfter(exchange.retry_after, now);
  } else if (status == 408 || status >= 500) {
    result.code = sequence::SendCode::kTransient;
    result.retry_after = ParseRetryAfter(exchange.retry_after, now);
  } else {
    result.code = sequence::SendCode::kRejected;
  }
  return result;
}

}  // namespace cadent::channels
