// The Mailgun adapter against the Mailgun fake: the form-encoded messages request as
// documented (basic auth, h: headers, v: variables), regions, and the shared contract.
#include "channels/mailgun/mailgun_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/email_channel_contract.hpp"
#include "http/router.hpp"

namespace cadent::channels {
namespace {

using sequence::SendCode;
using ::testing::HasSubstr;

constexpr std::string_view kKey = "key-mailgun-test";

EmailTransport Transport(std::string endpoint) {
  EmailTransport t;
  t.kind = "mailgun";
  t.endpoint = std::move(endpoint);
  t.secret = std::string(kKey);
  t.domain = "mail.example.com";
  t.region = "eu";
  return t;
}

ProviderCase MailgunCase() {
  return ProviderCase{
      .name = "mailgun",
      .fake =
          [] {
            return std::make_unique<fakes::MailgunFake>(std::string(kKey), "mail.example.com");
          },
      .channel = [](HttpEmailOptions o) { return std::make_unique<MailgunChannel>(std::move(o)); },
      .transport = Transport,
      .spoil = [](EmailTransport& t) { t.secret = "key-wrong"; },
  };
}

INSTANTIATE_TEST_SUITE_P(Mailgun, EmailChannelContract, ::testing::Values(MailgunCase()),
                         [](const auto&) { return "mailgun"; });

class MailgunChannelTest : public EmailChannelContract {};

TEST_P(MailgunChannelTest, SendsTheDocumentedFormInUtf8) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "mg-1@mail.example.com") << "the id without angle brackets";
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "");
  EXPECT_EQ(got[0].path, "/v3/mail.example.com/messages");
  // base64("api:key-mailgun-test")
  EXPECT_EQ(got[0].Header("Authorization"), "Basic YXBpOmtleS1tYWlsZ3VuLXRlc3Q=");
  EXPECT_EQ(got[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  const auto form = http::ParseQuery(got[0].body);
  ASSERT_TRUE(form.has_value());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"from", "Zoë Ångström <zoe@mail.example.com>"},
      {"to", "\"José Müller, Jr.\" <jose@example.org>"},
      {"subject", "Grüße aus Köln — 東京 ✓"},
      {"text", "Hallo José,\nwie geht's? — Zoë"},
      {"html", "<p>Hallo José,</p><p>wie geht's? — Zoë</p>"},
      {"h:Reply-To", "replies@example.com"},
      {"h:List-Unsubscribe", "<https://example.com/u/abc>, <mailto:u@example.com>"},
      {"h:List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"h:Message-Id", "<42.1@mail.example.com>"},
      {"v:cadent_message_id", "42"},
  };
  EXPECT_EQ(*form, expected);
  // UTF-8 percent-encoded byte by byte: "ü" is %C3%BC.
  EXPECT_THAT(got[0].body, HasSubstr("Gr%C3%BC%C3%9Fe"));
}

TEST_P(MailgunChannelTest, AnotherDomainIsRejected) {
  EmailTransport transport = Transport(fake_->url());
  transport.domain = "unknown.example.com";
  Result<SendResult> sent = MakeChannel(transport)->Send(ContractMessage(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kRejected);
  EXPECT_THAT(sent->detail, HasSubstr("Domain not found: unknown.example.com"));
}

TEST_P(MailgunChannelTest, RegionsAndMissingSettings) {
  EmailTransport t;
  EXPECT_EQ(*MailgunBaseUrl(t), "https://api.mailgun.net");
  t.region = "us";
  EXPECT_EQ(*MailgunBaseUrl(t), "https://api.mailgun.net");
  t.region = "eu";
  EXPECT_EQ(*MailgunBaseUrl(t), "https://api.eu.mailgun.net");
  t.endpoint = "http://127.0.0.1:9/";
  EXPECT_EQ(*MailgunBaseUrl(t), "http://127.0.0.1:9");
  t.region = "ap";
  EXPECT_EQ(MailgunBaseUrl(t).status().code(), absl::StatusCode::kInvalidArgument);

  EmailTransport asia = Transport(fake_->url());
  asia.region = "ap";
  EXPECT_EQ(MakeChannel(asia)->Send(ContractMessage(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EmailTransport no_domain = Transport(fake_->url());
  no_domain.domain.clear();
  EXPECT_EQ(MakeChannel(no_domain)->Send(ContractMessage(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_->requests().empty());
}

TEST(FormEscapeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(FormEscape("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(FormEscape("a b&c=d+e"), "a%20b%26c%3Dd%2Be");
  EXPECT_EQ(FormEscape("ü\n"), "%C3%BC%0A");
}

INSTANTIATE_TEST_SUITE_P(Mailgun, MailgunChannelTest, ::testing::Values(MailgunCase()),
                         [](const auto&) { return "mailgun"; });

}  // namespace
}  // namespace cadent::channels
