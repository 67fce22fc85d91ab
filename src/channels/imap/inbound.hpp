// What a message arriving in a sender's inbox means for the campaigns: a reply to one of our
// messages, an auto-reply, a bounce (a delivery status notification for a message we sent),
// or something unrelated. A pure function over the raw RFC 5322 bytes (GMime 3.2); the
// poller (imap_poller.hpp) fetches the bytes, the engine maps the Message-IDs named here to
// its messages (we send <message id>.<attempt>@<sending domain>, OutgoingMessage::message_id).
//
// The rules, in the order they are tried (the first that matches decides):
//  1. Delivery status notification (RFC 3464): Content-Type multipart/report with
//     report-type=delivery-status (or global-delivery-status, RFC 6533). Each per-recipient
//     block of the message/delivery-status part is read; the first recipient whose Action is
//     "failed" with a 5.x.x Status is a hard bounce; otherwise the first "failed" (4.x.x, or
//     no readable status) or "delayed" one is a soft bounce. A Status missing or malformed
//     is taken from the Diagnostic-Code (an X.Y.Z code in it, or a 5xx/4xx reply code as
//     X.0.0). A report whose recipients were all delivered, relayed or expanded is
//     kUnrelated (we never ask for success notices). A report with no readable block is a
//     soft bounce: something failed, we cannot tell what.
//     Other report types (disposition-notification: read receipts) are auto-replies.
//  2. Non-standard bounce, recognised conservatively: From's local part is MAILER-DAEMON or
//     postmaster (any case), or the message carries Exim's X-Failed-Recipients. It is hard
//     only when a 5.x.x enhanced status code appears in its text parts, soft otherwise (also
//     with a 4.x.x code, which is then the status). The recipient is X-Failed-Recipients,
//     else the To of the returned message when it is attached, else "".
//  3. Auto-reply (RFC 3834 and the usual vendor headers): Auto-Submitted with any value but
//     "no"; X-Autoreply; X-Autorespond; X-Autoresponder; Precedence auto_reply, bulk or junk;
//     or a subject that begins (optionally inside "[...]"; "Re:" is not stripped, since
//     responders put their own words first and a human's "Re: Out of office?" is a reply)
//     with one of: "Out of Office", "Out of the Office",
//     "OOO:", "Automatic reply", "Auto-reply", "Autoreply", "Auto reply", "Auto response",
//     "Auto-response", "Automatische Antwort", "Abwesenheitsnotiz", "Réponse automatique",
//     "Respuesta automática", "Risposta automatica", "Automatisch antwoord", "Resposta
//     automática", "Autosvar" (ASCII letters compared without case).
//     X-Auto-Response-Suppress is deliberately NOT a signal: it asks the receiver's Exchange
//     server not to auto-reply to this message, and Exchange and list servers put it on
//     ordinary mail too ([MS-OXCMAIL] 2.1.3.2.20); treating it as an auto-reply loses real
//     replies.
//  4. Reply: a message whose In-Reply-To or References names any Message-ID.
//  5. Unrelated: anything else (from_address is still set, so the engine may match by
//     address).
// Whether an auto-reply stops an enrollment is the engine's decision, not this one's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace cadent::channels {

enum class InboundKind : uint8_t { kReply, kAutoReply, kHardBounce, kSoftBounce, kUnrelated };

std::string_view ToString(InboundKind kind);  // "reply", "auto_reply", "hard_bounce", ...

struct InboundMessage {
  InboundKind kind = InboundKind::kUnrelated;
  // Message-IDs without the angle brackets, most relevant first, no duplicates, at most
  // kMaxReferences. Replies and auto-replies: In-Reply-To, then References from the last
  // (the parent) to the first (the thread's root). Bounces: the returned message's own
  // Message-ID (from its message/rfc822 or text/rfc822-headers part, or a "Message-ID:"
  // line quoted in a non-standard bounce's text), then the bounce's own In-Reply-To and
  // References.
  std::vector<std::string> references;
  std::string from_address;  // the first From address, lower-cased ("" when none)
  std::string recipient;     // bounces: the failed recipient (Final-, else Original-Recipient)
  std::string status;        // bounces: the RFC 3463 code, e.g. "5.1.1" ("" when unknown)
  // A short human reason, one line: the Diagnostic-Code text for a bounce ("smtp; 550 5.1.1
  // user unknown"), "auto-reply: Auto-Submitted: auto-replied" for an auto-reply, the
  // subject for a reply.
  std::string detail;
  std::string subject;     // decoded to UTF-8
  std::string message_id;  // of the inbound message itself, without <>
};

inline constexpr size_t kMaxReferences = 64;

// Classifies one message. Never crashes on hostile input (deep nesting, huge headers,
// garbage): a message nested more deeply than the classifier reads is classified from its
// top-level headers. kInvalidArgument only when GMime cannot parse the bytes as a message
// at all. Thread-safe (holds the GMime lock while it parses).
Result<InboundMessage> ClassifyInbound(std::string_view raw);

}  // namespace cadent::channels
