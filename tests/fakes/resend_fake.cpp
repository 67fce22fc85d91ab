// Resend's send-email endpoint as documented: https://resend.com/docs/api-reference/emails/
// send-email, its errors https://resend.com/docs/api-reference/errors and idempotency keys.
#include "core/common/strings.hpp"
#include "fake_provider.hpp"
#include "json_checks.hpp"

namespace cadent::fakes {
namespace {

http::Response ResendError(int status, std::string_view name, std::string_view message) {
  return http::Response::Json(status,
                              {{"statusCode", status}, {"name", name}, {"message", message}});
}

}  // namespace

int ResendFake::emails() const {
  std::lock_guard lock(mutex_);
  return emails_;
}

http::Response ResendFake::Handle(const http::Request& request, std::string& refusal) {
  const std::string_view authorization = request.Header("Authorization").value_or("");
  if (authorization.empty()) {
    refusal = "no key";
    return ResendError(401, "missing_api_key", "Missing API key in the authorization header.");
  }
  if (authorization != StrCat("Bearer ", api_key_)) {
    refusal = "wrong key";
    return ErrorFor(403);
  }
  if (!HasContentType(request, "application/json")) {
    refusal = "content type";
    return ResendError(422, "validation_error", "Invalid content type.");
  }
  const nlohmann::json body = ParseStrict(request.body);
  if (!body.is_object()) {
    refusal = "JSON";
    return ResendError(422, "validation_error", "Invalid JSON.");
  }
  for (const char* key : {"from", "subject"}) {
    if (!HasString(body, key)) {
      refusal = key;
      return ResendError(422, "missing_required_field", StrCat("Missing `", key, "` field."));
    }
  }
  const nlohmann::json& to = body.contains("to") ? body["to"] : nlohmann::json();
  const bool to_ok =
      to.is_string() ||
      (to.is_array() && !to.empty() && to.size() <= 50 &&
       std::all_of(to.begin(), to.end(), [](const auto& t) {
         return t.is_string() && t.template get<std::string>().find('@') != std::string::npos;
       }));
  if (!to_ok) {
    refusal = "to";
    return ResendError(422, "validation_error", "Invalid `to` field.");
  }
  if (!HasString(body, "html") && !HasString(body, "text")) {
    refusal = "no body";
    return ResendError(422, "validation_error", "Missing `html` or `text` field.");
  }
  if (body.contains("headers") && !body["headers"].is_object()) {
    refusal = "headers";
    return ResendError(422, "validation_error", "Invalid `headers` field.");
  }
  const std::string key(request.Header("Idempotency-Key").value_or(""));
  std::lock_guard lock(mutex_);
  if (!key.empty()) {
    for (const auto& [known, first] : keys_) {
      if (known != key) continue;
      if (first.first != request.body) {
        return ResendError(409, "invalid_idempotent_request",
                           "Same idempotency key used with a different request payload.");
      }
      return http::Response::Json(200, {{"id", first.second}});
    }
  }
  const std::string id = NextId("re");
  ++emails_;
  if (!key.empty()) keys_.push_back({key, {request.body, id}});
  return http::Response::Json(200, {{"id", id}});
}

http::Response ResendFake::ErrorFor(int status) const {
  switch (status) {
    case 401:
      return ResendError(401, "missing_api_key", "Missing API key in the authorization header.");
    case 403:
      return ResendError(403, "invalid_api_key", "API key is invalid");
    case 409:
      return ResendError(409, "concurrent_idempotent_requests",
                         "Same idempotency key used while original request is still in progress.");
    case 422:
      return ResendError(422, "validation_error", "Invalid `from` field.");
    case 429:
      return ResendError(429, "rate_limit_exceeded", "Too many requests.");
    default:
      return ResendError(status, "application_error", "An unexpected error occurred.");
  }
}

}  // namespace cadent::fakes
