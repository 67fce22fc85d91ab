#include "core/contacts/field_map.hpp"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Overrides = std::vector<std::pair<std::string, std::string>>;

std::string Message(const Status& status) { return std::string(status.message()); }

TEST(ContactFieldTest, CanonicalNamesRoundTrip) {
  const std::vector<std::string_view> expected = {
      "email",        "first_name",           "last_name", "full_name", "company", "title", "phone",
      "linkedin_url", "linkedin_provider_id", "country",   "time_zone"};
  for (int i = 0; i <= static_cast<int>(ContactField::kTimeZone); ++i) {
    const auto field = static_cast<ContactField>(i);
    EXPECT_EQ(ToString(field), expected[static_cast<size_t>(i)]);
    EXPECT_EQ(ParseContactField(ToString(field)), field);
  }
  EXPECT_EQ(ParseContactField("Email"), std::nullopt);
  EXPECT_EQ(ParseContactField("ignore"), std::nullopt);
  EXPECT_EQ(ParseContactField(""), std::nullopt);
}

struct HeaderCase {
  std::string header;
  std::optional<ContactField> field;
};

class MatchHeaderTest : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(MatchHeaderTest, Matches) { EXPECT_EQ(MatchHeader(GetParam().header), GetParam().field); }

INSTANTIATE_TEST_SUITE_P(
    Table, MatchHeaderTest,
    ::testing::Values(
        HeaderCase{"First Name", ContactField::kFirstName},
        HeaderCase{"first_name", ContactField::kFirstName},
        HeaderCase{"firstName", ContactField::kFirstName},
        HeaderCase{"FIRSTNAME", ContactField::kFirstName},
        HeaderCase{"Given name", ContactField::kFirstName},
        HeaderCase{"  first-name  ", ContactField::kFirstName},
        HeaderCase{"Last Name", ContactField::kLastName},
        HeaderCase{"Surname", ContactField::kLastName},
        HeaderCase{"Full Name", ContactField::kFullName},
        HeaderCase{"Name", ContactField::kFullName}, HeaderCase{"E-mail", ContactField::kEmail},
        HeaderCase{"Email", ContactField::kEmail}, HeaderCase{"email", ContactField::kEmail},
        HeaderCase{"Email Address", ContactField::kEmail},
        HeaderCase{"Work Email", ContactField::kEmail},
        HeaderCase{"\ufeffEmail", ContactField::kEmail},  // BOM left on the first header
        HeaderCase{"Company Name", ContactField::kCompany},
        HeaderCase{"companyName", ContactField::kCompany},
        HeaderCase{"Organization", ContactField::kCompany},
        HeaderCase{"Account Name", ContactField::kCompany},
        HeaderCase{"Job Title", ContactField::kTitle}, HeaderCase{"jobTitle", ContactField::kTitle},
        HeaderCase{"Position", ContactField::kTitle}, HeaderCase{"Title", ContactField::kTitle},
        HeaderCase{"Phone Number", ContactField::kPhone},
        HeaderCase{"Mobile", ContactField::kPhone},
        HeaderCase{"Mobile Phone", ContactField::kPhone}, HeaderCase{"phone", ContactField::kPhone},
        HeaderCase{"LinkedIn URL", ContactField::kLinkedInUrl},
        HeaderCase{"linkedin_profile", ContactField::kLinkedInUrl},
        HeaderCase{"Person Linkedin Url", ContactField::kLinkedInUrl},
        HeaderCase{"linkedinUrl", ContactField::kLinkedInUrl},
        HeaderCase{"LinkedIn", ContactField::kLinkedInUrl},
        HeaderCase{"LinkedIn Provider ID", ContactField::kLinkedInProviderId},
        HeaderCase{"Time Zone", ContactField::kTimeZone},
        HeaderCase{"timezone", ContactField::kTimeZone}, HeaderCase{"tz", ContactField::kTimeZone},
        HeaderCase{"TZ", ContactField::kTimeZone}, HeaderCase{"Country", ContactField::kCountry},
        HeaderCase{"Country Code", ContactField::kCountry},
        HeaderCase{"Country/Region", ContactField::kCountry},
        // Deliberately unmatched: company-level or secondary columns.
        HeaderCase{"Company Linkedin Url", std::nullopt},
        HeaderCase{"Company Country", std::nullopt}, HeaderCase{"Personal Email", std::nullopt},
        HeaderCase{"Email Status", std::nullopt}, HeaderCase{"Work Direct Phone", std::nullopt},
        HeaderCase{"Mobile Phone Number", std::nullopt},
        HeaderCase{"Corporate Phone", std::nullopt}, HeaderCase{"Prénom", std::nullopt},
        HeaderCase{"Icebreaker", std::nullopt}, HeaderCase{"", std::nullopt},
        HeaderCase{"---", std::nullopt}));

TEST(MapHeadersTest, MapsAnApolloExport) {
  const std::vector<std::string> headers = {"First Name",
                                            "Last Name",
                                            "Title",
                                            "Company",
                                            "Company Name for Emails",
                                            "Email",
                                            "Email Status",
                                            "Work Direct Phone",
                                            "Mobile Phone",
                                            "Corporate Phone",
                                            "Person Linkedin Url",
                                            "Company Linkedin Url",
                                            "City",
                                            "Country",
                                            "Company Country"};
  Result<HeaderMapping> mapping = MapHeaders(headers, {});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_TRUE(mapping->RequireIdentity().ok());
  using T = ColumnTarget;
  EXPECT_THAT(mapping->columns,
              ElementsAre(T::Field(ContactField::kFirstName), T::Field(ContactField::kLastName),
                          T::Field(ContactField::kTitle), T::Field(ContactField::kCompany),
                          T::Custom("Company Name for Emails"), T::Field(ContactField::kEmail),
                          T::Custom("Email Status"), T::Custom("Work Direct Phone"),
                          T::Field(ContactField::kPhone), T::Custom("Corporate Phone"),
                          T::Field(ContactField::kLinkedInUrl), T::Custom("Company Linkedin Url"),
                          T::Custom("City"), T::Field(ContactField::kCountry),
                          T::Custom("Company Country")));
  EXPECT_EQ(mapping->ColumnOf(ContactField::kEmail), 5u);
  EXPECT_EQ(mapping->ColumnOf(ContactField::kTimeZone), std::nullopt);
}

TEST(MapHeadersTest, CustomFieldsKeepTheTrimmedHeaderAndEmptyHeadersAreIgnored) {
  Result<HeaderMapping> mapping = MapHeaders({"email", "  Plan Tier ", "", " "}, {});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_THAT(mapping->columns, ElementsAre(ColumnTarget::Field(ContactField::kEmail),
                                            ColumnTarget::Custom("Plan Tier"),
                                            ColumnTarget::Ignore(), ColumnTarget::Ignore()));
}

TEST(MapHeadersTest, TwoColumnsForOneFieldIsAnErrorNamingBoth) {
  Result<HeaderMapping> mapping = MapHeaders({"Email", "Phone", "Mobile"}, {});
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(mapping.status()),
            "columns 'Phone' and 'Mobile' both look like phone; choose one with --map "
            "\"Mobile=ignore\" or --map \"Mobile=custom.Mobile\"");
}

TEST(MapHeadersTest, AnOverrideWinsAndTheOtherColumnKeepsItsData) {
  Result<HeaderMapping> mapping =
      MapHeaders({"Email", "Phone", "Mobile"}, Overrides{{"Mobile", "phone"}});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_THAT(mapping->columns,
              ElementsAre(ColumnTarget::Field(ContactField::kEmail), ColumnTarget::Custom("Phone"),
                          ColumnTarget::Field(ContactField::kPhone)));
}

TEST(MapHeadersTest, OverridesTakeFieldsCustomNamesAndIgnore) {
  Result<HeaderMapping> mapping =
      MapHeaders({"E", "Who", "Notes", "Secret", "Email"},
                 Overrides{{"E", "email"},
                           {" who ", "FULL_NAME"},  // trimmed, case-insensitive header and target
                           {"Notes", "custom. Icebreaker "},
                           {"Secret", "ignore"},
                           {"Email", "custom.Old email"}});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_THAT(
      mapping->columns,
      ElementsAre(ColumnTarget::Field(ContactField::kEmail),
                  ColumnTarget::Field(ContactField::kFullName), ColumnTarget::Custom("Icebreaker"),
                  ColumnTarget::Ignore(), ColumnTarget::Custom("Old email")));
}

TEST(MapHeadersTest, RejectsBadOverridesAndHeaders) {
  struct Case {
    std::vector<std::string> headers;
    Overrides overrides;
    std::string message;
  };
  const Case cases[] = {
      {{"Email", "Name"},
       {{"Mail", "email"}},
       "--map \"Mail=email\": the file has no column 'Mail'; its columns are: Email, Name"},
      {{"Email", "Name"},
       {{"Name", "nickname"}},
       "--map \"Name=nickname\": unknown field 'nickname'; use one of email, first_name, "
       "last_name, full_name, company, title, phone, linkedin_url, linkedin_provider_id, "
       "country, time_zone, custom.NAME or ignore"},
      {{"Email", "Name"}, {{"Name", "custom. "}}, "a custom field needs a name"},
      {{"Email", "Name"}, {{"Name", "first_name"}, {"name", "last_name"}}, "given to --map twice"},
      {{"A", "B", "C"},
       {{"A", "email"}, {"B", "email"}},
       "--map gives columns 'A' and 'B' both to email"},
      {{"Email", "email", "Name"}, {}, "columns 'Email' and 'email' both look like email"},
      {{"Email", " Email ", "Name"}, {}, "duplicate column name 'Email' (columns 1 and 2)"},
      {{"Email", "Plan", "Tier"},
       {{"Tier", "custom.Plan"}},
       "columns 'Plan' and 'Tier' both go to custom field 'Plan'"},
      {{"Email", "EMAIL2", "email2"}, {{"Email2", "ignore"}}, "several columns match"},
      {{"Email", "Pr\xe9nom"}, {}, "column 2 header 'Pr\\xe9nom' is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    Result<HeaderMapping> mapping = MapHeaders(c.headers, c.overrides);
    ASSERT_FALSE(mapping.ok()) << c.message;
    EXPECT_EQ(mapping.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(mapping.status()), HasSubstr(c.message));
  }
}

TEST(MapHeadersTest, RequireIdentityListsTheColumnsFound) {
  Result<HeaderMapping> mapping = MapHeaders({"a", "b", "c"}, {});
  ASSERT_TRUE(mapping.ok());
  EXPECT_THAT(Message(mapping->RequireIdentity()),
              HasSubstr("missing required column: the file needs an email, LinkedIn URL or "
                        "phone column; found: a, b, c"));
  for (const char* identity : {"Email", "LinkedIn URL", "Phone"}) {
    mapping = MapHeaders({"Name", identity}, {});
    ASSERT_TRUE(mapping.ok());
    EXPECT_TRUE(mapping->RequireIdentity().ok()) << identity;
  }
  // An identity column mapped away does not count.
  mapping = MapHeaders({"Name", "Email"}, Overrides{{"Email", "ignore"}});
  ASSERT_TRUE(mapping.ok());
  EXPECT_FALSE(mapping->RequireIdentity().ok());
}

TEST(MapHeadersTest, ToRawContactPlacesEachField) {
  Result<HeaderMapping> mapping = MapHeaders(
      {"Email", "First Name", "Plan", "Skip", "Time Zone", ""}, Overrides{{"Skip", "ignore"}});
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  const std::vector<std::string_view> fields = {"a@x.com", "Ann", "Pro", "zzz", "UTC", "junk"};
  RawContact raw = mapping->ToRawContact(fields);
  EXPECT_EQ(raw.email, "a@x.com");
  EXPECT_EQ(raw.first_name, "Ann");
  EXPECT_EQ(raw.time_zone, "UTC");
  EXPECT_EQ(raw.custom_fields, (std::map<std::string, std::string>{{"Plan", "Pro"}}));
  // Short records leave the rest empty; empty custom values are not carried.
  raw = mapping->ToRawContact({"b@x.com", "", ""});
  EXPECT_EQ(raw.email, "b@x.com");
  EXPECT_TRUE(raw.custom_fields.empty());
  Result<ContactData> contact = BuildContact(mapping->ToRawContact(fields));
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->time_zone, "UTC");
}

}  // namespace
}  // namespace cadent
