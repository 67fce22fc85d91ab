// The Channel interface: how the dispatcher hands a rendered message to a provider, and how
// it asks, after a crash, whether a message went out. One adapter per provider lives in
// src/channels/<provider>/; outbox/ writes messages to files (dry runs, tests, `make run`).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/sequence/retry.hpp"
#include "core/templating/template.hpp"

namespace cadent::channels {

// A message ready to go: rendered, addressed, with its headers. The dispatcher builds it;
// the adapter only transports it.
struct OutgoingMessage {
  MessageId id;  // also the idempotency key for providers that take one
  WorkspaceId workspace;
  CampaignId campaign;
  EnrollmentId enrollment;
  ContactId contact;
  std::string step;     // the sequence step id
  std::string variant;  // the A/B variant name ("" when the step has one template)
  templating::Channel channel = templating::Channel::kEmail;
  int attempt = 1;  // 1 for the first attempt

  SenderId sender;
  std::string sender_name;  // the sender account's name (its key in the workspace)
  // The sender account's transport ("outbox", "smtp", "sendgrid", ..., "webhook" for webhook
  // steps): the Router sends the message to the channel of that name. "" = by kind only.
  std::string transport;
  std::string from_address;  // email address, LinkedIn account, or phone number
  std::string from_name;
  std::string to_address;  // email, E.164 phone, or LinkedIn profile URL / provider id
  std::string to_name;
  std::string reply_to;  // email only; "" = none

  // Email only: the RFC 5322 Message-ID without angle brackets, chosen by the dispatcher
  // (<message id>.<attempt>@<sending domain>) and stored with the message so that replies
  // and later steps of the thread can name it. "" = the channel makes one.
  std::string message_id;
  std::string subject;  // email only
  std::string html;     // email only
  std::string text;
  std::vector<std::pair<std::string, std::string>> headers;  // extra email headers, in order

  Instant planned_at;  // the slot the message was planned for
  Instant attempt_at;  // when this attempt started
};

// The fate of one send (see sequence::SendCode for the mapping rules).
struct SendResult {
  sequence::SendCode code = sequence::SendCode::kAccepted;
  std::string provider_id;              // the provider's id for the message, when accepted
  std::string detail;                   // provider's answer, e.g. "550 5.1.1 no such user"
  std::optional<Duration> retry_after;  // the provider's Retry-After, when it gave one
};

// What a channel knows, after a crash, about a message that was being sent.
enum class Reconciled : uint8_t {
  kSent,     // the provider has it: record sent, never resend
  kNotSent,  // the provider certainly does not have it: safe to send again
  kUnknown,  // cannot tell: the dispatcher reports it and does not resend
};
struct ReconcileResult {
  Reconciled state = Reconciled::kUnknown;
  std::string provider_id;  // with kSent, when known
};

struct Capabilities {
  std::vector<templating::Channel> channels;  // which message kinds it carries
  bool idempotency_keys = false;              // the provider deduplicates by our message id
  bool reconcile = false;                     // Reconcile can answer kSent / kNotSent
};

// Thread-safety: Send and Reconcile may be called from several threads at once; adapters
// serialise what they must.
class Channel {
 public:
  virtual ~Channel() = default;

  virtual std::string_view name() const = 0;  // "outbox", "smtp", "sendgrid", ...
  virtual Capabilities capabilities() const = 0;

  // Hands the message to the provider. Never throws; transport and protocol failures come
  // back as a SendResult code (a Status error only for misuse: kInvalidArgument for a
  // message this channel cannot carry, e.g. an SMS to a mail channel). A kAccepted result
  // means the provider has the message: the dispatcher records it sent.
  virtual Result<SendResult> Send(const OutgoingMessage& message) = 0;

  // Sends several messages; one result per message, in order. The default calls Send for
  // each in turn. Channels that can send in parallel (SMTP's connection pool, HTTP APIs)
  // override it; they must still give every message its own result.
  virtual std::vector<Result<SendResult>> SendBatch(std::span<const OutgoingMessage* const> batch) {
    std::vector<Result<SendResult>> results;
    results.reserve(batch.size());
    for (const OutgoingMessage* message : batch) results.push_back(Send(*message));
    return results;
  }

  // After a crash: did the message with this id (sent by this channel's account, last
  // attempt `attempt`) reach the provider? Called once per ambiguous message at recovery,
  // before any retry. The default cannot tell.
  virtual Result<ReconcileResult> Reconcile(const OutgoingMessage& message) {
    (void)message;
    return ReconcileResult{};
  }

  // Makes every accepted send durable (the outbox fsyncs its files). The dispatcher calls it
  // after a batch of sends and before recording them sent. Default: nothing to do.
  virtual Status Flush() { return absl::OkStatus(); }
};

// Channel::SendBatch for channels whose sends may run side by side: up to `workers` of the
// batch's messages at once (the calling thread is one of them), each through
// channel.Send, with one result per message in order. workers <= 1 sends one by one.
std::vector<Result<SendResult>> SendInParallel(Channel& channel,
                                               std::span<const OutgoingMessage* const> batch,
                                               int workers);

}  // namespace cadent::channels
