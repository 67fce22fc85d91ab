#include "channels/ses/sigv4.hpp"

#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(digest, sizeof digest);
}

std::string AmzDate(Instant at) {
  const time_t seconds = static_cast<time_t>(ToUnixMicros(at) / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

SigV4Signature SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service,
                      std::string_view amz_date) {
  // Lowercased names, sorted (stable, so repeated headers keep their order), values joined.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers.emplace_back(std::move(lower), CanonicalValue(value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  std::string signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      StrAppend(&canonical_headers, ",", headers[i].second);
      continue;
    }
    if (i > 0) canonical_headers += '\n';
    StrAppend(&canonical_headers, headers[i].first, ":", headers[i].second);
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += headers[i].first;
  }
  if (!canonical_headers.empty()) canonical_headers += '\n';

  SigV4Signature out;
  out.canonical_request =
      StrCat(request.method, "\n", request.path.empty() ? "/" : request.path, "\n", request.query,
             "\n", canonical_headers, "\n", signed_headers, "\n", Sha256Hex(request.payload));
  const std::string_view date = amz_date.substr(0, 8);
  const std::string scope = StrCat(date, "/", region, "/", service, "/aws4_request");
  out.string_to_sign =
      StrCat("AWS4-HMAC-SHA256\n", amz_date, "\n", scope, "\n", Sha256Hex(out.canonical_request));
  std::string key = Hmac(StrCat("AWS4", credentials.secret_access_key), date);
  key = Hmac(key, region);
  key = Hmac(key, service);
  key = Hmac(key, "aws4_request");
  const std::string mac = Hmac(key, out.string_to_sign);
  out.signature = ToHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  out.authorization = StrCat("AWS4-HMAC-SHA256 Credential=", credentials.access_key_id, "/", scope,
                             ", SignedHeaders=", signed_headers, ", Signature=", out.signature);
  return out;
}

}  // namespace cadent::channels
