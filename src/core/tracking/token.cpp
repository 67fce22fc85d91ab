#include "core/tracking/token.hpp"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <vector>

#include "core/common/strings.hpp"

namespace cadent::tracking {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kTagSize = 16;  // 128 bits of HMAC-SHA256: forging stays out of reach
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void InitSodium() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot run on this machine at all
}

void PutVarint(std::vector<uint8_t>& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

// LEB128 in its shortest form, at most 63 bits. Advances `pos`.
Result<uint64_t> GetVarint(const std::vector<uint8_t>& in, size_t& pos, std::string_view what) {
  uint64_t value = 0;
  for (int shift = 0; shift < 63; shift += 7) {  // 9 bytes of 7 bits: 63 bits
    if (pos >= in.size()) return absl::InvalidArgumentError(StrCat("token ends inside ", what));
    const uint8_t byte = in[pos++];
    const uint64_t bits = byte & 0x7f;
    value |= bits << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift > 0) {
        return absl::InvalidArgumentError(StrCat("token has an overlong ", what));
      }
      return value;
    }
  }
  return absl::InvalidArgumentError(StrCat("token has a ", what, " out of range"));
}

std::string Base64Url(const std::vector<uint8_t>& bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (bytes.size() - i == 1) {
    const uint32_t n = bytes[i] << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

// Strict: the URL-safe alphabet only, no padding, and the unused low bits of the last
// character zero, so every byte string has exactly one spelling.
Result<std::vector<uint8_t>> FromBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("token has an impossible length");
  std::vector<uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '-') value = 62;
    if (c == '_') value = 63;
    if (value < 0) return absl::InvalidArgumentError("token has a character outside base64url");
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
      buffer &= (1u << bits) - 1;
    }
  }
  if (buffer != 0) return absl::InvalidArgumentError("token is not canonical base64url");
  return out;
}

Result<std::array<uint8_t, kKeySize>> Key(std::string_view key_hex) {
  std::array<uint8_t, kKeySize> key{};
  size_t length = 0;
  if (key_hex.size() != kKeySize * 2 ||
      sodium_hex2bin(key.data(), key.size(), key_hex.data(), key_hex.size(), nullptr, &length,
                     nullptr) != 0 ||
      length != kKeySize) {
    return absl::InvalidArgumentError("a tracking key is 64 hex digits");
  }
  return key;
}

std::array<uint8_t, crypto_auth_hmacsha256_BYTES> Mac(const std::array<uint8_t, kKeySize>& key,
                                                      const uint8_t* data, size_t size) {
  std::array<uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, data, size);
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

struct Parsed {
  Token token;
  std::vector<uint8_t> bytes;
  size_t body = 0;  // bytes covered by the MAC
};

Result<Parsed> Parse(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty token");
  if (text.size() > kMaxTokenLength) return absl::InvalidArgumentError("token too long");
  Parsed parsed;
  ASSIGN_OR_RETURN(parsed.bytes, FromBase64Url(text));
  const std::vector<uint8_t>& b = parsed.bytes;
  if (b.size() < 2 + 2 + kTagSize) return absl::InvalidArgumentError("token too short");
  if (b[0] != kVersion) return absl::InvalidArgumentError("unknown token version");
  if (b[1] < 1 || b[1] > 3) return absl::InvalidArgumentError("unknown token kind");
  parsed.token.kind = static_cast<TokenKind>(b[1]);
  size_t pos = 2;
  ASSIGN_OR_RETURN(const uint64_t workspace, GetVarint(b, pos, "workspace id"));
  ASSIGN_OR_RETURN(const uint64_t message, GetVarint(b, pos, "message id"));
  if (workspace == 0 || message == 0) return absl::InvalidArgumentError("token names id 0");
  parsed.token.workspace = WorkspaceId(static_cast<int64_t>(workspace));
  parsed.token.message = MessageId(static_cast<int64_t>(message));
  if (parsed.token.kind == TokenKind::kClick) {
    ASSIGN_OR_RETURN(const uint64_t link, GetVarint(b, pos, "link index"));
    if (link > static_cast<uint64_t>(kMaxLinkIndex)) {
      return absl::InvalidArgumentError("token has a link index out of range");
    }
    parsed.token.link = static_cast<int32_t>(link);
  }
  if (b.size() != pos + kTagSize) {
    return absl::InvalidArgumentError(b.size() < pos + kTagSize ? "token too short"
                                                                : "token too long");
  }
  parsed.body = pos;
  return parsed;
}

}  // namespace

std::string_view ToString(TokenKind kind) {
  switch (kind) {
    case TokenKind::kUnsubscribe:
      return "unsubscribe";
    case TokenKind::kOpen:
      return "open";
    case TokenKind::kClick:
      return "click";
  }
  return "?";
}

std::string NewKeyHex() {
  InitSodium();
  std::array<uint8_t, kKeySize> key{};
  randombytes_buf(key.data(), key.size());
  std::string hex(kKeySize * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.pop_back();
  sodium_memzero(key.data(), key.size());
  return hex;
}

Result<std::string> Sign(const Token& token, std::string_view key_hex) {
  InitSodium();
  if (!token.workspace.valid() || !token.message.valid()) {
    return absl::InvalidArgumentError("a token names a valid workspace and message");
  }
  if (token.kind != TokenKind::kClick && token.link != 0) {
    return absl::InvalidArgumentError("only click tokens carry a link index");
  }
  if (token.link < 0 || token.link > kMaxLinkIndex) {
    return absl::InvalidArgumentError(StrCat("link index ", token.link, " out of range"));
  }
  ASSIGN_OR_RETURN(const auto key, Key(key_hex));
  std::vector<uint8_t> bytes;
  bytes.reserve(2 + 10 + 10 + 2 + kTagSize);
  bytes.push_back(kVersion);
  bytes.push_back(static_cast<uint8_t>(token.kind));
  PutVarint(bytes, static_cast<uint64_t>(token.workspace.value()));
  PutVarint(bytes, static_cast<uint64_t>(token.message.value()));
  if (token.kind == TokenKind::kClick) PutVarint(bytes, static_cast<uint64_t>(token.link));
  const auto mac = Mac(key, bytes.data(), bytes.size());
  bytes.insert(bytes.end(), mac.begin(), mac.begin() + kTagSize);
  return Base64Url(bytes);
}

Result<Token> Peek(std::string_view text) {
  ASSIGN_OR_RETURN(Parsed parsed, Parse(text));
  return parsed.token;
}

Result<Token> Verify(std::string_view text, std::string_view key_hex,
                     std::optional<TokenKind> expected) {
  InitSodium();
  ASSIGN_OR_RETURN(Parsed parsed, Parse(text));
  ASSIGN_OR_RETURN(const auto key, Key(key_hex));
  const auto mac = Mac(key, parsed.bytes.data(), parsed.body);
  if (sodium_memcmp(mac.data(), parsed.bytes.data() + parsed.body, kTagSize) != 0) {
    return absl::PermissionDeniedError("token signature does not verify");
  }
  if (expected && parsed.token.kind != *expected) {
    return absl::PermissionDeniedError(StrCat("a ", ToString(parsed.token.kind), " token where ",
                                              ToString(*expected), " was expected"));
  }
  return parsed.token;
}

}  // namespace cadent::tracking
