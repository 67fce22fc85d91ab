#include "channels/email/eml.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <mutex>

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

struct GFree {
  void operator()(void* memory) const { g_free(memory); }
};
using GChars = std::unique_ptr<char, GFree>;

// GMime's types derive in C: the base is the first member, so the pointer conversions
// GMIME_OBJECT() and friends do with C casts are reinterpret_casts.
template <typename To, typename From>
To* As(From* object) {
  return reinterpret_cast<To*>(object);
}

// The format options every writer shares read-only (after g_mime_init).
GMimeFormatOptions* CrlfFormat() {
  static std::once_flag once;
  static GMimeFormatOptions* format = nullptr;
  std::call_once(once, [] {
    InitGMime();
    format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  });
  return format;
}

// A CR or LF that reached the file would end the header line and let the rest of the value
// pose as a header of its own (Bcc: ...). GMime encodes them, but as encoded words the
// value stops being what it was (a List-Unsubscribe URL, a plain name); as spaces it stays
// readable and is harmless. The other controls (NUL would cut the C string) go the same way.
std::string HeaderText(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) c = ' ';
  }
  return out;
}

void AddMailbox(InternetAddressList* list, std::string_view name, std::string_view address) {
  GPtr<InternetAddress> mailbox(
      internet_address_mailbox_new(HeaderText(name).c_str(), HeaderText(address).c_str()));
  // Without a charset GMime picks the smallest one that fits (ISO-8859-1 for "Zoë"); the
  // whole file is UTF-8.
  internet_address_set_charset(mailbox.get(), "utf-8");
  internet_address_list_add(list, mailbox.get());
}

// A text part of exactly these bytes. g_mime_text_part_set_text would re-encode Latin-1
// text as ISO-8859-1 and stop at a NUL; the file promises UTF-8.
GPtr<GMimeTextPart> TextPart(const char* subtype, std::string_view text) {
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(As<GMimePart>(part.get()), content.get());
  g_mime_text_part_set_charset(part.get(), "utf-8");
  // Quoted-printable keeps every line under 998 octets whatever the template did, and
  // leaves ASCII readable in the file.
  g_mime_part_set_content_encoding(As<GMimePart>(part.get()),
                                   GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

constexpr std::array<std::string_view, 7> kOwnHeaders = {
    "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version"};

std::string ToLf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

std::string MimeType(GMimeObject* object) {
  GChars type(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object)));
  return type ? absl::AsciiStrToLower(type.get()) : std::string();
}

void ReadMailboxes(InternetAddressList* list, std::vector<ParsedEml::Mailbox>* out) {
  if (list == nullptr) return;
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (!INTERNET_ADDRESS_IS_MAILBOX(address)) continue;
    const char* name = internet_address_get_name(address);
    const char* addr = internet_address_mailbox_get_addr(As<InternetAddressMailbox>(address));
    out->push_back({name ? name : "", addr ? addr : ""});
  }
}

void ReadParts(GMimeObject* object, std::vector<ParsedEml::Part>* out) {
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = As<GMimeMultipart>(object);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) ReadParts(g_mime_multipart_get_part(multipart, i), out);
    return;
  }
  ParsedEml::Part part;
  part.content_type = MimeType(object);
  const char* charset = g_mime_object_get_content_type_parameter(object, "charset");
  part.charset = charset ? absl::AsciiStrToLower(charset) : "";
  if (GMIME_IS_PART(object)) {
    const char* encoding =
        g_mime_content_encoding_to_string(g_mime_part_get_content_encoding(As<GMimePart>(object)));
    part.transfer_encoding = encoding ? encoding : "";
  }
  if (GMIME_IS_TEXT_PART(object)) {
    GChars text(g_mime_text_part_get_text(As<GMimeTextPart>(object)));
    if (text) part.text = ToLf(text.get());
  }
  out->push_back(std::move(part));
}

}  // namespace

Status CheckEmlHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    const bool field_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return c > ' ' && c < 0x7f && c != ':';
    });
    if (!field_name) {
      return absl::InvalidArgumentError(
          StrCat("email header name \"", HeaderText(name), "\" is not an RFC 5322 field name"));
    }
    const bool own =
        absl::StartsWithIgnoreCase(name, "Content-") ||
        std::any_of(kOwnHeaders.begin(), kOwnHeaders.end(), [&header = name](std::string_view h) {
          return absl::EqualsIgnoreCase(header, ToAbsl(h));
        });
    if (own) {
      return absl::InvalidArgumentError(
          StrCat("email header \"", name, "\" is set by the channel, not by the message"));
    }
  }
  return OkStatus();
}

std::string RenderEml(const OutgoingMessage& message, std::string_view message_id_domain) {
  GMimeFormatOptions* format = CrlfFormat();
  const std::unique_lock<std::mutex> lock = LockGMime();
  // FALSE: no placeholder headers; they appear in the order they are set.
  GPtr<GMimeMessage> mime(g_mime_message_new(FALSE));
  GMimeObject* object = As<GMimeObject>(mime.get());
  AddMailbox(g_mime_message_get_from(mime.get()), message.from_name, message.from_address);
  AddMailbox(g_mime_message_get_addresses(mime.get(), GMIME_ADDRESS_TYPE_TO), message.to_name,
             message.to_address);
  if (!message.reply_to.empty()) {
    AddMailbox(g_mime_message_get_reply_to(mime.get()), "", message.reply_to);
  }
  g_mime_message_set_subject(mime.get(), HeaderText(message.subject).c_str(), "utf-8");
  const gint64 seconds =
      std::chrono::floor<std::chrono::seconds>(message.attempt_at).time_since_epoch().count();
  GDateTime* date = g_date_time_new_from_unix_utc(seconds);
  g_mime_message_set_date(mime.get(), date);
  g_date_time_unref(date);
  const std::string id =
      message.message_id.empty()
          ? StrCat(message.id.value(), ".", message.attempt, "@", HeaderText(message_id_domain))
          : HeaderText(message.message_id);
  g_mime_message_set_message_id(mime.get(), id.c_str());

  // Set before the extra headers so that GMime's MIME-Version header comes first.
  if (message.html.empty()) {
    g_mime_message_set_mime_part(mime.get(),
                                 As<GMimeObject>(TextPart("plain", message.text).get()));
  } else {
    // g_mime_multipart_new_with_subtype without its random boundary, which reads
    // /dev/urandom (open, read, close) for every message, under the GMime lock. "=_" cannot
    // occur in quoted-printable text ('=' is always followed by hex digits or a line end),
    // so this boundary never collides with a part, and a message renders to the same bytes.
    GPtr<GMimeContentType> type(g_mime_content_type_new("multipart", "alternative"));
    const std::string boundary = StrCat("=_cadent_", message.id.value(), "_", message.attempt);
    g_mime_content_type_set_parameter(type.get(), "boundary", boundary.c_str());
    GPtr<GMimeMultipart> alternative(
        As<GMimeMultipart>(g_object_new(GMIME_TYPE_MULTIPART, nullptr)));
    g_mime_object_set_content_type(As<GMimeObject>(alternative.get()), type.get());
    // Plain first: a reader shows the last alternative it understands.
    g_mime_multipart_add(alternative.get(), As<GMimeObject>(TextPart("plain", message.text).get()));
    g_mime_multipart_add(alternative.get(), As<GMimeObject>(TextPart("html", message.html).get()));
    g_mime_message_set_mime_part(mime.get(), As<GMimeObject>(alternative.get()));
  }
  for (const auto& [name, value] : message.headers) {
    g_mime_object_append_header(object, HeaderText(name).c_str(), HeaderText(value).c_str(),
                                "utf-8");
  }

  GPtr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, format, stream.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(As<GMimeStreamMem>(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

Result<ParsedEml> ParseEml(std::string_view bytes) {
  const std::unique_lock<std::mutex> lock = LockGMime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> mime(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!mime) return absl::InvalidArgumentError("not a MIME message");
  GMimeObject* object = As<GMimeObject>(mime.get());

  ParsedEml parsed;
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  const int count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    const char* name = g_mime_header_get_name(header);
    const char* value = g_mime_header_get_value(header);
    const char* raw = g_mime_header_get_raw_value(header);
    parsed.headers.push_back({name ? name : "", value ? value : "", raw ? raw : ""});
  }
  ReadMailboxes(g_mime_message_get_from(mime.get()), &parsed.from);
  ReadMailboxes(g_mime_message_get_addresses(mime.get(), GMIME_ADDRESS_TYPE_TO), &parsed.to);
  const char* subject = g_mime_message_get_subject(mime.get());
  parsed.subject = subject ? subject : "";
  if (GMimeObject* body = g_mime_message_get_mime_part(mime.get())) {
    parsed.content_type = MimeType(body);
    ReadParts(body, &parsed.parts);
  }
  return parsed;
}

}  // namespace cadent::channels
