// Normalizers for contact fields: each turns user input into the one canonical form cadent
// stores and compares, or returns kInvalidArgument saying what is wrong, quoting the value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"

namespace cadent {

// Every normalizer below is thread-safe. Tables (countries, time zones, phone metadata) are
// built once, on first use. Inputs are trimmed of ASCII and Unicode spaces first; anything
// longer than a few times its field's limit is rejected before any parsing.

struct NormalizedDomain {
  // Lower case, IDNA A-label form: "xn--bcher-kva.de".
  std::string ascii;
  // For display: "bücher.de". The A-label form when a label mixes scripts in a confusable
  // way ("аpple.com" with a Cyrillic "а"), judged by ICU's spoof checker as browsers do.
  std::string unicode;
  // Public-suffix aware (libpsl): "acme.co.uk" for "x.acme.co.uk"; the domain itself when
  // it is a public suffix.
  std::string registrable;
  // "co.uk", "github.io": a name no single organisation owns.
  bool is_public_suffix = false;
};

// A host name as in an email address: IDNA2008 (UTS #46 non-transitional, falling back to
// transitional as browsers do) through libidn2, then LDH rules, at least two labels and a
// top-level label of letters (or an xn-- label). Pure ASCII input skips libidn2 unless a
// label is already an xn-- A-label, which libidn2 then checks. Trailing dots, IP literals,
// underscores and empty labels are rejected.
Result<NormalizedDomain> NormalizeDomain(std::string_view raw);

struct NormalizedEmail {
  std::string address;             // display: local part as entered, domain in Unicode
  std::string normalized;          // local + "@" + domain_ascii: the dedupe and suppression key
  std::string local;               // lowercase local part (NFC; redundant quotes removed)
  std::string domain_ascii;        // lowercase A-label form
  std::string registrable_domain;  // libpsl, as NormalizedDomain::registrable
};

// One plain address: "jane.doe@acme.com". Accepts a dot-atom local part (RFC 5322, with
// UTF-8 allowed as in RFC 6531) or a quoted string, at most 64 octets; at most 254 octets in
// all. Rejects display-name forms ("Jane <jane@acme.com>", suggesting the bare address),
// lists, spaces, control characters (so "x\r\nBcc: y" cannot reach a header) and invalid
// UTF-8. The local part is compared case-insensitively, as every large mailbox provider
// does, although RFC 5321 leaves it to the receiving host. Cost: ~1 us for an ASCII
// address, +1.5-3.5 us the first time a thread sees a domain (libpsl; then cached).
Result<NormalizedEmail> NormalizeEmail(std::string_view raw);

// A phone number in E.164 ("+14155550123"). `country_alpha2` is the contact's ISO country
// (upper case) and is used for numbers written without "+<country code>"; empty means such
// numbers are rejected. The check is libphonenumber's IsPossibleNumber (length for the
// country), not IsValidNumber: the latter knows only the number ranges allocated when the
// metadata was built, so it rejects real numbers from newly opened ranges. Numbers that
// are only dialable locally (no area code) are rejected; extensions are dropped, because
// E.164 has none.
//
// Cost: libphonenumber's Parse takes 25-35 us per call (ICU regexes), more than the whole
// per-row budget of an import. Input already in international form ("+", digits and the
// usual separators) and NANP numbers in national form take a fast path of ~0.2 us that
// gives the same result as Parse (the tests compare the two on every country code).
// Other national formats ("030 1234567", "+39 06 ..." and a few calling codes whose
// carrier prefixes Parse strips) still pay for Parse.
Result<std::string> NormalizePhone(std::string_view raw, std::string_view country_alpha2);

// A person's name, a company name or a job title: valid UTF-8, NFC, trimmed, every run of
// whitespace (Unicode spaces, tabs and newlines included) collapsed to one space, control
// characters and bidirectional-override characters removed. At most 1024 bytes. Empty
// input gives an empty string (the field is absent), not an error.
Result<std::string> NormalizeName(std::string_view raw);

// ISO 3166-1 alpha-2, upper case, from an alpha-2 or alpha-3 code or a country name in
// English (ICU's long and short forms: "United States", "US", "Bosnia & Herzegovina",
// "Bosnia") or in the country's main language ("Deutschland"), plus common aliases ("UK",
// "England", "Holland", "Ivory Coast"). Case, accents and punctuation are ignored.
Result<std::string> NormalizeCountry(std::string_view raw);

// An IANA time zone name from the system tz database, in its canonical spelling
// ("europe/berlin" and "Europe/Berlin " give "Europe/Berlin"; a space may stand for "_").
// Backward-compatible link names ("US/Eastern", "UTC", "GMT") are accepted as spelled: the
// calendar resolves them the same way. Note that "EST" and "MST" are fixed offsets without
// daylight saving in the database, not the US zones; they are accepted as the database has
// them.
Result<std::string> NormalizeTimeZone(std::string_view raw);

// A LinkedIn member profile URL in canonical form "https://www.linkedin.com/in/<slug>".
// Accepts any scheme-less, http or https form on linkedin.com, www., m. or a country
// subdomain ("uk.linkedin.com"); drops the query, the fragment and any path after the slug.
// The slug is percent-decoded (so "jane%2Ddoe" and "jane-doe" are the same member),
// lower-cased and NFC-normalized, then percent-encoded again except for unreserved ASCII,
// so the result is a valid URL and equal slugs give equal strings. /pub/, Sales Navigator
// and company URLs are rejected with a message saying which URL to use instead.
Result<std::string> NormalizeLinkedInUrl(std::string_view raw);

// One import row or API request after header mapping, before validation. Empty = absent.
struct RawContact {
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string full_name;  // split into first/last when both of those are empty
  std::string company;
  std::string title;
  std::string phone;
  std::string linkedin_url;
  std::string linkedin_provider_id;
  std::string country;
  std::string time_zone;
  std::map<std::string, std::string> custom_fields;
};

// Validates and normalizes every field with the functions above. A contact needs an email,
// a LinkedIn URL or a phone number. A value that is present but invalid is an error even
// for optional fields, naming the field and the value: a row is imported whole or not at
// all. The phone is read with the contact's country as its region. Custom field names are
// trimmed, non-empty UTF-8 of at most 128 bytes; values are trimmed, NFC, stripped of
// control characters other than tab and newline, at most 32 KiB; empty values are dropped.
Result<ContactData> BuildContact(const RawContact& raw);

// Trims ASCII and Unicode whitespace (NBSP, ideographic space, ...) and the invisible
// characters that ride along in spreadsheets (BOM, zero-width space, bidi controls) from
// both ends. Every normalizer trims this way.
std::string_view TrimSpace(std::string_view text);

// Strict UTF-8 (RFC 3629): no overlong forms, surrogates or values above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Quotes a user-supplied value for an error message: single quotes, control characters
// and invalid UTF-8 as escapes (so a message never carries a raw CR/LF or NUL), cut to 80
// bytes with "..." after it.
std::string QuoteForError(std::string_view value);

namespace internal {
// The two phone paths, exposed so tests and benchmarks can compare them. The fast path
// returns nullopt when it cannot be sure to agree with Parse; NormalizePhone then takes
// the slow path, which is the reference.
std::optional<std::string> NormalizePhoneFast(std::string_view trimmed,
                                              std::string_view country_alpha2);
Result<std::string> NormalizePhoneSlow(std::string_view trimmed, std::string_view country_alpha2);
}  // namespace internal

}  // namespace cadent
