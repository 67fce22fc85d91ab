// Mailgun's messages endpoint as documented: https://documentation.mailgun.com/docs/mailgun/
// api-reference/openapi-final/tag/Messages/.
#include <sodium.h>

#include "core/common/strings.hpp"
#include "fake_provider.hpp"
#include "json_checks.hpp"

namespace cadent::fakes {
namespace {

std::string Base64Of(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();  // throws type_error 316 on ill-formed UTF-8
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

http::Response MailgunMessage(int status, std::string_view message) {
  return http::Response::Json(status, {{"message", message}});
}

}  // namespace

http::Response MailgunFake::Handle(const http::Request& request, std::string& refusal) {
  if (request.Header("Authorization").value_or("") !=
      StrCat("Basic ", Base64Of(StrCat("api:", api_key_)))) {
    refusal = "authorization";
    return ErrorFor(401);
  }
  if (request.PathParam("domain") != domain_) {
    refusal = "domain";
    return MailgunMessage(404, StrCat("Domain not found: ", request.PathParam("domain")));
  }
  if (!HasContentType(request, "application/x-www-form-urlencoded")) {
    refusal = "content type";
    return MailgunMessage(400,
                          "Content-Type must be multipart/form-data or "
                          "application/x-www-form-urlencoded");
  }
  const auto form = http::ParseQuery(request.body);
  if (!form) {
    refusal = "form encoding";
    return MailgunMessage(400, "malformed form body");
  }
  auto has = [&](std::string_view name) {
    for (const auto& [key, value] : *form) {
      if (key == name && !value.empty()) return true;
    }
    return false;
  };
  for (const char* name : {"from", "to", "subject"}) {
    if (!has(name)) {
      refusal = name;
      return MailgunMessage(400, StrCat(name, " parameter is missing"));
    }
  }
  if (!has("text") && !has("html")) {
    refusal = "no body";
    return MailgunMessage(400,
                          "Need at least one of 'text', 'html', 'amp-html' or 'template' "
                          "parameters specified");
  }
  for (const auto& [key, value] : *form) {
    if (!IsUtf8(key) || !IsUtf8(value)) {
      refusal = StrCat("not UTF-8: ", key);
      return MailgunMessage(400, "parameters must be UTF-8");
    }
  }
  return http::Response::Json(200, {{"id", StrCat("<", NextId("mg"), "@", domain_, ">")},
                                    {"message", "Queued. Thank you."}});
}

http::Response MailgunFake::ErrorFor(int status) const {
  switch (status) {
    case 401:
      return http::Response::Text(401, "Forbidden");
    case 429:
      return MailgunMessage(429, "Too many requests");
    default:
      return MailgunMessage(status, status >= 500 ? "Internal Server Error" : "Bad Request");
  }
}

}  // namespace cadent::fakes
