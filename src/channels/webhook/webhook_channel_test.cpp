// The webhook channel against a real HTTP server on loopback (cadent's own Beast server as
// the receiver): the request as documented, signed; every answer mapped to its SendCode.
#include "channels/webhook/webhook_channel.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "channels/router.hpp"
#include "core/common/strings.hpp"
#include "http/server.hpp"

namespace cadent::channels {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

// What the receiver saw of one request.
struct Received {
  std::string content_type;
  std::string id;
  std::string attempt;
  std::string signature;
  std::string body;
};

class WebhookChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    router.Add(http::Method::kPost, "/hook/{status}", [this](const http::Request& request) {
      {
        std::lock_guard lock(mutex_);
        received_.push_back(Received{
            std::string(request.Header("Content-Type").value_or("")),
            std::string(request.Header("Cadent-Webhook-Id").value_or("")),
            std::string(request.Header("Cadent-Webhook-Attempt").value_or("")),
            std::string(request.Header("Cadent-Webhook-Signature").value_or("")), request.body});
      }
      const int status = std::stoi(std::string(request.PathParam("status")));
      http::Response response = http::Response::Text(status, StrCat("answer ", status));
      if (const auto after = request.Query("retry_after")) {
        response.headers.Add("Retry-After", std::string(*after));
      }
      if (status == 302) response.headers.Add("Location", "http://127.0.0.1:1/elsewhere");
      return response;
    });
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<http::Server>(options, std::move(router), clock_);
    Result<uint16_t> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;

    WebhookChannel::Options channel;
    channel.secret_of = [this](WorkspaceId workspace) -> Result<std::string> {
      if (workspace.value() != 1) return absl::NotFoundError("no workspace");
      ++secret_lookups_;
      return std::string(kSecret);
    };
    channel.clock = &clock_;
    channel.timeout = std::chrono::milliseconds(2'000);
    channel_ = std::make_unique<WebhookChannel>(std::move(channel));
  }
  void TearDown() override {
    channel_.reset();
    if (server_) server_->Stop(std::chrono::milliseconds(100));
  }

  std::string Url(std::string_view tail) const {
    return StrCat("http://127.0.0.1:", port_, "/hook/", tail);
  }
  OutgoingMessage Message(std::string url, std::string body = R"({"type":"step.webhook"})") {
    OutgoingMessage m;
    m.id = MessageId(42);
    m.workspace = WorkspaceId(1);
    m.channel = templating::Channel::kWebhook;
    m.attempt = 2;
    m.to_address = std::move(url);
    m.text = std::move(body);
    return m;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
  std::unique_ptr<http::Server> server_;
  uint16_t port_ = 0;
  std::unique_ptr<WebhookChannel> channel_;
  std::mutex mutex_;
  std::vector<Received> received_;  // guarded by mutex_
  int secret_lookups_ = 0;
};

TEST_F(WebhookChannelTest, PostsTheBodySignedWithTheWorkspaceSecret) {
  const std::string body = R"({"type":"step.webhook","contact":{"email":"ana@example.com"}})";
  Result<SendResult> sent = channel_->Send(Message(Url("200"), body));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, sequence::SendCode::kAccepted);
  const std::vector<Received> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, body);
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].id, "42");
  EXPECT_EQ(got[0].attempt, "2");
  // t = the clock's second; v1 = HMAC-SHA256(secret, "<t>.<body>") in hex.
  EXPECT_EQ(got[0].signature, WebhookSignature(kSecret, 1'795'000'000, body));
  EXPECT_THAT(got[0].signature, ::testing::StartsWith("t=1795000000,v1="));
  EXPECT_EQ(got[0].signature.size(), std::string("t=1795000000,v1=").size() + 64);
  // A receiver with another secret, or a changed body, computes another signature.
  EXPECT_NE(WebhookSignature("other", 1'795'000'000, body), got[0].signature);
  EXPECT_NE(WebhookSignature(kSecret, 1'795'000'000, body + " "), got[0].signature);
}

TEST(WebhookSignatureTest, AgreesWithAnIndependentHmacSha256) {
  // From Python's hmac module: hmac.new(key, b"<t>.<body>", hashlib.sha256).hexdigest(),
  // the check docs/CAMPAIGNS.md gives receivers.
  EXPECT_EQ(WebhookSignature("Jefe", 0, "x"),
            "t=0,v1=6d15f8f565f81ca17757f8569ccb192a1f1e1b2695979a6115221439a5eb67cb");
  EXPECT_EQ(WebhookSignature(kSecret, 1'795'000'000, R"({"a":1})"),
            "t=1795000000,v1=7833cde52f3d744876a6b0ce5b50b775d9e19c11d9bac94a9e0f9adfd5ee7b8a");
}

TEST_F(WebhookChannelTest, MapsEveryAnswerToItsSendCode) {
  struct Row {
    std::string tail;
    sequence::SendCode code;
    std::optional<Duration> retry_after;
  };
  const Row rows[] = {
      {"204", sequence::SendCode::kAccepted, std::nullopt},
      {"500", sequence::SendCode::kTransient, std::nullopt},
      {"503?retry_after=30", sequence::SendCode::kTransient, std::chrono::seconds(30)},
      {"408", sequence::SendCode::kTransient, std::nullopt},
      {"429?retry_after=120", sequence::SendCode::kRateLimited, std::chrono::seconds(120)},
      {"429?retry_after=Wed,%2018%20Nov%202026%2012:06:40%20GMT", sequence::SendCode::kRateLimited,
       std::chrono::seconds(3600)},  // the clock is 11:06:40
      {"400", sequence::SendCode::kRejected, std::nullopt},
      {"404", sequence::SendCode::kRejected, std::nullopt},
      {"410", sequence::SendCode::kRejected, std::nullopt},
      {"302", sequence::SendCode::kRejected, std::nullopt},  // redirects are not followed
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.tail);
    Result<SendResult> sent = channel_->Send(Message(Url(row.tail)));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, row.code) << sent->detail;
    EXPECT_EQ(sent->retry_after, row.retry_after);
    const std::string status = row.tail.substr(0, 3);
    if (status != "204") {
      EXPECT_THAT(sent->detail, HasSubstr(StrCat("HTTP ", status)));
    }
  }
  EXPECT_EQ(received().size(), std::size(rows)) << "one request per send, none followed";
}

TEST_F(WebhookChannelTest, ConnectionRefusedAndTimeoutAreTransient) {
  // A port nothing listens on.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const uint16_t closed_port = ntohs(address.sin_port);
  ::close(probe);
  Result<SendResult> refused =
      channel_->Send(Message(StrCat("http://127.0.0.1:", closed_port, "/x")));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->code, sequence::SendCode::kTransient);
  EXPECT_THAT(refused->detail, HasSubstr("POST http://127.0.0.1:"));

  // A server that accepts the connection (the kernel's backlog) and never answers.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  address.sin_port = 0;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(silent, 4), 0);
  length = sizeof address;
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  WebhookChannel::Options quick;
  quick.secret_of = [](WorkspaceId) -> Result<std::string> { return std::string(kSecret); };
  quick.clock = &clock_;
  quick.timeout = std::chrono::milliseconds(200);
  WebhookChannel impatient(std::move(quick));
  Result<SendResult> timed_out =
      impatient.Send(Message(StrCat("http://127.0.0.1:", ntohs(address.sin_port), "/x")));
  ::close(silent);
  ASSERT_TRUE(timed_out.ok()) << timed_out.status();
  EXPECT_EQ(timed_out->code, sequence::SendCode::kTransient);
  EXPECT_THAT(timed_out->detail, HasSubstr("Timeout"));
}

TEST_F(WebhookChannelTest, RefusesWhatItCannotCarryWithoutSending) {
  OutgoingMessage email = Message(Url("200"));
  email.channel = templating::Channel::kEmail;
  EXPECT_EQ(channel_->Send(email).status().code(), absl::StatusCode::kInvalidArgument);
  for (const std::string url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1/x", ""}) {
    Result<SendResult> sent = channel_->Send(Message(url));
    EXPECT_EQ(sent.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
  OutgoingMessage elsewhere = Message(Url("200"));
  elsewhere.workspace = WorkspaceId(7);
  EXPECT_EQ(channel_->Send(elsewhere).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(secret_lookups_, 0);
}

// A channel that records what it is given, for the router.
class Recorder final : public Channel {
 public:
  Recorder(std::string name, std::vector<templating::Channel> kinds, int* flushes)
      : name_(std::move(name)), kinds_(std::move(kinds)), flushes_(flushes) {}
  std::string_view name() const override { return name_; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.channels = kinds_;
    c.reconcile = true;
    return c;
  }
  Result<SendResult> Send(const OutgoingMessage& message) override {
    SendResult r;
    r.provider_id = StrCat(name_, "-", message.id.value());
    return r;
  }
  Status Flush() override {
    ++*flushes_;
    return absl::OkStatus();
  }

 private:
  std::string name_;
  std::vector<templating::Channel> kinds_;
  int* flushes_;
};

TEST(RouterTest, SendsEachKindToItsChannelAndFlushesAll) {
  int flushes = 0;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(std::make_unique<Recorder>(
      "mail", std::vector{templating::Channel::kEmail, templating::Channel::kSms}, &flushes));
  channels.push_back(std::make_unique<Recorder>(
      "hooks", std::vector{templating::Channel::kWebhook, templating::Channel::kEmail}, &flushes));
  Router router(std::move(channels));
  OutgoingMessage m;
  m.id = MessageId(5);
  m.channel = templating::Channel::kEmail;
  EXPECT_EQ(router.Send(m)->provider_id, "mail-5") << "the first channel of a kind wins";
  m.channel = templating::Channel::kWebhook;
  EXPECT_EQ(router.Send(m)->provider_id, "hooks-5");
  m.channel = templating::Channel::kLinkedInInvite;
  Result<SendResult> nowhere = router.Send(m);
  EXPECT_EQ(nowhere.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(nowhere.status().message(), "no channel carries linkedin_invite messages");
  EXPECT_TRUE(router.Flush().ok());
  EXPECT_EQ(flushes, 2);
  const Capabilities all = router.capabilities();
  EXPECT_EQ(all.channels.size(), 3u);
  EXPECT_TRUE(all.reconcile);
}

}  // namespace
}  // namespace cadent::channels
