// Tracking tokens: the signed, URL-safe names in unsubscribe, open and click links.
//
// A token says what a link is for (kind), whose it is (workspace, message) and, for a click,
// which link of the message it stands for. It is authenticated with HMAC-SHA256 under the
// workspace's tracking key, so a recipient cannot make a token for anyone else's message
// (counting message ids gets nothing) and cannot turn an open into an unsubscribe.
//
// Format (version 1), base64url without padding (RFC 4648 section 5):
//   byte    version (1)
//   byte    kind (1 unsubscribe, 2 open, 3 click)
//   varint  workspace id     (LEB128, shortest form, 1..2^63-1)
//   varint  message id
//   varint  link index       (clicks only, 0..kMaxLinkIndex)
//   16      the first 16 bytes of HMAC-SHA256(key, every byte above)
// A typical token is 30-35 characters. The workspace id travels in clear so the verifier
// knows which key to use; the MAC covers it, so a token moved to another workspace fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/ids.hpp"
#include "core/common/result.hpp"

namespace cadent::tracking {

enum class TokenKind : uint8_t { kUnsubscribe = 1, kOpen = 2, kClick = 3 };
std::string_view ToString(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kUnsubscribe;
  WorkspaceId workspace;
  MessageId message;
  int32_t link = 0;  // the link's index in the message's link table (clicks only)
  friend bool operator==(const Token&, const Token&) = default;
};

inline constexpr size_t kKeySize = 32;          // bytes of a workspace's tracking key
inline constexpr size_t kMaxTokenLength = 96;   // characters; longer input is refused unread
inline constexpr int32_t kMaxLinkIndex = 9999;  // links per message

// A fresh random key (kKeySize bytes, hex-encoded as stored).
std::string NewKeyHex();

// The token for `token` under `key_hex` (a key from NewKeyHex). kInvalidArgument for an
// invalid workspace or message id, a link index out of range or on a non-click kind, or a
// malformed key.
Result<std::string> Sign(const Token& token, std::string_view key_hex);

// What a token claims before its MAC is checked: the workspace whose key verifies it. Only
// the form is checked (alphabet, length, version, kind, varints); kInvalidArgument says
// what is wrong. Never trust the result before Verify.
Result<Token> Peek(std::string_view text);

// The token, when `text` is well formed and its MAC verifies under `key_hex` (compared in
// constant time). kInvalidArgument for malformed input, kPermissionDenied for a MAC that
// does not verify (tampered, truncated, re-kinded or another workspace's token). `expected`
// (when set) must be the token's kind, else kPermissionDenied too.
Result<Token> Verify(std::string_view text, std::string_view key_hex,
                     std::optional<TokenKind> expected = std::nullopt);

}  // namespace cadent::tracking
