// AWS Signature Version 4 (the Authorization header of every AWS API request), over
// libsodium's SHA-256 and HMAC-SHA256: canonical request, string to sign, signing key chain
// ("AWS4" + secret -> date -> region -> service -> "aws4_request").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"

namespace cadent::channels {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;  // a credential: never log it
};

struct SigV4Request {
  std::string method;  // "POST"
  std::string path;    // already URI-encoded as sent, "/" for the root
  std::string query;   // the canonical query string (sorted, encoded); "" for none
  // The headers to sign, as sent (Host and X-Amz-Date at least). Names are lowercased and
  // sorted, values trimmed with inner runs of spaces collapsed, repeats joined by ','.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header value
};

// Signs `request` for `service` in `region` at `amz_date` ("20150830T123600Z", which must
// also be the X-Amz-Date header's value).
SigV4Signature SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service, std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(Instant at);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace cadent::channels
