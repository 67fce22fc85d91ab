// The renderer: runs the compiled ops for one contact into reused buffers.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/strings.hpp"
#include "core/csv/utf8.hpp"
#include "core/templating/internal.hpp"
#include "core/templating/template.hpp"

namespace cadent::templating {
namespace {

using internal::Escape;
using internal::Field;
using internal::Op;
using internal::OpKind;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Byte classes: 1 = needs attention in HTML, 2 = needs attention in text.
constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    const bool control = (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F;
    const bool high = b >= 0x80;
    const bool html = b == '&' || b == '<' || b == '>' || b == '"' || b == '\'';
    classes[static_cast<size_t>(b)] =
        static_cast<uint8_t>(((control || high || html) ? 1 : 0) | ((control || high) ? 2 : 0));
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

std::string_view HtmlEntity(unsigned char b) {
  switch (b) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return " ";  // control characters
  }
}

constexpr uint64_t kLowBytes = 0x0101010101010101ULL;
constexpr uint64_t kHighBytes = 0x8080808080808080ULL;

// Nonzero when some byte of `word` is zero.
constexpr uint64_t HasZeroByte(uint64_t word) { return (word - kLowBytes) & ~word & kHighBytes; }

// False only when no byte of `word` can need attention under `mask` (see kClasses): no byte
// below 0x20, none at or above 0x7F, and for HTML none of & < > " '.
bool MayNeedAttention(uint64_t word, uint8_t mask) {
  // Bytes below 0x20, or with the high bit set.
  if (((word - 0x2020202020202020ULL) | word) & kHighBytes) return true;
  if (HasZeroByte(word ^ (0x7F * kLowBytes))) return true;
  if ((mask & 1) == 0) return false;
  return HasZeroByte(word ^ ('&' * kLowBytes)) || HasZeroByte(word ^ ('<' * kLowBytes)) ||
         HasZeroByte(word ^ ('>' * kLowBytes)) || HasZeroByte(word ^ ('"' * kLowBytes)) ||
         HasZeroByte(word ^ ('\'' * kLowBytes));
}

// Appends `value` with invalid UTF-8 replaced by U+FFFD (per bad byte), control characters
// other than tab/CR/LF as a space, and (mask 1) the HTML specials escaped.
void AppendClean(std::string& out, std::string_view value, uint8_t mask) {
  const size_t n = value.size();
  size_t run = 0;
  size_t valid_until = 0;
  size_t i = 0;
  while (i < n) {
    // Eight clean bytes at a time: the common case of a plain ASCII value.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, value.data() + i, 8);
      if (!MayNeedAttention(word, mask)) {
        i += 8;
        continue;
      }
    }
    const auto b = static_cast<unsigned char>(value[i]);
    if ((kClasses[b] & mask) == 0) {
      ++i;
      continue;
    }
    if (b >= 0x80) {
      if (i < valid_until) {
        ++i;
        continue;
      }
      const size_t bad = csv::FindInvalidUtf8(value.substr(i));
      if (bad != 0) {
        valid_until = bad == std::string_view::npos ? n : i + bad;
        ++i;
        continue;
      }
      out.append(value.substr(run, i - run));
      out.append(kReplacement);
    } else {
      out.append(value.substr(run, i - run));
      out.append(HtmlEntity(b));
    }
    ++i;
    run = i;
  }
  out.append(value.substr(run));
}

bool IsBlank(std::string_view value) {
  for (char c : value) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Header values: control characters (C0, DEL, NEL, U+2028, U+2029) and runs of spaces
// become one space; leading and trailing ones are dropped. In place.
void SanitizeHeader(std::string& s) {
  const size_t n = s.size();
  size_t w = 0;
  bool space = false;
  for (size_t r = 0; r < n; ++r) {
    const auto b = static_cast<unsigned char>(s[r]);
    size_t length = 1;
    bool blank = b <= 0x20 || b == 0x7F;
    if (b == 0xC2 && r + 1 < n && static_cast<unsigned char>(s[r + 1]) == 0x85) {
      blank = true;
      length = 2;
    } else if (b == 0xE2 && r + 2 < n && static_cast<unsigned char>(s[r + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[r + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[r + 2]) == 0xA9)) {
      blank = true;
      length = 3;
    }
    if (blank) {
      space = w > 0;
      r += length - 1;
      continue;
    }
    if (space) {
      s[w++] = ' ';
      space = false;
    }
    s[w++] = s[r];
  }
  s.resize(w);
}

}  // namespace

size_t internal::CountCodePoints(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  size_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    // A continuation byte is 10xxxxxx: bit 7 set and bit 6 clear.
    const uint64_t marks = (word >> 7) & ~(word >> 6) & kOnes;
    // Sum the eight 0/1 bytes (no popcount instruction needed).
    continuation += static_cast<size_t>((marks * kOnes) >> 56);
  }
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++continuation;
  }
  return text.size() - continuation;
}

namespace {

using internal::CountCodePoints;

class Renderer {
 public:
  Renderer(const CompiledTemplate::Impl& impl, const RenderContext& context, Rendered& out)
      : impl_(impl), context_(context), out_(out) {}

  // Runs `ops` into `buffer`; adds the code points written to *code_points when given.
  void Run(const std::vector<Op>& ops, std::string& buffer, size_t* code_points = nullptr) {
    const size_t count = ops.size();
    size_t pc = 0;
    while (pc < count) {
      const Op& op = ops[pc];
      switch (op.kind) {
        case OpKind::kLiteral:
          buffer.append(impl_.arena.data() + op.a, op.b);
          if (code_points != nullptr) *code_points += op.index;
          ++pc;
          break;
        case OpKind::kVar: {
          const size_t before = buffer.size();
          const std::string_view value = Value(op.field, op.index);
          if (IsBlank(value)) {
            if (op.has_fallback) {
              buffer.append(impl_.arena.data() + op.a, op.b);
            } else {
              NoteEmpty(op.name);
            }
          } else {
            Append(buffer, value, op.escape);
          }
          if (code_points != nullptr) {
            *code_points += CountCodePoints(std::string_view(buffer).substr(before));
          }
          ++pc;
          break;
        }
        case OpKind::kIfAbsent:
          pc = IsBlank(Value(op.field, op.name)) ? op.index : pc + 1;
          break;
        case OpKind::kIfPresent:
          pc = IsBlank(Value(op.field, op.name)) ? pc + 1 : op.index;
          break;
        case OpKind::kJump:
          pc = op.index;
          break;
        case OpKind::kSpin: {
          const uint64_t h =
              SplitMix64(context_.spin_seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t{op.index} + 1)));
          const internal::Span32 option = impl_.spin_options[op.a + h % op.b];
          buffer.append(impl_.arena.data() + option.offset, option.length);
          if (code_points != nullptr) {
            *code_points +=
                CountCodePoints(std::string_view(impl_.arena).substr(option.offset, option.length));
          }
          ++pc;
          break;
        }
        case OpKind::kHrefBegin:
          link_stage_ = 1;
          href_begin_ = buffer.size();
          ++pc;
          break;
        case OpKind::kHrefEnd:
          if (link_stage_ == 1) {
            if (links_ == out_.links.size()) out_.links.emplace_back();
            Link& link = out_.links[links_++];
            link.offset = href_begin_;
            link.length = buffer.size() - href_begin_;
            link.text.clear();
            if (op.precomputed) {
              link.url.assign(impl_.arena.data() + op.a, op.b);
            } else {
              link.url.clear();
              internal::AppendDecodedEntities(std::string_view(buffer).substr(href_begin_),
                                              &link.url);
            }
            link_stage_ = 2;
          }
          ++pc;
          break;
        case OpKind::kAnchorText:
          if (link_stage_ == 2) {
            link_stage_ = 3;
            text_begin_ = buffer.size();
          }
          ++pc;
          break;
        case OpKind::kAnchorEnd:
          if (link_stage_ == 3) {
            Link& link = out_.links[links_ - 1];
            if (op.precomputed) {
              link.text.assign(impl_.arena.data() + op.a, op.b);
            } else {
              internal::HtmlToText converter(&link.text);
              converter.Feed(std::string_view(buffer).substr(text_begin_));
            }
          }
          link_stage_ = 0;
          ++pc;
          break;
      }
    }
  }

  size_t links() const { return links_; }

 private:
  std::string_view Value(Field field, uint32_t custom_index) const {
    const ContactData& c = *context_.contact;
    const SenderFields* s = context_.sender;
    switch (field) {
      case Field::kFirstName:
        return c.first_name;
      case Field::kLastName:
        return c.last_name;
      case Field::kCompany:
        return c.company;
      case Field::kTitle:
        return c.title;
      case Field::kEmail:
        return c.email;
      case Field::kPhone:
        return c.phone;
      case Field::kLinkedInUrl:
        return c.linkedin_url;
      case Field::kCountry:
        return c.country;
      case Field::kTimeZone:
        return c.time_zone;
      case Field::kSenderFirstName:
        return s != nullptr ? std::string_view(s->first_name) : std::string_view();
      case Field::kSenderLastName:
        return s != nullptr ? std::string_view(s->last_name) : std::string_view();
      case Field::kSenderEmail:
        return s != nullptr ? std::string_view(s->email) : std::string_view();
      case Field::kSenderSignature:
        return s != nullptr ? std::string_view(s->signature) : std::string_view();
      case Field::kSenderCompany:
        return s != nullptr ? std::string_view(s->company) : std::string_view();
      case Field::kUnsubscribeUrl:
        return context_.unsubscribe_url;
      case Field::kDayOfWeek:
        return context_.day_of_week;
      case Field::kCustom:
        break;
    }
    const std::string& key = impl_.custom_keys[custom_index];
    const auto& fields = c.custom_fields;
    if (const auto it = fields.find(key); it != fields.end()) return it->second;
    for (const auto& [name, value] : fields) {
      if (EqualsIgnoreCase(name, key)) return value;
    }
    return {};
  }

  void Append(std::string& buffer, std::string_view value, Escape escape) {
    switch (escape) {
      case Escape::kHtml:
        AppendClean(buffer, value, 1);
        return;
      case Escape::kRawHtml:
      case Escape::kText:
        AppendClean(buffer, value, 2);
        return;
      case Escape::kHtmlToText:
        if (csv::FindInvalidUtf8(value) == std::string_view::npos) {
          internal::HtmlToText converter(&buffer);
          converter.Feed(value);
        } else {
          AppendClean(buffer, value, 2);
        }
        return;
    }
  }

  void NoteEmpty(uint32_t name_index) {
    const std::string_view name = impl_.names[name_index];
    auto& empty = out_.empty_variables;
    if (std::find(empty.begin(), empty.end(), name) == empty.end()) empty.push_back(name);
  }

  const CompiledTemplate::Impl& impl_;
  const RenderContext& context_;
  Rendered& out_;
  size_t links_ = 0;
  int link_stage_ = 0;
  size_t href_begin_ = 0;
  size_t text_begin_ = 0;
};

void RenderParts(const CompiledTemplate::Impl& impl, const RenderContext& context, Rendered& out) {
  out.subject.clear();
  out.html.clear();
  out.text.clear();
  out.empty_variables.clear();
  out.sms_segments = 0;
  out.sms_encoding = Rendered::SmsEncoding::kGsm7;
  Renderer renderer(impl, context, out);
  if (impl.has_subject) {
    renderer.Run(impl.subject, out.subject);
    SanitizeHeader(out.subject);
  }
  if (impl.has_html) renderer.Run(impl.html, out.html);
  out.links.resize(renderer.links());
  size_t characters = 0;
  if (impl.has_text) {
    renderer.Run(impl.text, out.text, &characters);
    if (impl.text_from_html) {
      while (!out.text.empty() && (out.text.back() == ' ' || out.text.back() == '\n')) {
        out.text.pop_back();
        --characters;
      }
    }
  }
  out.characters = characters;
}

// GSM 03.38: the basic character set beyond ASCII, and the extension table (2 septets).
constexpr char32_t kGsmBasicNonAscii[] = {
    U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø', U'Å', U'å', U'Δ',
    U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É',
    U'¤', U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à'};

// Septets for one code point in GSM-7: 1, 2 (extension table), or 0 (not encodable).
int GsmSeptets(char32_t cp) {
  if (cp < 0x80) {
    if (cp == '\n' || cp == '\r') return 1;
    if (cp == '\f') return 2;
    if (cp < 0x20 || cp == 0x7F || cp == '`') return 0;
    if (cp == '^' || cp == '{' || cp == '}' || cp == '\\' || cp == '[' || cp == ']' || cp == '~' ||
        cp == '|') {
      return 2;
    }
    return 1;
  }
  if (cp == U'€') return 2;
  for (char32_t basic : kGsmBasicNonAscii) {
    if (basic == cp) return 1;
  }
  return 0;
}

// Decodes the code point at `i` of valid UTF-8 text and advances `i`.
char32_t NextCodePoint(std::string_view text, size_t& i) {
  const auto b = static_cast<unsigned char>(text[i]);
  size_t length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (i + length > text.size()) length = text.size() - i;
  char32_t cp = length == 1 ? b : length == 2 ? (b & 0x1F) : length == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < length; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  }
  i += length;
  return cp;
}

// Packs units into segments of `per_part`, never splitting a 2-unit character.
template <typename UnitsOf>
int Pack(std::string_view text, size_t per_part, UnitsOf units_of) {
  int segments = 1;
  size_t used = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t units = static_cast<size_t>(units_of(NextCodePoint(text, i)));
    if (used + units > per_part) {
      ++segments;
      used = 0;
    }
    used += units;
  }
  return segments;
}

}  // namespace

std::string_view ToString(Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return "email";
    case Channel::kLinkedInInvite:
      return "linkedin_invite";
    case Channel::kLinkedInMessage:
      return "linkedin_message";
    case Channel::kSms:
      return "sms";
    case Channel::kWebhook:
      return "webhook";
  }
  return "email";
}

std::optional<Channel> ParseChannel(std::string_view text) {
  for (Channel channel : {Channel::kEmail, Channel::kLinkedInInvite, Channel::kLinkedInMessage,
                          Channel::kSms, Channel::kWebhook}) {
    if (ToString(channel) == text) return channel;
  }
  return std::nullopt;
}

void Rendered::clear() {
  subject.clear();
  html.clear();
  text.clear();
  links.clear();
  sms_segments = 0;
  sms_encoding = SmsEncoding::kGsm7;
  characters = 0;
  empty_variables.clear();
}

void MakeHeaderSafe(std::string& value) { SanitizeHeader(value); }

uint64_t SpinSeed(int64_t contact_id, int64_t step_id) {
  return SplitMix64(SplitMix64(static_cast<uint64_t>(contact_id)) ^ static_cast<uint64_t>(step_id));
}

SmsCount CountSms(std::string_view text) {
  SmsCount count;
  if (text.empty()) return count;
  size_t septets = 0;
  size_t utf16 = 0;
  bool gsm = true;
  for (size_t i = 0; i < text.size();) {
    const char32_t cp = NextCodePoint(text, i);
    const int s = GsmSeptets(cp);
    if (s == 0) gsm = false;
    septets += static_cast<size_t>(s);
    utf16 += cp > 0xFFFF ? 2 : 1;
  }
  if (gsm) {
    count.encoding = Rendered::SmsEncoding::kGsm7;
    count.units = septets;
    count.segments = septets <= 160 ? 1 : Pack(text, 153, GsmSeptets);
  } else {
    count.encoding = Rendered::SmsEncoding::kUcs2;
    count.units = utf16;
    count.segments =
        utf16 <= 70 ? 1 : Pack(text, 67, [](char32_t cp) { return cp > 0xFFFF ? 2 : 1; });
  }
  return count;
}

Status Render(const CompiledTemplate& compiled, const RenderContext& context, Rendered& out) {
  if (context.contact == nullptr) return absl::InvalidArgumentError("no contact to render for");
  const CompiledTemplate::Impl& impl = compiled.impl();
  RenderParts(impl, context, out);
  switch (impl.channel) {
    case Channel::kEmail:
      return OkStatus();
    case Channel::kLinkedInInvite:
      if (out.characters > impl.limits.linkedin_invite_chars) {
        return absl::InvalidArgumentError(StrCat("linkedin invitation note is ", out.characters,
                                                 " characters; the limit is ",
                                                 impl.limits.linkedin_invite_chars));
      }
      return OkStatus();
    case Channel::kLinkedInMessage:
      if (out.characters > impl.limits.linkedin_message_chars) {
        return absl::InvalidArgumentError(StrCat("linkedin message is ", out.characters,
                                                 " characters; the limit is ",
                                                 impl.limits.linkedin_message_chars));
      }
      return OkStatus();
    case Channel::kWebhook:
      return absl::InvalidArgumentError("webhook steps have no template");
    case Channel::kSms: {
      const SmsCount count = CountSms(out.text);
      out.sms_segments = count.segments;
      out.sms_encoding = count.encoding;
      if (count.segments > impl.limits.sms_max_segments) {
        return absl::InvalidArgumentError(
            StrCat("sms is ", count.segments, " segments (",
                   count.encoding == Rendered::SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2", ", ",
                   out.characters, " characters); the limit is ", impl.limits.sms_max_segments));
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

std::vector<std::string> MissingVariables(const CompiledTemplate& compiled,
                                          const ContactData& contact, const SenderFields* sender) {
  RenderContext context;
  context.contact = &contact;
  context.sender = sender;
  Rendered out;
  RenderParts(compiled.impl(), context, out);
  std::vector<std::string> missing;
  for (std::string_view name : out.empty_variables) {
    // System fields come from the send, not from the contact.
    if (name != "unsubscribe_url" && name != "day_of_week") missing.emplace_back(name);
  }
  return missing;
}

}  // namespace cadent::templating
