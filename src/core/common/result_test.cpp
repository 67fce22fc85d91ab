#include "core/common/result.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/common/ids.hpp"

namespace cadent {
namespace {

Result<int> Parse(const std::string& s) {
  if (s.empty()) return absl::InvalidArgumentError("empty");
  return static_cast<int>(s.size());
}

Result<int> Doubled(const std::string& s) {
  ASSIGN_OR_RETURN(int n, Parse(s));
  return 2 * n;
}

Status Check(const std::string& s) {
  TRY(Parse(s));
  TRY(OkStatus());
  return OkStatus();
}

TEST(ResultTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Doubled("abc"), 6);
  EXPECT_EQ(Doubled("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResultTest, TryPropagates) {
  EXPECT_TRUE(Check("x").ok());
  EXPECT_EQ(Check("").message(), "empty");
}

TEST(IdsTest, TypedAndComparable) {
  ContactId a{3}, b{4};
  EXPECT_LT(a, b);
  EXPECT_TRUE(a.valid());
  EXPECT_FALSE(ContactId{}.valid());
  static_assert(!std::is_convertible_v<ContactId, ListId>);
}

}  // namespace
}  // namespace cadent
