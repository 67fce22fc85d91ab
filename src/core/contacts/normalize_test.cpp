#include "core/contacts/normalize.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::string_literals;

std::string Message(const Status& status) { return std::string(status.message()); }

// ---- NormalizeEmail ----

struct EmailCase {
  std::string input;
  std::string address;
  std::string normalized;
  std::string domain_ascii;
  std::string registrable;
};

class EmailValidTest : public ::testing::TestWithParam<EmailCase> {};

TEST_P(EmailValidTest, Normalizes) {
  const EmailCase& c = GetParam();
  Result<NormalizedEmail> email = NormalizeEmail(c.input);
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(email->address, c.address);
  EXPECT_EQ(email->normalized, c.normalized);
  EXPECT_EQ(email->domain_ascii, c.domain_ascii);
  EXPECT_EQ(email->registrable_domain, c.registrable);
  EXPECT_EQ(email->normalized, email->local + "@" + email->domain_ascii);
}

INSTANTIATE_TEST_SUITE_P(
    Table, EmailValidTest,
    ::testing::Values(
        EmailCase{"jane.doe@acme.com", "jane.doe@acme.com", "jane.doe@acme.com", "acme.com",
                  "acme.com"},
        // Trimmed; the display keeps the local part's case, the key does not.
        EmailCase{"  Jane.Doe@ACME.com \t", "Jane.Doe@acme.com", "jane.doe@acme.com", "acme.com",
                  "acme.com"},
        EmailCase{"\u00a0\ufeffjane@acme.com\u00a0", "jane@acme.com", "jane@acme.com", "acme.com",
                  "acme.com"},
        EmailCase{"jo@sales.acme.co.uk", "jo@sales.acme.co.uk", "jo@sales.acme.co.uk",
                  "sales.acme.co.uk", "acme.co.uk"},
        EmailCase{"x@a.b.example.github.io", "x@a.b.example.github.io", "x@a.b.example.github.io",
                  "a.b.example.github.io", "example.github.io"},
        EmailCase{"user+tag@gmail.com", "user+tag@gmail.com", "user+tag@gmail.com", "gmail.com",
                  "gmail.com"},
        EmailCase{"o'brien@example.ie", "o'brien@example.ie", "o'brien@example.ie", "example.ie",
                  "example.ie"},
        EmailCase{"{x}!#$%&*=?^`|~-@example.com", "{x}!#$%&*=?^`|~-@example.com",
                  "{x}!#$%&*=?^`|~-@example.com", "example.com", "example.com"},
        // Redundant quotes go; needed ones stay.
        EmailCase{"\"John\"@example.com", "\"John\"@example.com", "john@example.com", "example.com",
                  "example.com"},
        EmailCase{"\"john doe\"@example.com", "\"john doe\"@example.com",
                  "\"john doe\"@example.com", "example.com", "example.com"},
        EmailCase{"\"a@b\"@example.com", "\"a@b\"@example.com", "\"a@b\"@example.com",
                  "example.com", "example.com"},
        EmailCase{"\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com",
                  "example.com", "example.com"},
        // IDN: A-label key, Unicode display.
        EmailCase{"jane@bücher.de", "jane@bücher.de", "jane@xn--bcher-kva.de", "xn--bcher-kva.de",
                  "xn--bcher-kva.de"},
        EmailCase{"jane@BÜCHER.de", "jane@bücher.de", "jane@xn--bcher-kva.de", "xn--bcher-kva.de",
                  "xn--bcher-kva.de"},
        EmailCase{"jane@XN--BCHER-KVA.de", "jane@bücher.de", "jane@xn--bcher-kva.de",
                  "xn--bcher-kva.de", "xn--bcher-kva.de"},
        // Non-transitional (IDNA2008): faß.de is not fass.de.
        EmailCase{"jane@faß.de", "jane@faß.de", "jane@xn--fa-hia.de", "xn--fa-hia.de",
                  "xn--fa-hia.de"},
        // Transitional fallback for what only IDNA2003 allowed.
        EmailCase{"jane@☃.net", "jane@☃.net", "jane@xn--n3h.net", "xn--n3h.net", "xn--n3h.net"},
        // Full-width letters and the ideographic full stop map to ASCII.
        EmailCase{"jane@ａｃｍｅ。com", "jane@acme.com", "jane@acme.com", "acme.com", "acme.com"},
        EmailCase{"taro@例え.テスト", "taro@例え.テスト", "taro@xn--r8jz45g.xn--zckzah",
                  "xn--r8jz45g.xn--zckzah", "xn--r8jz45g.xn--zckzah"},
        // UTF-8 local parts (RFC 6531): NFC and lower case in the key.
        EmailCase{"JOSÉ@example.com", "JOSÉ@example.com", "josé@example.com", "example.com",
                  "example.com"},
        EmailCase{"Jose\u0301@example.com", "José@example.com", "josé@example.com", "example.com",
                  "example.com"},
        // Pure ASCII skips libidn2: an R-LDH label that IDNA would refuse is a valid host name.
        EmailCase{"a@ab--cd.com", "a@ab--cd.com", "a@ab--cd.com", "ab--cd.com", "ab--cd.com"}));

struct InvalidCase {
  std::string input;
  std::string message_part;
};

class EmailInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(EmailInvalidTest, RejectsWithReason) {
  Result<NormalizedEmail> email = NormalizeEmail(GetParam().input);
  ASSERT_FALSE(email.ok()) << email->normalized;
  EXPECT_EQ(email.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(email.status()), HasSubstr(GetParam().message_part));
  // A message never carries raw line breaks or NULs from the input.
  EXPECT_THAT(Message(email.status()), Not(HasSubstr("\n")));
  EXPECT_THAT(Message(email.status()), Not(HasSubstr("\r")));
  EXPECT_EQ(Message(email.status()).find('\0'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Table, EmailInvalidTest,
    ::testing::Values(
        InvalidCase{"", "email is empty"}, InvalidCase{"   ", "email is empty"},
        InvalidCase{"jane", "email 'jane' is not valid: it has no '@'"},
        InvalidCase{"jane@", "the domain is empty"},
        InvalidCase{"@acme.com", "the part before '@' is empty"},
        InvalidCase{"a@b@acme.com", "more than one '@'"},
        InvalidCase{"jane@acme.com@", "more than one '@'"},
        InvalidCase{"Jane Doe <jane@acme.com>", "give the bare address 'jane@acme.com'"},
        InvalidCase{"<jane@acme.com>", "give the bare address 'jane@acme.com'"},
        InvalidCase{"jane@acme.com>", "contains '<' or '>'"},
        InvalidCase{"jane doe@acme.com", "contains a space"},
        InvalidCase{"jane@acme .com", "contains a space"},
        InvalidCase{"a@acme.com, b@acme.com", "contains a comma; give one address"},
        InvalidCase{"a@acme.com;b@acme.com", "contains a semicolon"},
        InvalidCase{".jane@acme.com", "the local part starts with a dot"},
        InvalidCase{"jane.@acme.com", "the local part ends with a dot"},
        InvalidCase{"ja..ne@acme.com", "the local part has two dots in a row"},
        InvalidCase{"ja(ne)@acme.com", "it contains '('"},
        InvalidCase{"\"unterminated@acme.com", "no closing '\"'"},
        InvalidCase{"\"a\"b@acme.com", "must be followed by '@'"},
        InvalidCase{"\"\"@acme.com", "the quoted local part is empty"},
        InvalidCase{std::string(65, 'a') + "@acme.com", "65 bytes long; at most 64"},
        InvalidCase{"jane@acme", "the domain 'acme' has no dot"},
        InvalidCase{"jane@acme.com.", "the domain ends with a dot"},
        InvalidCase{"jane@acme.com..", "the domain ends with a dot"},
        InvalidCase{"jane@.acme.com", "the domain starts with a dot"},
        InvalidCase{"jane@acme..com", "two dots in a row"},
        InvalidCase{"jane@bücher.de.", "the domain ends with a dot"},
        InvalidCase{"jane@-acme.com", "starts or ends with a hyphen"},
        InvalidCase{"jane@acme_corp.com", "the domain contains an underscore"},
        InvalidCase{"jane@acme!.com", "the domain contains '!'"},
        InvalidCase{"jane@[192.168.0.1]", "IP address literals"},
        InvalidCase{"jane@1.2.3.4", "the top-level domain '4' is not valid"},
        InvalidCase{"jane@acme.c", "the top-level domain 'c' is not valid"},
        InvalidCase{"jane@" + std::string(64, 'a') + ".com", "longer than 63 characters"},
        InvalidCase{"jane@xn--zz.com", "not a valid internationalized name"},
        InvalidCase{"jane@xn--n3h.net.xn--", "'xn--' starts or ends with a hyphen"},
        // Header injection and other control characters.
        InvalidCase{"x\r\nBcc: y@acme.com",
                    "email 'x\\r\\nBcc: y@acme.com' is not valid: it "
                    "contains a control character"},
        InvalidCase{"jane@acme.com\r\nBcc: y@evil.com", "control character"},
        InvalidCase{"jane\0@acme.com"s, "control character"},
        InvalidCase{"jane@acme\0.com"s, "control character"},
        InvalidCase{"jane@ac\tme.com", "control character"},
        InvalidCase{"jane\u0085@acme.com", "invisible or control character"},
        InvalidCase{"jane\u2028bcc@acme.com", "invisible or control character"},
        InvalidCase{"ja\u00a0ne@acme.com", "invisible or control character"},
        InvalidCase{"jane\u202e@acme.com", "invisible or control character"},
        InvalidCase{"jane@ac\u200bme.com", "invisible or control character"},
        // Invalid UTF-8: Latin-1, overlong forms, surrogates, truncated sequences.
        InvalidCase{"jos\xe9@acme.com", "is not valid UTF-8"},
        InvalidCase{"jane@b\xfc"
                    "cher.de",
                    "is not valid UTF-8"},
        InvalidCase{"\xc0\xaf@acme.com", "is not valid UTF-8"},
        InvalidCase{"\xed\xa0\x80@acme.com", "is not valid UTF-8"},
        InvalidCase{"jane@acme.co\xe2\x82", "is not valid UTF-8"},
        // Length.
        InvalidCase{std::string(10 * 1024, 'a') + "@acme.com",
                    "bytes long; an address has at "
                    "most 254"},
        InvalidCase{std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') +
                        "." + std::string(63, 'd') + ".com",
                    "260 bytes long in ASCII form; at most 254"}));

TEST(NormalizeEmailTest, LimitsAreInclusive) {
  // 64 + 1 + 189 = 254 octets.
  const std::string domain =
      std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(57, 'd') + ".com";
  ASSERT_EQ(domain.size(), 189u);
  const std::string address = std::string(64, 'a') + "@" + domain;
  Result<NormalizedEmail> email = NormalizeEmail(address);
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(email->normalized.size(), 254u);
  EXPECT_FALSE(NormalizeEmail("a" + address).ok());
}

TEST(NormalizeEmailTest, HomoglyphDomainsStayDistinct) {
  // "аpple.com" with a Cyrillic "а": a different domain, never merged with apple.com, and
  // shown in its xn-- form because it mixes scripts.
  Result<NormalizedEmail> spoof = NormalizeEmail("ceo@\xd0\xb0pple.com");
  Result<NormalizedEmail> real = NormalizeEmail("ceo@apple.com");
  ASSERT_TRUE(spoof.ok()) << spoof.status();
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(spoof->domain_ascii, "xn--pple-43d.com");
  EXPECT_NE(spoof->normalized, real->normalized);
  EXPECT_EQ(spoof->address, "ceo@xn--pple-43d.com");
  // All-Cyrillic look-alikes are single-script: shown in Unicode, still a distinct key.
  Result<NormalizedEmail> cyrillic = NormalizeEmail("ceo@xn--80ak6aa92e.com");
  ASSERT_TRUE(cyrillic.ok()) << cyrillic.status();
  EXPECT_NE(cyrillic->normalized, real->normalized);
  // Mixed Latin and Greek.
  Result<NormalizedEmail> greek = NormalizeEmail("a@p\xce\xb1ypal.com");
  ASSERT_TRUE(greek.ok()) << greek.status();
  EXPECT_TRUE(greek->address.starts_with("a@xn--")) << greek->address;
}

TEST(NormalizeDomainTest, ReportsPublicSuffixes) {
  Result<NormalizedDomain> suffix = NormalizeDomain("co.uk");
  ASSERT_TRUE(suffix.ok()) << suffix.status();
  EXPECT_TRUE(suffix->is_public_suffix);
  EXPECT_EQ(suffix->registrable, "co.uk");
  Result<NormalizedDomain> domain = NormalizeDomain(" Sales.ACME.co.uk ");
  ASSERT_TRUE(domain.ok());
  EXPECT_FALSE(domain->is_public_suffix);
  EXPECT_EQ(domain->ascii, "sales.acme.co.uk");
  EXPECT_EQ(domain->unicode, "sales.acme.co.uk");
  EXPECT_EQ(domain->registrable, "acme.co.uk");
  EXPECT_THAT(Message(NormalizeDomain("acme").status()),
              HasSubstr("domain 'acme' is not valid: the domain 'acme' has no dot"));
}

// ---- NormalizePhone ----

struct PhoneCase {
  std::string input;
  std::string country;
  std::string e164;
};

class PhoneValidTest : public ::testing::TestWithParam<PhoneCase> {};

TEST_P(PhoneValidTest, FormatsE164) {
  const PhoneCase& c = GetParam();
  Result<std::string> phone = NormalizePhone(c.input, c.country);
  ASSERT_TRUE(phone.ok()) << phone.status();
  EXPECT_EQ(*phone, c.e164);
  // Whichever path ran, the reference agrees.
  Result<std::string> slow =
      internal::NormalizePhoneSlow(std::string(TrimSpace(c.input)), c.country);
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(*slow, c.e164);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhoneValidTest,
    ::testing::Values(PhoneCase{"+14155550123", "", "+14155550123"},
                      PhoneCase{" +1 415 555 0123 ", "", "+14155550123"},
                      PhoneCase{"+1 (415) 555-0123", "DE", "+14155550123"},
                      // A region without a numbering plan still reads international numbers.
                      PhoneCase{"+1 415 555 0123", "AQ", "+14155550123"},
                      PhoneCase{"(415) 555-0123", "US", "+14155550123"},
                      PhoneCase{"415.555.0123", "US", "+14155550123"},
                      PhoneCase{"1-415-555-0123", "US", "+14155550123"},
                      PhoneCase{"416 555 0123", "CA", "+14165550123"},
                      PhoneCase{"+44 20 7946 0958", "", "+442079460958"},
                      PhoneCase{"020 7946 0958", "GB", "+442079460958"},
                      PhoneCase{"+44 (0)20 7946 0958", "", "+442079460958"},
                      PhoneCase{"030 1234567", "DE", "+49301234567"},
                      PhoneCase{"0151 12345678", "DE", "+4915112345678"},
                      PhoneCase{"+49 151 12345678", "", "+4915112345678"},
                      PhoneCase{"0049 151 12345678", "DE", "+4915112345678"},
                      PhoneCase{"+33 6 12 34 56 78", "FR", "+33612345678"},
                      PhoneCase{"06 12 34 56 78", "FR", "+33612345678"},
                      // Italian numbers keep their leading zero.
                      PhoneCase{"+39 06 1234 5678", "", "+390612345678"},
                      PhoneCase{"+86 138 0013 8000", "", "+8613800138000"},
                      PhoneCase{"+55 11 91234-5678", "", "+5511912345678"},
                      PhoneCase{"+61 412 345 678", "", "+61412345678"},
                      // Extensions are dropped: E.164 has none.
                      PhoneCase{"+1 415 555 0123 ext. 12", "", "+14155550123"},
                      // Full-width digits (CJK input methods).
                      PhoneCase{"＋１ ４１５ ５５５ ０１２３", "", "+14155550123"}));

class PhoneInvalidTest : public ::testing::TestWithParam<PhoneCase> {};

TEST_P(PhoneInvalidTest, RejectsWithReason) {
  const PhoneCase& c = GetParam();
  Result<std::string> phone = NormalizePhone(c.input, c.country);
  ASSERT_FALSE(phone.ok()) << *phone;
  EXPECT_EQ(phone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(phone.status()), HasSubstr(c.e164));
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhoneInvalidTest,
    ::testing::Values(
        PhoneCase{"+1 55", "US", "phone '+1 55' is not a possible number for US (too short)"},
        PhoneCase{"555-0123", "US", "is not a possible number for US (a local number"},
        PhoneCase{"+1 415 555 01234567", "", "is not a possible number for US (too long)"},
        PhoneCase{"555 0123", "", "has no country code: write it as +<country code>"},
        PhoneCase{"+999 1234 5678", "", "has an unknown country code"},
        PhoneCase{"abc", "US", "phone 'abc' is not a phone number"},
        PhoneCase{"", "US", "phone is empty"},
        PhoneCase{"+1 415\r\n555 0123", "", "phone '+1 415\\r\\n555 0123' contains a control"},
        PhoneCase{"+1 415 555\xff", "", "is not valid UTF-8"},
        PhoneCase{std::string(10 * 1024, '5'), "US", "is too long"},
        PhoneCase{"415 555 0123", "AQ", "has no country code, and AQ has no numbering plan"},
        PhoneCase{"+1 415 555 0123", "us", "region 'us' is not an upper-case ISO 3166"},
        PhoneCase{"+1 415 555 0123", "USA", "region 'USA' is not an upper-case ISO 3166"}));

TEST(NormalizePhoneTest, CommonFormsTakeTheFastPath) {
  EXPECT_EQ(internal::NormalizePhoneFast("+14155550123", ""), "+14155550123");
  EXPECT_EQ(internal::NormalizePhoneFast("+1 (415) 555-0123", ""), "+14155550123");
  EXPECT_EQ(internal::NormalizePhoneFast("(415) 555-0123", "US"), "+14155550123");
  EXPECT_EQ(internal::NormalizePhoneFast("+44 20 7946 0958", "GB"), "+442079460958");
  EXPECT_EQ(internal::NormalizePhoneFast("+49 151 12345678", "US"), "+4915112345678");
  // What only Parse can be trusted with.
  EXPECT_EQ(internal::NormalizePhoneFast("030 1234567", "DE"), std::nullopt);
  EXPECT_EQ(internal::NormalizePhoneFast("+39 06 1234 5678", ""), std::nullopt);
  EXPECT_EQ(internal::NormalizePhoneFast("+44 (0)20 7946 0958", ""), std::nullopt);
  EXPECT_EQ(internal::NormalizePhoneFast("+86 138 0013 8000", ""), std::nullopt);
  EXPECT_EQ(internal::NormalizePhoneFast("+1 415 555 0123 x12", ""), std::nullopt);
  EXPECT_EQ(internal::NormalizePhoneFast("+1 55", "US"), std::nullopt);
}

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The fast path must never disagree with Parse. It may decline; when it answers, the slow
// path must give the same number.
void ExpectPathsAgree(const std::string& input, const std::string& region, int* fast_used) {
  const std::optional<std::string> fast = internal::NormalizePhoneFast(input, region);
  if (!fast) return;
  ++*fast_used;
  Result<std::string> slow = internal::NormalizePhoneSlow(input, region);
  ASSERT_TRUE(slow.ok()) << "'" << input << "' (" << region << "): fast " << *fast
                         << ", slow: " << slow.status();
  ASSERT_EQ(*fast, *slow) << "'" << input << "' (" << region << ")";
}

TEST(NormalizePhoneTest, FastPathAgreesWithParseOnExampleNumbers) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::set<std::string> regions;
  util->GetSupportedRegions(&regions);
  int fast_used = 0;
  for (const std::string& region : regions) {
    for (int type = PhoneNumberUtil::FIXED_LINE; type <= PhoneNumberUtil::UNKNOWN; ++type) {
      PhoneNumber example;
      if (!util->GetExampleNumberForType(
              region, static_cast<PhoneNumberUtil::PhoneNumberType>(type), &example)) {
        continue;
      }
      for (auto format :
           {PhoneNumberUtil::E164, PhoneNumberUtil::INTERNATIONAL, PhoneNumberUtil::NATIONAL}) {
        std::string text;
        util->Format(example, format, &text);
        for (const std::string& as_region : {region, std::string(), std::string("US")}) {
          ASSERT_NO_FATAL_FAILURE(ExpectPathsAgree(text, as_region, &fast_used));
        }
      }
    }
  }
  EXPECT_GT(fast_used, 1000);
}

// Random digits for every calling code, with the separators people type.
void CompareRandomNumbers(int per_calling_code) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::set<int> calling_codes;
  util->GetSupportedCallingCodes(&calling_codes);
  std::mt19937_64 random(20240611);
  const char separators[] = {' ', '-', '.', '(', ')'};
  auto digits = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out.push_back(static_cast<char>('0' + random() % 10));
      if (random() % 5 == 0) out.push_back(separators[random() % sizeof separators]);
    }
    return out;
  };
  int fast_used = 0;
  for (int cc : calling_codes) {
    for (int i = 0; i < per_calling_code; ++i) {
      const std::string number = "+" + std::to_string(cc) + " " + digits(4 + random() % 12);
      ASSERT_NO_FATAL_FAILURE(ExpectPathsAgree(number, "", &fast_used));
    }
  }
  std::set<std::string> regions;
  util->GetSupportedRegions(&regions);
  for (const std::string& region : regions) {
    if (util->GetCountryCodeForRegion(region) != 1) continue;
    for (int i = 0; i < per_calling_code; ++i) {
      ASSERT_NO_FATAL_FAILURE(ExpectPathsAgree(digits(10), region, &fast_used));
      ASSERT_NO_FATAL_FAILURE(ExpectPathsAgree("1" + digits(10), region, &fast_used));
    }
  }
  EXPECT_GT(fast_used, per_calling_code * 20);
}

TEST(NormalizePhoneTest, FastPathAgreesWithParseOnRandomNumbers) { CompareRandomNumbers(60); }

// The full comparison that chose kSlowPathCallingCodes (minutes under ASan):
// core_tests --gtest_also_run_disabled_tests --gtest_filter='*Exhaustive*'
TEST(NormalizePhoneTest, DISABLED_FastPathAgreesWithParseExhaustive) {
  CompareRandomNumbers(20000);
}

// ---- NormalizeName ----

struct TextCase {
  std::string input;
  std::string expected;
};

class NameTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(NameTest, Normalizes) {
  Result<std::string> name = NormalizeName(GetParam().input);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NameTest,
    ::testing::Values(TextCase{"Jane", "Jane"}, TextCase{"  Jane  ", "Jane"}, TextCase{"", ""},
                      TextCase{" \t\r\n ", ""}, TextCase{"Mary   Ann", "Mary Ann"},
                      TextCase{"Mary\tAnn\r\nLee", "Mary Ann Lee"},
                      TextCase{"O'Brien-Smith Jr.", "O'Brien-Smith Jr."},
                      TextCase{"Bob\x01"
                               "by\x7f",
                               "Bobby"},
                      TextCase{"Bob\0by"s, "Bobby"},
                      // NFC.
                      TextCase{"Jose\u0301", "José"}, TextCase{"Zoe\u0308 Smith", "Zoë Smith"},
                      TextCase{"Ångström", "Ångström"}, TextCase{"\u212bngstr\u00f6m", "Ångström"},
                      TextCase{"\u1100\u1161", "\uac00"},  // Hangul jamo compose
                      // Unicode spaces collapse; invisible characters go.
                      TextCase{"Zoë\u00a0\u00a0Smith", "Zoë Smith"},
                      TextCase{"山田\u3000太郎", "山田 太郎"},
                      TextCase{"Line\u2028Break", "Line Break"},
                      TextCase{"zero\u200bwidth", "zerowidth"}, TextCase{"\ufeffAcme", "Acme"},
                      TextCase{"\u202eevil\u202c", "evil"}, TextCase{"a\u2066b\u2069", "ab"},
                      TextCase{"C1\u0080\u009fcontrols", "C1controls"},
                      TextCase{"Next\u0085Line", "Next Line"},
                      // A control between a letter and its mark: removed, then composed.
                      TextCase{"Jose\x01\u0301", "José"},
                      // ZWNJ and ZWJ carry meaning (Persian spelling, emoji sequences).
                      TextCase{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
                               "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
                      TextCase{"\U0001F468\u200d\U0001F469", "\U0001F468\u200d\U0001F469"},
                      // Compatibility forms are not folded (NFC, not NFKC).
                      TextCase{"Ａｎｎａ", "Ａｎｎａ"},
                      TextCase{std::string(1024, 'x'), std::string(1024, 'x')}));

TEST(NormalizeNameTest, RejectsInvalidUtf8AndHugeValues) {
  for (const std::string& bad : {"Jos\xe9"s, "\xc0\xaf"s, "\xed\xa0\x80"s, "ok\xe2\x82"s,
                                 "\xf4\x90\x80\x80"s, "\xff\xfe"s}) {
    Result<std::string> name = NormalizeName(bad);
    ASSERT_FALSE(name.ok()) << *name;
    EXPECT_THAT(Message(name.status()), HasSubstr("is not valid UTF-8"));
  }
  EXPECT_THAT(Message(NormalizeName(std::string(1025, 'x')).status()),
              HasSubstr("is too long (1025 bytes; at most 1024)"));
  EXPECT_THAT(Message(NormalizeName(std::string(10 * 1024, 'x')).status()),
              HasSubstr("is too long"));
  // Spaces collapse before the limit applies.
  std::string spaced;
  for (int i = 0; i < 600; ++i) spaced += "a  ";
  EXPECT_FALSE(NormalizeName(spaced).ok());
}

// ---- NormalizeCountry ----

class CountryTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(CountryTest, FindsAlpha2) {
  Result<std::string> country = NormalizeCountry(GetParam().input);
  ASSERT_TRUE(country.ok()) << country.status();
  EXPECT_EQ(*country, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CountryTest,
    ::testing::Values(
        TextCase{"US", "US"}, TextCase{"us", "US"}, TextCase{" USA ", "US"},
        TextCase{"U.S.A.", "US"}, TextCase{"United States", "US"},
        TextCase{"united states of america", "US"}, TextCase{"UK", "GB"}, TextCase{"uk", "GB"},
        TextCase{"GBR", "GB"}, TextCase{"United Kingdom", "GB"}, TextCase{"England", "GB"},
        TextCase{"Germany", "DE"}, TextCase{"DEU", "DE"}, TextCase{"deu", "DE"},
        TextCase{"Deutschland", "DE"}, TextCase{"France", "FR"}, TextCase{"España", "ES"},
        TextCase{"Espana", "ES"}, TextCase{"Österreich", "AT"}, TextCase{"Brasil", "BR"},
        TextCase{"日本", "JP"}, TextCase{"  japan ", "JP"}, TextCase{"Côte d’Ivoire", "CI"},
        TextCase{"Cote d'Ivoire", "CI"}, TextCase{"Ivory Coast", "CI"},
        TextCase{"Bosnia & Herzegovina", "BA"}, TextCase{"Bosnia and Herzegovina", "BA"},
        TextCase{"The Netherlands", "NL"}, TextCase{"Holland", "NL"},
        TextCase{"Czech Republic", "CZ"}, TextCase{"Czechia", "CZ"}, TextCase{"South Korea", "KR"},
        TextCase{"Hong Kong", "HK"}, TextCase{"St. Lucia", "LC"}, TextCase{"Saint Lucia", "LC"},
        TextCase{"Türkiye", "TR"}, TextCase{"Turkey", "TR"}, TextCase{"Myanmar", "MM"},
        TextCase{"Burma", "MM"}, TextCase{"Congo - Kinshasa", "CD"}, TextCase{"DRC", "CD"},
        TextCase{"UAE", "AE"}));

TEST(NormalizeCountryTest, RejectsUnknown) {
  for (const std::string& bad :
       {"Atlantis"s, "XX"s, "ZZ"s, "U"s, "Korea"s, "\xff"s, std::string(10 * 1024, 'a')}) {
    Result<std::string> country = NormalizeCountry(bad);
    ASSERT_FALSE(country.ok()) << bad << " -> " << *country;
    EXPECT_THAT(Message(country.status()), HasSubstr("is not a known country name or ISO 3166"));
  }
  EXPECT_EQ(Message(NormalizeCountry("").status()), "country is empty");
}

// ---- NormalizeTimeZone ----

class TimeZoneTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(TimeZoneTest, FindsCanonicalSpelling) {
  Result<std::string> zone = NormalizeTimeZone(GetParam().input);
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(*zone, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TimeZoneTest,
    ::testing::Values(TextCase{"Europe/Berlin", "Europe/Berlin"},
                      TextCase{"europe/berlin", "Europe/Berlin"},
                      TextCase{" EUROPE/BERLIN\t", "Europe/Berlin"},
                      TextCase{"America/New_York", "America/New_York"},
                      TextCase{"america/new york", "America/New_York"},
                      TextCase{"america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"},
                      TextCase{"asia/kolkata", "Asia/Kolkata"}, TextCase{"UTC", "UTC"},
                      TextCase{"utc", "UTC"}, TextCase{"GMT", "GMT"},
                      TextCase{"etc/utc", "Etc/UTC"}, TextCase{"US/Eastern", "US/Eastern"}));

TEST(NormalizeTimeZoneTest, RejectsUnknown) {
  for (const std::string& bad :
       {"Europe/Berln"s, "localtime"s, "posixrules"s, "+02:00"s, "CEST"s, "../../etc/passwd"s,
        "Europe/Berlin\0"s, "\xff"s, std::string(10 * 1024, 'a')}) {
    Result<std::string> zone = NormalizeTimeZone(bad);
    ASSERT_FALSE(zone.ok()) << *zone;
    EXPECT_THAT(Message(zone.status()), HasSubstr("is not an IANA time zone name"));
  }
  EXPECT_EQ(Message(NormalizeTimeZone(" ").status()), "time_zone is empty");
}

// ---- NormalizeLinkedInUrl ----

class LinkedInValidTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(LinkedInValidTest, Canonicalizes) {
  Result<std::string> url = NormalizeLinkedInUrl(GetParam().input);
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(*url, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, LinkedInValidTest,
    ::testing::Values(
        TextCase{"linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"https://www.linkedin.com/in/jane-doe/?utm=abc&x=1",
                 "https://www.linkedin.com/in/jane-doe"},
        TextCase{"http://uk.linkedin.com/in/Jane-Doe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"https://linkedin.com/in/jane%20doe", "https://www.linkedin.com/in/jane%20doe"},
        TextCase{"https://linkedin.com/in/jane%2ddoe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"www.linkedin.com/in/jane-doe#about", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"https://m.linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"//linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{"https://www.linkedin.com/in/jane-doe/details/experience/",
                 "https://www.linkedin.com/in/jane-doe"},
        TextCase{"https://de.linkedin.com/in/jane-doe-12345abc/de",
                 "https://www.linkedin.com/in/jane-doe-12345abc"},
        TextCase{"https://www.linkedin.com//in//jane-doe", "https://www.linkedin.com/in/jane-doe"},
        TextCase{" https://www.linkedin.com/in/jane\r\n", "https://www.linkedin.com/in/jane"},
        // Unicode slugs: decoded, lower-cased, NFC, encoded again.
        TextCase{"https://www.linkedin.com/in/Jos%C3%A9-Garc%C3%ADa",
                 "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"},
        TextCase{"https://www.linkedin.com/in/José-García",
                 "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"},
        TextCase{"https://www.linkedin.com/in/Jose\u0301-garcía",
                 "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"}));

class LinkedInInvalidTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(LinkedInInvalidTest, RejectsWithReason) {
  Result<std::string> url = NormalizeLinkedInUrl(GetParam().input);
  ASSERT_FALSE(url.ok()) << *url;
  EXPECT_THAT(Message(url.status()), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Table, LinkedInInvalidTest,
    ::testing::Values(
        TextCase{"https://www.linkedin.com/pub/jane-doe/1/2/3", "old /pub/ profile URL"},
        TextCase{"https://www.linkedin.com/sales/lead/ACwAAA,NAME_SEARCH,abc",
                 "is a Sales Navigator URL"},
        TextCase{"https://www.linkedin.com/sales/people/ACwAAA", "Sales Navigator"},
        TextCase{"https://www.linkedin.com/company/acme", "is a company page"},
        TextCase{"https://www.linkedin.com/feed/", "is not a member profile URL"},
        TextCase{"https://www.linkedin.com", "is not a member profile URL"},
        TextCase{"https://www.linkedin.com/in/", "has no profile name"},
        TextCase{"https://linkedin.com.evil.com/in/jane", "is not a linkedin.com URL"},
        TextCase{"https://evil-linkedin.com/in/jane", "is not a linkedin.com URL"},
        TextCase{"https://user@linkedin.com/in/jane", "is not a linkedin.com URL"},
        TextCase{"https://linkedin.com:8080/in/jane", "is not a linkedin.com URL"},
        TextCase{"https://www.evil.com/?u=linkedin.com/in/jane", "is not a linkedin.com URL"},
        TextCase{"ftp://linkedin.com/in/jane", "is not an http(s) URL"},
        TextCase{"javascript://linkedin.com/in/jane", "is not an http(s) URL"},
        TextCase{"https://www.linkedin.com/in/%zz", "invalid percent escape"},
        TextCase{"https://www.linkedin.com/in/abc%", "invalid percent escape"},
        TextCase{"https://www.linkedin.com/in/a%2Fb", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/a%0D%0Ab", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/%00", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/%FF", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/%20", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/jane%E2%80%AE", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/jane%C2%85", "invalid profile name"},
        TextCase{"https://www.linkedin.com/in/ja\r\nne", "contains a control character"},
        TextCase{"https://www.linkedin.com/in/" + std::string(300, 'a'), "too long"},
        TextCase{"https://www.linkedin.com/in/" + std::string(10 * 1024, 'a'), "is too long"},
        TextCase{"", "linkedin_url is empty"}));

// ---- QuoteForError ----

TEST(QuoteForErrorTest, EscapesAndTruncates) {
  EXPECT_EQ(QuoteForError("plain"), "'plain'");
  EXPECT_EQ(QuoteForError("x\r\nBcc: y"), "'x\\r\\nBcc: y'");
  EXPECT_EQ(QuoteForError("a\0b"s), "'a\\x00b'");
  EXPECT_EQ(QuoteForError("caf\xe9"), "'caf\\xe9'");
  EXPECT_EQ(QuoteForError("Zoë"), "'Zoë'");
  EXPECT_EQ(QuoteForError("\u202eevil"), "'\\u202eevil'");
  const std::string quoted = QuoteForError(std::string(10 * 1024, 'a'));
  EXPECT_LT(quoted.size(), 100u);
  EXPECT_TRUE(quoted.ends_with("...'")) << quoted;
}

// ---- BuildContact ----

TEST(BuildContactTest, NormalizesARealisticRow) {
  RawContact raw;
  raw.email = " Jane.Doe@ACME.com ";
  raw.first_name = "jane";
  raw.last_name = " Doe ";
  raw.company = "Acme   Inc.";
  raw.title = "VP\tSales";
  raw.phone = "(415) 555-0123";
  raw.country = "USA";
  raw.time_zone = "america/los_angeles";
  raw.linkedin_url = "linkedin.com/in/Jane-Doe/";
  raw.linkedin_provider_id = " ACoAAB12_-x ";
  raw.custom_fields = {
      {" Plan ", " Pro "}, {"Empty", "  "}, {"Icebreaker", "Hi!\r\nSaw your talk."}};
  Result<ContactData> contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->email, "Jane.Doe@acme.com");
  EXPECT_EQ(contact->email_normalized, "jane.doe@acme.com");
  EXPECT_EQ(contact->email_domain, "acme.com");
  EXPECT_EQ(contact->registrable_domain, "acme.com");
  EXPECT_EQ(contact->first_name, "jane");  // names are not re-cased: "McDonald", "van Dyke"
  EXPECT_EQ(contact->last_name, "Doe");
  EXPECT_EQ(contact->company, "Acme Inc.");
  EXPECT_EQ(contact->title, "VP Sales");
  EXPECT_EQ(contact->phone, "+14155550123");
  EXPECT_EQ(contact->country, "US");
  EXPECT_EQ(contact->time_zone, "America/Los_Angeles");
  EXPECT_EQ(contact->linkedin_url, "https://www.linkedin.com/in/jane-doe");
  EXPECT_EQ(contact->linkedin_provider_id, "ACoAAB12_-x");
  const std::map<std::string, std::string> custom = {{"Plan", "Pro"},
                                                     {"Icebreaker", "Hi!\nSaw your talk."}};
  EXPECT_EQ(contact->custom_fields, custom);
  EXPECT_EQ(contact->DedupeKey(), "jane.doe@acme.com");
}

TEST(BuildContactTest, SplitsFullNameOnlyWhenFirstAndLastAreEmpty) {
  RawContact raw;
  raw.email = "a@acme.com";
  raw.full_name = "  Jane   Mary Doe ";
  Result<ContactData> contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->first_name, "Jane");
  EXPECT_EQ(contact->last_name, "Mary Doe");

  raw.full_name = "Cher";
  contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->first_name, "Cher");
  EXPECT_EQ(contact->last_name, "");

  raw.full_name = "Jane Doe";
  raw.last_name = "Smith";
  contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->first_name, "");
  EXPECT_EQ(contact->last_name, "Smith");
}

TEST(BuildContactTest, NeedsAnIdentity) {
  RawContact raw;
  raw.first_name = "Jane";
  raw.email = "  ";
  Result<ContactData> contact = BuildContact(raw);
  ASSERT_FALSE(contact.ok());
  EXPECT_EQ(Message(contact.status()), "contact needs an email, a LinkedIn URL or a phone number");

  RawContact linkedin_only;
  linkedin_only.linkedin_url = "linkedin.com/in/jane";
  contact = BuildContact(linkedin_only);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->DedupeKey(), "linkedin:https://www.linkedin.com/in/jane");

  RawContact phone_only;
  phone_only.phone = "+44 20 7946 0958";
  contact = BuildContact(phone_only);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->DedupeKey(), "phone:+442079460958");
}

TEST(BuildContactTest, AnInvalidFieldFailsTheRowNamingFieldAndValue) {
  RawContact base;
  base.email = "jane@acme.com";
  struct Case {
    std::string RawContact::*field;
    std::string value;
    std::string message;
  };
  const Case cases[] = {
      {&RawContact::phone, "+1 55", "phone '+1 55' is not a possible number for US"},
      {&RawContact::country, "Atlantis", "country 'Atlantis' is not a known country"},
      {&RawContact::time_zone, "Mars/Olympus", "time_zone 'Mars/Olympus' is not an IANA"},
      {&RawContact::linkedin_url, "https://x.com/jane", "linkedin_url 'https://x.com/jane'"},
      {&RawContact::linkedin_provider_id, "bad id!", "linkedin_provider_id 'bad id!'"},
      {&RawContact::first_name, "Jos\xe9", "first_name 'Jos\\xe9' is not valid UTF-8"},
      {&RawContact::last_name, std::string(2000, 'x'), "last_name '"},
      {&RawContact::company, "\xff", "company '\\xff' is not valid UTF-8"},
      {&RawContact::title, "\xc0\x80", "title"},
      {&RawContact::full_name, "\xc0\x80", "full_name"},
      {&RawContact::email, "jane@", "email 'jane@' is not valid: the domain is empty"},
  };
  for (const Case& c : cases) {
    RawContact raw = base;
    raw.country = "US";
    raw.*c.field = c.value;
    Result<ContactData> contact = BuildContact(raw);
    ASSERT_FALSE(contact.ok()) << c.value;
    EXPECT_EQ(contact.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(contact.status()), HasSubstr(c.message));
  }
}

TEST(BuildContactTest, ChecksCustomFields) {
  RawContact raw;
  raw.email = "jane@acme.com";
  raw.custom_fields = {{" ", "x"}};
  EXPECT_THAT(Message(BuildContact(raw).status()), HasSubstr("empty name"));
  raw.custom_fields = {{"Plan", "a"}, {" Plan", "b"}};
  EXPECT_THAT(Message(BuildContact(raw).status()), HasSubstr("'Plan' is given twice"));
  raw.custom_fields = {{"Pl\xe4n", "a"}};
  EXPECT_THAT(Message(BuildContact(raw).status()), HasSubstr("custom field name 'Pl\\xe4n'"));
  raw.custom_fields = {{"Plan", "caf\xe9"}};
  EXPECT_THAT(Message(BuildContact(raw).status()),
              HasSubstr("custom.Plan 'caf\\xe9' is not valid UTF-8"));
  raw.custom_fields = {{"Plan", std::string(40 * 1024, 'x')}};
  EXPECT_THAT(Message(BuildContact(raw).status()), HasSubstr("custom.Plan"));
  raw.custom_fields = {{"Note", "a\0b\tc\x1b[31m"s}, {"Name\u0301", "Zoe\u0308"}};
  Result<ContactData> contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->custom_fields.at("Note"), "ab\tc[31m");
  EXPECT_EQ(contact->custom_fields.at("Nam\u00e9"), "Zoë");
}

TEST(BuildContactTest, SurvivesHostileRows) {
  const std::string huge(10 * 1024, '\xff');
  RawContact raw;
  raw.email = huge;
  raw.phone = huge;
  raw.linkedin_url = huge;
  EXPECT_FALSE(BuildContact(raw).ok());
  raw = RawContact();
  raw.email = "x\r\nBcc: victim@example.com";
  EXPECT_FALSE(BuildContact(raw).ok());
  raw = RawContact();
  raw.email = "jane@acme.com";
  raw.first_name = "\0\0\0"s;
  raw.company = std::string(1000, ' ');
  Result<ContactData> contact = BuildContact(raw);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->first_name, "");
  EXPECT_EQ(contact->company, "");
}

// Run under the tsan preset: the tables are built on first use from whichever thread
// comes first, and the public-suffix cache is per thread.
TEST(BuildContactTest, IsThreadSafe) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        RawContact raw;
        raw.email = "user" + std::to_string(i) + "@company" + std::to_string(i % 7 + t) + ".co.uk";
        raw.phone = i % 2 == 0 ? "+44 20 7946 0958" : "020 7946 0958";
        raw.country = i % 3 == 0 ? "United Kingdom" : "GB";
        raw.time_zone = "europe/london";
        raw.first_name = "Zoe\u0308";
        raw.linkedin_url = "linkedin.com/in/user-" + std::to_string(i);
        Result<ContactData> contact = BuildContact(raw);
        if (!contact.ok() || contact->phone != "+442079460958" ||
            contact->registrable_domain != contact->email_domain) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(TrimSpaceTest, TrimsUnicodeSpaceAndInvisibles) {
  EXPECT_EQ(TrimSpace(" \t a b \r\n"), "a b");
  EXPECT_EQ(TrimSpace("\u00a0\u3000\ufeff\u200bx\u2009"), "x");
  EXPECT_EQ(TrimSpace("\xff "), "\xff");
  EXPECT_EQ(TrimSpace(" \xe2\x82"), "\xe2\x82");
  EXPECT_EQ(TrimSpace(""), "");
}

}  // namespace
}  // namespace cadent
