// SendGrid's v3 Mail Send as documented: https://docs.sendgrid.com/api-reference/mail-send.
#include "core/common/strings.hpp"
#include "fake_provider.hpp"
#include "json_checks.hpp"

namespace cadent::fakes {
namespace {

http::Response Errors(int status, std::string_view message, std::string_view field) {
  nlohmann::json error = {{"message", message}, {"help", nullptr}};
  error["field"] = field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field);
  return http::Response::Json(status, {{"errors", nlohmann::json::array({error})}});
}

// "" when `body` is a valid send request, else the refusal and the field at fault.
std::pair<std::string, std::string> Check(const nlohmann::json& body) {
  if (!body.is_object()) return {"Bad Request", ""};
  const auto& personalizations = body.value("personalizations", nlohmann::json());
  if (!personalizations.is_array() || personalizations.empty()) {
    return {"The personalizations field is required and must have at least one personalization.",
            "personalizations"};
  }
  for (const auto& p : personalizations) {
    const auto& to = p.value("to", nlohmann::json());
    if (!to.is_array() || to.empty()) return {"The to array is required.", "personalizations.0.to"};
    for (const auto& address : to) {
      if (!HasString(address, "email") ||
          address["email"].get<std::string>().find('@') == std::string::npos) {
        return {"Does not contain a valid address.", "personalizations.0.to.0.email"};
      }
      if (address.contains("name") && !address["name"].is_string()) {
        return {"Invalid type.", "personalizations.0.to.0.name"};
      }
    }
  }
  if (!HasString(body.value("from", nlohmann::json()), "email")) {
    return {"The from object must be provided for every email send.", "from"};
  }
  if (body.contains("reply_to") && !HasString(body["reply_to"], "email")) {
    return {"The reply_to email does not contain a valid address.", "reply_to"};
  }
  if (!HasString(body, "subject")) return {"The subject is required.", "subject"};
  const auto& content = body.value("content", nlohmann::json());
  if (!content.is_array() || content.empty())
    return {"Unless a valid template_id is provided, the content parameter is required.",
            "content"};
  for (size_t i = 0; i < content.size(); ++i) {
    if (!HasString(content[i], "type") || !content[i].contains("value") ||
        !content[i]["value"].is_string() || content[i]["value"].get<std::string>().empty()) {
      return {"The content value must be a string at least one character in length.",
              StrCat("content.", i, ".value")};
    }
    if (i > 0 && content[i]["type"] == "text/plain") {
      return {"If present, text/plain content must be first, followed by text/html.",
              "content.0.type"};
    }
  }
  for (const char* key : {"headers", "custom_args"}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_object()) return {"Invalid type.", key};
    for (const auto& [name, value] : body[key].items()) {
      if (!value.is_string())
        return {StrCat(key, " values must be strings."), StrCat(key, ".", name)};
    }
  }
  return {};
}

}  // namespace

http::Response SendGridFake::Handle(const http::Request& request, std::string& refusal) {
  if (request.Header("Authorization").value_or("") != StrCat("Bearer ", api_key_)) {
    refusal = "authorization";
    return ErrorFor(401);
  }
  if (!HasContentType(request, "application/json")) {
    refusal = "content type";
    return Errors(415, "Content-Type should be application/json.", "");
  }
  const nlohmann::json body = ParseStrict(request.body);
  if (body.is_discarded()) {
    refusal = "JSON";
    return Errors(400, "Bad Request", "");
  }
  auto [message, field] = Check(body);
  if (!message.empty()) {
    refusal = StrCat(field, ": ", message);
    return Errors(400, message, field);
  }
  http::Response accepted;
  accepted.status = 202;
  accepted.headers.Add("X-Message-Id", NextId("sg"));
  return accepted;
}

http::Response SendGridFake::ErrorFor(int status) const {
  switch (status) {
    case 401:
      return Errors(401, "The provided authorization grant is invalid, expired, or revoked", "");
    case 403:
      return Errors(403, "access forbidden", "");
    case 413:
      return Errors(413, "The JSON payload you have included in your request is too large.", "");
    case 429:
      return Errors(429, "too many requests", "");
    default:
      return Errors(status, status >= 500 ? "Internal Server Error" : "Bad Request", "");
  }
}

}  // namespace cadent::fakes
