#include "core/contacts/suppression.hpp"

#include <string>

#include "core/contacts/normalize.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent {
namespace {

using ::testing::HasSubstr;

struct ValueCase {
  std::string input;
  SuppressionKind kind;
  std::string value;
};

class ParseSuppressionValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ParseSuppressionValueTest, Normalizes) {
  Result<SuppressionEntry> entry = ParseSuppressionValue(GetParam().input);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->kind, GetParam().kind);
  EXPECT_EQ(entry->value, GetParam().value);
  EXPECT_FALSE(entry->id.valid());
  EXPECT_EQ(entry->workspace, std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseSuppressionValueTest,
    ::testing::Values(ValueCase{"Jane@ACME.com", SuppressionKind::kEmail, "jane@acme.com"},
                      ValueCase{" jane@bücher.de ", SuppressionKind::kEmail,
                                "jane@xn--bcher-kva.de"},
                      ValueCase{"acme.com", SuppressionKind::kDomain, "acme.com"},
                      ValueCase{"ACME.com", SuppressionKind::kDomain, "acme.com"},
                      ValueCase{"@acme.com", SuppressionKind::kDomain, "acme.com"},
                      ValueCase{"*@acme.com", SuppressionKind::kDomain, "acme.com"},
                      ValueCase{"  Acme.CO.uk ", SuppressionKind::kDomain, "acme.co.uk"},
                      ValueCase{"sales.acme.co.uk", SuppressionKind::kDomain, "sales.acme.co.uk"},
                      ValueCase{"bücher.de", SuppressionKind::kDomain, "xn--bcher-kva.de"},
                      ValueCase{"@BÜCHER.de", SuppressionKind::kDomain, "xn--bcher-kva.de"}));

TEST(ParseSuppressionValueTest, RejectsWithReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "suppression value is empty"},
      {"co.uk", "'co.uk' is a public suffix"},
      {"com", "no dot"},
      {"@github.io", "public suffix"},
      {"*.acme.com", "uses a wildcard; give the domain ('acme.com')"},
      {"acme", "domain 'acme' is not valid: the domain 'acme' has no dot"},
      {"acme.com.", "the domain ends with a dot"},
      {"Jane <jane@acme.com>", "give the bare address 'jane@acme.com'"},
      {"jane@", "the domain is empty"},
      {"x\r\nBcc: y@acme.com", "control character"},
      {"@", "domain is empty"},
      {"*@", "domain is empty"},
  };
  for (const auto& [input, message] : cases) {
    Result<SuppressionEntry> entry = ParseSuppressionValue(input);
    ASSERT_FALSE(entry.ok()) << input << " -> " << entry->value;
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(entry.status().message()), HasSubstr(message)) << input;
  }
}

SuppressionEntry Entry(int64_t id, SuppressionKind kind, std::string value,
                       std::string reason = "test") {
  SuppressionEntry entry;
  entry.id = SuppressionId(id);
  entry.kind = kind;
  entry.value = std::move(value);
  entry.reason = std::move(reason);
  return entry;
}

ContactData Contact(std::string_view email) {
  RawContact raw;
  raw.email = std::string(email);
  Result<ContactData> contact = BuildContact(raw);
  EXPECT_TRUE(contact.ok()) << contact.status();
  return contact.ok() ? *contact : ContactData();
}

const SuppressionEntry* MatchEmail(const SuppressionSet& set, std::string_view email) {
  return set.Match(Contact(email));
}

TEST(SuppressionSetTest, TheRule) {
  SuppressionSet set;
  EXPECT_TRUE(set.empty());
  set.Add(Entry(1, SuppressionKind::kEmail, "no@x.com", "unsubscribed"));
  set.Add(Entry(2, SuppressionKind::kDomain, "acme.co.uk"));
  set.Add(Entry(3, SuppressionKind::kDomain, "sales.example.com"));
  set.Add(Entry(4, SuppressionKind::kDomain, "xn--bcher-kva.de"));
  EXPECT_EQ(set.size(), 4u);

  struct Case {
    std::string email;
    int64_t matched_id;  // 0 = not suppressed
  };
  const Case cases[] = {
      // 1. The exact address, however it was written.
      {"no@x.com", 1},
      {" NO@X.COM ", 1},
      {"no+tag@x.com", 0},
      {"yes@x.com", 0},
      {"no@sub.x.com", 0},
      // 2. The email's domain.
      {"anyone@acme.co.uk", 2},
      {"x@sales.example.com", 3},
      // 3. The registrable domain covers its subdomains.
      {"jo@sales.acme.co.uk", 2},
      {"jo@a.b.c.acme.co.uk", 2},
      // Not the parents of a domain entry, nor its other subdomains, nor look-alikes.
      {"x@example.com", 0},
      {"x@eu.sales.example.com", 0},
      {"x@acme.com", 0},
      {"x@notacme.co.uk", 0},
      {"x@acme.co.uk.evil.com", 0},
      // IDN: the entry and the contact meet in A-label form.
      {"x@BÜCHER.de", 4},
      {"x@xn--bcher-kva.de", 4},
      {"x@bucher.de", 0},
  };
  for (const Case& c : cases) {
    const SuppressionEntry* entry = MatchEmail(set, c.email);
    if (c.matched_id == 0) {
      EXPECT_EQ(entry, nullptr) << c.email << " matched " << entry->value;
    } else {
      ASSERT_NE(entry, nullptr) << c.email;
      EXPECT_EQ(entry->id.value(), c.matched_id) << c.email;
    }
  }
  EXPECT_EQ(set.Match(Contact("no@x.com"))->reason, "unsubscribed");
}

TEST(SuppressionSetTest, HomoglyphDomainsDoNotMatchEachOther) {
  SuppressionSet set;
  set.Add(Entry(1, SuppressionKind::kDomain, "apple.com"));
  EXPECT_EQ(MatchEmail(set, "ceo@\xd0\xb0pple.com"), nullptr);  // Cyrillic а
  Result<SuppressionEntry> spoof = ParseSuppressionValue("\xd0\xb0pple.com");
  ASSERT_TRUE(spoof.ok()) << spoof.status();
  set.Add(*spoof);
  EXPECT_NE(MatchEmail(set, "ceo@\xd0\xb0pple.com"), nullptr);
  EXPECT_EQ(MatchEmail(set, "ceo@apple.com")->value, "apple.com");
}

TEST(SuppressionSetTest, ContactsWithoutEmailNeverMatch) {
  SuppressionSet set;
  set.Add(Entry(1, SuppressionKind::kDomain, "acme.com"));
  ContactData linkedin_only;
  linkedin_only.linkedin_url = "https://www.linkedin.com/in/jane";
  EXPECT_EQ(set.Match(linkedin_only), nullptr);
  EXPECT_EQ(set.Match("", "acme.com", "acme.com"), nullptr);
  EXPECT_NE(set.Match("a@acme.com", "acme.com", "acme.com"), nullptr);
}

TEST(SuppressionSetTest, PrecedenceFollowsTheStoreQuery) {
  SuppressionSet set;
  set.Add(Entry(9, SuppressionKind::kDomain, "acme.co.uk"));
  set.Add(Entry(5, SuppressionKind::kDomain, "sales.acme.co.uk"));
  // Lowest id among domain entries.
  EXPECT_EQ(MatchEmail(set, "a@sales.acme.co.uk")->id.value(), 5);
  set.Add(Entry(2, SuppressionKind::kDomain, "acme.co.uk"));  // same value, lower id: kept
  EXPECT_EQ(MatchEmail(set, "a@sales.acme.co.uk")->id.value(), 2);
  set.Add(Entry(7, SuppressionKind::kDomain, "acme.co.uk"));  // higher id: ignored
  EXPECT_EQ(MatchEmail(set, "a@acme.co.uk")->id.value(), 2);
  EXPECT_EQ(set.size(), 2u);
  // An email entry is reported before any domain entry.
  set.Add(Entry(100, SuppressionKind::kEmail, "a@sales.acme.co.uk"));
  EXPECT_EQ(MatchEmail(set, "a@sales.acme.co.uk")->id.value(), 100);
  // Entries not stored yet (id 0) rank after stored ones.
  SuppressionSet fresh;
  fresh.Add(Entry(0, SuppressionKind::kDomain, "x.com", "first"));
  fresh.Add(Entry(0, SuppressionKind::kDomain, "x.com", "second"));
  EXPECT_EQ(MatchEmail(fresh, "a@x.com")->reason, "first");
  fresh.Add(Entry(3, SuppressionKind::kDomain, "x.com", "stored"));
  EXPECT_EQ(MatchEmail(fresh, "a@x.com")->reason, "stored");
}

}  // namespace
}  // namespace cadent
