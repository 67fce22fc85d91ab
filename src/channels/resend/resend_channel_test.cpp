// The Resend adapter against the Resend fake: the /emails request as documented, the
// Idempotency-Key (our message id, the same on every retry), and the shared contract.
#include "channels/resend/resend_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/email_channel_contract.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

using sequence::SendCode;
using ::testing::HasSubstr;

constexpr std::string_view kKey = "re_test_key";

EmailTransport Transport(std::string endpoint) {
  EmailTransport t;
  t.kind = "resend";
  t.endpoint = std::move(endpoint);
  t.secret = std::string(kKey);
  return t;
}

ProviderCase ResendCase() {
  return ProviderCase{
      .name = "resend",
      .fake = [] { return std::make_unique<fakes::ResendFake>(std::string(kKey)); },
      .channel = [](HttpEmailOptions o) { return std::make_unique<ResendChannel>(std::move(o)); },
      .transport = Transport,
      .spoil = [](EmailTransport& t) { t.secret = "re_wrong"; },
  };
}

INSTANTIATE_TEST_SUITE_P(Resend, EmailChannelContract, ::testing::Values(ResendCase()),
                         [](const auto&) { return "resend"; });

class ResendChannelTest : public EmailChannelContract {
 protected:
  fakes::ResendFake& resend() { return static_cast<fakes::ResendFake&>(*fake_); }
};

TEST_P(ResendChannelTest, SendsTheDocumentedJsonInUtf8) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  EXPECT_TRUE(channel->capabilities().idempotency_keys);
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "re-1");
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "");
  EXPECT_EQ(got[0].path, "/emails");
  EXPECT_EQ(got[0].Header("Authorization"), "Bearer re_test_key");
  EXPECT_EQ(got[0].Header("Idempotency-Key"), "42");
  const nlohmann::json body = nlohmann::json::parse(got[0].body);
  const nlohmann::json expected = {
      {"from", "Zoë Ångström <zoe@mail.example.com>"},
      {"to", {"\"José Müller, Jr.\" <jose@example.org>"}},
      {"reply_to", "replies@example.com"},
      {"subject", "Grüße aus Köln — 東京 ✓"},
      {"text", "Hallo José,\nwie geht's? — Zoë"},
      {"html", "<p>Hallo José,</p><p>wie geht's? — Zoë</p>"},
      {"headers",
       {{"List-Unsubscribe", "<https://example.com/u/abc>, <mailto:u@example.com>"},
        {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
        {"Message-ID", "<42.1@mail.example.com>"}}},
      {"tags", {{{"name", "cadent_message_id"}, {"value", "42"}}}},
  };
  EXPECT_EQ(body, expected) << body.dump(2);
  EXPECT_THAT(got[0].body, HasSubstr("Grüße aus Köln — 東京 ✓"));
}

TEST_P(ResendChannelTest, ARetrySendsTheSameKeyAndResendSendsOnce) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  // The first attempt reaches Resend but its answer is lost (a timeout on our side would be
  // the same): the retry carries the same key and gets the first send's id back.
  Result<SendResult> first = channel->Send(ContractMessage(42));
  OutgoingMessage retry = ContractMessage(42);
  retry.attempt = 2;
  fake_->Inject(fakes::Fault::Answer(503));
  Result<SendResult> failed = channel->Send(retry);
  Result<SendResult> again = channel->Send(retry);
  ASSERT_TRUE(first.ok() && failed.ok() && again.ok());
  EXPECT_EQ(first->code, SendCode::kAccepted);
  EXPECT_EQ(failed->code, SendCode::kTransient);
  EXPECT_EQ(again->code, SendCode::kAccepted) << again->detail;
  EXPECT_EQ(again->provider_id, first->provider_id);
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 3u);
  for (const fakes::RecordedRequest& r : got) EXPECT_EQ(r.Header("Idempotency-Key"), "42");
  EXPECT_EQ(resend().emails(), 1) << "one email for three requests";
  // Another message has another key.
  ASSERT_EQ(channel->Send(ContractMessage(43))->code, SendCode::kAccepted);
  EXPECT_EQ(fake_->requests().back().Header("Idempotency-Key"), "43");
  EXPECT_EQ(resend().emails(), 2);
}

TEST_P(ResendChannelTest, IdempotencyConflicts) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  // The first request with the key is still in flight at Resend: try again later.
  fake_->Inject(fakes::Fault::Answer(409));
  Result<SendResult> concurrent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(concurrent.ok());
  EXPECT_EQ(concurrent->code, SendCode::kTransient) << concurrent->detail;
  // The same key with another body (the message changed between attempts): refused for good.
  ASSERT_EQ(channel->Send(ContractMessage(42))->code, SendCode::kAccepted);
  OutgoingMessage changed = ContractMessage(42);
  changed.subject = "Another subject";
  Result<SendResult> conflict = channel->Send(changed);
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->code, SendCode::kRejected) << conflict->detail;
  EXPECT_THAT(conflict->detail, HasSubstr("invalid_idempotent_request"));
}

TEST_P(ResendChannelTest, AMissingKeyIsUnauthorizedToo) {
  EmailTransport transport = Transport(fake_->url());
  transport.secret.clear();
  Result<SendResult> sent = MakeChannel(transport)->Send(ContractMessage(1));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->code, SendCode::kUnauthorized) << sent->detail;
  EXPECT_THAT(sent->detail, HasSubstr("HTTP 403"));
}

INSTANTIATE_TEST_SUITE_P(Resend, ResendChannelTest, ::testing::Values(ResendCase()),
                         [](const auto&) { return "resend"; });

}  // namespace
}  // namespace cadent::channels
