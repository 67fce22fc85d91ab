#include "core/tracking/token.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cadent::tracking {
namespace {

const std::string kKey = std::string(64, 'a');
const std::string kOtherKey = std::string(64, 'b');

Token Unsubscribe(int64_t workspace, int64_t message) {
  return Token{TokenKind::kUnsubscribe, WorkspaceId(workspace), MessageId(message), 0};
}

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding, written here independently of token.cpp.
std::string Text(const std::vector<uint8_t>& bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

std::vector<uint8_t> Bytes(const std::string& text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    buffer = (buffer << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  return out;
}

std::string Signed(const Token& token, const std::string& key = kKey) {
  Result<std::string> text = Sign(token, key);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(TrackingToken, RoundTripsEveryKind) {
  const std::vector<Token> tokens = {
      Unsubscribe(1, 1),
      Token{TokenKind::kOpen, WorkspaceId(1), MessageId(123456789), 0},
      Token{TokenKind::kClick, WorkspaceId(7), MessageId(42), 3},
      Token{TokenKind::kClick, WorkspaceId(INT64_MAX), MessageId(INT64_MAX), kMaxLinkIndex},
  };
  for (const Token& token : tokens) {
    const std::string text = Signed(token);
    SCOPED_TRACE(text);
    EXPECT_LE(text.size(), kMaxTokenLength);
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"),
              std::string::npos);
    Result<Token> back = Verify(text, kKey, token.kind);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, token);
    Result<Token> peeked = Peek(text);
    ASSERT_TRUE(peeked.ok());
    EXPECT_EQ(*peeked, token);
  }
  // Compact: a typical link stays short.
  EXPECT_LE(Signed(Token{TokenKind::kOpen, WorkspaceId(1), MessageId(1234567), 0}).size(), 32u);
}

TEST(TrackingToken, SignRefusesWhatCannotBeAToken) {
  EXPECT_FALSE(Sign(Unsubscribe(0, 1), kKey).ok());
  EXPECT_FALSE(Sign(Unsubscribe(1, 0), kKey).ok());
  EXPECT_FALSE(Sign(Unsubscribe(1, -5), kKey).ok());
  EXPECT_FALSE(Sign(Token{TokenKind::kOpen, WorkspaceId(1), MessageId(1), 2}, kKey).ok());
  EXPECT_FALSE(Sign(Token{TokenKind::kClick, WorkspaceId(1), MessageId(1), -1}, kKey).ok());
  EXPECT_FALSE(
      Sign(Token{TokenKind::kClick, WorkspaceId(1), MessageId(1), kMaxLinkIndex + 1}, kKey).ok());
  EXPECT_FALSE(Sign(Unsubscribe(1, 1), "").ok());
  EXPECT_FALSE(Sign(Unsubscribe(1, 1), std::string(64, 'z')).ok());
  EXPECT_FALSE(Sign(Unsubscribe(1, 1), std::string(62, 'a')).ok());
}

TEST(TrackingToken, NewKeysAreRandomAndUsable) {
  const std::string a = NewKeyHex();
  const std::string b = NewKeyHex();
  EXPECT_EQ(a.size(), kKeySize * 2);
  EXPECT_NE(a, b);
  const std::string text = Signed(Unsubscribe(1, 9), a);
  EXPECT_TRUE(Verify(text, a).ok());
  EXPECT_FALSE(Verify(text, b).ok());
}

// Every single-character change, every truncation and every extension of a valid token is
// refused: malformed ones as kInvalidArgument, well-formed ones as kPermissionDenied.
TEST(TrackingToken, EveryMutationIsRefused) {
  const std::string& alphabet = kAlphabet;
  for (const Token& token :
       {Unsubscribe(3, 1000), Token{TokenKind::kClick, WorkspaceId(3), MessageId(1000), 12}}) {
    const std::string good = Signed(token);
    int tried = 0;
    for (size_t i = 0; i < good.size(); ++i) {
      for (const char c : alphabet) {
        if (c == good[i]) continue;
        std::string bad = good;
        bad[i] = c;
        Result<Token> verified = Verify(bad, kKey);
        ASSERT_FALSE(verified.ok()) << "accepted " << bad << " (from " << good << ")";
        EXPECT_TRUE(absl::IsInvalidArgument(verified.status()) ||
                    absl::IsPermissionDenied(verified.status()))
            << verified.status();
        ++tried;
      }
    }
    EXPECT_GT(tried, 1000);
    for (size_t n = 0; n < good.size(); ++n) {
      EXPECT_FALSE(Verify(good.substr(0, n), kKey).ok()) << n;
    }
    for (const char c : alphabet) EXPECT_FALSE(Verify(good + c, kKey).ok());
    EXPECT_FALSE(Verify(good + good, kKey).ok());
  }
}

struct BadCase {
  std::string name;
  std::string text;
  absl::StatusCode code;
};

TEST(TrackingToken, RefusesEachWayOfBeingWrong) {
  const std::string unsubscribe = Signed(Unsubscribe(1, 77));
  const std::string open = Signed(Token{TokenKind::kOpen, WorkspaceId(1), MessageId(77), 0});
  const std::string other_workspace = Signed(Unsubscribe(2, 77), kOtherKey);
  const std::string other_key = Signed(Unsubscribe(1, 77), kOtherKey);
  // Re-kinded: the kind byte changed from unsubscribe to open, the MAC kept.
  std::vector<uint8_t> bytes = Bytes(unsubscribe);
  bytes[1] = static_cast<uint8_t>(TokenKind::kOpen);
  const std::string rekinded = Text(bytes);
  // Moved: workspace 1's token renamed as workspace 2's, checked under workspace 2's key.
  bytes = Bytes(unsubscribe);
  bytes[2] = 2;
  const std::string moved = Text(bytes);
  Result<Token> moved_verified = Verify(moved, kOtherKey);
  ASSERT_FALSE(moved_verified.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(moved_verified.status())) << moved_verified.status();
  // Renumbered: another message id under the same MAC.
  bytes = Bytes(unsubscribe);
  bytes[3] = 78;
  const std::string renumbered = Text(bytes);
  const std::vector<BadCase> cases = {
      {"empty", "", absl::StatusCode::kInvalidArgument},
      {"padding", unsubscribe + "=", absl::StatusCode::kInvalidArgument},
      {"standard base64", "+/" + unsubscribe.substr(2), absl::StatusCode::kInvalidArgument},
      {"space", " " + unsubscribe.substr(1), absl::StatusCode::kInvalidArgument},
      {"NUL", std::string("AQ\0", 3) + unsubscribe.substr(3), absl::StatusCode::kInvalidArgument},
      {"percent", "%41" + unsubscribe.substr(1), absl::StatusCode::kInvalidArgument},
      {"too long", std::string(kMaxTokenLength + 1, 'A'), absl::StatusCode::kInvalidArgument},
      {"short", "AQE", absl::StatusCode::kInvalidArgument},
      {"all zero", std::string(32, 'A'), absl::StatusCode::kInvalidArgument},
      {"all ones", std::string(32, '_'), absl::StatusCode::kInvalidArgument},
      {"version 2", "Ag" + unsubscribe.substr(2), absl::StatusCode::kInvalidArgument},
      {"kind 0", "AQA" + unsubscribe.substr(3), absl::StatusCode::kInvalidArgument},
      {"re-kinded", rekinded, absl::StatusCode::kPermissionDenied},
      {"renumbered", renumbered, absl::StatusCode::kPermissionDenied},
      {"another workspace's token", other_workspace, absl::StatusCode::kPermissionDenied},
      {"other key", other_key, absl::StatusCode::kPermissionDenied},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Token> verified = Verify(c.text, kKey);
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.status().code(), c.code) << verified.status();
  }
  // A valid token of another kind where this kind is expected.
  Result<Token> wrong_kind = Verify(open, kKey, TokenKind::kUnsubscribe);
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(wrong_kind.status()));
  EXPECT_TRUE(Verify(open, kKey, TokenKind::kOpen).ok());
  // Peek reads the claimed workspace without trusting it.
  Result<Token> peeked = Peek(other_workspace);
  ASSERT_TRUE(peeked.ok());
  EXPECT_EQ(peeked->workspace, WorkspaceId(2));
}

TEST(TrackingToken, RefusesOverlongVarints) {
  // Hand-built: version 1, kind 1, workspace 1 spelled as two bytes (0x81 0x00), message 1.
  // Not canonical, so refused before any MAC is computed.
  const std::vector<uint8_t> bytes = {1, 1, 0x81, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0};
  const std::string text = Text(bytes);
  Result<Token> verified = Verify(text, kKey);
  ASSERT_FALSE(verified.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(verified.status())) << verified.status();
  EXPECT_NE(verified.status().message().find("overlong"), std::string::npos) << verified.status();
}

}  // namespace
}  // namespace cadent::tracking
