// RFC 5322 message files for email OutgoingMessages, built and read back with GMime 3.2.
// The outbox writes them; tests and tools read them (the GMime headers stay inside the
// channels library, so readers need no GMime of their own).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/channel.hpp"
#include "core/common/result.hpp"

namespace cadent::channels {

// The message as an RFC 5322 file (CRLF line ends): From, To, Subject (RFC 2047 when not
// ASCII), Date (attempt_at), Message-ID (message.message_id, or
// <id.attempt@message_id_domain> when that is empty), Reply-To when set, MIME-Version, the
// extra headers in order, then a multipart/alternative of text/plain and text/html (a lone
// text/plain part when html is empty), UTF-8 and quoted-printable, so no line exceeds 998
// octets. Control characters (CR, LF, ...) in names, addresses, the subject and header
// values become spaces: no value can start a header line of its own. Header names must be
// RFC 5322 field names and not one of the headers set here (CheckEmlHeaders).
std::string RenderEml(const OutgoingMessage& message, std::string_view message_id_domain);

// kInvalidArgument, naming the header, when an extra header name is not printable ASCII
// without ':' or spaces, or names a header RenderEml sets itself (From, To, Reply-To, Subject,
// Date, Message-ID, MIME-Version, Content-*).
Status CheckEmlHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

// A message file parsed back.
struct ParsedEml {
  struct Header {
    std::string name;
    std::string value;      // unfolded and decoded (RFC 2047) to UTF-8
    std::string raw_value;  // as written: folded, encoded, without the "Name:" prefix
  };
  struct Mailbox {
    std::string name;  // decoded
    std::string address;
  };
  struct Part {
    std::string content_type;  // "text/plain"
    std::string charset;
    std::string transfer_encoding;  // "quoted-printable"
    std::string text;               // decoded to UTF-8, line ends as LF
  };
  // The message's headers in file order, without the body's Content-* (see content_type).
  std::vector<Header> headers;
  std::vector<Mailbox> from;
  std::vector<Mailbox> to;
  std::string subject;       // decoded
  std::string content_type;  // of the body: "multipart/alternative" or "text/plain"
  std::vector<Part> parts;   // the leaf parts in order (one when the body is not multipart)
};

// kInvalidArgument when GMime cannot parse the bytes as a message.
Result<ParsedEml> ParseEml(std::string_view bytes);

}  // namespace cadent::channels
