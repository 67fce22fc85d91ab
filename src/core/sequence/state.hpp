// The state machines of campaigns, enrollments and messages: one enum class of statuses and
// one enum class of events each, and one transition table each (state.cpp). Storage checks
// every status change against these tables (the SQLite triggers are generated from them),
// so an invalid transition is an error, never a silent write. docs/STATE_MACHINES.md shows
// the tables; testdata/transitions.tsv lists every (machine, state, event, expected) row.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadent::sequence {

// ---------------------------------------------------------------------------------------
// Campaigns: draft -> scheduled (start time) -> active <-> paused -> completed, or stopped.
// Archiving is a flag beside the status, not a status.
enum class CampaignStatus : uint8_t { kDraft, kScheduled, kActive, kPaused, kCompleted, kStopped };
enum class CampaignEvent : uint8_t {
  kSchedule,    // draft -> scheduled: launched with a start time in the future
  kUnschedule,  // scheduled -> draft
  kStart,       // draft or scheduled -> active: launched now, or the start time came
  kPause,       // active -> paused
  kResume,      // paused -> active
  kComplete,    // active -> completed: every enrollment finished
  kStop,        // scheduled, active or paused -> stopped: by the user, for good
};
inline constexpr size_t kCampaignStatusCount = 6;
inline constexpr size_t kCampaignEventCount = 7;

// ---------------------------------------------------------------------------------------
// Enrollments: one contact in one campaign, pinned to a sequence version.
enum class EnrollmentStatus : uint8_t {
  kActive,     // a message of the current step is planned or in flight
  kWaiting,    // on a condition (opened, accepted, ...) until it is met or times out
  kHeld,       // missing data under the "hold" policy, until the contact is fixed
  kCompleted,  // reached the end of the sequence
  kStopped,    // a stop rule (reply, unsubscribe, bounce, ...) or the user stopped it
  kFailed,     // a step failed permanently and its policy is to stop
};
enum class EnrollmentEvent : uint8_t {
  kPlan,     // active or waiting -> active: the next send step's message was planned
  kWait,     // active -> waiting: the enrollment entered a condition
  kHold,     // active -> held
  kRelease,  // held -> active
  kFinish,   // active or waiting -> completed: end of the sequence
  kStop,     // active, waiting or held -> stopped
  kFail,     // active -> failed
};
inline constexpr size_t kEnrollmentStatusCount = 6;
inline constexpr size_t kEnrollmentEventCount = 7;

// ---------------------------------------------------------------------------------------
// Messages: planned -> claimed (lease) -> sending -> sent | failed | skipped. A planned message
// may hold a pacing reservation (its slot) or not yet; that is data, not a status.
enum class MessageStatus : uint8_t {
  kPlanned,    // waiting for its due time (and, once reserved, its pacing slot)
  kClaimed,    // a dispatcher holds the lease; nothing has gone out
  kSending,    // the attempt is recorded; the channel is being called
  kSent,       // the channel accepted it
  kFailed,     // permanently failed
  kSkipped,    // not sent, on purpose (suppressed, missing data, enrollment over)
  kCancelled,  // withdrawn before it was claimed (stop rule, campaign stopped)
  kUnknown,    // the dispatcher died while sending and the channel cannot tell: reported
};
enum class MessageEvent : uint8_t {
  kClaim,              // planned -> claimed
  kDefer,              // claimed -> planned: its pacing slot is later than now
  kRelease,            // claimed -> planned: not sent (paused, shutting down)
  kAttempt,            // claimed -> sending: recorded before the channel is called
  kAccepted,           // sending -> sent
  kTransientFailure,   // sending -> planned: retried later
  kPermanentFailure,   // claimed, sending or unknown -> failed
  kSkip,               // planned or claimed -> skipped
  kCancel,             // planned or claimed -> cancelled
  kLeaseExpired,       // claimed -> planned (nothing went out); sending -> unknown
  kReconciledSent,     // unknown -> sent: the channel shows it went out
  kReconciledNotSent,  // unknown -> planned: the channel shows it did not
};
inline constexpr size_t kMessageStatusCount = 8;
inline constexpr size_t kMessageEventCount = 12;

// ---------------------------------------------------------------------------------------
// Transitions: the status after `event` in `status`, or nullopt when the event is invalid
// there (the caller rejects and logs it; nothing is written).
std::optional<CampaignStatus> Next(CampaignStatus status, CampaignEvent event);
std::optional<EnrollmentStatus> Next(EnrollmentStatus status, EnrollmentEvent event);
std::optional<MessageStatus> Next(MessageStatus status, MessageEvent event);

// The statuses a new row may be created in (storage refuses others).
inline constexpr std::array kInitialCampaignStatuses = {CampaignStatus::kDraft};
inline constexpr std::array kInitialEnrollmentStatuses = {
    EnrollmentStatus::kActive, EnrollmentStatus::kWaiting, EnrollmentStatus::kHeld};
inline constexpr std::array kInitialMessageStatuses = {MessageStatus::kPlanned};

// Terminal statuses accept no event.
bool IsTerminal(CampaignStatus status);
bool IsTerminal(EnrollmentStatus status);
bool IsTerminal(MessageStatus status);

// Every allowed (from, to) status pair of a machine, each once, in table order; the storage
// triggers are generated from these.
std::vector<std::pair<CampaignStatus, CampaignStatus>> AllowedChanges(CampaignStatus);
std::vector<std::pair<EnrollmentStatus, EnrollmentStatus>> AllowedChanges(EnrollmentStatus);
std::vector<std::pair<MessageStatus, MessageStatus>> AllowedChanges(MessageStatus);

// The snake_case names used in storage, the API, the docs and transitions.tsv:
// "draft", "scheduled", ..., "planned", "claimed", ..., "lease_expired", "reconciled_sent".
std::string_view ToString(CampaignStatus status);
std::string_view ToString(CampaignEvent event);
std::string_view ToString(EnrollmentStatus status);
std::string_view ToString(EnrollmentEvent event);
std::string_view ToString(MessageStatus status);
std::string_view ToString(MessageEvent event);
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view text);
std::optional<CampaignEvent> ParseCampaignEvent(std::string_view text);
std::optional<EnrollmentStatus> ParseEnrollmentStatus(std::string_view text);
std::optional<EnrollmentEvent> ParseEnrollmentEvent(std::string_view text);
std::optional<MessageStatus> ParseMessageStatus(std::string_view text);
std::optional<MessageEvent> ParseMessageEvent(std::string_view text);

}  // namespace cadent::sequence
