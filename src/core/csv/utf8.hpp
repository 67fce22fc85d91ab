// UTF-8 checks for the CSV reader: an ASCII fast path and a strict validator.
#pragma once

#include <cstddef>
#include <string_view>

namespace cadent::csv {

// True when every byte is below 0x80. Reads 8 bytes at a time.
bool IsAscii(std::string_view text);

// The index of the first byte of the first invalid sequence, or npos when `text` is valid
// UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF; a sequence
// cut short by the end of `text` is invalid). NUL is valid UTF-8; the reader checks it
// apart.
size_t FindInvalidUtf8(std::string_view text);

}  // namespace cadent::csv
