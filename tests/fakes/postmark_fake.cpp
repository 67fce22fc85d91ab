// Postmark's email API as documented: https://postmarkapp.com/developer/api/email-api and
// its error codes https://postmarkapp.com/developer/api/overview#error-codes.
#include "core/common/strings.hpp"
#include "fake_provider.hpp"
#include "json_checks.hpp"

namespace cadent::fakes {
namespace {

http::Response PostmarkError(int status, int error_code, std::string_view message) {
  return http::Response::Json(status, {{"ErrorCode", error_code}, {"Message", message}});
}

// The address inside "Name <address>" (or the whole value).
std::string AddressOf(const std::string& mailbox) {
  const size_t open = mailbox.rfind('<');
  const size_t close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return mailbox.substr(open + 1, close - open - 1);
  }
  return mailbox;
}

}  // namespace

http::Response PostmarkFake::Handle(const http::Request& request, std::string& refusal) {
  const std::string_view token = request.Header("X-Postmark-Server-Token").value_or("");
  if (token.empty()) {
    refusal = "no token";
    return PostmarkError(401, 10,
                         "No Account or Server API tokens were supplied in the HTTP headers. "
                         "Please add a header for either X-Postmark-Server-Token or "
                         "X-Postmark-Account-Token.");
  }
  if (token != token_) {
    refusal = "wrong token";
    return ErrorFor(401);
  }
  if (!HasContentType(request, "application/json") ||
      request.Header("Accept").value_or("") != "application/json") {
    refusal = "content type or accept";
    return PostmarkError(415, 0, "Unsupported Media Type");
  }
  const nlohmann::json body = ParseStrict(request.body);
  if (!body.is_object()) {
    refusal = "JSON";
    return PostmarkError(422, 402, "Received invalid JSON input.");
  }
  for (const char* key : {"From", "To", "Subject"}) {
    if (!HasString(body, key)) {
      refusal = key;
      return PostmarkError(422, 300, StrCat("Invalid email request: missing '", key, "'."));
    }
  }
  if (!HasString(body, "HtmlBody") && !HasString(body, "TextBody")) {
    refusal = "no body";
    return PostmarkError(422, 300, "Provide either email TextBody or HtmlBody or both.");
  }
  const std::string to = AddressOf(body["To"].get<std::string>());
  if (to.find('@') == std::string::npos) {
    refusal = "To address";
    return PostmarkError(422, 300,
                         StrCat("Error parsing 'To': Illegal email address '", to,
                                "'. It must contain the '@' symbol."));
  }
  if (body.contains("MessageStream") && body["MessageStream"] != "outbound") {
    refusal = "message stream";
    return PostmarkError(422, 1235, "The message stream for the provided 'ID' was not found.");
  }
  if (body.contains("Headers")) {
    if (!body["Headers"].is_array()) {
      refusal = "Headers";
      return PostmarkError(422, 300, "Invalid 'Headers'.");
    }
    for (const auto& header : body["Headers"]) {
      if (!HasString(header, "Name") || !header.contains("Value") || !header["Value"].is_string()) {
        refusal = "Headers";
        return PostmarkError(422, 300, "Invalid 'Headers'.");
      }
    }
  }
  if (inactive_.contains(to)) {
    return PostmarkError(422, 406,
                         "You tried to send to recipient(s) that have been marked as inactive. "
                         "Found inactive addresses: " +
                             to +
                             ". Inactive recipients are ones that have generated a hard "
                             "bounce, a spam complaint, or a manual suppression.");
  }
  return http::Response::Json(200, {{"To", body["To"]},
                                    {"SubmittedAt", "2026-11-18T11:06:40.0000000Z"},
                                    {"MessageID", NextId("pm")},
                                    {"ErrorCode", 0},
                                    {"Message", "OK"}});
}

http::Response PostmarkFake::ErrorFor(int status) const {
  switch (status) {
    case 401:
      return PostmarkError(401, 10, "Request does not contain a valid Server token.");
    case 422:
      return PostmarkError(422, 300, "Invalid email request");
    case 429:
      return http::Response::Text(429, "Rate limit exceeded");
    default:
      return http::Response::Text(status, "Internal Server Error");
  }
}

}  // namespace cadent::fakes
