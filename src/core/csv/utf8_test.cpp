#include "core/csv/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cadent::csv {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8Test, IsAsciiAtEveryLengthAndPosition) {
  for (size_t length = 0; length < 40; ++length) {
    std::string text(length, 'a');
    EXPECT_TRUE(IsAscii(text));
    for (size_t i = 0; i < length; ++i) {
      text[i] = '\x80';
      EXPECT_FALSE(IsAscii(text)) << length << " " << i;
      text[i] = 'a';
    }
  }
}

TEST(Utf8Test, FindsTheFirstInvalidSequence) {
  EXPECT_EQ(FindInvalidUtf8(""), kValid);
  EXPECT_EQ(FindInvalidUtf8("plain ascii, long enough to use the word loop"), kValid);
  EXPECT_EQ(FindInvalidUtf8("René 王 👩‍💻 ﻿"), kValid);
  EXPECT_EQ(FindInvalidUtf8(std::string("a\0b", 3)), kValid);
  EXPECT_EQ(FindInvalidUtf8("abcdefghij\xE9"), 10u);
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9\xC3"), 2u);      // cut short
  EXPECT_EQ(FindInvalidUtf8("ab\xC3\x28"), 2u);        // bad continuation
  EXPECT_EQ(FindInvalidUtf8("\xE0\x9F\xBF"), 0u);      // overlong 3-byte
  EXPECT_EQ(FindInvalidUtf8("\xED\xBF\xBF"), 0u);      // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF0\x8F\xBF\xBF"), 0u);  // overlong 4-byte
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC\xF0\x9F\x98"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF"), kValid);  // the maxima
}

}  // namespace
}  // namespace cadent::csv
