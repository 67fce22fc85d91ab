#include "core/calendar/calendar.hpp"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

// c_encoding: 0 = Sunday ... 6 = Saturday.
WeekdaySet Days(std::initializer_list<int> days) {
  WeekdaySet set;
  for (int day : days) set.set(static_cast<size_t>(day));
  return set;
}

struct WeekendCase {
  const char* country;
  WeekdaySet expected;
};

class WeekendTest : public ::testing::TestWithParam<WeekendCase> {};

TEST_P(WeekendTest, FromCldr) {
  EXPECT_EQ(WeekendOf(GetParam().country), GetParam().expected) << GetParam().country;
}

// As ICU 72 (CLDR 42) has them.
INSTANTIATE_TEST_SUITE_P(
    Countries, WeekendTest,
    ::testing::Values(WeekendCase{"US", Days({6, 0})}, WeekendCase{"SA", Days({5, 6})},  // Fri/Sat
                      WeekendCase{"AE", Days({6, 0})},  // since 2022
                      WeekendCase{"IR", Days({5})},     // Fri only
                      WeekendCase{"IN", Days({0})},     // Sun only
                      WeekendCase{"UG", Days({0})},     // Sun only
                      WeekendCase{"AF", Days({4, 5})},  // Thu/Fri
                      WeekendCase{"IL", Days({5, 6})}, WeekendCase{"EG", Days({5, 6})},
                      WeekendCase{"DE", Days({6, 0})}, WeekendCase{"sa", Days({5, 6})},  // any case
                      WeekendCase{"", Days({6, 0})},                                     // unknown
                      WeekendCase{"X1", Days({6, 0})}, WeekendCase{"ZZ", Days({6, 0})}));

TEST(WeekendOf, CachedValueIsStable) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(WeekendOf("IR"), Days({5}));
}

}  // namespace
}  // namespace cadent::calendar
