#include <cstdlib>
#include <iostream>

#include "core/calendar/calendar.hpp"
#include "core/calendar/test_util.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::calendar {
namespace {

using ::testing::HasSubstr;
using testing::Ymd;

TEST(HolidayData, BuiltinCoversTheIssueCountries) {
  const HolidayData& data = HolidayData::Builtin();
  EXPECT_GE(data.Countries().size(), 35u);
  // G20 members with a country code, the Gulf, and the others the issue names.
  for (const char* cc :
       {"AR", "AU", "BR", "CA", "CN", "FR", "DE", "IN", "ID", "IT", "JP", "KR", "MX", "RU",
        "SA", "ZA", "TR", "GB", "US", "AE", "BH", "KW", "OM", "QA", "IL", "EG", "NG", "KE",
        "ES", "NL", "PL", "SE", "NO", "DK", "FI", "IS", "SG", "PH", "VN", "PK", "BD", "NZ"}) {
    EXPECT_TRUE(data.Covers(cc)) << cc;
  }
  EXPECT_TRUE(data.Covers("us"));
  EXPECT_FALSE(data.Covers("XX"));
  EXPECT_FALSE(data.Covers("USA"));
}

TEST(HolidayData, KnownDates) {
  const HolidayData& data = HolidayData::Builtin();
  const Holiday* thanksgiving = data.Find("US", Ymd(2026, 11, 26));
  ASSERT_NE(thanksgiving, nullptr);
  EXPECT_EQ(thanksgiving->name, "Thanksgiving Day");
  EXPECT_EQ(thanksgiving->type, HolidayType::kPublic);
  EXPECT_EQ(data.Find("US", Ymd(2026, 11, 25)), nullptr);

  const Holiday* easter_monday = data.Find("DE", Ymd(2027, 3, 29));
  ASSERT_NE(easter_monday, nullptr);
  EXPECT_EQ(easter_monday->name, "Easter Monday");

  // Eid al-Fitr 2026 in Saudi Arabia per date-holidays 3.37.0: 2026-03-19 to 03-22.
  for (unsigned day = 19; day <= 22; ++day) {
    const Holiday* eid = data.Find("SA", Ymd(2026, 3, day));
    ASSERT_NE(eid, nullptr) << day;
    EXPECT_THAT(std::string(eid->name), HasSubstr("Eid al-Fitr"));
  }
  EXPECT_EQ(data.Find("SA", Ymd(2026, 3, 18)), nullptr);
  EXPECT_EQ(data.Find("SA", Ymd(2026, 3, 23)), nullptr);
}

TEST(HolidayData, BankDaysUnlessPublicOnly) {
  const HolidayData& data = HolidayData::Builtin();
  const Holiday* carnival = data.Find("BR", Ymd(2026, 2, 17));
  ASSERT_NE(carnival, nullptr);
  EXPECT_EQ(carnival->type, HolidayType::kBank);
  EXPECT_EQ(data.Find("BR", Ymd(2026, 2, 17), /*public_only=*/true), nullptr);
  const int br = data.CountryIndex("BR");
  ASSERT_GE(br, 0);
  EXPECT_TRUE(data.IsHoliday(br, date::sys_days(Ymd(2026, 2, 17)), false));
  EXPECT_FALSE(data.IsHoliday(br, date::sys_days(Ymd(2026, 2, 17)), true));
  EXPECT_FALSE(data.IsHoliday(br, date::sys_days(Ymd(2019, 1, 1)), false));  // before the data
  EXPECT_FALSE(data.IsHoliday(br, date::sys_days(Ymd(2040, 1, 1)), false));  // after
}

TEST(HolidayData, BetweenIsInDateOrder) {
  const std::vector<Holiday> us =
      HolidayData::Builtin().Between("US", Ymd(2026, 11, 1), Ymd(2026, 12, 31));
  ASSERT_GE(us.size(), 3u);  // Veterans Day, Thanksgiving, Christmas
  for (size_t i = 1; i < us.size(); ++i) EXPECT_LT(us[i - 1].day, us[i].day);
  EXPECT_EQ(us.front().day, Ymd(2026, 11, 11));
  EXPECT_EQ(us.back().day, Ymd(2026, 12, 25));
  EXPECT_TRUE(HolidayData::Builtin().Between("XX", Ymd(2026, 1, 1), Ymd(2026, 12, 31)).empty());
}

TEST(HolidayData, EveryCountryCoversTwentyTwentyFourToTwentyThirtyFive) {
  for (const HolidayData::Coverage& row : HolidayData::Builtin().CoverageTable()) {
    EXPECT_EQ(row.first_year, 2024) << row.country;
    EXPECT_EQ(row.last_year, 2035) << row.country;
    EXPECT_GE(row.public_days, 12 * 5) << row.country;  // at least 5 a year
  }
  // docs/CALENDAR.md's coverage table: CADENT_PRINT_COVERAGE=1 ./calendar_tests
  // --gtest_filter=*Coverage* prints it.
  if (std::getenv("CADENT_PRINT_COVERAGE") != nullptr) {
    std::cout << "| Country | Years | Public days | Bank days |\n|---|---|---|---|\n";
    for (const HolidayData::Coverage& row : HolidayData::Builtin().CoverageTable()) {
      std::cout << "| " << row.country << " | " << row.first_year << "-" << row.last_year << " | "
                << row.public_days << " | " << row.bank_days << " |\n";
    }
  }
}

TEST(HolidayData, ParseErrorsNameFileAndLine) {
  const EmbeddedFile bad_type[] = {{"XY.tsv", "# c\n2026-01-01\tNew Year\tholiday\t-\n"}};
  Result<HolidayData> parsed = HolidayData::Parse(bad_type);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("XY.tsv line 2"));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("public or bank"));

  const EmbeddedFile bad_date[] = {{"XY.tsv", "2026-02-30\tX\tpublic\t-\n"}};
  EXPECT_THAT(std::string(HolidayData::Parse(bad_date).status().message()), HasSubstr("bad date"));
  const EmbeddedFile unsorted[] = {
      {"XY.tsv", "2026-02-03\tX\tpublic\t-\n2026-02-01\tY\tpublic\t-\n"}};
  EXPECT_THAT(std::string(HolidayData::Parse(unsorted).status().message()), HasSubstr("increase"));
  const EmbeddedFile fields[] = {{"XY.tsv", "2026-02-03\tX\tpublic\n"}};
  EXPECT_THAT(std::string(HolidayData::Parse(fields).status().message()), HasSubstr("4 tab"));
  const EmbeddedFile name[] = {{"usa.tsv", ""}};
  EXPECT_FALSE(HolidayData::Parse(name).ok());
}

TEST(HolidayData, ParseSmallFile) {
  const EmbeddedFile files[] = {{"XY.tsv",
                                 "# c\n2026-01-01\tNew Year\tpublic\t-\n"
                                 "2027-12-31\tEve\tbank\tsubstitute\n"},
                                {"README.md", "ignored"}};
  Result<HolidayData> parsed = HolidayData::Parse(files);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->Countries().size(), 1u);
  EXPECT_EQ(parsed->Countries()[0], "XY");
  ASSERT_NE(parsed->Find("xy", Ymd(2027, 12, 31)), nullptr);
  EXPECT_EQ(parsed->Find("XY", Ymd(2027, 12, 31))->name, "Eve");
  EXPECT_EQ(parsed->Find("XY", Ymd(2027, 12, 31), true), nullptr);
}

}  // namespace
}  // namespace cadent::calendar
