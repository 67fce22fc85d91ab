// Small checks the JSON fakes share.
#pragma once

#include <string>
#include <string_view>

#include "http/router.hpp"
#include "nlohmann/json.hpp"

namespace cadent::fakes {

// Parses `body` strictly (nlohmann rejects ill-formed UTF-8 in strings): discarded on error.
inline nlohmann::json ParseStrict(std::string_view body) {
  return nlohmann::json::parse(body, nullptr, false);
}

// Whether the request's Content-Type is `type` (parameters such as charset ignored).
inline bool HasContentType(const http::Request& request, std::string_view type) {
  const std::string_view value = request.Header("Content-Type").value_or("");
  return value.substr(0, value.find(';')) == type;
}

// A non-empty string member.
inline bool HasString(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get<std::string>().empty();
}

}  // namespace cadent::fakes
