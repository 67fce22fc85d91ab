// The three state machines as constexpr [status][event] tables, and their names.
#include "core/sequence/state.hpp"

#include <algorithm>

namespace cadent::sequence {
namespace {

// Tables hold the resulting status as its index, or kInvalid; uint8_t rather than
// std::optional keeps them plain constexpr data that Next() reads in O(1).
constexpr uint8_t kInvalid = 0xff;

template <typename S, typename E>
struct Row {
  S from;
  E event;
  S to;
};

template <size_t kStatuses, size_t kEvents>
using Table = std::array<std::array<uint8_t, kEvents>, kStatuses>;

template <typename Enum>
constexpr size_t Index(Enum value) {
  return static_cast<size_t>(value);
}

// The tables are written as rows (easy to compare with docs/STATE_MACHINES.md) and turned
// into [status][event] arrays at compile time.
template <size_t kStatuses, size_t kEvents, typename S, typename E, size_t N>
constexpr Table<kStatuses, kEvents> BuildTable(const std::array<Row<S, E>, N>& rows) {
  Table<kStatuses, kEvents> table{};
  for (auto& line : table) line.fill(kInvalid);
  for (const Row<S, E>& row : rows) {
    table[Index(row.from)][Index(row.event)] = static_cast<uint8_t>(row.to);
  }
  return table;
}

// A row listed twice would silently overwrite the first; refuse it at compile time.
template <typename S, typename E, size_t N>
constexpr bool NoDuplicateRows(const std::array<Row<S, E>, N>& rows) {
  for (size_t i = 0; i < N; ++i) {
    for (size_t j = i + 1; j < N; ++j) {
      if (rows[i].from == rows[j].from && rows[i].event == rows[j].event) return false;
    }
  }
  return true;
}

template <typename S, size_t kStatuses, size_t kEvents, typename E>
std::optional<S> Lookup(const Table<kStatuses, kEvents>& table, S status, E event) {
  // Statuses and events may come from storage as integers; out of range is invalid.
  if (Index(status) >= kStatuses || Index(event) >= kEvents) return std::nullopt;
  const uint8_t to = table[Index(status)][Index(event)];
  if (to == kInvalid) return std::nullopt;
  return static_cast<S>(to);
}

template <size_t kStatuses, size_t kEvents>
constexpr bool Terminal(const Table<kStatuses, kEvents>& table, size_t status) {
  if (status >= kStatuses) return false;
  return std::all_of(table[status].begin(), table[status].end(),
                     [](uint8_t to) { return to == kInvalid; });
}

template <typename S, size_t kStatuses, size_t kEvents>
std::vector<std::pair<S, S>> Changes(const Table<kStatuses, kEvents>& table) {
  std::vector<std::pair<S, S>> changes;
  for (size_t from = 0; from < kStatuses; ++from) {
    for (size_t event = 0; event < kEvents; ++event) {
      const uint8_t to = table[from][event];
      if (to == kInvalid) continue;
      const std::pair<S, S> change{static_cast<S>(from), static_cast<S>(to)};
      // Several events may make the same change (claimed -> planned by defer, release and
      // lease_expired); storage only sees the statuses.
      if (std::find(changes.begin(), changes.end(), change) == changes.end()) {
        changes.push_back(change);
      }
    }
  }
  return changes;
}

template <typename Enum, size_t N>
std::string_view Name(const std::array<std::string_view, N>& names, Enum value) {
  return Index(value) < N ? names[Index(value)] : std::string_view("invalid");
}

template <typename Enum, size_t N>
std::optional<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Campaigns.
using CS = CampaignStatus;
using CE = CampaignEvent;
constexpr std::array<Row<CS, CE>, 10> kCampaignRows = {{
    {CS::kDraft, CE::kSchedule, CS::kScheduled},
    {CS::kDraft, CE::kStart, CS::kActive},
    {CS::kScheduled, CE::kUnschedule, CS::kDraft},
    {CS::kScheduled, CE::kStart, CS::kActive},
    {CS::kScheduled, CE::kStop, CS::kStopped},
    {CS::kActive, CE::kPause, CS::kPaused},
    {CS::kActive, CE::kComplete, CS::kCompleted},
    {CS::kActive, CE::kStop, CS::kStopped},
    {CS::kPaused, CE::kResume, CS::kActive},
    {CS::kPaused, CE::kStop, CS::kStopped},
}};
static_assert(NoDuplicateRows(kCampaignRows));
constexpr auto kCampaignTable =
    BuildTable<kCampaignStatusCount, kCampaignEventCount>(kCampaignRows);

constexpr std::array<std::string_view, kCampaignStatusCount> kCampaignStatusNames = {
    "draft", "scheduled", "active", "paused", "completed", "stopped"};
constexpr std::array<std::string_view, kCampaignEventCount> kCampaignEventNames = {
    "schedule", "unschedule", "start", "pause", "resume", "complete", "stop"};
static_assert(Index(CS::kStopped) + 1 == kCampaignStatusCount);
static_assert(Index(CE::kStop) + 1 == kCampaignEventCount);

// ---------------------------------------------------------------------------------------
// Enrollments.
using ES = EnrollmentStatus;
using EE = EnrollmentEvent;
constexpr std::array<Row<ES, EE>, 12> kEnrollmentRows = {{
    {ES::kActive, EE::kPlan, ES::kActive},
    {ES::kActive, EE::kWait, ES::kWaiting},
    {ES::kActive, EE::kHold, ES::kHeld},
    {ES::kActive, EE::kFinish, ES::kCompleted},
    {ES::kActive, EE::kStop, ES::kStopped},
    {ES::kActive, EE::kFail, ES::kFailed},
    {ES::kWaiting, EE::kPlan, ES::kActive},
    {ES::kWaiting, EE::kWait, ES::kWaiting},
    {ES::kWaiting, EE::kFinish, ES::kCompleted},
    {ES::kWaiting, EE::kStop, ES::kStopped},
    {ES::kHeld, EE::kRelease, ES::kActive},
    {ES::kHeld, EE::kStop, ES::kStopped},
}};
static_assert(NoDuplicateRows(kEnrollmentRows));
constexpr auto kEnrollmentTable =
    BuildTable<kEnrollmentStatusCount, kEnrollmentEventCount>(kEnrollmentRows);

constexpr std::array<std::string_view, kEnrollmentStatusCount> kEnrollmentStatusNames = {
    "active", "waiting", "held", "completed", "stopped", "failed"};
constexpr std::array<std::string_view, kEnrollmentEventCount> kEnrollmentEventNames = {
    "plan", "wait", "hold", "release", "finish", "stop", "fail"};
static_assert(Index(ES::kFailed) + 1 == kEnrollmentStatusCount);
static_assert(Index(EE::kFail) + 1 == kEnrollmentEventCount);

// ---------------------------------------------------------------------------------------
// Messages.
using MS = MessageStatus;
using ME = MessageEvent;
constexpr std::array<Row<MS, ME>, 17> kMessageRows = {{
    {MS::kPlanned, ME::kClaim, MS::kClaimed},
    {MS::kPlanned, ME::kSkip, MS::kSkipped},
    {MS::kPlanned, ME::kCancel, MS::kCancelled},
    {MS::kClaimed, ME::kDefer, MS::kPlanned},
    {MS::kClaimed, ME::kRelease, MS::kPlanned},
    {MS::kClaimed, ME::kAttempt, MS::kSending},
    {MS::kClaimed, ME::kPermanentFailure, MS::kFailed},
    {MS::kClaimed, ME::kSkip, MS::kSkipped},
    {MS::kClaimed, ME::kCancel, MS::kCancelled},
    {MS::kClaimed, ME::kLeaseExpired, MS::kPlanned},
    {MS::kSending, ME::kAccepted, MS::kSent},
    {MS::kSending, ME::kTransientFailure, MS::kPlanned},
    {MS::kSending, ME::kPermanentFailure, MS::kFailed},
    // The attempt may or may not have reached the channel: never planned again blindly.
    {MS::kSending, ME::kLeaseExpired, MS::kUnknown},
    {MS::kUnknown, ME::kReconciledSent, MS::kSent},
    {MS::kUnknown, ME::kReconciledNotSent, MS::kPlanned},
    {MS::kUnknown, ME::kPermanentFailure, MS::kFailed},
}};
static_assert(NoDuplicateRows(kMessageRows));
constexpr auto kMessageTable = BuildTable<kMessageStatusCount, kMessageEventCount>(kMessageRows);

constexpr std::array<std::string_view, kMessageStatusCount> kMessageStatusNames = {
    "planned", "claimed", "sending", "sent", "failed", "skipped", "cancelled", "unknown"};
constexpr std::array<std::string_view, kMessageEventCount> kMessageEventNames = {
    "claim",
    "defer",
    "release",
    "attempt",
    "accepted",
    "transient_failure",
    "permanent_failure",
    "skip",
    "cancel",
    "lease_expired",
    "reconciled_sent",
    "reconciled_not_sent"};
static_assert(Index(MS::kUnknown) + 1 == kMessageStatusCount);
static_assert(Index(ME::kReconciledNotSent) + 1 == kMessageEventCount);

}  // namespace

std::optional<CampaignStatus> Next(CampaignStatus status, CampaignEvent event) {
  return Lookup(kCampaignTable, status, event);
}
std::optional<EnrollmentStatus> Next(EnrollmentStatus status, EnrollmentEvent event) {
  return Lookup(kEnrollmentTable, status, event);
}
std::optional<MessageStatus> Next(MessageStatus status, MessageEvent event) {
  return Lookup(kMessageTable, status, event);
}

bool IsTerminal(CampaignStatus status) { return Terminal(kCampaignTable, Index(status)); }
bool IsTerminal(EnrollmentStatus status) { return Terminal(kEnrollmentTable, Index(status)); }
bool IsTerminal(MessageStatus status) { return Terminal(kMessageTable, Index(status)); }

std::vector<std::pair<CampaignStatus, CampaignStatus>> AllowedChanges(CampaignStatus) {
  return Changes<CampaignStatus>(kCampaignTable);
}
std::vector<std::pair<EnrollmentStatus, EnrollmentStatus>> AllowedChanges(EnrollmentStatus) {
  return Changes<EnrollmentStatus>(kEnrollmentTable);
}
std::vector<std::pair<MessageStatus, MessageStatus>> AllowedChanges(MessageStatus) {
  return Changes<MessageStatus>(kMessageTable);
}

std::string_view ToString(CampaignStatus status) { return Name(kCampaignStatusNames, status); }
std::string_view ToString(CampaignEvent event) { return Name(kCampaignEventNames, event); }
std::string_view ToString(EnrollmentStatus status) { return Name(kEnrollmentStatusNames, status); }
std::string_view ToString(EnrollmentEvent event) { return Name(kEnrollmentEventNames, event); }
std::string_view ToString(MessageStatus status) { return Name(kMessageStatusNames, status); }
std::string_view ToString(MessageEvent event) { return Name(kMessageEventNames, event); }

std::optional<CampaignStatus> ParseCampaignStatus(std::string_view text) {
  return ParseName<CampaignStatus>(kCampaignStatusNames, text);
}
std::optional<CampaignEvent> ParseCampaignEvent(std::string_view text) {
  return ParseName<CampaignEvent>(kCampaignEventNames, text);
}
std::optional<EnrollmentStatus> ParseEnrollmentStatus(std::string_view text) {
  return ParseName<EnrollmentStatus>(kEnrollmentStatusNames, text);
}
std::optional<EnrollmentEvent> ParseEnrollmentEvent(std::string_view text) {
  return ParseName<EnrollmentEvent>(kEnrollmentEventNames, text);
}
std::optional<MessageStatus> ParseMessageStatus(std::string_view text) {
  return ParseName<MessageStatus>(kMessageStatusNames, text);
}
std::optional<MessageEvent> ParseMessageEvent(std::string_view text) {
  return ParseName<MessageEvent>(kMessageEventNames, text);
}

}  // namespace cadent::sequence
