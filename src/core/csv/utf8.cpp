#include "core/csv/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace cadent::csv {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

inline uint64_t Load64(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// The index of the first byte >= 0x80 at or after `i`, or text.size().
size_t SkipAscii(std::string_view text, size_t i) {
  const char* data = text.data();
  while (i + 8 <= text.size() && (Load64(data + i) & kHighBits) == 0) i += 8;
  while (i < text.size() && static_cast<unsigned char>(data[i]) < 0x80) ++i;
  return i;
}

inline bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

bool IsAscii(std::string_view text) {
  const char* data = text.data();
  size_t i = 0;
  uint64_t seen = 0;
  // Two words per step: the OR chain is cheaper than a branch per word.
  for (; i + 16 <= text.size(); i += 16) seen |= Load64(data + i) | Load64(data + i + 8);
  for (; i + 8 <= text.size(); i += 8) seen |= Load64(data + i);
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(data[i]);
  return (seen & kHighBits) == 0;
}

size_t FindInvalidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  for (;;) {
    i = SkipAscii(text, i);
    if (i == size) return std::string_view::npos;
    const unsigned char lead = bytes[i];
    size_t length;
    // The allowed range of the second byte excludes overlong forms, surrogates and code
    // points above U+10FFFF (RFC 3629, section 4).
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > size) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (size_t k = 2; k < length; ++k) {
      if (!IsContinuation(bytes[i + k])) return i;
    }
    i += length;
  }
}

}  // namespace cadent::csv
