// The engine's working state: enrollments, the messages the dispatcher claims (the outbox
// queue) and the events that drive branches and stop rules. Shaped by what the scheduler,
// dispatcher and event applier need: batches in one transaction, fenced claims, and
// changes that state the status they expect to find.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"
#include "core/sequence/state.hpp"
#include "core/templating/template.hpp"

namespace cadent {

struct Enrollment {
  EnrollmentId id;
  WorkspaceId workspace_id;
  CampaignId campaign_id;
  ContactId contact_id;
  int version = 1;
  sequence::EnrollmentStatus status = sequence::EnrollmentStatus::kActive;
  std::string step;
  SenderId sender;  // invalid until a sender first wrote
  std::optional<Instant> wake_at;
  Instant step_started_at;
  std::optional<Instant> last_sent_at;
  std::string stop_reason;
  Instant enrolled_at;
  Instant updated_at;
};

struct Message {
  MessageId id;
  WorkspaceId workspace_id;
  CampaignId campaign_id;
  EnrollmentId enrollment_id;
  ContactId contact_id;
  int version = 1;
  std::string step;
  std::string variant;
  templating::Channel channel = templating::Channel::kEmail;
  TemplateId template_id;
  int template_version = 0;
  sequence::MessageStatus status = sequence::MessageStatus::kPlanned;
  Instant due_at;
  std::optional<Instant> slot_at;
  SenderId sender;
  int attempts = 0;
  std::string lease_owner;
  std::optional<Instant> lease_expires;
  int64_t fence = 0;
  Instant planned_at;
  std::optional<Instant> sent_at;
  std::string provider_id;
  std::string error;
  std::string reasons;
  Instant created_at;
  Instant updated_at;
};

enum class EventKind : uint8_t {
  kOpened,
  kClicked,
  kReplied,
  kAccepted,  // LinkedIn connection accepted
  kBounced,   // hard bounce
  kUnsubscribed,
  kComplained,
  kConverted,
  kAutoReplied,  // out-of-office and other automatic replies: recorded, never a stop
  kSoftBounced,  // a delivery delayed or refused for now (DSN 4.x.x): recorded, never a stop
};
inline constexpr size_t kEventKindCount = 10;
std::string_view ToString(EventKind kind);
std::optional<EventKind> ParseEventKind(std::string_view text);

struct Event {
  EventId id;
  WorkspaceId workspace_id;
  ContactId contact_id;
  CampaignId campaign_id;      // invalid = not tied to one campaign
  EnrollmentId enrollment_id;  // invalid = not tied to one enrollment
  MessageId message_id;        // invalid = not tied to one message
  EventKind kind = EventKind::kReplied;
  std::string source;  // "cli", "api", "webhook:sendgrid", "imap", "engine"
  std::string detail;
  Instant at;
  std::optional<Instant> applied_at;
  // Why this is taken for machine traffic (a mail privacy proxy fetching the open pixel, a
  // link scanner following a click: "apple-mail-privacy", "scanner-user-agent", ...); ""
  // = a person. Machine events are recorded and counted apart; they resolve no condition.
  std::string machine;
};

// A new message, as the scheduler plans it.
struct NewMessage {
  WorkspaceId workspace_id;
  CampaignId campaign_id;
  EnrollmentId enrollment_id;  // may be left invalid in NewEnrollment::first
  ContactId contact_id;
  int version = 1;
  std::string step;
  std::string variant;
  templating::Channel channel = templating::Channel::kEmail;
  TemplateId template_id;
  int template_version = 0;
  Instant due_at;
  std::string reasons;
};

struct NewEnrollment {
  ContactId contact_id;
  sequence::EnrollmentStatus status = sequence::EnrollmentStatus::kActive;
  std::string step;
  std::optional<Instant> wake_at;
  std::optional<NewMessage> first;  // its first message, when the first step is a send
};

// A status change of a message, applied only if the row still has `from` and (for leased
// rows) `fence`. Optional fields are written when set.
struct MessageChange {
  MessageId id;
  sequence::MessageStatus from = sequence::MessageStatus::kPlanned;
  sequence::MessageEvent event = sequence::MessageEvent::kClaim;
  std::optional<int64_t> fence;  // required match, when set
  std::optional<Instant> due_at;
  std::optional<std::optional<Instant>> slot_at;  // set: write (nullopt inside = clear)
  std::optional<SenderId> sender;
  bool count_attempt = false;  // attempts + 1
  std::optional<Instant> sent_at;
  std::optional<std::string> provider_id;
  std::optional<std::string> error;
  std::optional<std::string> reasons;
  std::optional<std::string> rfc_message_id;  // email: the Message-ID it goes out with
  std::optional<std::string> subject;         // email: its rendered subject
  // email: the targets of its click links, a JSON array of URLs (index = the link index in
  // its /t/c/ tokens), written with the attempt
  std::optional<std::string> links;
};

// A change of an enrollment, applied only if it still has status `from` and step `from_step`.
struct EnrollmentChange {
  EnrollmentId id;
  sequence::EnrollmentStatus from = sequence::EnrollmentStatus::kActive;
  std::string from_step;
  sequence::EnrollmentEvent event = sequence::EnrollmentEvent::kPlan;
  std::optional<std::string> step;
  std::optional<int> version;
  std::optional<std::optional<Instant>> wake_at;
  std::optional<Instant> step_started_at;
  std::optional<Instant> last_sent_at;
  std::optional<SenderId> sender;
  std::optional<std::string> stop_reason;
};

// Changes that belong together: all of a unit is written, or (when one of its conditional
// changes finds the row moved on) none of it, and the unit is reported as conflicted.
struct ChangeUnit {
  std::vector<MessageChange> messages;
  std::vector<EnrollmentChange> enrollments;
  std::vector<NewMessage> new_messages;
  std::vector<EventId> applied_events;  // marked applied
};

struct ApplyResult {
  std::vector<size_t> conflicted;  // indexes of the units not written (rejected ones too)
  // Units refused because a change is invalid in the state machine (the status it names
  // does not allow its event): index and why. Never written; the caller logs them.
  std::vector<std::pair<size_t, std::string>> rejected;
  std::vector<MessageId> new_message_ids;  // in order of the units' new_messages (0 if skipped)
};

// A claimed message with what the dispatcher needs to send it.
struct ClaimedMessage {
  Message message;
  Enrollment enrollment;
  Contact contact;
};

// Per (step, variant): how many messages in each status, and events by kind.
struct StepStats {
  std::string step;
  std::string variant;
  int64_t by_status[sequence::kMessageStatusCount] = {};
  // Contacts with an event of each kind (indexed by EventKind): all of them, and those
  // with at least one event not flagged as machine traffic.
  int64_t events[kEventKindCount] = {};
  int64_t human_events[kEventKindCount] = {};
};

// Thread-safe. Every write states what it expects; see each method.
class EngineStore {
 public:
  virtual ~EngineStore() = default;

  // Enrolls contacts (and plans their first messages) in one transaction. Contacts already
  // enrolled in the campaign are skipped. Returns how many were enrolled.
  virtual Result<int64_t> Enroll(WorkspaceId workspace, CampaignId campaign, int version,
                                 std::span<const NewEnrollment> enrollments, Instant now) = 0;

  // Contacts of the workspace with an active, waiting or held enrollment in a campaign other
  // than `except` (for "skip contacts active in another campaign").
  virtual Result<std::vector<ContactId>> ContactsInOtherCampaigns(WorkspaceId workspace,
                                                                  CampaignId except) = 0;

  // Claims up to `limit` planned messages due at or before `now` whose campaign is active,
  // earliest first: each becomes claimed by `owner` until `lease_until`, its fence bumped.
  // Crash-safe (see Durability): a lost claim leaves the messages planned, and the durable
  // attempt that follows a claim makes the claim durable too.
  virtual Result<std::vector<ClaimedMessage>> Claim(std::string_view owner, Instant now,
                                                    Instant lease_until, int limit) = 0;

  // How far a write is on disk when it returns. kDurable survives a power loss: attempts,
  // since the provider is called after them, and anything recovery cannot redo. kCrashSafe
  // survives a crash of the process, while a power loss may undo it (and every crash-safe
  // write after the last durable one, in order): for writes that recovery redoes, such as
  // a send's outcome (the message is left sending and goes through Channel::Reconcile).
  enum class Durability { kDurable, kCrashSafe };

  // Writes the units, each all-or-nothing, in one transaction.
  virtual Result<ApplyResult> Apply(std::span<const ChangeUnit> units, Instant now,
                                    Durability durability) = 0;

  // The earliest instant at which there is work: a planned message due, a waiting or held
  // enrollment waking, a lease expiring, an unapplied event (now), or a scheduled campaign
  // starting. nullopt when there is none.
  virtual Result<std::optional<Instant>> NextWork() = 0;

  // Waiting or held enrollments of active campaigns whose wake time is at or before `now`.
  virtual Result<std::vector<Enrollment>> Waking(Instant now, int limit) = 0;

  // Messages whose lease expired before `now`, claimed or sending.
  virtual Result<std::vector<Message>> ExpiredLeases(Instant now, int limit) = 0;
  // Messages leased by `owner`, claimed or sending, whatever their expiry: a restarted
  // process recovers its own leases at once.
  virtual Result<std::vector<Message>> LeasesOf(std::string_view owner, int limit) = 0;

  virtual Result<Enrollment> GetEnrollment(WorkspaceId workspace, EnrollmentId id) = 0;
  virtual Result<std::optional<Enrollment>> FindEnrollment(WorkspaceId workspace,
                                                           CampaignId campaign,
                                                           ContactId contact) = 0;
  // Enrollments of a contact in status active, waiting or held (any campaign).
  virtual Result<std::vector<Enrollment>> LiveEnrollmentsOf(WorkspaceId workspace,
                                                            ContactId contact) = 0;
  // Live enrollments of a campaign whose contacts have this registrable domain.
  virtual Result<std::vector<Enrollment>> LiveEnrollmentsAtDomain(WorkspaceId workspace,
                                                                  CampaignId campaign,
                                                                  std::string_view domain) = 0;
  virtual Result<Message> GetMessage(WorkspaceId workspace, MessageId id) = 0;
  // The click links' targets the message was sent with (MessageChange::links), nullopt when
  // it has none; kNotFound for no such message in the workspace.
  virtual Result<std::optional<std::string>> MessageLinks(WorkspaceId workspace, MessageId id) = 0;
  virtual Result<std::vector<Message>> MessagesOf(WorkspaceId workspace,
                                                  EnrollmentId enrollment) = 0;
  // Planned messages of an enrollment (to cancel on a stop).
  virtual Result<std::vector<Message>> PendingMessagesOf(WorkspaceId workspace,
                                                         EnrollmentId enrollment) = 0;
  // Planned messages of a campaign due before `before` (re-planned on resume).
  virtual Result<std::vector<Message>> OverdueMessages(CampaignId campaign, Instant before,
                                                       int limit) = 0;
  // Counts of live enrollments (active, waiting, held) of a campaign.
  virtual Result<int64_t> LiveEnrollmentCount(CampaignId campaign) = 0;
  // Live enrollments of a campaign (to stop them), at most `limit`, by id.
  virtual Result<std::vector<Enrollment>> LiveEnrollments(CampaignId campaign, int limit) = 0;

  // Bookings for the pacer: messages with a sender and a slot at or after `since` that hold
  // it (planned with a slot, claimed, sending, sent, unknown).
  struct Booking {
    WorkspaceId workspace_id;
    SenderId sender;
    CampaignId campaign;
    MessageId message;
    Instant slot_at;
    bool first_of_enrollment = false;
    std::string recipient_domain;
  };
  virtual Result<std::vector<Booking>> Bookings(Instant since) = 0;

  // Events.
  virtual Result<Event> AddEvent(const Event& event) = 0;
  virtual Result<std::vector<Event>> PendingEvents(int limit) = 0;
  virtual Result<std::vector<Event>> EventsOf(WorkspaceId workspace, EnrollmentId enrollment) = 0;
  // Whether the enrollment has an event of `kind` at or after `since`.
  virtual Result<bool> HasEvent(EnrollmentId enrollment, EventKind kind, Instant since) = 0;

  // Per step and variant.
  virtual Result<std::vector<StepStats>> Stats(WorkspaceId workspace, CampaignId campaign) = 0;
  // Enrollments of a campaign by status.
  virtual Result<std::vector<std::pair<sequence::EnrollmentStatus, int64_t>>> EnrollmentCounts(
      WorkspaceId workspace, CampaignId campaign) = 0;
  // An email as it went out, for threads and for matching replies.
  struct SentEmail {
    MessageId id;
    CampaignId campaign;
    EnrollmentId enrollment;
    ContactId contact;
    std::string rfc_message_id;  // without <>
    std::string subject;
  };
  // The enrollment's sent emails that carry a Message-ID, oldest first.
  virtual Result<std::vector<SentEmail>> EmailThread(WorkspaceId workspace,
                                                     EnrollmentId enrollment) = 0;
  // The email of this workspace sent (or being sent) with this Message-ID (with or without
  // <>); nullopt when there is none.
  virtual Result<std::optional<SentEmail>> FindEmail(WorkspaceId workspace,
                                                     std::string_view rfc_message_id) = 0;

  // Messages in status unknown (the ambiguous window), for reports.
  virtual Result<std::vector<Message>> UnknownMessages(WorkspaceId workspace, int limit) = 0;
};

}  // namespace cadent
