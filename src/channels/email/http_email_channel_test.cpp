// The shared parts of the HTTP email adapters: the status table, Retry-After, mailboxes, and
// the contract every adapter meets against its provider's fake (instantiated in each
// <provider>_channel_test.cpp).
#include "channels/email/http_email_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "channels/http_client.hpp"
#include "core/common/strings.hpp"
#include "fakes/email_channel_contract.hpp"

namespace cadent::channels {

using sequence::SendCode;
using ::testing::HasSubstr;

OutgoingMessage ContractMessage(int64_t id) {
  OutgoingMessage m;
  m.id = MessageId(id);
  m.workspace = WorkspaceId(1);
  m.sender = SenderId(1);
  m.channel = templating::Channel::kEmail;
  m.from_address = "zoe@mail.example.com";
  m.from_name = "Zoë Ångström";
  m.to_address = "jose@example.org";
  m.to_name = "José Müller, Jr.";
  m.reply_to = "replies@example.com";
  m.message_id = StrCat(id, ".1@mail.example.com");
  m.subject = "Grüße aus Köln — 東京 ✓";
  m.text = "Hallo José,\nwie geht's? — Zoë";
  m.html = "<p>Hallo José,</p><p>wie geht's? — Zoë</p>";
  m.headers = {{"List-Unsubscribe", "<https://example.com/u/abc>, <mailto:u@example.com>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  return m;
}

void EmailChannelContract::SetUp() {
  fake_ = GetParam().fake();
  const Status started = fake_->Start();
  ASSERT_TRUE(started.ok()) << started;
}

void EmailChannelContract::TearDown() {
  if (fake_) fake_->Stop();
}

std::unique_ptr<Channel> EmailChannelContract::MakeChannel(EmailTransport transport,
                                                           std::chrono::milliseconds timeout,
                                                           int parallel) {
  HttpEmailOptions options;
  options.transports = [transport](WorkspaceId workspace,
                                   SenderId sender) -> Result<EmailTransport> {
    if (workspace.value() != 1 || sender.value() != 1) {
      return absl::NotFoundError(StrCat("no sender ", sender.value()));
    }
    return transport;
  };
  options.clock = &clock_;
  options.connect_timeout = std::chrono::milliseconds(2'000);
  options.timeout = timeout;
  options.parallel_requests = parallel;
  return GetParam().channel(std::move(options));
}

namespace {

TEST(SendCodeForStatusTest, OneTableWithOverrides) {
  const std::pair<long, SendCode> rows[] = {
      {200, SendCode::kAccepted},  {202, SendCode::kAccepted},     {301, SendCode::kRejected},
      {400, SendCode::kRejected},  {401, SendCode::kUnauthorized}, {403, SendCode::kUnauthorized},
      {404, SendCode::kRejected},  {408, SendCode::kTransient},    {413, SendCode::kRejected},
      {422, SendCode::kRejected},  {429, SendCode::kRateLimited},  {500, SendCode::kTransient},
      {502, SendCode::kTransient}, {503, SendCode::kTransient},    {504, SendCode::kTransient},
  };
  for (const auto& [status, code] : rows) {
    EXPECT_EQ(SendCodeForStatus(status), code) << status;
  }
  const std::pair<long, SendCode> overrides[] = {{409, SendCode::kTransient}};
  EXPECT_EQ(SendCodeForStatus(409, overrides), SendCode::kTransient);
  EXPECT_EQ(SendCodeForStatus(409), SendCode::kRejected);
}

TEST(ParseRetryAfterTest, SecondsOrHttpDate) {
  const Instant now = FromUnixMicros(kContractUnixSeconds * 1'000'000);  // 11:06:40 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter("0", now), Duration::zero());
  EXPECT_EQ(ParseRetryAfter("Wed, 18 Nov 2026 12:06:40 GMT", now), std::chrono::hours(1));
  EXPECT_EQ(ParseRetryAfter("Wed, 18 Nov 2026 10:00:00 GMT", now), Duration::zero());
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
}

TEST(FormatMailboxTest, QuotesNamesWithSpecials) {
  EXPECT_EQ(FormatMailbox("", "a@example.com"), "a@example.com");
  EXPECT_EQ(FormatMailbox("Zoë Ångström", "z@example.com"), "Zoë Ångström <z@example.com>");
  EXPECT_EQ(FormatMailbox("Müller, Jr.", "m@example.com"), "\"Müller, Jr.\" <m@example.com>");
  EXPECT_EQ(FormatMailbox("Say \"hi\"", "h@example.com"), "\"Say \\\"hi\\\"\" <h@example.com>");
  EXPECT_EQ(FormatMailbox("Evil\r\nBcc: x", "e@example.com"), "\"Evil  Bcc: x\" <e@example.com>");
}

TEST(HttpDetailTest, FlattensAndCuts) {
  EXPECT_EQ(HttpDetail(503, ""), "HTTP 503");
  EXPECT_EQ(HttpDetail(400, " {\"a\":\n1} "), "HTTP 400: {\"a\": 1}");
  EXPECT_EQ(HttpDetail(400, "abcdef", 3), "HTTP 400: abc");
}

}  // namespace

TEST_P(EmailChannelContract, AcceptsAndKeepsTheProviderId) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  EXPECT_EQ(channel->name(), GetParam().name);
  const Capabilities capabilities = channel->capabilities();
  EXPECT_EQ(capabilities.channels, std::vector{templating::Channel::kEmail});
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "") << "the fake found the request malformed";
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_FALSE(sent->provider_id.empty());
  EXPECT_THAT(sent->provider_id, HasSubstr("-1")) << "the fake's first id";
}

TEST_P(EmailChannelContract, MapsEveryStatusClass) {
  struct Row {
    int status;
    SendCode code;
  };
  const Row rows[] = {
      {500, SendCode::kTransient},    {502, SendCode::kTransient},   {503, SendCode::kTransient},
      {504, SendCode::kTransient},    {429, SendCode::kRateLimited}, {401, SendCode::kUnauthorized},
      {403, SendCode::kUnauthorized}, {404, SendCode::kRejected},    {413, SendCode::kRejected},
  };
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  for (const Row& row : rows) {
    SCOPED_TRACE(row.status);
    fake_->Inject(fakes::Fault::Answer(row.status));
    Result<SendResult> sent = channel->Send(ContractMessage(42));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, row.code) << sent->detail;
    EXPECT_THAT(sent->detail, HasSubstr(StrCat("HTTP ", row.status)));
    EXPECT_EQ(sent->provider_id, "");
    EXPECT_EQ(sent->retry_after, std::nullopt);
  }
  EXPECT_EQ(fake_->requests().size(), std::size(rows));
}

TEST_P(EmailChannelContract, HonoursRetryAfterInSecondsAndAsADate) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  fake_->Inject(fakes::Fault::Answer(429, "120"));
  fake_->Inject(fakes::Fault::Answer(429, "Wed, 18 Nov 2026 12:06:40 GMT"));
  fake_->Inject(fakes::Fault::Answer(503, "30"));
  Result<SendResult> seconds = channel->Send(ContractMessage(42));
  Result<SendResult> date = channel->Send(ContractMessage(42));
  Result<SendResult> unavailable = channel->Send(ContractMessage(42));
  ASSERT_TRUE(seconds.ok() && date.ok() && unavailable.ok());
  EXPECT_EQ(seconds->code, SendCode::kRateLimited);
  EXPECT_EQ(seconds->retry_after, std::chrono::seconds(120));
  EXPECT_EQ(date->code, SendCode::kRateLimited);
  EXPECT_EQ(date->retry_after, std::chrono::hours(1)) << "the clock is 11:06:40 GMT";
  EXPECT_EQ(unavailable->code, SendCode::kTransient);
  EXPECT_EQ(unavailable->retry_after, std::chrono::seconds(30));
}

TEST_P(EmailChannelContract, AFailureThenSuccessOnTheNextSend) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  fake_->Inject(fakes::Fault::Answer(503));
  Result<SendResult> first = channel->Send(ContractMessage(42));
  Result<SendResult> second = channel->Send(ContractMessage(42));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->code, SendCode::kTransient);
  EXPECT_EQ(second->code, SendCode::kAccepted) << second->detail;
  EXPECT_FALSE(second->provider_id.empty());
}

TEST_P(EmailChannelContract, TimeoutIsTransientAndTheChannelRecovers) {
  std::unique_ptr<Channel> channel =
      MakeChannel(GetParam().transport(fake_->url()), std::chrono::milliseconds(300));
  fake_->Inject(fakes::Fault::Hang());
  Result<SendResult> hung = channel->Send(ContractMessage(42));
  ASSERT_TRUE(hung.ok()) << hung.status();
  EXPECT_EQ(hung->code, SendCode::kTransient);
  EXPECT_THAT(hung->detail, HasSubstr("Timeout"));
  Result<SendResult> next = channel->Send(ContractMessage(43));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->code, SendCode::kAccepted) << next->detail;
}

TEST_P(EmailChannelContract, RefusedAndClosedConnectionsAreTransient) {
  std::unique_ptr<Channel> refused =
      MakeChannel(GetParam().transport(StrCat("http://127.0.0.1:", fakes::UnusedLoopbackPort())));
  Result<SendResult> sent = refused->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kTransient);
  EXPECT_THAT(sent->detail, HasSubstr("POST http://127.0.0.1:"));

  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  fake_->Inject(fakes::Fault::Close());
  sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kTransient) << sent->detail;
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u) << "the request reached the fake";
  EXPECT_TRUE(got[0].faulted);
  sent = channel->Send(ContractMessage(43));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kAccepted) << "a new connection after the dropped one";
}

TEST_P(EmailChannelContract, WrongCredentialsAreUnauthorized) {
  EmailTransport transport = GetParam().transport(fake_->url());
  GetParam().spoil(transport);
  std::unique_ptr<Channel> channel = MakeChannel(transport);
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kUnauthorized) << sent->detail;
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].refusal, "");
}

TEST_P(EmailChannelContract, ALookupErrorFailsOnlyItsMessage) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  OutgoingMessage good = ContractMessage(1);
  OutgoingMessage unknown = ContractMessage(2);
  unknown.sender = SenderId(99);
  OutgoingMessage other = ContractMessage(3);
  const OutgoingMessage* batch[] = {&good, &unknown, &other};
  const std::vector<Result<SendResult>> results = channel->SendBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[0]->code, SendCode::kAccepted);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_EQ(results[2]->code, SendCode::kAccepted);
  EXPECT_EQ(fake_->requests().size(), 2u);
}

TEST_P(EmailChannelContract, BatchesInParallelWithAResultEach) {
  std::unique_ptr<Channel> channel =
      MakeChannel(GetParam().transport(fake_->url()), std::chrono::seconds(5), 3);
  std::vector<OutgoingMessage> messages;
  for (int i = 1; i <= 9; ++i) messages.push_back(ContractMessage(i));
  std::vector<const OutgoingMessage*> batch;
  for (const OutgoingMessage& m : messages) batch.push_back(&m);
  const std::vector<Result<SendResult>> results = channel->SendBatch(batch);
  ASSERT_EQ(results.size(), 9u);
  std::set<std::string> ids;
  for (const Result<SendResult>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->code, SendCode::kAccepted) << r->detail;
    ids.insert(r->provider_id);
  }
  EXPECT_EQ(ids.size(), 9u) << "one provider id per message";
  EXPECT_EQ(fake_->requests().size(), 9u);
  EXPECT_LE(fake_->connections(), 3u) << "at most one kept-alive connection per worker";
}

TEST_P(EmailChannelContract, KeepsOneConnectionAliveAcrossSends) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  for (int i = 1; i <= 3; ++i) {
    Result<SendResult> sent = channel->Send(ContractMessage(i));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  }
  // Three sends over one connection that is still open: a connection per send would leave
  // more (or none, once the client closed them).
  EXPECT_EQ(fake_->connections(), 1u);
}

TEST_P(EmailChannelContract, RefusesWhatItCannotCarryWithoutSending) {
  std::unique_ptr<Channel> channel = MakeChannel(GetParam().transport(fake_->url()));
  OutgoingMessage sms = ContractMessage(1);
  sms.channel = templating::Channel::kSms;
  EXPECT_EQ(channel->Send(sms).status().code(), absl::StatusCode::kInvalidArgument);
  OutgoingMessage no_recipient = ContractMessage(2);
  no_recipient.to_address.clear();
  EXPECT_EQ(channel->Send(no_recipient).status().code(), absl::StatusCode::kInvalidArgument);
  OutgoingMessage bad_header = ContractMessage(3);
  bad_header.headers.emplace_back("Bad Header", "x");
  EXPECT_EQ(channel->Send(bad_header).status().code(), absl::StatusCode::kInvalidArgument);
  EmailTransport other = GetParam().transport(fake_->url());
  other.kind = "smtp";
  EXPECT_EQ(MakeChannel(other)->Send(ContractMessage(4)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_->requests().empty());
}

}  // namespace cadent::channels
