#include "core/calendar/calendar.hpp"
#include "core/calendar/test_util.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

const CalendarOptions kDefaults;

using std::chrono::minutes;
using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Window;
using testing::Ymd;
using testing::Zone;
using Unit = DelayRule::Unit;

struct ParseCase {
  const char* text;
  int64_t amount;
  Unit unit;
  std::optional<minutes> at;
  const char* canonical;
};

class DelayParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(DelayParseTest, Parses) {
  Result<DelayRule> rule = DelayRule::Parse(GetParam().text);
  ASSERT_TRUE(rule.ok()) << GetParam().text << ": " << rule.status();
  EXPECT_EQ(rule->amount, GetParam().amount);
  EXPECT_EQ(rule->unit, GetParam().unit);
  EXPECT_EQ(rule->at_local_time, GetParam().at);
  EXPECT_EQ(rule->ToString(), GetParam().canonical);
  Result<DelayRule> again = DelayRule::Parse(rule->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *rule);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DelayParseTest,
    ::testing::Values(
        ParseCase{"0", 0, Unit::kDays, std::nullopt, "0"},
        ParseCase{"90 minutes", 90, Unit::kMinutes, std::nullopt, "90 minutes"},
        ParseCase{"1 minute", 1, Unit::kMinutes, std::nullopt, "1 minute"},
        ParseCase{"30m", 30, Unit::kMinutes, std::nullopt, "30 minutes"},
        ParseCase{"4h", 4, Unit::kHours, std::nullopt, "4 hours"},
        ParseCase{"3 days", 3, Unit::kDays, std::nullopt, "3 days"},
        ParseCase{"2d", 2, Unit::kDays, std::nullopt, "2 days"},
        ParseCase{"1 day at 9:00", 1, Unit::kDays, minutes(540), "1 day at 09:00"},
        ParseCase{"  3 Days AT 08:30 ", 3, Unit::kDays, minutes(510), "3 days at 08:30"},
        ParseCase{"2 business days at 08:30", 2, Unit::kBusinessDays, minutes(510),
                  "2 business days at 08:30"},
        ParseCase{"3bd", 3, Unit::kBusinessDays, std::nullopt, "3 business days"},
        ParseCase{"1 working day", 1, Unit::kBusinessDays, std::nullopt, "1 business day"},
        ParseCase{"0 days at 10:00", 0, Unit::kDays, minutes(600), "0 days at 10:00"}));

struct ErrorCase {
  const char* text;
  const char* message;
};

class DelayErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DelayErrorTest, SaysWhatWasExpectedWhere) {
  Result<DelayRule> rule = DelayRule::Parse(GetParam().text);
  ASSERT_FALSE(rule.ok()) << GetParam().text;
  EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rule.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, DelayErrorTest,
    ::testing::Values(ErrorCase{"", "column 1: expected a number"},
                      ErrorCase{"days", "column 1: expected a number"},
                      ErrorCase{"3", "column 2: expected a unit"},
                      ErrorCase{"3 dayz",
                                "column 3: unknown unit \"dayz\"; expected minutes, hours"},
                      ErrorCase{"2 business hours", "unknown unit \"business hours\""},
                      ErrorCase{"90 minutes at 08:30", "goes only with days or business days"},
                      ErrorCase{"3 days at 8", "column 11: expected a time of day HH:MM"},
                      ErrorCase{"3 days at 24:00", "no such time of day \"24:00\""},
                      ErrorCase{"3 days tomorrow", "column 8: unexpected \"tomorrow\""},
                      ErrorCase{"3 days at 08:30 sharp", "after the time of day"},
                      ErrorCase{"401 days", "at most 400 days"},
                      ErrorCase{"99999999 minutes", "number too large"},
                      ErrorCase{"-3 days", "expected a number"}));

class StepDueAtTest : public ::testing::Test {
 protected:
  std::vector<std::string> Details(const Slot& slot) {
    std::vector<std::string> out;
    for (const Reason& r : slot.reasons) out.push_back(r.detail);
    return out;
  }
  Slot Due(std::string_view from, std::string_view rule, const RecipientCalendar& calendar) {
    Result<DelayRule> parsed = DelayRule::Parse(rule);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    Result<Slot> slot = StepDueAt(At(from), *parsed, calendar);
    EXPECT_TRUE(slot.ok()) << slot.status();
    // The fast path gives the same instant.
    Result<Slot> fast = StepDueAt(At(from), *parsed, calendar, /*reasons=*/false);
    EXPECT_TRUE(fast.ok());
    if (slot.ok() && fast.ok()) {
      EXPECT_EQ(fast->at, slot->at);
      EXPECT_TRUE(fast->reasons.empty());
    }
    return slot.ok() ? *slot : Slot{};
  }
  CalendarOptions options_;
};

TEST_F(StepDueAtTest, MinutesAndHoursAreElapsedTimeThenPushed) {
  const RecipientCalendar cal = MakeRecipientCalendar(options_, Zone("America/New_York"), "US");
  // Tue 2026-06-09 10:00 EDT + 90 minutes = 11:30, inside hours.
  EXPECT_EQ(FormatRfc3339(Due("2026-06-09T14:00:00Z", "90 minutes", cal).at),
            "2026-06-09T15:30:00Z");
  // + 8 hours = 18:00, after hours: Wednesday 09:00.
  const Slot late = Due("2026-06-09T14:00:00Z", "8 hours", cal);
  EXPECT_EQ(FormatRfc3339(late.at), "2026-06-10T13:00:00Z");
  EXPECT_THAT(Details(late), ElementsAre("outside hours: after 17:00"));
}

TEST_F(StepDueAtTest, DaysKeepTheLocalTimeAcrossDst) {
  const RecipientCalendar cal = MakeRecipientCalendar(options_, Zone("America/New_York"), "US");
  // Fri 2026-03-06 10:00 EST + 3 days = Mon 03-09 10:00 EDT (one hour less elapsed).
  EXPECT_EQ(FormatRfc3339(Due("2026-03-06T15:00:00Z", "3 days", cal).at), "2026-03-09T14:00:00Z");
  // + 1 day lands on Saturday: pushed to Monday 09:00.
  const Slot weekend = Due("2026-03-06T15:00:00Z", "1 day", cal);
  EXPECT_EQ(FormatRfc3339(weekend.at), "2026-03-09T13:00:00Z");
  EXPECT_THAT(Details(weekend), ElementsAre("weekend: Saturday", "weekend: Sunday"));
}

TEST_F(StepDueAtTest, DayAtLocalTime) {
  const RecipientCalendar cal = MakeRecipientCalendar(options_, Zone("Europe/Berlin"), "DE");
  // "day 3 at 08:30": from Mon 2026-06-08 15:00 CEST -> Thu 06-11 08:30, before hours -> 09:00.
  const Slot slot = Due("2026-06-08T13:00:00Z", "3 days at 08:30", cal);
  EXPECT_EQ(FormatRfc3339(slot.at), "2026-06-11T07:00:00Z");
  EXPECT_THAT(Details(slot), ElementsAre("outside hours: before 09:00"));
  // At 10:15: due exactly then.
  EXPECT_EQ(FormatRfc3339(Due("2026-06-08T13:00:00Z", "3 days at 10:15", cal).at),
            "2026-06-11T08:15:00Z");
  // "0 days at 10:00" after 10:00 cannot be due before the previous send.
  EXPECT_EQ(FormatRfc3339(Due("2026-06-08T13:00:00Z", "0 days at 10:00", cal).at),
            "2026-06-08T13:00:00Z");
}

TEST_F(StepDueAtTest, BusinessDaysSkipWeekendsAndHolidays) {
  // Riyadh: from Wed 2026-03-18 10:00, 1 business day. Thu-Sun 03-19..22 are Eid (and the
  // Fri/Sat weekend), so the next business day is Mon 03-23 (business hours are Mon-Fri).
  const RecipientCalendar sa = MakeRecipientCalendar(options_, Zone("Asia/Riyadh"), "SA");
  const Slot slot = Due("2026-03-18T07:00:00Z", "1 business day", sa);
  EXPECT_EQ(FormatRfc3339(slot.at), "2026-03-23T07:00:00Z");
  EXPECT_THAT(Details(slot),
              ElementsAre("holiday: End of Ramadan (Eid al-Fitr)", "weekend: Friday",
                          "weekend: Saturday", "holiday: End of Ramadan (Eid al-Fitr)"));

  // US: Wed before Thanksgiving + 2 business days at 08:30 -> Mon 11-30 08:30 -> 09:00.
  const RecipientCalendar us = MakeRecipientCalendar(options_, Zone("America/Chicago"), "US");
  const Slot us_slot = Due("2026-11-25T16:00:00Z", "2 business days at 08:30", us);
  EXPECT_EQ(FormatRfc3339(us_slot.at), "2026-11-30T15:00:00Z");
  EXPECT_THAT(Details(us_slot), ElementsAre("holiday: Thanksgiving Day", "weekend: Saturday",
                                            "weekend: Sunday", "outside hours: before 09:00"));
}

TEST_F(StepDueAtTest, ZeroDelayIsTheNextAllowedSlot) {
  const RecipientCalendar cal = MakeRecipientCalendar(options_, Zone("Asia/Kathmandu"), "");
  EXPECT_EQ(FormatRfc3339(Due("2026-06-06T03:00:00Z", "0", cal).at),  // Saturday
            "2026-06-08T03:15:00Z");
}

TEST_F(StepDueAtTest, ClosedCalendarFails) {
  options_.window = SendWindow{};
  const RecipientCalendar closed = MakeRecipientCalendar(options_, Zone("UTC"), "");
  Result<Slot> slot =
      StepDueAt(At("2026-06-06T03:00:00Z"), *DelayRule::Parse("2 business days"), closed);
  EXPECT_EQ(slot.status().code(), absl::StatusCode::kFailedPrecondition);
  DelayRule bad;
  bad.unit = Unit::kHours;
  bad.amount = 1;
  bad.at_local_time = minutes(60);
  EXPECT_EQ(
      StepDueAt(At("2026-06-06T03:00:00Z"), bad, MakeRecipientCalendar(kDefaults, Zone("UTC"), ""))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cadent::calendar
