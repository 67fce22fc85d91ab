// The SMTP channel against a real SMTP server on loopback (aiosmtpd, tests/support/
// smtp_server.hpp): plain, STARTTLS and implicit TLS; AUTH PLAIN, LOGIN and XOAUTH2; every
// kind of refusal; connection reuse and the per-account connection limit; DKIM checked by
// dkimpy on the message as the server received it; hostile addresses refused before
// anything is sent.
#include "channels/smtp/smtp_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "channels/email/dkim.hpp"
#include "channels/email/eml.hpp"
#include "core/common/strings.hpp"
#include "support/dkim_check.hpp"
#include "support/smtp_server.hpp"

namespace cadent::channels {
namespace {

using integration::SmtpServerOptions;
using integration::SmtpTestServer;
using sequence::SendCode;
using ::testing::HasSubstr;

constexpr int64_t kUnixSeconds = 1'796'000'000;

OutgoingMessage Message(int64_t id, std::string to = "ana@example.org") {
  OutgoingMessage m;
  m.id = MessageId(id);
  m.workspace = WorkspaceId(1);
  m.sender = SenderId(1);
  m.transport = "smtp";
  m.from_address = "zoe@mail.example.com";
  m.from_name = "Zoë Ångström";
  m.to_address = std::move(to);
  m.to_name = "Ana García";
  m.reply_to = "replies@example.com";
  m.message_id = StrCat(id, ".1@mail.example.com");
  m.subject = "Grüße — a question";
  m.text = "Hi Ana,\n.a line that starts with a dot\n";
  m.html = "<p>Hi Ana,</p>";
  m.headers = {{"List-Unsubscribe", "<https://t.example.com/u/abc>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  m.attempt_at = FromUnixMicros(kUnixSeconds * 1'000'000);
  return m;
}

EmailTransport Transport(const SmtpTestServer& server, std::string scheme = "smtp+insecure") {
  EmailTransport t;
  t.kind = "smtp";
  t.endpoint = StrCat(scheme, "://127.0.0.1:", server.port());
  t.ca_file = server.ca_file();
  return t;
}

std::unique_ptr<SmtpChannel> MakeChannel(EmailTransport transport, SignHook sign = nullptr) {
  SmtpOptions options;
  options.transports = [transport](WorkspaceId workspace,
                                   SenderId sender) -> Result<EmailTransport> {
    if (workspace != WorkspaceId(1) || sender != SenderId(1)) {
      return absl::NotFoundError("no such sender");
    }
    return transport;
  };
  options.sign = std::move(sign);
  options.connect_timeout = std::chrono::seconds(5);
  options.timeout = std::chrono::seconds(10);
  return std::make_unique<SmtpChannel>(std::move(options));
}

std::vector<Result<SendResult>> SendAll(SmtpChannel& channel,
                                        const std::vector<OutgoingMessage>& messages) {
  std::vector<const OutgoingMessage*> batch;
  for (const OutgoingMessage& m : messages) batch.push_back(&m);
  return channel.SendBatch(batch);
}

SmtpServerOptions Server(SmtpServerOptions::Tls tls, std::string user = "",
                         std::string password = "", std::string oauth_token = "") {
  SmtpServerOptions options;
  options.tls = tls;
  options.user = std::move(user);
  options.password = std::move(password);
  options.oauth_token = std::move(oauth_token);
  return options;
}

class SmtpChannelTest : public ::testing::Test {
 protected:
  void Start(SmtpServerOptions options = {}) {
    server_ = std::make_unique<SmtpTestServer>(std::move(options));
    const std::string error = server_->Start();
    ASSERT_EQ(error, "") << "python3-aiosmtpd is installed by scripts/install-deps.sh";
  }
  std::unique_ptr<SmtpTestServer> server_;
};

TEST_F(SmtpChannelTest, SendsTheMessageAsRenderedWithTheEnvelopeOfItsAddresses) {
  Start();
  auto channel = MakeChannel(Transport(*server_));
  EXPECT_EQ(channel->name(), "smtp");
  EXPECT_FALSE(channel->capabilities().idempotency_keys);
  const OutgoingMessage message = Message(42);
  Result<SendResult> sent = channel->Send(message);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "Q000001");
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), 1u) << server_->log();
  EXPECT_EQ(mails[0].mail_from, "zoe@mail.example.com");
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{"ana@example.org"});
  EXPECT_FALSE(mails[0].tls);
  // Byte for byte what RenderEml makes: the dot at a line start survived the dot-stuffing.
  EXPECT_EQ(mails[0].eml, RenderEml(message, "mail.example.com"));
  Result<ParsedEml> parsed = ParseEml(mails[0].eml);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->subject, "Grüße — a question");
  EXPECT_EQ(parsed->content_type, "multipart/alternative");
  ASSERT_EQ(parsed->parts.size(), 2u);
  EXPECT_EQ(parsed->parts[0].text, "Hi Ana,\n.a line that starts with a dot\n");
}

TEST_F(SmtpChannelTest, OneConnectionCarriesEveryMessageOfAnAccount) {
  Start();
  auto channel = MakeChannel(Transport(*server_));
  std::vector<OutgoingMessage> messages;
  for (int i = 1; i <= 20; ++i) messages.push_back(Message(i, StrCat("c", i, "@example.org")));
  const auto results = SendAll(*channel, messages);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->code, SendCode::kAccepted) << r->detail;
  }
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), 20u);
  std::set<int> peers;
  std::set<std::string> recipients;
  for (const auto& mail : mails) {
    peers.insert(mail.peer_port);
    recipients.insert(mail.rcpt_to.at(0));
  }
  EXPECT_EQ(peers.size(), 1u);
  EXPECT_EQ(recipients.size(), 20u);  // each message to its own recipient, none twice
  EXPECT_EQ(channel->connections_opened(), 1);
}

TEST_F(SmtpChannelTest, AnAccountUsesAtMostItsNumberOfConnections) {
  Start();
  EmailTransport transport = Transport(*server_);
  transport.connections = 3;
  auto channel = MakeChannel(transport);
  std::vector<OutgoingMessage> messages;
  for (int i = 1; i <= 60; ++i) messages.push_back(Message(i, StrCat("c", i, "@example.org")));
  for (const auto& r : SendAll(*channel, messages)) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->code, SendCode::kAccepted) << r->detail;
  }
  std::set<int> peers;
  for (const auto& mail : server_->Messages()) peers.insert(mail.peer_port);
  EXPECT_GE(peers.size(), 1u);
  EXPECT_LE(peers.size(), 3u);
  EXPECT_LE(channel->connections_opened(), 3);
  EXPECT_EQ(server_->Messages().size(), 60u);
}

TEST_F(SmtpChannelTest, StartTlsIsRequiredAndTheCertificateChecked) {
  Start(Server(SmtpServerOptions::Tls::kRequireStartTls));
  auto channel = MakeChannel(Transport(*server_, "smtp"));
  Result<SendResult> sent = channel->Send(Message(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  ASSERT_EQ(server_->Messages().size(), 1u);
  EXPECT_TRUE(server_->Messages()[0].tls);

  // Without the test CA the self-signed certificate is not trusted: nothing goes out, and
  // the account is flagged (its settings need a fix), not the recipient.
  EmailTransport untrusted = Transport(*server_, "smtp");
  untrusted.ca_file = "";
  Result<SendResult> refused = MakeChannel(untrusted)->Send(Message(2));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->code, SendCode::kUnauthorized) << refused->detail;
  EXPECT_EQ(server_->Messages().size(), 1u);
}

TEST_F(SmtpChannelTest, AServerWithoutStartTlsGetsNothingInClear) {
  Start();
  Result<SendResult> sent = MakeChannel(Transport(*server_, "smtp"))->Send(Message(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kUnauthorized) << sent->detail;
  EXPECT_TRUE(server_->Messages().empty());
}

TEST_F(SmtpChannelTest, ImplicitTls) {
  Start(Server(SmtpServerOptions::Tls::kImplicit));
  auto channel = MakeChannel(Transport(*server_, "smtps"));
  for (int i = 1; i <= 3; ++i) {
    Result<SendResult> sent = channel->Send(Message(i));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  }
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_TRUE(mails[0].tls);
  EXPECT_EQ(mails[0].peer_port, mails[2].peer_port);  // the TLS session is kept, too
}

TEST_F(SmtpChannelTest, AuthPlainAndLogin) {
  Start(Server(SmtpServerOptions::Tls::kRequireStartTls, "zoe", "pa55"));
  for (const char* mechanism : {"plain", "login"}) {
    EmailTransport transport = Transport(*server_, "smtp");
    transport.auth = mechanism;
    transport.username = "zoe";
    transport.secret = "pa55";
    Result<SendResult> sent = MakeChannel(transport)->Send(Message(1));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, SendCode::kAccepted) << mechanism << ": " << sent->detail;

    transport.secret = "wrong";
    Result<SendResult> refused = MakeChannel(transport)->Send(Message(2));
    ASSERT_TRUE(refused.ok()) << refused.status();
    EXPECT_EQ(refused->code, SendCode::kUnauthorized) << mechanism << ": " << refused->detail;
  }
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0].login, "zoe");
  EXPECT_EQ(mails[1].login, "zoe");
}

TEST_F(SmtpChannelTest, XOAuth2WithTheStoredAccessToken) {
  Start(Server(SmtpServerOptions::Tls::kRequireStartTls, "zoe@mail.example.com", "", "ya29.token"));
  EmailTransport transport = Transport(*server_, "smtp");
  transport.auth = "xoauth2";
  transport.username = "zoe@mail.example.com";
  transport.secret = "ya29.token";
  Result<SendResult> sent = MakeChannel(transport)->Send(Message(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;

  transport.secret = "ya29.expired";
  Result<SendResult> refused = MakeChannel(transport)->Send(Message(2));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->code, SendCode::kUnauthorized) << refused->detail;
  EXPECT_EQ(server_->Messages().size(), 1u);
}

TEST_F(SmtpChannelTest, EachRefusalHasItsCodeAndTheNextMessageStillGoesOut) {
  Start();
  auto channel = MakeChannel(Transport(*server_));
  struct Case {
    const char* to;
    SendCode code;
    const char* detail;
  };
  const Case cases[] = {
      {"bounce@example.org", SendCode::kHardBounce, "550 5.1.1"},
      {"policy@example.org", SendCode::kBlocked, "550 5.7.1"},
      {"later@example.org", SendCode::kTransient, "451 4.3.0"},
      {"ratelimit@example.org", SendCode::kRateLimited, "421 4.7.0"},
      {"reject@example.org", SendCode::kRejected, "554 5.6.0"},
      {"plain5xx@example.org", SendCode::kRejected, "550 Requested"},
      {"drop@example.org", SendCode::kTransient, "may have been delivered"},
  };
  int64_t id = 0;
  for (const Case& c : cases) {
    Result<SendResult> refused = channel->Send(Message(++id, c.to));
    ASSERT_TRUE(refused.ok()) << refused.status();
    EXPECT_EQ(sequence::ToString(refused->code), sequence::ToString(c.code)) << c.to;
    EXPECT_THAT(refused->detail, HasSubstr(c.detail)) << c.to;
    EXPECT_EQ(refused->provider_id, "") << c.to;
    Result<SendResult> next = channel->Send(Message(++id, StrCat("after-", c.to)));
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_EQ(next->code, SendCode::kAccepted) << "after " << c.to << ": " << next->detail;
  }
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), std::size(cases));
  for (const auto& mail : mails) EXPECT_THAT(mail.rcpt_to.at(0), ::testing::StartsWith("after-"));
}

TEST_F(SmtpChannelTest, NoServerIsTransient) {
  Start();
  EmailTransport transport = Transport(*server_);
  transport.endpoint = "smtp+insecure://127.0.0.1:1";
  Result<SendResult> sent = MakeChannel(transport)->Send(Message(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kTransient);
  EXPECT_THAT(sent->detail, HasSubstr("127.0.0.1:1"));
}

TEST_F(SmtpChannelTest, RefusesWhatCannotBeSentWithoutSendingAnything) {
  Start();
  auto channel = MakeChannel(Transport(*server_));
  std::vector<OutgoingMessage> bad;
  bad.push_back(Message(1, "ana@example.org>\r\nRCPT TO:<eve@evil.example"));
  bad.push_back(Message(2, "ana @example.org"));
  bad.push_back(Message(3, "no-at-sign"));
  bad.push_back(Message(4, ""));
  OutgoingMessage sms = Message(5);
  sms.channel = templating::Channel::kSms;
  bad.push_back(sms);
  OutgoingMessage header = Message(6);
  header.headers.emplace_back("Subject", "a second subject");
  bad.push_back(header);
  OutgoingMessage stranger = Message(7);
  stranger.sender = SenderId(2);
  for (const OutgoingMessage& m : bad) {
    Result<SendResult> sent = channel->Send(m);
    EXPECT_EQ(sent.status().code(), absl::StatusCode::kInvalidArgument) << m.to_address;
  }
  EXPECT_EQ(channel->Send(stranger).status().code(), absl::StatusCode::kNotFound);
  for (const char* endpoint : {"http://127.0.0.1:25", "smtp://user:pw@127.0.0.1:25", "127.0.0.1",
                               "smtp://", "smtp://host/path"}) {
    EmailTransport transport = Transport(*server_);
    transport.endpoint = endpoint;
    EXPECT_EQ(MakeChannel(transport)->Send(Message(8)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << endpoint;
  }
  // Hostile names cannot add a header either: RenderEml turns line breaks into spaces.
  OutgoingMessage hostile = Message(9);
  hostile.to_name = "Ana\r\nBcc: eve@evil.example";
  hostile.subject = "Hi\r\nBcc: eve@evil.example";
  Result<SendResult> sent = channel->Send(hostile);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted);
  const auto mails = server_->Messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{"ana@example.org"});
  Result<ParsedEml> parsed = ParseEml(mails[0].eml);
  ASSERT_TRUE(parsed.ok());
  for (const auto& h : parsed->headers) EXPECT_NE(h.name, "Bcc");
}

TEST_F(SmtpChannelTest, SignsWithDkimAndTheReceivedMessageVerifies) {
  Start();
  for (DkimAlgorithm algorithm : {DkimAlgorithm::kEd25519Sha256, DkimAlgorithm::kRsaSha256}) {
    Result<GeneratedDkimKey> key = GenerateDkimKey(algorithm, "mail.example.com", "s1");
    ASSERT_TRUE(key.ok()) << key.status();
    Result<std::shared_ptr<const DkimSigner>> signer =
        DkimSigner::Create(DkimKey{"mail.example.com", "s1", algorithm, key->private_key_pem});
    ASSERT_TRUE(signer.ok()) << signer.status();
    SignHook sign = [s = *signer](const OutgoingMessage& m, std::string_view eml) {
      return s->Sign(
          eml, std::chrono::duration_cast<std::chrono::seconds>(m.attempt_at.time_since_epoch())
                   .count());
    };
    auto channel = MakeChannel(Transport(*server_), sign);
    Result<SendResult> sent = channel->Send(Message(1));
    ASSERT_TRUE(sent.ok()) << sent.status();
    ASSERT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
    const std::string received = server_->Messages().back().eml;
    ASSERT_TRUE(received.rfind("DKIM-Signature: ", 0) == 0) << received.substr(0, 200);
    const integration::DkimVerdict verdict =
        integration::DkimpyVerify(received, key->dns_name, key->dns_txt);
    EXPECT_FALSE(verdict.broken) << verdict.reason;
    EXPECT_TRUE(verdict.valid) << ToString(algorithm) << ": " << verdict.reason;
  }
  // A signing error is the message's error: nothing unsigned goes out instead.
  auto failing = MakeChannel(Transport(*server_), [](const OutgoingMessage&, std::string_view) {
    return Result<std::string>(absl::DataLossError("key cannot be opened"));
  });
  EXPECT_EQ(failing->Send(Message(3)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(server_->Messages().size(), 2u);
}

}  // namespace
}  // namespace cadent::channels
