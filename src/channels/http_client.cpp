#include "channels/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "channels/curl_init.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    return url.size() > prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), url.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return starts("http://") || starts("https://");
}

struct Sink {
  HttpResponse* response;
  size_t max_body_bytes;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  std::string& body = sink->response->body;
  if (body.size() < sink->max_body_bytes) {
    body.append(data, std::min(n, sink->max_body_bytes - body.size()));
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  if (absl::StartsWith(ToAbsl(line), "HTTP/")) {
    sink->response->headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    sink->response->headers.emplace_back(
        std::string(ToStd(absl::StripAsciiWhitespace(ToAbsl(line.substr(0, colon))))),
        std::string(ToStd(absl::StripAsciiWhitespace(ToAbsl(line.substr(colon + 1))))));
  }
  return n;
}

std::string WithoutQuery(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(field), ToAbsl(name))) return value;
  }
  return {};
}

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

HttpClient::HttpClient(Options options) : options_(std::move(options)) { InitCurl(); }

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Post(const HttpRequest& request) {
  if (!IsHttpUrl(request.url)) {
    return absl::InvalidArgumentError(
        StrCat("URL must be http:// or https://, got '", WithoutQuery(request.url), "'"));
  }
  std::unique_ptr<Handle> handle;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      handle = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (handle == nullptr) {
    handle = std::make_unique<Handle>();
    handle->curl = curl_easy_init();
    if (handle->curl == nullptr) return absl::InternalError("curl_easy_init failed");
  }
  CURL* curl = handle->curl;
  curl_easy_reset(curl);  // keeps the connection cache

  HttpResponse response;
  Sink sink{&response, options_.max_body_bytes};
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (!request.basic_auth.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, request.basic_auth.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  // The credentials set above must not linger in a pooled handle.
  curl_easy_setopt(curl, CURLOPT_USERPWD, nullptr);
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(handle));
  }
  if (rc != CURLE_OK) {
    const std::string message =
        StrCat("POST ", WithoutQuery(request.url), ": ", curl_easy_strerror(rc));
    if (rc == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(message);
    return absl::UnavailableError(message);
  }
  return response;
}

std::optional<Duration> ParseRetryAfter(std::string_view value, Instant now) {
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
    return std::chrono::duration_cast<Duration>(std::chrono::seconds(seconds));
  }
  InitCurl();
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at < 0) return std::nullopt;
  const Instant when = FromUnixMicros(static_cast<int64_t>(at) * 1'000'000);
  return when > now ? when - now : Duration::zero();
}

sequence::SendCode SendCodeForStatus(
    long status, std::span<const std::pair<long, sequence::SendCode>> overrides) {
  using sequence::SendCode;
  for (const auto& [from, code] : overrides) {
    if (from == status) return code;
  }
  if (status >= 200 && status < 300) return SendCode::kAccepted;
  if (status == 401 || status == 403) return SendCode::kUnauthorized;
  if (status == 429) return SendCode::kRateLimited;
  if (status == 408 || status >= 500) return SendCode::kTransient;
  return SendCode::kRejected;
}

std::string HttpDetail(long status, std::string_view body, size_t max_bytes) {
  std::string text(ToStd(absl::StripAsciiWhitespace(ToAbsl(body.substr(0, max_bytes)))));
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return text.empty() ? StrCat("HTTP ", status) : StrCat("HTTP ", status, ": ", text);
}

}  // namespace cadent::channels
