// The SES adapter against the SES fake (which recomputes every SigV4 signature with code of
// its own): SendEmail with our raw MIME, the signer against AWS's published test vectors and
// Python's hmac, SES's error types, and the shared contract.
#include "channels/ses/ses_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "channels/email/eml.hpp"
#include "channels/ses/sigv4.hpp"
#include "core/common/strings.hpp"
#include "fakes/email_channel_contract.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

using sequence::SendCode;
using ::testing::HasSubstr;

constexpr std::string_view kKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

EmailTransport Transport(std::string endpoint) {
  EmailTransport t;
  t.kind = "ses";
  t.endpoint = std::move(endpoint);
  t.username = std::string(kKeyId);
  t.secret = std::string(kSecret);
  t.region = "eu-west-1";
  return t;
}

ProviderCase SesCase() {
  return ProviderCase{
      .name = "ses",
      .fake =
          [] {
            return std::make_unique<fakes::SesFake>(std::string(kKeyId), std::string(kSecret),
                                                    "eu-west-1");
          },
      .channel = [](HttpEmailOptions o) { return std::make_unique<SesChannel>(std::move(o)); },
      .transport = Transport,
      .spoil = [](EmailTransport& t) { t.secret = "not-the-secret"; },
  };
}

INSTANTIATE_TEST_SUITE_P(Ses, EmailChannelContract, ::testing::Values(SesCase()),
                         [](const auto&) { return "ses"; });

// AWS's SigV4 test suite, get-vanilla and post-vanilla: credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, us-east-1, service "service", 20150830T123600Z.
TEST(SigV4Test, AwsTestSuiteVanillaRequests) {
  const AwsCredentials credentials{std::string(kKeyId), std::string(kSecret)};
  SigV4Request request;
  request.path = "/";
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  request.method = "GET";
  SigV4Signature get = SignV4(request, credentials, "us-east-1", "service", "20150830T123600Z");
  EXPECT_EQ(get.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(get.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(get.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  request.method = "POST";
  EXPECT_EQ(SignV4(request, credentials, "us-east-1", "service", "20150830T123600Z").signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

// An independent check of a request like ours (body, four signed headers, header values
// with spaces to trim and collapse) by Python's hmac and hashlib.
TEST(SigV4Test, AgreesWithPythonOnASesRequest) {
  const std::string body = R"({"Content":{"Raw":{"Data":"SGk="}}})";
  SigV4Request request;
  request.method = "POST";
  request.path = "/v2/email/outbound-emails";
  request.headers = {{"X-Amz-Date", "20261118T110640Z"},
                     {"Host", "email.eu-west-1.amazonaws.com"},
                     {"Content-Type", "  application/json  "},
                     {"X-Amz-Content-Sha256", Sha256Hex(body)},
                     {"X-Custom", "a   b"}};
  request.payload = body;
  const SigV4Signature ours = SignV4(request, {std::string(kKeyId), std::string(kSecret)},
                                     "eu-west-1", "ses", "20261118T110640Z");
  const std::string script = StrCat(R"(
import hashlib, hmac
body = b'{"Content":{"Raw":{"Data":"SGk="}}}'
h = hashlib.sha256(body).hexdigest()
creq = "\n".join(["POST", "/v2/email/outbound-emails", "",
  "content-type:application/json", "host:email.eu-west-1.amazonaws.com",
  "x-amz-content-sha256:" + h, "x-amz-date:20261118T110640Z", "x-custom:a b", "",
  "content-type;host;x-amz-content-sha256;x-amz-date;x-custom", h])
sts = "\n".join(["AWS4-HMAC-SHA256", "20261118T110640Z",
  "20261118/eu-west-1/ses/aws4_request", hashlib.sha256(creq.encode()).hexdigest()])
k = ("AWS4" + ")",
                                    kSecret, R"(").encode()
for part in ["20261118", "eu-west-1", "ses", "aws4_request"]:
  k = hmac.new(k, part.encode(), hashlib.sha256).digest()
print(hmac.new(k, sts.encode(), hashlib.sha256).hexdigest())
)");
  const std::string path = StrCat(::testing::TempDir(), "sigv4_check.py");
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fwrite(script.data(), 1, script.size(), file);
  std::fclose(file);
  std::FILE* python = ::popen(StrCat("/usr/bin/python3 ", path).c_str(), "r");
  ASSERT_NE(python, nullptr);
  char line[128] = {};
  const bool read = std::fgets(line, sizeof line, python) != nullptr;
  EXPECT_EQ(::pclose(python), 0);
  ASSERT_TRUE(read);
  EXPECT_EQ(StrCat(ours.signature, "\n"), line);
}

TEST(SigV4Test, AmzDateIsUtc) {
  EXPECT_EQ(AmzDate(FromUnixMicros(kContractUnixSeconds * 1'000'000)), "20261118T110640Z");
}

class SesChannelTest : public EmailChannelContract {};

TEST_P(SesChannelTest, SendsOurMimeRawAndSigned) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  Result<SendResult> sent = channel->Send(ContractMessage(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->code, SendCode::kAccepted) << sent->detail;
  EXPECT_EQ(sent->provider_id, "ses-1");
  const std::vector<fakes::RecordedRequest> got = fake_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].refusal, "") << "the fake's own SigV4 check passed";
  EXPECT_EQ(got[0].path, "/v2/email/outbound-emails");
  EXPECT_EQ(got[0].Header("X-Amz-Date"), "20261118T110640Z") << "the channel's clock";
  EXPECT_THAT(got[0].Header("Authorization"),
              ::testing::StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261118/eu-west-1/"
                                    "ses/aws4_request, SignedHeaders=content-type;host;"
                                    "x-amz-content-sha256;x-amz-date, Signature="));
  const nlohmann::json body = nlohmann::json::parse(got[0].body);
  EXPECT_EQ(body["FromEmailAddress"], "zoe@mail.example.com");
  EXPECT_EQ(body["Destination"]["ToAddresses"], nlohmann::json::array({"jose@example.org"}));
  EXPECT_EQ(body["EmailTags"][0]["Value"], "42");
  const std::optional<std::string> eml =
      fakes::FromBase64(body["Content"]["Raw"]["Data"].get<std::string>());
  ASSERT_TRUE(eml.has_value());
  EXPECT_EQ(*eml, RenderEml(ContractMessage(42), "mail.example.com")) << "our MIME, byte for byte";
  Result<ParsedEml> parsed = ParseEml(*eml);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->subject, "Grüße aus Köln — 東京 ✓");
  ASSERT_EQ(parsed->from.size(), 1u);
  EXPECT_EQ(parsed->from[0].name, "Zoë Ångström");
  bool unsubscribe = false;
  bool message_id = false;
  for (const ParsedEml::Header& h : parsed->headers) {
    if (h.name == "List-Unsubscribe-Post") unsubscribe = h.value == "List-Unsubscribe=One-Click";
    if (h.name == "Message-ID" || h.name == "Message-Id") {
      message_id = h.value.find("42.1@mail.example.com") != std::string::npos;
    }
  }
  EXPECT_TRUE(unsubscribe);
  EXPECT_TRUE(message_id);
}

TEST_P(SesChannelTest, UnknownKeyIdIsUnauthorized) {
  EmailTransport transport = Transport(fake_->url());
  transport.username = "AKIDOTHER";
  Result<SendResult> sent = MakeChannel(transport)->Send(ContractMessage(1));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->code, SendCode::kUnauthorized);
  EXPECT_EQ(fake_->requests().at(0).refusal, "unknown access key");
  // A signature for another region is refused too.
  transport = Transport(fake_->url());
  transport.region = "us-east-1";
  sent = MakeChannel(transport)->Send(ContractMessage(1));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->code, SendCode::kUnauthorized);
}

TEST_P(SesChannelTest, ErrorTypesDecideWithinAStatus) {
  std::unique_ptr<Channel> channel = MakeChannel(Transport(fake_->url()));
  struct Row {
    int status;
    std::string type;
    SendCode code;
  };
  const Row rows[] = {
      {400, "MessageRejected", SendCode::kRejected},
      {400, "MailFromDomainNotVerifiedException", SendCode::kBlocked},
      {400, "AccountSuspendedException", SendCode::kBlocked},
      {400, "SendingPausedException", SendCode::kBlocked},
      {400, "LimitExceededException", SendCode::kRateLimited},
      {429, "TooManyRequestsException", SendCode::kRateLimited},
      {404, "NotFoundException", SendCode::kRejected},
      {400, "BadRequestException", SendCode::kRejected},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.type);
    fakes::Fault fault = fakes::Fault::Answer(row.status, "", R"({"message":"x"})");
    fault.headers = {{"x-amzn-ErrorType", StrCat(row.type, ":http://internal/")}};
    fake_->Inject(fault);
    Result<SendResult> sent = channel->Send(ContractMessage(1));
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(sent->code, row.code) << sent->detail;
  }
  // Without the header, the body's __type names it.
  fakes::Fault body_only =
      fakes::Fault::Answer(400, "", R"({"__type":"com.amazon#SendingPausedException"})");
  body_only.headers = {{"x-amzn-ErrorType", ""}};
  fake_->Inject(body_only);
  EXPECT_EQ(channel->Send(ContractMessage(1))->code, SendCode::kBlocked);
}

TEST_P(SesChannelTest, RefusesATransportWithoutRegionOrKeys) {
  for (auto spoil : {+[](EmailTransport& t) { t.region.clear(); },
                     +[](EmailTransport& t) { t.username.clear(); },
                     +[](EmailTransport& t) { t.secret.clear(); }}) {
    EmailTransport transport = Transport(fake_->url());
    spoil(transport);
    EXPECT_EQ(MakeChannel(transport)->Send(ContractMessage(1)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(fake_->requests().empty());
}

INSTANTIATE_TEST_SUITE_P(Ses, SesChannelTest, ::testing::Values(SesCase()),
                         [](const auto&) { return "ses"; });

}  // namespace
}  // namespace cadent::channels
