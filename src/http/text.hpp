// Small string helpers for HTTP text (Debian's abseil takes its own string_view, not std's).
#pragma once

#include <string_view>
#include <vector>

namespace cadent::http {

// ASCII case-insensitive comparison, as header names and tokens need (RFC 9110 5.1).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// "a/b//c" -> {"a", "b", "", "c"}; "" -> {""}. Views into `text`.
std::vector<std::string_view> Split(std::string_view text, char separator);

}  // namespace cadent::http
