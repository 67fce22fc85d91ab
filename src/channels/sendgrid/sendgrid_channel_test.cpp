// The SendGrid adapter against the SendGrid fake: the v3 Mail Send request as documented, and
// the shared contract (statuses, Retry-After, faults, credentials, batches).
#include "channels/sendgrid/sendgrid_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/email_channel_contract.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

constexpr std::string_view kKey = "SG.test-key";

EmailTransport Transport(std::string endpoint) {
  EmailTransport t;
  t.kind = "sendgrid";
  t.endpoint = std::move(endpoint);
  t.secret = std::string(kKey);
  return t;
}

ProviderCase SendGridCase() {
  return ProviderCase{
      .name = "sendgrid",
      .fake = [] { return std::make_unique<fakes::SendGridFake>(std::string(kKey)); },
      .channel = [](HttpEmailOptions o) { return std::make_unique<SendGridChannel>(std::move(o)); },
      .transport = Transport,
      .spoil = [](EmailTransport& t) { t.secret = "SG.wrong"; },
  };
}

INSTANTIATE_TEST_SUITE_P(SendGrid, EmailChannelContract, ::testing::Values(SendGridCase()),
                         [](const auto&) { return "sendgrid"; });

class SendGridChannelTest : public EmailChannelContract {};

TEST_P(SendGridChannelTest, SendsTheDocumentedJsonInUtf8) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  EXPECT_FALSE(channel->capabilities().idempotency_keys) << "SendGrid takes no idempotency key";
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->code, sequence::SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "sg-1") << "from the X-Message-Id header";
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "");
  EXPECT_EQ(got[0].path, "/v3/mail/send");
  EXPECT_EQ(got[0].Header("Authorization"), "Bearer SG.test-key");
  EXPECT_EQ(got[0].Header("Content-Type"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(got[0].body);
  const nlohmann::json expected = {
      {"personalizations",
       {{{"to", {{{"email", "jose@example.org"}, {"name", "José Müller, Jr."}}}}}}},
      {"from", {{"email", "zoe@mail.example.com"}, {"name", "Zoë Ångström"}}},
      {"reply_to", {{"email", "replies@example.com"}}},
      {"subject", "Grüße aus Köln — 東京 ✓"},
      {"content",
       {{{"type", "text/plain"}, {"value", "Hallo José,\nwie geht's? — Zoë"}},
        {{"type", "text/html"}, {"value", "<p>Hallo José,</p><p>wie geht's? — Zoë</p>"}}}},
      {"headers",
       {{"List-Unsubscribe", "<https://example.com/u/abc>, <mailto:u@example.com>"},
        {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
        {"Message-ID", "<42.1@mail.example.com>"}}},
      {"custom_args", {{"cadent_message_id", "42"}}},
  };
  EXPECT_EQ(body, expected) << body.dump(2);
  // Non-ASCII goes as raw UTF-8, not \u escapes or replacement characters.
  EXPECT_THAT(got[0].body, ::testing::HasSubstr("Grüße aus Köln — 東京 ✓"));
}

TEST_P(SendGridChannelTest, TextOnlyAndHtmlOnlyMessages) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  OutgoingMessage text_only = ContractMessage(1);
  text_only.html.clear();
  OutgoingMessage html_only = ContractMessage(2);
  html_only.text.clear();
  ASSERT_EQ(channel->Send(text_only)->code, sequence::SendCode::kAccepted);
  ASSERT_EQ(channel->Send(html_only)->code, sequence::SendCode::kAccepted);
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(got[0].body)["content"].size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(got[1].body)["content"][0]["type"], "text/html");
}

TEST_P(SendGridChannelTest, ABadRequestIsRejectedWithSendGridsError) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  OutgoingMessage no_subject = ContractMessage(1);
  no_subject.subject.clear();
  Result<SendResult> sent = channel->Send(no_subject);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, sequence::SendCode::kRejected);
  EXPECT_THAT(sent->detail, ::testing::HasSubstr("HTTP 400"));
  EXPECT_THAT(sent->detail, ::testing::HasSubstr("The subject is required."));
}

INSTANTIATE_TEST_SUITE_P(SendGrid, SendGridChannelTest, ::testing::Values(SendGridCase()),
                         [](const auto&) { return "sendgrid"; });

}  // namespace
}  // namespace cadent::channels
