// SMTP server replies (RFC 5321 4.2) with their enhanced status codes (RFC 3463), and the one
// table that turns a refusal into a SendCode the retry policy understands.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/sequence/retry.hpp"

namespace cadent::channels {

struct SmtpReply {
  int code = 0;  // the three-digit reply code, e.g. 550
  // The enhanced status code "class.subject.detail" (5.1.1), when the reply carries one:
  // class 2, 4 or 5 and agreeing with the reply code's first digit. -1 when absent.
  int status_class = -1;
  int subject = -1;
  int detail = -1;
  std::string text;  // the whole reply, lines joined by " | ", at most 512 bytes

  bool has_enhanced() const { return status_class > 0; }
  // "5.1.1", or "" without an enhanced code.
  std::string enhanced() const;
};

// Reads one reply line or a multi-line reply ("250-..." lines, then "250 ..."; CRLF, LF or
// no line end). nullopt when the text does not start with a three-digit code in 200..599.
// An enhanced code whose class disagrees with the reply code is ignored, as RFC 3463 says.
std::optional<SmtpReply> ParseSmtpReply(std::string_view text);

// What a refusal means for the message (the reply's enhanced code decides where it has one):
//   2xx, 3xx                                   kTransient (not a refusal: no outcome yet)
//   421, and 4xx with x.7.x (rate, greylist)    kRateLimited
//   other 4xx                                  kTransient
//   530, 534, 535, 538, and x.7.8 x.7.9 x.7.11  kUnauthorized: the login or TLS the account
//   x.7.12 x.7.13 x.7.14 (credentials)           needs is refused; flag the sender, retry
//   5.1.7, 5.1.8 (the sender's own address)    kBlocked
//   other 5.1.x (no such mailbox or domain)    kHardBounce: suppress the address
//   5.7.x (policy: spam, DMARC, reputation)    kBlocked: flag the sender, not the address
//   other 5xx (5.2.x full, 5.3.x, 5.5.x,       kRejected: this message fails, nothing else
//   5.6.x content, no enhanced code)
// A bare "550 user unknown" without an enhanced code is kRejected, not a hard bounce:
// suppressing an address is not undone, so only the standard code may do it.
sequence::SendCode SendCodeForSmtpReply(const SmtpReply& reply);

}  // namespace cadent::channels
