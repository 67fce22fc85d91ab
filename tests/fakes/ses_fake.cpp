// Amazon SES v2 SendEmail as documented: https://docs.aws.amazon.com/ses/latest/APIReference-V2/
// API_SendEmail.html, with requests checked by AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). The
// signature is recomputed here from the request as received, with code of its own, so that
// a mistake in the adapter's signer cannot cancel out.
#include <sodium.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_split.h"
#include "core/common/strings.hpp"
#include "fake_provider.hpp"
#include "json_checks.hpp"

namespace cadent::fakes {
namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::string HmacRaw(const std::string& key, const std::string& data) {
  crypto_auth_hmacsha256_state state;
  unsigned char mac[32];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<char*>(mac), 32);
}

std::string HashHex(const std::string& data) {
  unsigned char digest[32];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(digest, 32);
}

std::string Trim(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return std::string(value);
}

http::Response AwsError(int status, std::string_view type, std::string_view message) {
  http::Response response = http::Response::Json(status, {{"message", message}});
  response.headers.Add("x-amzn-ErrorType", StrCat(type, ":http://internal.amazon.com/coral/"));
  return response;
}

}  // namespace

http::Response SesFake::Handle(const http::Request& request, std::string& refusal) {
  // Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/ses/aws4_request,
  //   SignedHeaders=<a;b;c>, Signature=<hex>
  const std::string authorization(request.Header("Authorization").value_or(""));
  constexpr std::string_view kScheme = "AWS4-HMAC-SHA256 ";
  if (authorization.rfind(kScheme, 0) != 0) {
    refusal = "no signature";
    return AwsError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  std::map<std::string, std::string> parts;
  for (absl::string_view part :
       absl::StrSplit(ToAbsl(std::string_view(authorization).substr(kScheme.size())), ',')) {
    const std::string item = Trim(ToStd(part));
    const size_t equals = item.find('=');
    if (equals != std::string::npos) parts[item.substr(0, equals)] = item.substr(equals + 1);
  }
  const std::vector<std::string> credential = absl::StrSplit(parts["Credential"], '/');
  const std::string amz_date(request.Header("X-Amz-Date").value_or(""));
  if (credential.size() != 5 || parts["SignedHeaders"].empty() || parts["Signature"].empty() ||
      amz_date.size() != 16) {
    refusal = "incomplete signature";
    return AwsError(403, "IncompleteSignatureException", "Authorization header is incomplete.");
  }
  if (credential[0] != access_key_id_) {
    refusal = "unknown access key";
    return ErrorFor(403);
  }
  const std::vector<std::string> signed_headers = absl::StrSplit(parts["SignedHeaders"], ';');
  const bool signs_required =
      std::find(signed_headers.begin(), signed_headers.end(), "host") != signed_headers.end() &&
      std::find(signed_headers.begin(), signed_headers.end(), "x-amz-date") != signed_headers.end();
  if (!signs_required || !std::is_sorted(signed_headers.begin(), signed_headers.end()) ||
      credential[1] != amz_date.substr(0, 8) || credential[2] != region_ ||
      credential[3] != "ses" || credential[4] != "aws4_request") {
    refusal = "bad credential scope or signed headers";
    return AwsError(403, "InvalidSignatureException", "Credential should be scoped correctly.");
  }
  std::string canonical = StrCat("POST\n", request.path, "\n\n");
  for (const std::string& name : signed_headers) {
    StrAppend(&canonical, name, ":", Trim(request.Header(name).value_or("")), "\n");
  }
  StrAppend(&canonical, "\n", parts["SignedHeaders"], "\n", HashHex(request.body));
  const std::string scope = StrCat(credential[1], "/", region_, "/ses/aws4_request");
  const std::string to_sign =
      StrCat("AWS4-HMAC-SHA256\n", amz_date, "\n", scope, "\n", HashHex(canonical));
  std::string key = HmacRaw(StrCat("AWS4", secret_), credential[1]);
  for (const std::string& part : {region_, std::string("ses"), std::string("aws4_request")}) {
    key = HmacRaw(key, part);
  }
  const std::string mac = HmacRaw(key, to_sign);
  if (Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size()) != parts["Signature"]) {
    refusal = "signature mismatch";
    return AwsError(403, "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method.");
  }
  if (const auto hash = request.Header("X-Amz-Content-Sha256");
      hash && *hash != HashHex(request.body)) {
    refusal = "content hash";
    return AwsError(400, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (!HasContentType(request, "application/json")) {
    refusal = "content type";
    return AwsError(400, "BadRequestException", "Unsupported content type.");
  }
  const nlohmann::json body = ParseStrict(request.body);
  const bool raw = body.is_object() && body.contains("Content") &&
                   body["Content"].contains("Raw") && HasString(body["Content"]["Raw"], "Data");
  const bool simple = body.is_object() && body.contains("Content") &&
                      body["Content"].contains("Simple") &&
                      body["Content"]["Simple"].contains("Subject");
  if (!raw && !simple) {
    refusal = "Content";
    return AwsError(400, "BadRequestException", "Content is required.");
  }
  if (raw && !FromBase64(body["Content"]["Raw"]["Data"].get<std::string>())) {
    refusal = "Raw.Data is not base64";
    return AwsError(400, "BadRequestException", "Raw.Data must be base64.");
  }
  if (simple && (!body.contains("Destination") || !body["Destination"].contains("ToAddresses"))) {
    refusal = "Destination";
    return AwsError(400, "BadRequestException", "Destination is required.");
  }
  return http::Response::Json(200, {{"MessageId", NextId("ses")}});
}

http::Response SesFake::ErrorFor(int status) const {
  switch (status) {
    case 400:
      return AwsError(400, "MessageRejected", "Email address is not verified.");
    case 403:
      return AwsError(403, "UnrecognizedClientException",
                      "The security token included in the request is invalid.");
    case 429:
      return AwsError(429, "TooManyRequestsException", "Too Many Requests");
    default:
      return AwsError(status, "InternalFailure", "The request processing has failed.");
  }
}

}  // namespace cadent::fakes
