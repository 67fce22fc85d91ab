#include "http/text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cadent::http {
namespace {

using ::testing::ElementsAre;

TEST(TextTest, EqualsIgnoreCaseIsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Host", "Hosts"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  // Bytes outside ASCII letters compare exactly.
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA9", "\xC3\x89"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
}

TEST(TextTest, SplitKeepsEmptyPieces) {
  EXPECT_THAT(Split("a/b//c", '/'), ElementsAre("a", "b", "", "c"));
  EXPECT_THAT(Split("", '/'), ElementsAre(""));
  EXPECT_THAT(Split("a/", '/'), ElementsAre("a", ""));
  EXPECT_THAT(Split("/", '/'), ElementsAre("", ""));
}

}  // namespace
}  // namespace cadent::http
