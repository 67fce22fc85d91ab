#include "core/contacts/normalize.hpp"

#include <idn2.h>
#include <libpsl.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/locdspnm.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/common/strings.hpp"
#include "date/tz.h"

namespace cadent {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(c);
  return out;
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view* s, std::string_view suffix) {
  if (!s->ends_with(suffix)) return false;
  s->remove_suffix(suffix.size());
  return true;
}

// Splits on `separator`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    pieces.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

// Limits. Inputs longer than a few times the limit are refused before any parsing, so a
// 10 MB cell costs a length check, not a regex run.
constexpr size_t kMaxEmailBytes = 254;  // RFC 5321 path limit minus the angle brackets
constexpr size_t kMaxLocalPartBytes = 64;
constexpr size_t kMaxDomainBytes = 253;
constexpr size_t kMaxLabelBytes = 63;
constexpr size_t kMaxEmailInputBytes = 1024;
constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxPhoneInputBytes = 100;
constexpr size_t kMaxCountryInputBytes = 100;
constexpr size_t kMaxTimeZoneInputBytes = 100;
constexpr size_t kMaxUrlInputBytes = 2048;
constexpr size_t kMaxSlugBytes = 200;
constexpr size_t kMaxProviderIdBytes = 128;
constexpr size_t kMaxCustomNameBytes = 128;
constexpr size_t kMaxCustomValueBytes = 32 * 1024;
constexpr size_t kQuoteBytes = 80;

// ---------------------------------------------------------------------------------------
// UTF-8 and text helpers.

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Decodes the code point at s[0]; returns its length in bytes, or -1 for invalid UTF-8
// (overlong forms, surrogates, truncated sequences and values above U+10FFFF included).
int DecodeUtf8(std::string_view s, int32_t* code_point) {
  utf8proc_int32_t cp = -1;
  const utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                              static_cast<utf8proc_ssize_t>(s.size()), &cp);
  if (n <= 0) return -1;
  *code_point = cp;
  return static_cast<int>(n);
}

void AppendUtf8(int32_t code_point, std::string* out) {
  utf8proc_uint8_t buffer[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(code_point, buffer);
  out->append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

bool IsAsciiControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool HasAsciiControl(std::string_view s) {
  for (char c : s) {
    if (IsAsciiControl(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// Whitespace that text fields collapse and every field trims: ASCII, NEL, and the Unicode
// space separators (NBSP from spreadsheets, ideographic space from CJK input methods).
bool IsUnicodeSpace(int32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= '\t' && cp <= '\r');
  if (cp == 0x85) return true;
  const utf8proc_category_t category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

// Invisible characters that carry nothing in a contact field and would defeat comparison:
// zero-width space, word joiner, BOM (a CSV written by Excel starts with one), and the
// bidirectional embeddings, overrides and isolates that can make a name render as a
// different string. ZWJ and ZWNJ stay: some scripts and emoji need them.
bool IsStrippedFormatChar(int32_t cp) {
  return cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool IsControl(int32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

// For valid UTF-8: whether a non-ASCII code point is a C1 control, a space (NBSP, U+2028,
// ...) or one of the invisible characters above. Such characters in an address or a URL
// are either mistakes or attacks (U+0085 and U+2028 end lines in some software).
bool HasNonAsciiInvisible(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int32_t cp = 0;
    const int n = DecodeUtf8(s.substr(i), &cp);
    if (n < 0 || IsControl(cp) || IsUnicodeSpace(cp) || IsStrippedFormatChar(cp)) return true;
    i += static_cast<size_t>(n);
  }
  return false;
}

// Whether valid UTF-8 is NFC because every code point is below U+0300: no character there
// decomposes or combines (the first NFC_Quick_Check=No/Maybe characters are the combining
// marks from U+0300), which covers ASCII and most Latin-script names.
bool IsBelowCombiningMarks(std::string_view s) {
  // U+0300 is 0xCC 0x80: every lead byte from 0xCC up starts a code point at or above it,
  // and continuation bytes (0x80-0xBF) are all below 0xCC.
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0xCC) return false;
  }
  return true;
}

// NFC through utf8proc (the options utf8proc_NFC uses, but with an explicit length).
Result<std::string> ToNfc(std::string_view s) {
  if (IsBelowCombiningMarks(s)) return std::string(s);
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    return absl::InvalidArgumentError(utf8proc_errmsg(n));
  }
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

// Lower case per code point (not case folding: "ß" stays "ß"), then NFC.
Result<std::string> ToLowerNfc(std::string_view s) {
  if (IsAscii(s)) return AsciiLower(s);
  std::string lowered;
  lowered.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    int32_t cp = 0;
    const int n = DecodeUtf8(s.substr(i), &cp);
    if (n < 0) return absl::InvalidArgumentError("invalid UTF-8");
    AppendUtf8(utf8proc_tolower(cp), &lowered);
    i += static_cast<size_t>(n);
  }
  return ToNfc(lowered);
}

std::string_view DescribeChar(char c) {
  switch (c) {
    case ' ':
      return "a space";
    case ',':
      return "a comma";
    case ';':
      return "a semicolon";
    case '@':
      return "an '@'";
    case '_':
      return "an underscore";
    case '"':
      return "a double quote";
    default:
      return {};
  }
}

std::string CharForMessage(char c) {
  const std::string_view described = DescribeChar(c);
  if (!described.empty()) return std::string(described);
  if (static_cast<unsigned char>(c) >= 0x80) return "a non-ASCII character";
  return StrCat("'", std::string_view(&c, 1), "'");
}

enum class Spaces {
  kCollapse,   // names, titles: every whitespace run becomes one space
  kKeepLines,  // free text (custom fields): inner whitespace kept, CR LF becomes LF
};

// Whether trimmed ASCII text is already normalized: printable, and for kCollapse no two
// spaces in a row; for kKeepLines tabs and LF may appear too.
bool IsCleanAscii(std::string_view s, Spaces spaces) {
  char previous = 0;
  for (char c : s) {
    if (IsAsciiControl(static_cast<unsigned char>(c))) {
      if (spaces == Spaces::kCollapse || (c != '\t' && c != '\n')) return false;
    } else if (c == ' ' && previous == ' ' && spaces == Spaces::kCollapse) {
      return false;
    }
    previous = c;
  }
  return true;
}

// The shared rule behind names and free-text values; `what` names the field in messages.
Result<std::string> NormalizeText(std::string_view raw, std::string_view what, size_t max_bytes,
                                  Spaces spaces) {
  const std::string_view s = TrimSpace(raw);
  if (s.size() > 4 * max_bytes) {
    return absl::InvalidArgumentError(StrCat(what, " ", QuoteForError(s), " is too long (",
                                             s.size(), " bytes; at most ", max_bytes, ")"));
  }
  std::string out;
  bool pending_space = false;
  if (IsAscii(s)) {
    if (IsCleanAscii(s, spaces)) {
      out.assign(s);  // the common case: nothing to change
    } else {
      out.resize(s.size());
      size_t n = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        const bool space = c == ' ' || (c >= '\t' && c <= '\r');
        if (spaces == Spaces::kCollapse && space) {
          pending_space = true;
          continue;
        }
        if (spaces == Spaces::kKeepLines && c == '\r') {
          if (i + 1 < s.size() && s[i + 1] == '\n') continue;
          c = '\n';
        }
        if (IsAsciiControl(static_cast<unsigned char>(c)) && c != '\t' && c != '\n') continue;
        if (pending_space && n > 0) out[n++] = ' ';
        pending_space = false;
        out[n++] = c;
      }
      out.resize(n);
    }
  } else {
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
      int32_t cp = 0;
      const int n = DecodeUtf8(s.substr(i), &cp);
      if (n < 0) {
        return absl::InvalidArgumentError(StrCat(what, " ", QuoteForError(s),
                                                 " is not valid UTF-8 (byte ", i + 1,
                                                 "); is the file in another encoding?"));
      }
      i += static_cast<size_t>(n);
      if (IsStrippedFormatChar(cp)) continue;
      if (spaces == Spaces::kCollapse && IsUnicodeSpace(cp)) {
        pending_space = true;
        continue;
      }
      if (spaces == Spaces::kKeepLines && cp == '\r') {
        if (i < s.size() && s[i] == '\n') continue;
        cp = '\n';
      }
      if (IsControl(cp) && cp != '\t' && cp != '\n') continue;
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      AppendUtf8(cp, &out);
    }
    // Removing characters above can bring a base letter and its combining mark together;
    // NFC after the pass composes them.
    ASSIGN_OR_RETURN(out, ToNfc(out));
  }
  if (out.size() > max_bytes) {
    return absl::InvalidArgumentError(StrCat(what, " ", QuoteForError(s), " is too long (",
                                             out.size(), " bytes; at most ", max_bytes, ")"));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Domains.

bool IsLdh(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-'; }

bool IsALabel(std::string_view label) { return label.starts_with("xn--"); }

// Checks the lowercase ASCII form of a domain; returns the reason it is wrong, or "".
std::string CheckAsciiDomain(std::string_view domain) {
  if (domain.empty()) return "the domain is empty";
  if (domain.size() > kMaxDomainBytes) {
    return StrCat("the domain is ", domain.size(), " characters long; at most ", kMaxDomainBytes);
  }
  if (domain.back() == '.') return "the domain ends with a dot";
  if (domain.front() == '.') return "the domain starts with a dot";
  size_t label_count = 0;
  std::string_view tld;
  for (size_t start = 0; start <= domain.size();) {
    size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    const std::string_view label = domain.substr(start, end - start);
    start = end + 1;
    ++label_count;
    tld = label;
    if (label.empty()) return "the domain has two dots in a row";
    if (label.size() > kMaxLabelBytes) {
      return StrCat("the domain label ", QuoteForError(label), " is longer than ", kMaxLabelBytes,
                    " characters");
    }
    for (char c : label) {
      if (!IsLdh(c)) return StrCat("the domain contains ", CharForMessage(c));
    }
    if (label.front() == '-' || label.back() == '-') {
      return StrCat("the domain label ", QuoteForError(label), " starts or ends with a hyphen");
    }
  }
  if (label_count < 2) return StrCat("the domain ", QuoteForError(domain), " has no dot");
  const bool letters_only = std::all_of(tld.begin(), tld.end(), absl::ascii_isalpha);
  if (!(IsALabel(tld) || (letters_only && tld.size() >= 2))) {
    return StrCat("the top-level domain ", QuoteForError(tld), " is not valid");
  }
  return "";
}

// UTS #46 processing to the A-label form: non-transitional (IDNA2008: "faß.de" stays
// distinct from "fass.de"), falling back to transitional for names only IDNA2003 allowed
// (symbols such as "☃.net"), as browsers do. The error message is the reason only.
Result<std::string> IdnToAscii(std::string_view domain) {
  const std::string input(domain);
  const auto* in = reinterpret_cast<const uint8_t*>(input.c_str());
  uint8_t* out = nullptr;
  int rc = idn2_lookup_u8(in, &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) {
    const int first_rc = rc;
    rc = idn2_lookup_u8(in, &out, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
    if (rc != IDN2_OK) {
      return absl::InvalidArgumentError(StrCat("the domain is not a valid internationalized name (",
                                               idn2_strerror(first_rc), ")"));
    }
  }
  std::string result(reinterpret_cast<const char*>(out));
  idn2_free(out);
  for (char& c : result) c = absl::ascii_tolower(c);
  return result;
}

// ICU's spoof checker as browsers use it for IDN display: a label that mixes scripts in a
// confusable way ("аpple" with a Cyrillic а) is shown in its xn-- form instead. Checking
// is thread-safe once configured (ICU: uspoof.h, "Thread Safety").
const USpoofChecker* SpoofChecker() {
  static const USpoofChecker* const checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker* sc = uspoof_open(&status);
    uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS,
                     &status);
    uspoof_setRestrictionLevel(sc, USPOOF_MODERATELY_RESTRICTIVE);
    if (U_FAILURE(status)) {
      uspoof_close(sc);
      return static_cast<USpoofChecker*>(nullptr);
    }
    return sc;
  }();
  return checker;
}

bool LooksSpoofed(std::string_view unicode_domain) {
  const USpoofChecker* checker = SpoofChecker();
  if (checker == nullptr) return true;
  for (std::string_view label : Split(unicode_domain, '.')) {
    if (IsAscii(label)) continue;
    UErrorCode status = U_ZERO_ERROR;
    const int32_t result = uspoof_check2UTF8(checker, label.data(),
                                             static_cast<int32_t>(label.size()), nullptr, &status);
    if (U_FAILURE(status) || result != 0) return true;
  }
  return false;
}

std::string DisplayDomain(const std::string& ascii) {
  char* out = nullptr;
  if (idn2_to_unicode_8z8z(ascii.c_str(), &out, 0) != IDN2_OK) return ascii;
  std::string unicode(out);
  idn2_free(out);
  if (LooksSpoofed(unicode)) return ascii;
  return unicode;
}

struct PublicSuffixInfo {
  std::string registrable;
  bool is_public_suffix = false;
};

// libpsl answers in 1.5-3.5 us (it tests every suffix of the name in turn), the largest
// cost of an ASCII address. Import files repeat domains (one company, many people; the big
// mailbox providers), so each thread keeps its recent answers; the cache is dropped whole
// when full, which bounds it at a few hundred KiB per thread. The reference is valid until
// the next call on the same thread.
const PublicSuffixInfo& LookUpPublicSuffix(const std::string& ascii_domain) {
  constexpr size_t kCacheEntries = 4096;
  thread_local absl::flat_hash_map<std::string, PublicSuffixInfo> cache;
  if (const auto it = cache.find(ascii_domain); it != cache.end()) return it->second;
  if (cache.size() >= kCacheEntries) cache.clear();
  PublicSuffixInfo info;
  const psl_ctx_t* psl = psl_builtin();
  // NULL when the name is itself a public suffix ("co.uk") - or when libpsl was built
  // without its list, in which case every domain is its own registrable domain.
  const char* registrable =
      psl == nullptr ? nullptr : psl_registrable_domain(psl, ascii_domain.c_str());
  info.registrable = registrable == nullptr ? ascii_domain : std::string(registrable);
  info.is_public_suffix = psl != nullptr && registrable == nullptr;
  return cache.emplace(ascii_domain, std::move(info)).first->second;
}

// The domain rule shared by emails and suppression entries. Errors carry the reason only;
// callers say which value it was about.
Result<NormalizedDomain> NormalizeDomainReason(std::string_view domain) {
  if (domain.empty()) return absl::InvalidArgumentError("the domain is empty");
  if (domain.front() == '[') {
    return absl::InvalidArgumentError("IP address literals ('[...]') are not accepted");
  }
  NormalizedDomain result;
  if (IsAscii(domain)) {
    // The fast path: no libidn2 call unless a label is already an A-label to verify.
    result.ascii = AsciiLower(domain);
    std::string reason = CheckAsciiDomain(result.ascii);
    if (!reason.empty()) return absl::InvalidArgumentError(reason);
    const bool has_a_label = result.ascii.find("xn--") != std::string::npos;
    if (has_a_label) {
      ASSIGN_OR_RETURN(std::string checked, IdnToAscii(result.ascii));
      if (checked != result.ascii) {
        return absl::InvalidArgumentError("the domain has an xn-- label that is not canonical");
      }
    }
    result.unicode = has_a_label ? DisplayDomain(result.ascii) : result.ascii;
  } else {
    if (!IsValidUtf8(domain)) return absl::InvalidArgumentError("the domain is not valid UTF-8");
    ASSIGN_OR_RETURN(result.ascii, IdnToAscii(domain));
    std::string reason = CheckAsciiDomain(result.ascii);
    if (!reason.empty()) return absl::InvalidArgumentError(reason);
    result.unicode = DisplayDomain(result.ascii);
  }
  const PublicSuffixInfo& suffix = LookUpPublicSuffix(result.ascii);
  result.registrable = suffix.registrable;
  result.is_public_suffix = suffix.is_public_suffix;
  return result;
}

// ---------------------------------------------------------------------------------------
// Email local parts.

bool IsAtext(char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return static_cast<unsigned char>(c) >= 0x80;  // RFC 6531 UTF8-non-ascii
  }
}

// Returns the reason a dot-atom local part is wrong, or "".
std::string CheckDotAtom(std::string_view local) {
  if (local.front() == '.') return "the local part starts with a dot";
  if (local.back() == '.') return "the local part ends with a dot";
  if (local.find("..") != std::string_view::npos) return "the local part has two dots in a row";
  for (char c : local) {
    if (c != '.' && !IsAtext(c)) return StrCat("it contains ", CharForMessage(c));
  }
  return "";
}

// Checks a quoted-string local part (quotes included) and returns its unescaped content.
Result<std::string> UnquoteLocal(std::string_view quoted) {
  std::string content;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\') {
      c = quoted[++i];
    } else if (c == '"') {
      return absl::InvalidArgumentError("its quoted local part has an unescaped '\"'");
    }
    content.push_back(c);
  }
  if (content.empty()) return absl::InvalidArgumentError("the quoted local part is empty");
  return content;
}

// ---------------------------------------------------------------------------------------
// Phones.

// Calling codes whose national-prefix-for-parsing rules (carrier selection codes, legacy
// mobile tokens) make Parse remove digits even from a number written in international
// form: "+55 90 ..." (Brazil), "+86 12593 ..." (China), "+52 1 ..." (Mexico), "+54"
// (Argentina), "+61 14xx" (Australia), "+352 15xx" (Luxembourg). Found by comparing the
// fast path with Parse on random numbers for every calling code (normalize_test.cpp runs a
// sample of that comparison; the DISABLED_ variant runs it in full). Numbers with these
// codes always take the slow path.
constexpr int kSlowPathCallingCodes[] = {52, 54, 55, 61, 86, 352};

constexpr int kMaxCallingCode = 999;
constexpr size_t kMaxNsnDigits = 17;  // libphonenumber's kMaxLengthForNsn

// Per calling code: whether it exists, whether the fast path may be used, the national
// (trunk) prefix of its main region, and IsPossibleNumberWithReason for each length of the
// national significant number. Since libphonenumber 8, possibility is decided by length
// alone (TestNumberLength), so the table asks libphonenumber once per (code, length) and
// the fast path needs no call at all; the test checks the table against direct calls.
struct PhoneTables {
  std::array<bool, kMaxCallingCode + 1> known{};
  std::array<bool, kMaxCallingCode + 1> fast{};
  std::array<std::string, kMaxCallingCode + 1> trunk_prefix;
  std::array<std::array<PhoneNumberUtil::ValidationResult, kMaxNsnDigits + 1>, kMaxCallingCode + 1>
      possible{};
  std::array<int16_t, 26 * 26> region_calling_code{};  // "US" -> 1; 0 when unknown

  int CallingCodeOf(std::string_view region) const {
    if (region.size() != 2 || !absl::ascii_isupper(region[0]) || !absl::ascii_isupper(region[1])) {
      return 0;
    }
    return region_calling_code[static_cast<size_t>((region[0] - 'A') * 26 + (region[1] - 'A'))];
  }
};

const PhoneTables& Phones() {
  static const PhoneTables* const tables = [] {
    auto* t = new PhoneTables();
    const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
    std::set<int> calling_codes;
    util->GetSupportedCallingCodes(&calling_codes);
    for (int cc : calling_codes) {
      if (cc <= 0 || cc > kMaxCallingCode) continue;
      const auto index = static_cast<size_t>(cc);
      t->known[index] = true;
      t->fast[index] = true;
      std::string region;
      util->GetRegionCodeForCountryCode(cc, &region);
      if (region != "ZZ" && region != PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
        util->GetNddPrefixForRegion(region, /*strip_non_digits=*/true, &t->trunk_prefix[index]);
      }
      uint64_t national_number = 1;
      for (size_t length = 1; length <= kMaxNsnDigits; ++length, national_number *= 10) {
        PhoneNumber number;
        number.set_country_code(cc);
        number.set_national_number(national_number);
        t->possible[index][length] = util->IsPossibleNumberWithReason(number);
      }
    }
    for (int cc : kSlowPathCallingCodes) t->fast[static_cast<size_t>(cc)] = false;
    std::set<std::string> regions;
    util->GetSupportedRegions(&regions);
    for (const std::string& region : regions) {
      if (region.size() != 2) continue;
      t->region_calling_code[static_cast<size_t>((region[0] - 'A') * 26 + (region[1] - 'A'))] =
          static_cast<int16_t>(util->GetCountryCodeForRegion(region));
    }
    return t;
  }();
  return *tables;
}

std::string_view DescribeValidation(PhoneNumberUtil::ValidationResult result) {
  switch (result) {
    case PhoneNumberUtil::IS_POSSIBLE:
      return "possible";
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return "a local number without its area code";
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return "an unknown country code";
    case PhoneNumberUtil::TOO_SHORT:
      return "too short";
    case PhoneNumberUtil::INVALID_LENGTH:
      return "no numbers there have this length";
    case PhoneNumberUtil::TOO_LONG:
      return "too long";
  }
  return "not possible";
}

// ---------------------------------------------------------------------------------------
// Countries.

// Lower case, accents removed, only letters and digits kept, "&" read as "and":
// "Côte d’Ivoire" -> "cotedivoire", "Bosnia & Herzegovina" -> "bosniaandherzegovina".
std::string CountryKey(std::string_view s) {
  std::string mapped_storage;
  std::string_view text = s;
  if (!IsAscii(s)) {
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
        static_cast<utf8proc_ssize_t>(s.size()), &out,
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK));
    if (n < 0) return "";
    mapped_storage.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
    std::free(out);
    text = mapped_storage;
  }
  std::string key;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (absl::ascii_isalnum(c)) key.push_back(absl::ascii_tolower(c));
      if (c == '&') key.append("and");
      ++i;
      continue;
    }
    int32_t cp = 0;
    const int n = DecodeUtf8(text.substr(i), &cp);
    if (n < 0) return "";
    const utf8proc_category_t category = utf8proc_category(cp);
    if (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) {
      key.append(text.substr(i, static_cast<size_t>(n)));
    }
    i += static_cast<size_t>(n);
  }
  return key;
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// Names people write that ICU's English names do not cover.
constexpr std::pair<std::string_view, std::string_view> kCountryAliases[] = {
    {"UK", "GB"},
    {"Great Britain", "GB"},
    {"Britain", "GB"},
    {"England", "GB"},
    {"Scotland", "GB"},
    {"Wales", "GB"},
    {"Northern Ireland", "GB"},
    {"United Kingdom of Great Britain and Northern Ireland", "GB"},
    {"United States of America", "US"},
    {"America", "US"},
    {"Holland", "NL"},
    {"Czech Republic", "CZ"},
    {"Turkey", "TR"},
    {"Turkiye", "TR"},
    {"Ivory Coast", "CI"},
    {"Macedonia", "MK"},
    {"Swaziland", "SZ"},
    {"Burma", "MM"},
    {"Vatican", "VA"},
    {"Holy See", "VA"},
    {"UAE", "AE"},
    {"DRC", "CD"},
    {"DR Congo", "CD"},
    {"Democratic Republic of the Congo", "CD"},
    {"Democratic Republic of Congo", "CD"},
    {"Republic of the Congo", "CG"},
    {"Republic of Korea", "KR"},
    {"Russian Federation", "RU"},
    {"Cabo Verde", "CV"},
    {"East Timor", "TL"},
    {"Palestine", "PS"},
    {"Hong Kong", "HK"},
    {"Macau", "MO"},
};

struct CountryIndex {
  absl::flat_hash_map<std::string, std::string> by_key;
};

const CountryIndex& Countries() {
  static const CountryIndex* const index = [] {
    auto* result = new CountryIndex();
    auto add = [&](std::string_view name, std::string_view code) {
      std::string key = CountryKey(name);
      if (!key.empty()) result->by_key.try_emplace(std::move(key), code);
    };
    std::vector<std::string> codes;
    for (const char* const* code = icu::Locale::getISOCountries(); *code != nullptr; ++code) {
      codes.emplace_back(*code);
    }
    // Earlier entries win a clash: codes, then aliases, then English, then native names.
    for (const std::string& code : codes) add(code, code);
    for (const std::string& code : codes) add(icu::Locale("", code.c_str()).getISO3Country(), code);
    for (const auto& [alias, code] : kCountryAliases) add(alias, code);
    UDisplayContext short_names[] = {UDISPCTX_LENGTH_SHORT};
    std::unique_ptr<icu::LocaleDisplayNames> short_english(
        icu::LocaleDisplayNames::createInstance(icu::Locale::getEnglish(), short_names, 1));
    for (const std::string& code : codes) {
      const icu::Locale region("", code.c_str());
      icu::UnicodeString name;
      const std::string long_name =
          ToUtf8(region.getDisplayCountry(icu::Locale::getEnglish(), name));
      add(long_name, code);
      if (long_name.starts_with("St. ")) add(StrCat("Saint ", long_name.substr(4)), code);
      // "Myanmar (Burma)": also the name before the parenthesis.
      if (const size_t paren = long_name.find(" ("); paren != std::string::npos) {
        add(long_name.substr(0, paren), code);
      }
      if (short_english != nullptr) {
        icu::UnicodeString short_name;
        add(ToUtf8(short_english->regionDisplayName(code.c_str(), short_name)), code);
      }
    }
    for (const std::string& code : codes) {
      UErrorCode status = U_ZERO_ERROR;
      icu::Locale likely = icu::Locale::createFromName(StrCat("und_", code).c_str());
      likely.addLikelySubtags(status);
      if (U_FAILURE(status) || std::string_view(likely.getLanguage()) == "und") continue;
      icu::UnicodeString name;
      add(ToUtf8(icu::Locale("", code.c_str())
                     .getDisplayCountry(icu::Locale(likely.getLanguage()), name)),
          code);
    }
    return result;
  }();
  return *index;
}

// ---------------------------------------------------------------------------------------
// Time zones.

std::string ZoneKey(std::string_view name) {
  std::string key = AsciiLower(name);
  for (char& c : key) {
    if (c == ' ') c = '_';
  }
  return key;
}

struct ZoneIndex {
  absl::flat_hash_map<std::string, std::string> by_key;
  std::string load_error;  // non-empty when the tz database could not be read
};

const ZoneIndex& Zones() {
  static const ZoneIndex* const index = [] {
    auto* result = new ZoneIndex();
    try {
      for (const date::time_zone& zone : date::get_tzdb().zones) {
        const std::string& name = zone.name();
        // "localtime" is the host's own zone, not a name; the others are not zones.
        if (name == "localtime" || name == "posixrules" || name == "Factory" ||
            name.starts_with("posix/") || name.starts_with("right/")) {
          continue;
        }
        result->by_key.try_emplace(ZoneKey(name), name);
      }
    } catch (const std::exception& e) {
      result->load_error = e.what();
    }
    if (result->load_error.empty()) {
      result->by_key.try_emplace("utc", "UTC");
      result->by_key.try_emplace("gmt", "GMT");
    }
    return result;
  }();
  return *index;
}

// ---------------------------------------------------------------------------------------
// LinkedIn.

bool IsLinkedInHost(std::string_view host) {
  if (host == "linkedin.com") return true;
  if (!ConsumeSuffix(&host, ".linkedin.com")) return false;
  if (host == "www" || host == "m") return true;
  // Country subdomains: uk.linkedin.com, de.linkedin.com.
  return host.size() == 2 && absl::ascii_islower(host[0]) && absl::ascii_islower(host[1]);
}

int HexValue(char c) {
  if (absl::ascii_isdigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int high = HexValue(s[i + 1]);
    const int low = HexValue(s[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters, with upper-case hex.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

Result<std::string> NormalizeProviderId(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.size() > kMaxProviderIdBytes) {
    return absl::InvalidArgumentError(StrCat("linkedin_provider_id ", QuoteForError(s),
                                             " is too long (at most ", kMaxProviderIdBytes,
                                             " bytes)"));
  }
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) {
      return absl::InvalidArgumentError(
          StrCat("linkedin_provider_id ", QuoteForError(s),
                 " is not valid: it may hold only letters, digits, '-' and '_'"));
    }
  }
  return std::string(s);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Public functions.

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int32_t cp = 0;
    const int n = DecodeUtf8(s.substr(i), &cp);
    if (n < 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end) {
    int32_t cp = 0;
    const int n = DecodeUtf8(s.substr(begin, end - begin), &cp);
    if (n < 0 || !(IsUnicodeSpace(cp) || IsStrippedFormatChar(cp))) break;
    begin += static_cast<size_t>(n);
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && end - start < 4 &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    int32_t cp = 0;
    const int n = DecodeUtf8(s.substr(start, end - start), &cp);
    if (n != static_cast<int>(end - start) || !(IsUnicodeSpace(cp) || IsStrippedFormatChar(cp))) {
      break;
    }
    end = start;
  }
  return s.substr(begin, end - begin);
}

std::string QuoteForError(std::string_view value) {
  std::string out = "'";
  size_t i = 0;
  while (i < value.size()) {
    if (out.size() >= kQuoteBytes + 1) {
      out.append("...");
      break;
    }
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(value[i]);
      ++i;
      continue;
    }
    int32_t cp = 0;
    const int n = byte < 0x80 ? 1 : DecodeUtf8(value.substr(i), &cp);
    if (n < 0) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
      ++i;
      continue;
    }
    if (byte < 0x80) {
      switch (byte) {
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
      }
    } else if (IsControl(cp) || IsStrippedFormatChar(cp) || cp == 0x2028 || cp == 0x2029) {
      absl::StrAppend(&out, "\\u", absl::Hex(cp, absl::kZeroPad4));
    } else {
      out.append(value.substr(i, static_cast<size_t>(n)));
    }
    i += static_cast<size_t>(n);
  }
  out.push_back('\'');
  return out;
}

Result<NormalizedDomain> NormalizeDomain(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("domain is empty");
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(
        StrCat("domain ", QuoteForError(s), " is not valid: ", reason));
  };
  if (s.size() > kMaxEmailInputBytes) return invalid("it is too long");
  if (!IsValidUtf8(s)) return invalid("it is not valid UTF-8");
  if (HasAsciiControl(s)) return invalid("it contains a control character");
  Result<NormalizedDomain> domain = NormalizeDomainReason(s);
  if (!domain.ok()) return invalid(ToStd(domain.status().message()));
  return domain;
}

Result<NormalizedEmail> NormalizeEmail(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("email is empty");
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(
        StrCat("email ", QuoteForError(s), " is not valid: ", reason));
  };
  if (s.size() > kMaxEmailInputBytes) {
    return invalid(
        StrCat("it is ", s.size(), " bytes long; an address has at most ", kMaxEmailBytes));
  }
  if (!IsValidUtf8(s)) return invalid("it is not valid UTF-8");
  if (HasAsciiControl(s)) {
    return invalid("it contains a control character (a line break, tab or NUL)");
  }
  if (HasNonAsciiInvisible(s)) return invalid("it contains an invisible or control character");
  const size_t open = s.find('<');
  if (open != std::string_view::npos || s.find('>') != std::string_view::npos) {
    const size_t close = open == std::string_view::npos ? open : s.find('>', open);
    if (close != std::string_view::npos && close > open + 1) {
      const std::string_view inner = TrimSpace(s.substr(open + 1, close - open - 1));
      return absl::InvalidArgumentError(StrCat("email ", QuoteForError(s),
                                               " has a display name; give the bare "
                                               "address ",
                                               QuoteForError(inner)));
    }
    return invalid("it contains '<' or '>'");
  }

  // Split into local part and domain. A quoted local part may contain '@'.
  std::string_view local;
  std::string_view domain;
  const bool quoted = s.front() == '"';
  if (quoted) {
    size_t i = 1;
    bool closed = false;
    for (; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        closed = true;
        break;
      }
    }
    if (!closed) return invalid("its quoted local part has no closing '\"'");
    local = s.substr(0, i + 1);
    if (i + 1 >= s.size() || s[i + 1] != '@') {
      return invalid("a quoted local part must be followed by '@'");
    }
    domain = s.substr(i + 2);
  } else {
    const size_t at = s.find('@');
    if (at == std::string_view::npos) return invalid("it has no '@'");
    local = s.substr(0, at);
    domain = s.substr(at + 1);
  }
  // The common mistakes first, with their own messages.
  for (std::string_view part : {quoted ? std::string_view() : local, domain}) {
    for (char c : part) {
      if (c == ',' || c == ';') {
        return invalid(StrCat("it contains ", CharForMessage(c), "; give one address"));
      }
      if (c == ' ') return invalid("it contains a space");
    }
  }
  if (domain.find('@') != std::string_view::npos) return invalid("it contains more than one '@'");
  if (local.empty()) return invalid("the part before '@' is empty");
  if (local.size() > kMaxLocalPartBytes) {
    return invalid(StrCat("the part before '@' is ", local.size(), " bytes long; at most ",
                          kMaxLocalPartBytes));
  }

  std::string local_key;  // before lower-casing
  if (quoted) {
    Result<std::string> content = UnquoteLocal(local);
    if (!content.ok()) return invalid(ToStd(content.status().message()));
    // "john"@x and john@x are the same mailbox (RFC 5321 4.1.2): drop redundant quotes.
    local_key = CheckDotAtom(*content).empty() ? *content : std::string(local);
  } else {
    const std::string reason = CheckDotAtom(local);
    if (!reason.empty()) return invalid(reason);
    local_key = std::string(local);
  }

  Result<NormalizedDomain> normalized_domain = NormalizeDomainReason(domain);
  if (!normalized_domain.ok()) return invalid(ToStd(normalized_domain.status().message()));

  NormalizedEmail email;
  ASSIGN_OR_RETURN(email.local, ToLowerNfc(local_key));
  ASSIGN_OR_RETURN(std::string display_local, ToNfc(local));
  email.domain_ascii = std::move(normalized_domain->ascii);
  email.registrable_domain = std::move(normalized_domain->registrable);
  email.normalized = StrCat(email.local, "@", email.domain_ascii);
  if (email.normalized.size() > kMaxEmailBytes) {
    return invalid(StrCat("it is ", email.normalized.size(), " bytes long in ASCII form; at most ",
                          kMaxEmailBytes));
  }
  email.address = StrCat(display_local, "@", normalized_domain->unicode);
  return email;
}

namespace internal {

std::optional<std::string> NormalizePhoneFast(std::string_view trimmed,
                                              std::string_view country_alpha2) {
  const PhoneTables& tables = Phones();
  std::array<char, 24> digits{};
  size_t count = 0;
  bool plus = false;
  for (size_t i = 0; i < trimmed.size(); ++i) {
    const char c = trimmed[i];
    if (absl::ascii_isdigit(c)) {
      if (count == digits.size()) return std::nullopt;
      digits[count++] = c;
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  int calling_code = 0;
  size_t nsn_start = 0;
  if (plus) {
    // Calling codes are prefix-free (ITU E.164), so the first known prefix is the code,
    // as in libphonenumber's ExtractCountryCode.
    int value = 0;
    for (size_t length = 1; length <= 3 && length < count; ++length) {
      value = value * 10 + (digits[length - 1] - '0');
      if (tables.known[static_cast<size_t>(value)]) {
        calling_code = value;
        nsn_start = length;
        break;
      }
    }
    if (calling_code == 0 || !tables.fast[static_cast<size_t>(calling_code)]) return std::nullopt;
  } else {
    // National format: only NANP numbers are unambiguous enough. Elsewhere Parse may read a
    // leading country code or rewrite a local number (see kSlowPathCallingCodes).
    if (tables.CallingCodeOf(country_alpha2) != 1) return std::nullopt;
    calling_code = 1;
    if (count == 11 && digits[0] == '1') {
      nsn_start = 1;
    } else if (count != 10) {
      return std::nullopt;
    }
  }
  const std::string_view nsn(digits.data() + nsn_start, count - nsn_start);
  const std::string& trunk = tables.trunk_prefix[static_cast<size_t>(calling_code)];
  // A leading 0 or trunk prefix is what Parse strips or keeps as an Italian leading zero.
  if (nsn.empty() || nsn.size() > kMaxNsnDigits || nsn.front() == '0' ||
      (!trunk.empty() && nsn.starts_with(trunk))) {
    return std::nullopt;
  }
  if (tables.possible[static_cast<size_t>(calling_code)][nsn.size()] !=
      PhoneNumberUtil::IS_POSSIBLE) {
    return std::nullopt;  // the slow path gives the precise error
  }
  return StrCat("+", calling_code, nsn);
}

Result<std::string> NormalizePhoneSlow(std::string_view trimmed, std::string_view country_alpha2) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  const std::string region = country_alpha2.empty() ? "ZZ" : std::string(country_alpha2);
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(StrCat("phone ", QuoteForError(trimmed), " ", reason));
  };
  PhoneNumber number;
  switch (util->Parse(std::string(trimmed), region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      if (trimmed.starts_with('+') || trimmed.starts_with("\uff0b")) {
        return invalid("has an unknown country code");
      }
      if (country_alpha2.empty()) {
        return invalid(
            "has no country code: write it as +<country code> <number>, or give the contact's "
            "country");
      }
      // A region without a numbering plan of its own (Antarctica, Bouvet Island, ...).
      return invalid(StrCat("has no country code, and ", region,
                            " has no numbering plan to read it in: write it as +<country code> "
                            "<number>"));
    case PhoneNumberUtil::NOT_A_NUMBER:
      return invalid("is not a phone number");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return invalid("is too short");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return invalid("is too long");
  }
  const PhoneNumberUtil::ValidationResult possible = util->IsPossibleNumberWithReason(number);
  if (possible != PhoneNumberUtil::IS_POSSIBLE) {
    std::string where;
    if (number.country_code() == util->GetCountryCodeForRegion(region)) {
      where = region;
    } else {
      util->GetRegionCodeForCountryCode(number.country_code(), &where);
      if (where == "ZZ" || where == PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
        where = StrCat("+", number.country_code());
      }
    }
    return invalid(
        StrCat("is not a possible number for ", where, " (", DescribeValidation(possible), ")"));
  }
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

}  // namespace internal

Result<std::string> NormalizePhone(std::string_view raw, std::string_view country_alpha2) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("phone is empty");
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(StrCat("phone ", QuoteForError(s), " ", reason));
  };
  if (s.size() > kMaxPhoneInputBytes) {
    return invalid(StrCat("is too long (", s.size(), " bytes)"));
  }
  if (!IsValidUtf8(s)) return invalid("is not valid UTF-8");
  if (HasAsciiControl(s)) return invalid("contains a control character");
  const bool upper_alpha2 = country_alpha2.size() == 2 && absl::ascii_isupper(country_alpha2[0]) &&
                            absl::ascii_isupper(country_alpha2[1]);
  if (!country_alpha2.empty() && !upper_alpha2) {
    return absl::InvalidArgumentError(StrCat("phone ", QuoteForError(s), " cannot be read: region ",
                                             QuoteForError(country_alpha2),
                                             " is not an upper-case ISO 3166 alpha-2 code"));
  }
  if (std::optional<std::string> fast = internal::NormalizePhoneFast(s, country_alpha2)) {
    return *std::move(fast);
  }
  return internal::NormalizePhoneSlow(s, country_alpha2);
}

Result<std::string> NormalizeName(std::string_view raw) {
  return NormalizeText(raw, "name", kMaxNameBytes, Spaces::kCollapse);
}

Result<std::string> NormalizeCountry(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("country is empty");
  auto unknown = [&] {
    return absl::InvalidArgumentError(
        StrCat("country ", QuoteForError(s),
               " is not a known country name or ISO 3166 code (e.g. 'DE', 'DEU', "
               "'Germany')"));
  };
  if (s.size() > kMaxCountryInputBytes || !IsValidUtf8(s)) return unknown();
  const CountryIndex& index = Countries();
  std::string key = CountryKey(s);
  auto it = index.by_key.find(key);
  // "The Netherlands", "the Gambia".
  if (it == index.by_key.end() && key.starts_with("the")) it = index.by_key.find(key.substr(3));
  if (it == index.by_key.end()) return unknown();
  return it->second;
}

Result<std::string> NormalizeTimeZone(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("time_zone is empty");
  const ZoneIndex& index = Zones();
  if (!index.load_error.empty()) {
    return absl::FailedPreconditionError(StrCat(
        "time_zone ", QuoteForError(s), " cannot be checked: the tz database could not be read (",
        index.load_error, "); install tzdata"));
  }
  if (s.size() <= kMaxTimeZoneInputBytes) {
    auto it = index.by_key.find(ZoneKey(s));
    if (it != index.by_key.end()) return it->second;
  }
  return absl::InvalidArgumentError(
      StrCat("time_zone ", QuoteForError(s),
             " is not an IANA time zone name (e.g. 'Europe/Berlin', 'America/New_York', "
             "'UTC')"));
}

Result<std::string> NormalizeLinkedInUrl(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("linkedin_url is empty");
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(StrCat("linkedin_url ", QuoteForError(s), " ", reason));
  };
  if (s.size() > kMaxUrlInputBytes) return invalid("is too long");
  if (!IsValidUtf8(s)) return invalid("is not valid UTF-8");
  if (HasAsciiControl(s)) return invalid("contains a control character");

  std::string_view rest = s;
  if (!ConsumePrefix(&rest, "//")) {
    const size_t scheme_end = rest.find("://");
    if (scheme_end != std::string_view::npos) {
      const std::string scheme = AsciiLower(rest.substr(0, scheme_end));
      if (scheme != "https" && scheme != "http") return invalid("is not an http(s) URL");
      rest.remove_prefix(scheme_end + 3);
    }
  }
  const size_t host_end = rest.find_first_of("/?#");
  const std::string host = AsciiLower(rest.substr(0, host_end));
  if (!IsLinkedInHost(host)) return invalid("is not a linkedin.com URL");
  std::string_view path = host_end == std::string_view::npos ? "" : rest.substr(host_end);
  path = path.substr(0, path.find_first_of("?#"));
  std::vector<std::string_view> segments;
  for (std::string_view segment : Split(path, '/')) {
    if (!segment.empty()) segments.push_back(segment);
  }
  const std::string kind = segments.empty() ? "" : AsciiLower(segments[0]);
  if (kind == "pub") {
    return invalid(
        "is an old /pub/ profile URL, which LinkedIn no longer serves; open the profile and "
        "copy its linkedin.com/in/ URL");
  }
  if (kind == "sales") {
    return invalid(
        "is a Sales Navigator URL; use the member's public profile URL (linkedin.com/in/...)");
  }
  if (kind == "company" || kind == "school" || kind == "showcase") {
    return invalid("is a company page, not a member profile");
  }
  if (kind != "in") return invalid("is not a member profile URL (expected linkedin.com/in/<name>)");
  if (segments.size() < 2) return invalid("has no profile name after /in/");

  // Later segments are sub-pages ("/details/experience") or a locale ("/de"): the profile
  // is the same member.
  const std::optional<std::string> slug = PercentDecode(segments[1]);
  if (!slug.has_value()) return invalid("has an invalid percent escape in the profile name");
  if (slug->size() > kMaxSlugBytes) return invalid("has a profile name that is too long");
  if (!IsValidUtf8(*slug) || HasAsciiControl(*slug) || HasNonAsciiInvisible(*slug) ||
      slug->find('/') != std::string::npos || TrimSpace(*slug).empty()) {
    return invalid("has an invalid profile name");
  }
  ASSIGN_OR_RETURN(std::string lowered, ToLowerNfc(*slug));
  return StrCat("https://www.linkedin.com/in/", PercentEncode(lowered));
}

Result<ContactData> BuildContact(const RawContact& raw) {
  auto present = [](std::string_view value) { return !TrimSpace(value).empty(); };
  if (!present(raw.email) && !present(raw.linkedin_url) && !present(raw.phone)) {
    return absl::InvalidArgumentError("contact needs an email, a LinkedIn URL or a phone number");
  }
  ContactData c;
  if (present(raw.email)) {
    ASSIGN_OR_RETURN(NormalizedEmail email, NormalizeEmail(raw.email));
    c.email = std::move(email.address);
    c.email_normalized = std::move(email.normalized);
    c.email_domain = std::move(email.domain_ascii);
    c.registrable_domain = std::move(email.registrable_domain);
  }
  // The country first: the phone is read in it.
  if (present(raw.country)) {
    ASSIGN_OR_RETURN(c.country, NormalizeCountry(raw.country));
  }
  if (present(raw.phone)) {
    ASSIGN_OR_RETURN(c.phone, NormalizePhone(raw.phone, c.country));
  }
  if (present(raw.linkedin_url)) {
    ASSIGN_OR_RETURN(c.linkedin_url, NormalizeLinkedInUrl(raw.linkedin_url));
  }
  if (present(raw.linkedin_provider_id)) {
    ASSIGN_OR_RETURN(c.linkedin_provider_id, NormalizeProviderId(raw.linkedin_provider_id));
  }
  if (present(raw.time_zone)) {
    ASSIGN_OR_RETURN(c.time_zone, NormalizeTimeZone(raw.time_zone));
  }
  ASSIGN_OR_RETURN(c.first_name,
                   NormalizeText(raw.first_name, "first_name", kMaxNameBytes, Spaces::kCollapse));
  ASSIGN_OR_RETURN(c.last_name,
                   NormalizeText(raw.last_name, "last_name", kMaxNameBytes, Spaces::kCollapse));
  ASSIGN_OR_RETURN(c.company,
                   NormalizeText(raw.company, "company", kMaxNameBytes, Spaces::kCollapse));
  ASSIGN_OR_RETURN(c.title, NormalizeText(raw.title, "title", kMaxNameBytes, Spaces::kCollapse));
  if (c.first_name.empty() && c.last_name.empty() && present(raw.full_name)) {
    ASSIGN_OR_RETURN(std::string full,
                     NormalizeText(raw.full_name, "full_name", kMaxNameBytes, Spaces::kCollapse));
    const size_t space = full.find(' ');
    c.first_name = full.substr(0, space);
    if (space != std::string::npos) c.last_name = full.substr(space + 1);
  }
  for (const auto& [raw_name, raw_value] : raw.custom_fields) {
    const std::string_view name = TrimSpace(raw_name);
    if (name.empty()) return absl::InvalidArgumentError("a custom field has an empty name");
    if (name.size() > kMaxCustomNameBytes || !IsValidUtf8(name) || HasAsciiControl(name)) {
      return absl::InvalidArgumentError(
          StrCat("custom field name ", QuoteForError(name),
                 " is not valid: it must be UTF-8 without control characters, at most ",
                 kMaxCustomNameBytes, " bytes"));
    }
    ASSIGN_OR_RETURN(std::string key, ToNfc(name));
    ASSIGN_OR_RETURN(std::string value, NormalizeText(raw_value, StrCat("custom.", key),
                                                      kMaxCustomValueBytes, Spaces::kKeepLines));
    if (value.empty()) continue;
    if (!c.custom_fields.try_emplace(key, std::move(value)).second) {
      return absl::InvalidArgumentError(
          StrCat("custom field ", QuoteForError(key),
                 " is given twice (names that differ only in surrounding spaces are the same)"));
    }
  }
  return c;
}

}  // namespace cadent
