// A small libcurl HTTP client for the provider adapters (and the webhook channel's Retry-After
// rule): POST with headers and a body under a connect timeout and a whole-exchange timeout,
// keeping connections alive between requests, plus the one table that turns an HTTP answer
// into a SendCode.
//
// Transport failures (refused, reset, timeout, TLS) are kept apart from HTTP answers: Post
// returns a Status error for the former and an HttpResponse, whatever its status, for the
// latter (cpp-httplib's line between "could not connect" and "HTTP 429").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/sequence/retry.hpp"

namespace cadent::channels {

struct HttpRequest {
  std::string url;  // http:// or https:// only; other schemes are refused
  // "Name: value" lines. Content-Type belongs here; Content-Length is set by the client.
  std::vector<std::string> headers;
  std::string body;
  // HTTP basic auth as "user:password" (Mailgun's "api:<key>"); "" = none.
  std::string basic_auth;
  bool verify_tls = true;  // per sender account (EmailTransport::verify_tls)
  std::string ca_file;     // "" = the system's CA store
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;  // at most Options::max_body_bytes, the rest is dropped
  // The first value of `name` (case-insensitive), "" when absent.
  std::string_view Header(std::string_view name) const;
};

class HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds timeout{30'000};  // the whole exchange
    size_t max_body_bytes = 64 * 1024;          // provider answers are small JSON
    std::string user_agent = "cadent/1";
  };

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One POST. Redirects are not followed (a 3xx comes back as it is). The Status error, for
  // a request that got no HTTP answer, is kDeadlineExceeded for a timeout, kInvalidArgument
  // for a URL that is not http(s), kUnavailable otherwise (refused, reset, closed, TLS);
  // its message names the URL without its query and libcurl's reason.
  //
  // Thread-safe: each call borrows a curl handle from a pool (one is created when all are in
  // use) and returns it afterwards, so its connections stay open for the next request to
  // the same host.
  Result<HttpResponse> Post(const HttpRequest& request);

  const Options& options() const { return options_; }

 private:
  struct Handle;
  Options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;  // guarded by mutex_
};

// Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3) relative to `now`; nullopt
// when empty or unparsable; zero for a date in the past.
std::optional<Duration> ParseRetryAfter(std::string_view value, Instant now);

// How an HTTP status maps to a SendCode, before a provider's own rules: 2xx kAccepted;
// 401 and 403 kUnauthorized; 429 kRateLimited; 408 and 5xx kTransient; any other status
// (3xx, 4xx) kRejected. `overrides` (status, code) pairs win over the table.
sequence::SendCode SendCodeForStatus(
    long status, std::span<const std::pair<long, sequence::SendCode>> overrides = {});

// "HTTP <status>: <body>" with the body's line breaks flattened and cut at `max_bytes`, for
// SendResult::detail.
std::string HttpDetail(long status, std::string_view body, size_t max_bytes = 512);

}  // namespace cadent::channels
