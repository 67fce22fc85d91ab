#include "core/calendar/calendar.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

using std::chrono::minutes;
using ::testing::HasSubstr;

TimeRange R(int h1, int m1, int h2, int m2) {
  return TimeRange{minutes(h1 * 60 + m1), minutes(h2 * 60 + m2)};
}

TEST(SendWindow, ParsesGroupsAndRanges) {
  Result<SendWindow> window = SendWindow::Parse("Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00");
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_TRUE(window->by_weekday[0].empty());  // Sunday
  for (int day = 1; day <= 4; ++day) {
    EXPECT_EQ(window->by_weekday[static_cast<size_t>(day)],
              (std::vector<TimeRange>{R(9, 0, 12, 0), R(14, 0, 17, 30)}));
  }
  EXPECT_EQ(window->by_weekday[5], (std::vector<TimeRange>{R(9, 0, 12, 0)}));
  EXPECT_TRUE(window->by_weekday[6].empty());
  EXPECT_EQ(window->ToString(), "Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00");
}

TEST(SendWindow, DayListsWrapAroundCaseAndFullNames) {
  Result<SendWindow> window = SendWindow::Parse("  sun-THU 8:00-16:00 ");
  ASSERT_TRUE(window.ok()) << window.status();
  for (size_t day : {0u, 1u, 2u, 3u, 4u}) {
    EXPECT_EQ(window->by_weekday[day], (std::vector<TimeRange>{R(8, 0, 16, 0)}));
  }
  EXPECT_TRUE(window->by_weekday[5].empty());
  EXPECT_TRUE(window->by_weekday[6].empty());
  EXPECT_EQ(window->ToString(), "Mon-Thu 08:00-16:00; Sun 08:00-16:00");

  Result<SendWindow> listed = SendWindow::Parse("Monday,Wednesday,Sat 10:00-24:00");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->by_weekday[1], (std::vector<TimeRange>{R(10, 0, 24, 0)}));
  EXPECT_TRUE(listed->by_weekday[2].empty());
  EXPECT_EQ(listed->by_weekday[3], (std::vector<TimeRange>{R(10, 0, 24, 0)}));
  EXPECT_EQ(listed->by_weekday[6], (std::vector<TimeRange>{R(10, 0, 24, 0)}));
}

TEST(SendWindow, OverlappingRangesAndRepeatedDaysMerge) {
  Result<SendWindow> window =
      SendWindow::Parse("Mon 14:00-16:00,09:00-12:00,11:00-14:00; Mon 18:00-19:00");
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->by_weekday[1], (std::vector<TimeRange>{R(9, 0, 16, 0), R(18, 0, 19, 0)}));
}

TEST(SendWindow, RoundTripsThroughToString) {
  for (const char* spec :
       {"Mon-Fri 09:00-17:00", "Sat-Sun 00:00-24:00",
        "Mon 09:00-10:00; Wed 09:00-10:00; Fri 11:00-12:00,13:00-14:00", "closed"}) {
    Result<SendWindow> window = SendWindow::Parse(spec);
    ASSERT_TRUE(window.ok()) << spec << ": " << window.status();
    EXPECT_EQ(window->ToString(), spec);
    Result<SendWindow> again = SendWindow::Parse(window->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *window);
  }
  EXPECT_EQ(SendWindow::BusinessHours().ToString(), "Mon-Fri 09:00-17:00");
  EXPECT_EQ(SendWindow{}.ToString(), "closed");
}

struct ErrorCase {
  const char* spec;
  const char* message;
};

class SendWindowErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SendWindowErrorTest, SaysWhatAndWhere) {
  Result<SendWindow> window = SendWindow::Parse(GetParam().spec);
  ASSERT_FALSE(window.ok()) << GetParam().spec;
  EXPECT_EQ(window.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(window.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, SendWindowErrorTest,
    ::testing::Values(
        ErrorCase{"", "empty window"},
        ErrorCase{"Mon-Fir 09:00-17:00", "column 5: \"Fir\": expected a day"},
        ErrorCase{"Mo 09:00-17:00", "column 1: \"Mo\": expected a day"},
        ErrorCase{"Mon-Fri", "expected time ranges"},
        ErrorCase{"Mon-Fri 9-17", "column 9: \"9-17\": expected a time HH:MM"},
        ErrorCase{"Mon 09:00", "expected '-' and an end time"},
        ErrorCase{"Mon 17:00-09:00", "column 5: \"17:00-09:00\": the end must be after"},
        ErrorCase{"Mon 09:00-09:00", "the end must be after"},
        ErrorCase{"Mon 09:60-10:00", "column 5: \"09:60\": no such time of day"},
        ErrorCase{"Mon 25:00-26:00", "no such time of day"},
        ErrorCase{"Mon 24:00-24:00", "24:00 may only end a range"},
        ErrorCase{"Mon 09:00-10:00 Tue 09:00-10:00", "column 17: \"Tue\": expected ';'"},
        ErrorCase{"Mon 09:00-10:00;", "expected days"},
        ErrorCase{"closed Mon", "nothing may follow"}));

}  // namespace
}  // namespace cadent::calendar
