#include "channels/ses/ses_channel.hpp"

#include <sodium.h>

#include "channels/email/eml.hpp"
#include "channels/ses/sigv4.hpp"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

constexpr std::string_view kPath = "/v2/email/outbound-emails";

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// The SES error type: "MessageRejected" from "MessageRejected:http://..." or
// "com.amazon...#MessageRejected".
std::string ErrorType(const HttpResponse& response) {
  std::string type(response.Header("X-Amzn-ErrorType"));
  if (type.empty()) {
    const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
    if (answer.is_object()) {
      for (const char* key : {"__type", "code", "Code"}) {
        if (const auto it = answer.find(key); it != answer.end() && it->is_string()) {
          type = it->get<std::string>();
          break;
        }
      }
    }
  }
  type = type.substr(0, type.find(':'));
  if (const size_t hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
  return type;
}

}  // namespace

SesChannel::SesChannel(Options options) : HttpEmailChannel(std::move(options)) {
  // Fails only without a usable random source, which hashing and HMAC do not need.
  [[maybe_unused]] const int sodium = sodium_init();
}

Result<HttpRequest> SesChannel::BuildRequest(const OutgoingMessage& message,
                                             const EmailTransport& transport, Instant now) {
  if (transport.region.empty() || transport.username.empty() || transport.secret.empty()) {
    return absl::InvalidArgumentError(StrCat("ses sender ", message.sender.value(),
                                             " needs a region, access key id and secret key"));
  }
  const std::string base =
      BaseUrl(transport.endpoint, StrCat("https://email.", transport.region, ".amazonaws.com"));
  // scheme://authority[/prefix]: the authority is the Host header that is signed.
  const size_t scheme_end = base.find("://");
  if (scheme_end == std::string::npos) {
    return absl::InvalidArgumentError(StrCat("ses endpoint is not a URL: '", base, "'"));
  }
  const size_t path_start = base.find('/', scheme_end + 3);
  const std::string host = base.substr(scheme_end + 3, path_start - (scheme_end + 3));
  const std::string path =
      StrCat(path_start == std::string::npos ? "" : base.substr(path_start), kPath);

  const std::string_view from = message.from_address;
  const size_t at = from.rfind('@');
  const std::string eml =
      RenderEml(message, at == std::string_view::npos ? "cadent.invalid" : from.substr(at + 1));
  const nlohmann::json body = {
      // Bare addresses: the names (RFC 2047 when not ASCII) are in the MIME headers, which
      // SES sends as they are.
      {"FromEmailAddress", message.from_address},
      {"Destination", {{"ToAddresses", nlohmann::json::array({message.to_address})}}},
      {"Content", {{"Raw", {{"Data", Base64(eml)}}}}},
      {"EmailTags", nlohmann::json::array({{{"Name", "cadent_message_id"},
                                            {"Value", std::to_string(message.id.value())}}})},
  };
  HttpRequest request;
  request.url = StrCat(base.substr(0, path_start), path);
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string amz_date = AmzDate(now);
  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.path = path;
  to_sign.headers = {{"Content-Type", "application/json"},
                     {"Host", host},
                     {"X-Amz-Content-Sha256", Sha256Hex(request.body)},
                     {"X-Amz-Date", amz_date}};
  to_sign.payload = request.body;
  const SigV4Signature signature =
      SignV4(to_sign, AwsCredentials{transport.username, transport.secret}, transport.region, "ses",
             amz_date);
  for (const auto& [field, value] : to_sign.headers) {
    request.headers.push_back(StrCat(field, ": ", value));
  }
  request.headers.push_back(StrCat("Authorization: ", signature.authorization));
  return request;
}

void SesChannel::ReadAnswer(const HttpResponse& response, SendResult& result) {
  using sequence::SendCode;
  if (result.code == SendCode::kAccepted) {
    const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
    if (answer.is_object()) {
      if (const auto id = answer.find("MessageId"); id != answer.end() && id->is_string()) {
        result.provider_id = id->get<std::string>();
      }
    }
    return;
  }
  const std::string type = ErrorType(response);
  if (type == "MessageRejected") {
    result.code = SendCode::kRejected;
  } else if (type == "MailFromDomainNotVerifiedException" || type == "AccountSuspendedException" ||
             type == "SendingPausedException") {
    result.code = SendCode::kBlocked;
  } else if (type == "LimitExceededException" || type == "TooManyRequestsException") {
    result.code = SendCode::kRateLimited;
  }
}

}  // namespace cadent::channels
