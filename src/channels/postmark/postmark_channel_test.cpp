// The Postmark adapter against the Postmark fake: the /email request as documented, its
// ErrorCodes (406 inactive recipient, 300 invalid request, 10 bad token), and the shared
// contract.
#include "channels/postmark/postmark_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/email_channel_contract.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

using sequence::SendCode;
using ::testing::HasSubstr;

constexpr std::string_view kToken = "pm-server-token";

EmailTransport Transport(std::string endpoint) {
  EmailTransport t;
  t.kind = "postmark";
  t.endpoint = std::move(endpoint);
  t.secret = std::string(kToken);
  return t;
}

ProviderCase PostmarkCase() {
  return ProviderCase{
      .name = "postmark",
      .fake =
          [] {
            return std::make_unique<fakes::PostmarkFake>(std::string(kToken),
                                                         std::set<std::string>{"gone@example.org"});
          },
      .channel = [](HttpEmailOptions o) { return std::make_unique<PostmarkChannel>(std::move(o)); },
      .transport = Transport,
      .spoil = [](EmailTransport& t) { t.secret = "wrong-token"; },
  };
}

INSTANTIATE_TEST_SUITE_P(Postmark, EmailChannelContract, ::testing::Values(PostmarkCase()),
                         [](const auto&) { return "postmark"; });

class PostmarkChannelTest : public EmailChannelContract {};

TEST_P(PostmarkChannelTest, SendsTheDocumentedJsonInUtf8) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "pm-1") << "the answer's MessageID";
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "");
  EXPECT_EQ(got[0].path, "/email");
  EXPECT_EQ(got[0].Header("X-Postmark-Server-Token"), "pm-server-token");
  EXPECT_EQ(got[0].Header("Accept"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(got[0].body);
  const nlohmann::json expected = {
      {"From", "Zoë Ångström <zoe@mail.example.com>"},
      {"To", "\"José Müller, Jr.\" <jose@example.org>"},
      {"ReplyTo", "replies@example.com"},
      {"Subject", "Grüße aus Köln — 東京 ✓"},
      {"TextBody", "Hallo José,\nwie geht's? — Zoë"},
      {"HtmlBody", "<p>Hallo José,</p><p>wie geht's? — Zoë</p>"},
      {"Headers",
       {{{"Name", "List-Unsubscribe"},
         {"Value", "<https://example.com/u/abc>, <mailto:u@example.com>"}},
        {{"Name", "List-Unsubscribe-Post"}, {"Value", "List-Unsubscribe=One-Click"}},
        {{"Name", "Message-ID"}, {"Value", "<42.1@mail.example.com>"}}}},
      {"MessageStream", "outbound"},
      {"Metadata", {{"cadent_message_id", "42"}}},
  };
  EXPECT_EQ(body, expected) << body.dump(2);
  EXPECT_THAT(got[0].body, HasSubstr("Grüße aus Köln — 東京 ✓"));
}

TEST_P(PostmarkChannelTest, BadRecipientCodesAreHardBounces) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  OutgoingMessage inactive = ContractMessage(1);
  inactive.to_address = "gone@example.org";
  Result<SendResult> sent = channel->Send(inactive);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kHardBounce) << sent->detail;
  EXPECT_THAT(sent->detail, HasSubstr("HTTP 422"));
  EXPECT_THAT(sent->detail, HasSubstr("\"ErrorCode\":406"));

  OutgoingMessage invalid = ContractMessage(2);
  invalid.to_address = "not-an-address";
  sent = channel->Send(invalid);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, SendCode::kHardBounce) << sent->detail;
  EXPECT_THAT(sent->detail, HasSubstr("\"ErrorCode\":300"));
}

TEST_P(PostmarkChannelTest, ErrorCodesDecideOverTheStatus) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  struct Row {
    int status;
    std::string body;
    SendCode code;
  };
  const Row rows[] = {
      {422, R"({"ErrorCode":405,"Message":"Not allowed to send"})", SendCode::kBlocked},
      {422, R"({"ErrorCode":400,"Message":"Sender signature not found"})", SendCode::kBlocked},
      {422, R"({"ErrorCode":411,"Message":"Too many batch messages"})", SendCode::kRejected},
      {200, R"({"ErrorCode":409,"Message":"JSON required"})", SendCode::kRejected},
      {401, R"({"ErrorCode":10,"Message":"Bad or missing API token"})", SendCode::kUnauthorized},
      {500, R"({"ErrorCode":0,"Message":"Internal"})", SendCode::kTransient},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.body);
    fake_->Inject(fakes::Fault::Answer(row.status, "", row.body));
    Result<SendResult> sent = channel->Send(ContractMessage(1));
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->code, row.code) << sent->detail;
    EXPECT_EQ(sent->provider_id, "");
  }
}

INSTANTIATE_TEST_SUITE_P(Postmark, PostmarkChannelTest, ::testing::Values(PostmarkCase()),
                         [](const auto&) { return "postmark"; });

}  // namespace
}  // namespace cadent::channels
