#include "channels/imap/inbound.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "channels/email/gmime_lock.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

template <typename To, typename From>
To* As(From* object) {
  return reinterpret_cast<To*>(object);
}

// Limits on what one message may cost. GMime's parser recurses once per nested multipart
// or message part; a message that names more of them than kMaxNestedTypes (a legitimate
// one has a handful) is read from its top-level headers alone, so that hostile nesting
// cannot exhaust the stack inside GMime.
constexpr size_t kMaxNestedTypes = 256;
constexpr int kMaxDepth = 16;                 // of the part tree we walk
constexpr size_t kMaxPartBytes = 256 * 1024;  // of a part we read as text
constexpr size_t kMaxTextScan = 1024 * 1024;  // of all text parts a bounce is searched in
constexpr size_t kMaxDetail = 300;            // bytes of detail
constexpr size_t kMaxSubject = 998;           // bytes of subject
constexpr size_t kMaxIdBytes = 998;           // of one Message-ID

// The first `max` bytes of `text`, not cutting a UTF-8 sequence.
std::string Clip(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

// One line: controls become spaces, runs of white space collapse, ends trimmed, clipped.
std::string OneLine(std::string_view text, size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max + 1));
  bool space = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() > max) break;
  }
  return Clip(out, max);
}

std::string Lower(std::string_view text) { return absl::AsciiStrToLower(ToAbsl(text)); }

std::string_view Trim(std::string_view text) {
  return ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return absl::StartsWithIgnoreCase(ToAbsl(text), ToAbsl(prefix));
}

size_t CountNoCase(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  if (needle.empty() || haystack.size() < needle.size()) return 0;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (absl::EqualsIgnoreCase(ToAbsl(haystack.substr(i, needle.size())), ToAbsl(needle))) {
      ++count;
      i += needle.size() - 1;
    }
  }
  return count;
}

// The first header `name` of `object`, unfolded and decoded; nullopt when absent.
std::optional<std::string> Header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string MimeType(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "";
  char* text = g_mime_content_type_get_mime_type(type);
  std::string out = text ? Lower(text) : "";
  g_free(text);
  return out;
}

std::string TypeParameter(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_content_type_parameter(object, name);
  return value ? Lower(Trim(value)) : "";
}

// Appends the Message-IDs in `text` (an In-Reply-To or References value) in order.
std::vector<std::string> ParseIds(const std::string& text) {
  std::vector<std::string> ids;
  GMimeReferences* refs = g_mime_references_parse(nullptr, text.c_str());
  if (refs == nullptr) return ids;
  const int count = g_mime_references_length(refs);
  for (int i = 0; i < count; ++i) {
    const char* id = g_mime_references_get_message_id(refs, i);
    if (id == nullptr) continue;
    std::string one = OneLine(id, kMaxIdBytes);
    if (!one.empty()) ids.push_back(std::move(one));
  }
  g_mime_references_free(refs);
  return ids;
}

void AddReference(std::string id, std::vector<std::string>* references) {
  if (id.empty() || references->size() >= kMaxReferences) return;
  if (std::find(references->begin(), references->end(), id) != references->end()) return;
  references->push_back(std::move(id));
}

// In-Reply-To, then References from the parent back to the root.
void AddThreadReferences(GMimeObject* object, std::vector<std::string>* references) {
  if (auto in_reply_to = Header(object, "In-Reply-To")) {
    for (std::string& id : ParseIds(*in_reply_to)) AddReference(std::move(id), references);
  }
  if (auto refs = Header(object, "References")) {
    std::vector<std::string> ids = ParseIds(*refs);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) AddReference(std::move(*it), references);
  }
}

std::string FirstMailbox(InternetAddressList* list) {
  if (list == nullptr) return "";
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      const char* addr = internet_address_mailbox_get_addr(As<InternetAddressMailbox>(address));
      if (addr != nullptr && *addr != '\0') return Lower(OneLine(addr, kMaxIdBytes));
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      std::string inner =
          FirstMailbox(internet_address_group_get_members(As<InternetAddressGroup>(address)));
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

// The decoded content of a leaf part, at most kMaxPartBytes.
std::string PartBytes(GMimeObject* object) {
  GPtr<GMimeStream> stream(g_mime_stream_mem_new());
  if (GMIME_IS_PART(object)) {
    GMimeDataWrapper* content = g_mime_part_get_content(As<GMimePart>(object));
    if (content == nullptr) return "";
    g_mime_data_wrapper_write_to_stream(content, stream.get());
  } else if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* message = g_mime_message_part_get_message(As<GMimeMessagePart>(object));
    if (message == nullptr) return "";
    g_mime_object_write_to_stream(As<GMimeObject>(message), nullptr, stream.get());
  } else {
    return "";
  }
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(As<GMimeStreamMem>(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data),
                     std::min<size_t>(bytes->len, kMaxPartBytes));
}

// What the walk over the part tree found.
struct Parts {
  GMimeObject* delivery_status = nullptr;  // message/(global-)delivery-status
  GMimeObject* returned = nullptr;         // message/rfc822 or text/rfc822-headers
  std::vector<GMimeObject*> texts;         // text/* leaves, in order
};

void Walk(GMimeObject* object, int depth, Parts* parts) {
  if (object == nullptr || depth > kMaxDepth) return;
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = As<GMimeMultipart>(object);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) Walk(g_mime_multipart_get_part(multipart, i), depth + 1, parts);
    return;
  }
  const std::string type = MimeType(object);
  if (type == "message/delivery-status" || type == "message/global-delivery-status") {
    if (parts->delivery_status == nullptr) parts->delivery_status = object;
  } else if (type == "message/rfc822" || type == "message/global" ||
             type == "text/rfc822-headers" || type == "message/global-headers") {
    if (parts->returned == nullptr) parts->returned = object;  // not descended into
  } else if (absl::StartsWith(ToAbsl(type), "text/") && parts->texts.size() < 16) {
    parts->texts.push_back(object);
  }
}

// The returned message's headers, parsed: from a message/rfc822 part directly, from a
// text/rfc822-headers part by parsing its content as a message of headers only.
struct Returned {
  std::string message_id;
  std::string to;
};
Returned ReadReturned(GMimeObject* object) {
  Returned out;
  if (object == nullptr) return out;
  GMimeMessage* message = nullptr;
  GPtr<GMimeMessage> parsed;
  if (GMIME_IS_MESSAGE_PART(object)) {
    message = g_mime_message_part_get_message(As<GMimeMessagePart>(object));
  } else {
    std::string headers = PartBytes(object);
    headers += "\r\n\r\n";  // a header block needs its blank line to end
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(headers.data(), headers.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    parsed.reset(g_mime_parser_construct_message(parser.get(), nullptr));
    message = parsed.get();
  }
  if (message == nullptr) return out;
  if (const char* id = g_mime_message_get_message_id(message)) {
    out.message_id = OneLine(id, kMaxIdBytes);
  }
  out.to = FirstMailbox(g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_TO));
  return out;
}

// --- RFC 3464 fields -----------------------------------------------------------------

struct Field {
  std::string name;  // lower-case
  std::string value;
};
using Block = std::vector<Field>;

// The delivery-status content as blocks of fields (blank lines separate them; a line that
// starts with white space continues the previous field).
std::vector<Block> ParseBlocks(std::string_view text) {
  std::vector<Block> blocks(1);
  size_t pos = 0;
  while (pos < text.size() && blocks.size() < 1000) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !blocks.back().empty()) {
      Field& last = blocks.back().back();
      if (last.value.size() < 4096) StrAppend(&last.value, " ", Trim(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    blocks.back().push_back(
        {Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
  }
  if (blocks.back().empty()) blocks.pop_back();
  return blocks;
}

std::string FieldValue(const Block& block, std::string_view name) {
  for (const Field& field : block) {
    if (field.name == name) return field.value;
  }
  return "";
}

// "rfc822; User@Example.com" -> "user@example.com".
std::string TypedAddress(std::string_view value) {
  const size_t semicolon = value.find(';');
  std::string_view address =
      Trim(semicolon == std::string_view::npos ? value : value.substr(semicolon + 1));
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
  }
  return Lower(OneLine(address, kMaxIdBytes));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first RFC 3463 code (class 2, 4 or 5: "5.1.1") in `text` whose class is in `classes`,
// standing alone (not part of a longer number or version string); "" when none.
std::string FindEnhancedCode(std::string_view text, std::string_view classes) {
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    if (classes.find(text[i]) == std::string_view::npos || text[i + 1] != '.') continue;
    if (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    size_t j = i + 2;
    size_t digits = 0;
    while (j < text.size() && IsDigit(text[j]) && digits < 4) ++j, ++digits;
    if (digits == 0 || digits > 3 || j >= text.size() || text[j] != '.') continue;
    ++j;
    digits = 0;
    while (j < text.size() && IsDigit(text[j]) && digits < 4) ++j, ++digits;
    if (digits == 0 || digits > 3) continue;
    if (j < text.size() &&
        (IsDigit(text[j]) || (text[j] == '.' && j + 1 < text.size() && IsDigit(text[j + 1])))) {
      continue;
    }
    return std::string(text.substr(i, j - i));
  }
  return "";
}

// The status of one recipient: its Status field when well-formed, else a code in its
// Diagnostic-Code (X.Y.Z, or a 4xx/5xx reply code as X.0.0).
std::string RecipientStatus(const Block& block) {
  std::string status = FindEnhancedCode(FieldValue(block, "status"), "245");
  if (!status.empty()) return status;
  const std::string diagnostic = FieldValue(block, "diagnostic-code");
  status = FindEnhancedCode(diagnostic, "45");
  if (!status.empty()) return status;
  const size_t semicolon = diagnostic.find(';');
  const std::string_view reply =
      Trim(std::string_view(diagnostic).substr(semicolon == std::string::npos ? 0 : semicolon + 1));
  if (reply.size() >= 3 && (reply[0] == '4' || reply[0] == '5') && IsDigit(reply[1]) &&
      IsDigit(reply[2]) && (reply.size() == 3 || !IsDigit(reply[3]))) {
    return StrCat(reply.substr(0, 1), ".0.0");
  }
  return "";
}

void ClassifyDeliveryStatus(GMimeObject* delivery_status, InboundMessage* out) {
  const std::vector<Block> blocks =
      delivery_status ? ParseBlocks(PartBytes(delivery_status)) : std::vector<Block>{};
  const Block* hard = nullptr;
  const Block* soft = nullptr;
  bool any_recipient = false;
  for (const Block& block : blocks) {
    const std::string action = Lower(FieldValue(block, "action"));
    if (action.empty()) continue;  // the per-message block
    any_recipient = true;
    const std::string status = RecipientStatus(block);
    if (absl::StartsWith(action, "failed")) {
      if (absl::StartsWith(status, "5")) {
        if (hard == nullptr) hard = &block;
      } else if (soft == nullptr) {
        soft = &block;
      }
    } else if (absl::StartsWith(action, "delayed") && soft == nullptr) {
      soft = &block;
    }
  }
  const Block* chosen = hard != nullptr ? hard : soft;
  if (chosen == nullptr) {
    if (any_recipient) {
      out->kind = InboundKind::kUnrelated;
      out->detail = "delivery report without failures";
    } else {
      out->kind = InboundKind::kSoftBounce;
      out->detail = "delivery status notification without a readable recipient block";
    }
    return;
  }
  out->kind = hard != nullptr ? InboundKind::kHardBounce : InboundKind::kSoftBounce;
  std::string recipient = FieldValue(*chosen, "final-recipient");
  if (recipient.empty()) recipient = FieldValue(*chosen, "original-recipient");
  out->recipient = TypedAddress(recipient);
  out->status = RecipientStatus(*chosen);
  const std::string diagnostic = FieldValue(*chosen, "diagnostic-code");
  out->detail = OneLine(diagnostic.empty() ? StrCat("Action: ", FieldValue(*chosen, "action"),
                                                    "; Status: ", FieldValue(*chosen, "status"))
                                           : diagnostic,
                        kMaxDetail);
}

// --- Non-standard bounces ----------------------------------------------------------------

bool FromMailerDaemon(const std::string& from_address) {
  const std::string local = from_address.substr(0, from_address.find('@'));
  return local == "mailer-daemon" || local == "postmaster";
}

// The line of `text` around position `at`.
std::string_view LineAt(std::string_view text, size_t at) {
  const size_t begin = text.rfind('\n', at);
  const size_t end = text.find('\n', at);
  const size_t from = begin == std::string_view::npos ? 0 : begin + 1;
  return text.substr(from, (end == std::string_view::npos ? text.size() : end) - from);
}

// A "Message-ID: <...>" line quoted in a bounce's text.
std::string QuotedMessageId(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (!StartsWithNoCase(line, "message-id:")) continue;
    const std::string_view value = line.substr(11);
    const size_t open = value.find('<');
    const size_t close = value.find('>', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) continue;
    return OneLine(value.substr(open + 1, close - open - 1), kMaxIdBytes);
  }
  return "";
}

void ClassifyNonStandardBounce(const Parts& parts, GMimeObject* top, InboundMessage* out) {
  std::string text;
  for (GMimeObject* part : parts.texts) {
    if (text.size() >= kMaxTextScan) break;
    StrAppend(&text, PartBytes(part), "\n");
  }
  std::string status = FindEnhancedCode(text, "5");
  out->kind = status.empty() ? InboundKind::kSoftBounce : InboundKind::kHardBounce;
  if (status.empty()) status = FindEnhancedCode(text, "4");
  out->status = status;
  if (!status.empty()) {
    out->detail = OneLine(LineAt(text, text.find(status)), kMaxDetail);
  } else {
    out->detail = "non-standard bounce without a status code";
  }
  if (auto failed = Header(top, "X-Failed-Recipients")) {
    out->recipient = TypedAddress(failed->substr(0, failed->find(',')));
  }
  const Returned returned = ReadReturned(parts.returned);
  if (out->recipient.empty()) out->recipient = returned.to;
  std::string id = returned.message_id;
  if (id.empty()) id = QuotedMessageId(text);
  AddReference(std::move(id), &out->references);
}

// --- Auto-replies -----------------------------------------------------------------------

constexpr std::array<std::string_view, 17> kAutoReplySubjects = {
    "out of office",
    "out of the office",
    "ooo:",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "auto reply",
    "auto response",
    "auto-response",
    "automatische antwort",
    "abwesenheitsnotiz",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "automatisch antwoord",
    "resposta automática",
    "autosvar",
};

// "auto-reply: <why>" when the message says it was sent automatically; "" otherwise.
std::string AutoReplyReason(GMimeObject* top, const std::string& subject) {
  if (auto value = Header(top, "Auto-Submitted")) {
    // The keyword, without parameters or a comment: "auto-replied; owner-email=...".
    const std::string keyword =
        Lower(Trim(std::string_view(*value).substr(0, value->find_first_of(";( \t"))));
    if (!keyword.empty() && keyword != "no") {
      return OneLine(StrCat("auto-reply: Auto-Submitted: ", *value), kMaxDetail);
    }
  }
  for (const char* name : {"X-Autoreply", "X-Autorespond", "X-Autoresponder"}) {
    if (auto value = Header(top, name)) {
      const std::string lower = Lower(Trim(*value));
      if (lower != "no" && lower != "false" && lower != "0") {
        return OneLine(StrCat("auto-reply: ", name, ": ", *value), kMaxDetail);
      }
    }
  }
  if (auto value = Header(top, "Precedence")) {
    const std::string lower = Lower(Trim(*value));
    if (lower == "auto_reply" || lower == "bulk" || lower == "junk") {
      return OneLine(StrCat("auto-reply: Precedence: ", *value), kMaxDetail);
    }
  }
  std::string_view start = Trim(subject);
  if (!start.empty() && start.front() == '[') start = Trim(start.substr(1));
  const std::string lower = Lower(start.substr(0, 64));
  for (std::string_view pattern : kAutoReplySubjects) {
    if (absl::StartsWith(lower, ToAbsl(pattern))) {
      return OneLine(StrCat("auto-reply: subject \"", subject, "\""), kMaxDetail);
    }
  }
  return "";
}

// The header block of `raw`, with the blank line that ends it.
std::string_view HeaderBlock(std::string_view raw) {
  const size_t crlf = raw.find("\r\n\r\n");
  const size_t lf = raw.find("\n\n");
  const size_t end = std::min(crlf == std::string_view::npos ? raw.size() : crlf + 4,
                              lf == std::string_view::npos ? raw.size() : lf + 2);
  return raw.substr(0, end);
}

}  // namespace

std::string_view ToString(InboundKind kind) {
  switch (kind) {
    case InboundKind::kReply:
      return "reply";
    case InboundKind::kAutoReply:
      return "auto_reply";
    case InboundKind::kHardBounce:
      return "hard_bounce";
    case InboundKind::kSoftBounce:
      return "soft_bounce";
    case InboundKind::kUnrelated:
      return "unrelated";
  }
  return "unknown";
}

Result<InboundMessage> ClassifyInbound(std::string_view raw) {
  const bool headers_only =
      CountNoCase(raw, "multipart") + CountNoCase(raw, "message/") > kMaxNestedTypes;
  const std::string_view input = headers_only ? HeaderBlock(raw) : raw;

  const std::unique_lock<std::mutex> lock = LockGMime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(input.data(), input.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> mime(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!mime) return absl::InvalidArgumentError("not an RFC 5322 message");
  GMimeObject* top = As<GMimeObject>(mime.get());

  InboundMessage out;
  if (const char* id = g_mime_message_get_message_id(mime.get())) {
    out.message_id = OneLine(id, kMaxIdBytes);
  }
  out.from_address = FirstMailbox(g_mime_message_get_from(mime.get()));
  if (const char* subject = g_mime_message_get_subject(mime.get())) {
    out.subject = OneLine(subject, kMaxSubject);
  }

  Parts parts;
  GMimeObject* body = g_mime_message_get_mime_part(mime.get());
  Walk(body, 0, &parts);

  // 1. RFC 3464 delivery status notifications.
  if (body != nullptr && MimeType(body) == "multipart/report") {
    const std::string report_type = TypeParameter(body, "report-type");
    if (report_type == "delivery-status" || report_type == "global-delivery-status") {
      ClassifyDeliveryStatus(parts.delivery_status, &out);
      AddReference(ReadReturned(parts.returned).message_id, &out.references);
      AddThreadReferences(top, &out.references);
      return out;
    }
    out.kind = InboundKind::kAutoReply;
    out.detail = OneLine(StrCat("auto-reply: report-type=", report_type), kMaxDetail);
    AddThreadReferences(top, &out.references);
    return out;
  }

  // 2. Bounces in free text from a mail system.
  if (FromMailerDaemon(out.from_address) || Header(top, "X-Failed-Recipients").has_value()) {
    ClassifyNonStandardBounce(parts, top, &out);
    AddThreadReferences(top, &out.references);
    return out;
  }

  AddThreadReferences(top, &out.references);
  // 3. Auto-replies.
  const std::string reason = AutoReplyReason(top, out.subject);
  if (!reason.empty()) {
    out.kind = InboundKind::kAutoReply;
    out.detail = reason;
    return out;
  }
  // 4. Replies; 5. the rest.
  out.kind = out.references.empty() ? InboundKind::kUnrelated : InboundKind::kReply;
  out.detail = Clip(out.subject, kMaxDetail);
  return out;
}

}  // namespace cadent::channels
