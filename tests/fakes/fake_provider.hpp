// Fake email providers for the adapters' tests: one per provider (SendGrid, Postmark,
// Resend, Mailgun, SES), each on cadent's own HTTP server on a loopback port, checking every
// request as the provider documents it (method, path, credentials, content type, required
// fields, UTF-8) and answering as the provider does: a success body with an id, or the
// provider's documented error body. Each records what it received and can be told to answer
// the next requests with injected faults (statuses, Retry-After, a hang, a dropped
// connection).
//
// The HTTP server always answers and its handlers must not block, so hangs and dropped
// connections are made by a small proxy in front of it (the fake's url()): it reads each
// request and, when the next fault says so, holds it unanswered or closes the connection;
// otherwise it passes the request to the server and the answer back. UnusedLoopbackPort gives
// a port where connecting is refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "nlohmann/json.hpp"

namespace cadent::fakes {

// One request as the fake received it.
struct RecordedRequest {
  std::string method;
  std::string path;
  http::Headers headers;
  std::string body;
  // Why the fake refused the request as the provider would (bad credentials, a missing
  // field, bad JSON): "" when it was valid or a fault answered it.
  std::string refusal;
  bool faulted = false;  // an injected fault answered it
  int status = 0;        // what the fake answered (0 for a hang)

  std::string Header(std::string_view name) const {
    return std::string(headers.Get(name).value_or(""));
  }
};

// An answer forced on the next request (faults are used in the order injected).
struct Fault {
  int status = 0;           // answered with the provider's error body for this status
  std::string retry_after;  // sent as Retry-After when not empty
  bool hang = false;        // no answer until the client gives up or the fake stops
  bool close = false;       // the connection is closed after the request, without an answer
  std::string body;         // overrides the provider's error body when not empty
  // Response headers, replacing the error body's own of the same name.
  std::vector<std::pair<std::string, std::string>> headers;

  static Fault Answer(int status, std::string retry_after = "", std::string body = "") {
    Fault f;
    f.status = status;
    f.retry_after = std::move(retry_after);
    f.body = std::move(body);
    return f;
  }
  static Fault Hang() {
    Fault f;
    f.hang = true;
    return f;
  }
  static Fault Close() {
    Fault f;
    f.close = true;
    return f;
  }
};

class FakeProvider {
 public:
  virtual ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  // Listens on 127.0.0.1, ports chosen by the kernel (the proxy's and the server's).
  Status Start();
  // Stops the proxy (ending hangs) and the server. Idempotent; the destructor calls it.
  void Stop();
  // "http://127.0.0.1:<port>": the transport endpoint to give the adapter.
  std::string url() const;

  void Inject(Fault fault);
  std::vector<RecordedRequest> requests() const;
  // Connections open to the fake now (kept-alive ones included).
  size_t connections() const;

 protected:
  FakeProvider();
  // The POST routes the provider serves.
  virtual std::vector<std::string> Patterns() const = 0;
  // Checks and answers a request no fault applies to; sets `refusal` when it refuses it.
  virtual http::Response Handle(const http::Request& request, std::string& refusal) = 0;
  // The provider's error answer for an injected status.
  virtual http::Response ErrorFor(int status) const = 0;
  // "prefix-<n>", unique within this fake.
  std::string NextId(std::string_view prefix);

 private:
  class Proxy;
  http::Response Serve(const http::Request& request);
  // The next fault when it acts on the connection (hang or close), taken off the queue.
  std::optional<Fault> TakeConnectionFault();
  void Record(RecordedRequest record);

  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Proxy> proxy_;
  mutable std::mutex mutex_;
  std::deque<Fault> faults_;              // guarded by mutex_
  std::vector<RecordedRequest> records_;  // guarded by mutex_
  int64_t next_id_ = 1;                   // guarded by mutex_
};

// SendGrid v3 Mail Send: POST /v3/mail/send, Authorization: Bearer <key>, JSON. 202 with
// X-Message-Id; 401 {"errors":[...]} for a wrong key; 400 {"errors":[{message, field}]}.
class SendGridFake final : public FakeProvider {
 public:
  explicit SendGridFake(std::string api_key) : api_key_(std::move(api_key)) {}

 protected:
  std::vector<std::string> Patterns() const override { return {"/v3/mail/send"}; }
  http::Response Handle(const http::Request& request, std::string& refusal) override;
  http::Response ErrorFor(int status) const override;

 private:
  const std::string api_key_;
};

// Postmark: POST /email, X-Postmark-Server-Token, Accept and Content-Type application/json.
// 200 {To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK"}; 401 ErrorCode 10; 422
// ErrorCode 300 (invalid request) or 406 (an inactive recipient).
class PostmarkFake final : public FakeProvider {
 public:
  PostmarkFake(std::string server_token, std::set<std::string> inactive_recipients)
      : token_(std::move(server_token)), inactive_(std::move(inactive_recipients)) {}

 protected:
  std::vector<std::string> Patterns() const override { return {"/email"}; }
  http::Response Handle(const http::Request& request, std::string& refusal) override;
  http::Response ErrorFor(int status) const override;

 private:
  const std::string token_;
  const std::set<std::string> inactive_;
};

// Resend: POST /emails, Authorization: Bearer <key>, JSON. 200 {id}; 401 missing_api_key,
// 403 invalid_api_key, 422 validation errors. With an Idempotency-Key, a repeat of the same
// body gets the first id back without a second email; another body gets 409
// invalid_idempotent_request.
class ResendFake final : public FakeProvider {
 public:
  explicit ResendFake(std::string api_key) : api_key_(std::move(api_key)) {}
  // Emails the fake "sent" (idempotent repeats not counted).
  int emails() const;

 protected:
  std::vector<std::string> Patterns() const override { return {"/emails"}; }
  http::Response Handle(const http::Request& request, std::string& refusal) override;
  http::Response ErrorFor(int status) const override;

 private:
  const std::string api_key_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>>
      keys_;  // key -> body, id
  int emails_ = 0;
};

// Mailgun: POST /v3/<domain>/messages, basic auth api:<key>, form-urlencoded. 200 {id:
// "<...@domain>", message: "Queued. Thank you."}; 401 "Forbidden"; 404 for another domain;
// 400 {message} for a missing parameter.
class MailgunFake final : public FakeProvider {
 public:
  MailgunFake(std::string api_key, std::string domain)
      : api_key_(std::move(api_key)), domain_(std::move(domain)) {}

 protected:
  std::vector<std::string> Patterns() const override { return {"/v3/{domain}/messages"}; }
  http::Response Handle(const http::Request& request, std::string& refusal) override;
  http::Response ErrorFor(int status) const override;

 private:
  const std::string api_key_;
  const std::string domain_;
};

// SES v2: POST /v2/email/outbound-emails signed with SigV4 (recomputed here, independently
// of the adapter's signer); 403 with X-Amzn-ErrorType UnrecognizedClientException for an
// unknown key id, InvalidSignatureException for a wrong signature; 400 BadRequestException
// for a bad body (Content.Raw.Data must be base64); 200 {MessageId}.
class SesFake final : public FakeProvider {
 public:
  SesFake(std::string access_key_id, std::string secret_access_key, std::string region)
      : access_key_id_(std::move(access_key_id)),
        secret_(std::move(secret_access_key)),
        region_(std::move(region)) {}

 protected:
  std::vector<std::string> Patterns() const override { return {"/v2/email/outbound-emails"}; }
  http::Response Handle(const http::Request& request, std::string& refusal) override;
  http::Response ErrorFor(int status) const override;

 private:
  const std::string access_key_id_;
  const std::string secret_;
  const std::string region_;
};

// Standard base64 decoding; nullopt when `text` is not base64.
std::optional<std::string> FromBase64(std::string_view text);

// Reads one HTTP/1.1 message (head, then a Content-Length body) from `fd` into `out`, using
// and refilling `buffer`. False on end of stream, error, or `wake` becoming readable.
bool ReadHttpMessage(int fd, int wake, std::string& buffer, std::string& out);

// A loopback port with no listener (bound, read and released): connecting is refused.
uint16_t UnusedLoopbackPort();

}  // namespace cadent::fakes
