// Pacing: when a sender account may send its next message. Spacing with jitter, daily and
// hourly caps counted in the sender's zone, a rolling 7-day cap, a warm-up ramp, a cap per
// recipient domain per hour, and a cap on new contacts started per campaign per day.
//
// Two layers (docs/PACING.md):
//  - PlanSlot: the pure slot arithmetic. Given a sender's policy, its existing bookings and
//    the request, it returns the earliest instant that breaks no rule. No state, no clock,
//    no locking; the database-backed pacer of the engine calls it inside the transaction
//    that holds the sender's pacing row.
//  - Pacer: the reservation interface (Reserve / Probe / Release) the dispatcher, the
//    rotation and the forecast use. InMemoryPacer (in_memory_pacer.hpp) implements it for
//    one process; the engine backs it with the database so it holds across processes.
#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "date/tz.h"

namespace cadent::pacing {

using cadent::CampaignId;
using cadent::SenderId;
using ReservationId = Id<struct ReservationTag>;

// ---------------------------------------------------------------------------------------
// Policies

// The warm-up ramp of a new account: initial_per_day on its first local day, then
// increment_per_day more each day, until the daily cap is reached. Before start_day the
// sender may send nothing.
struct WarmUp {
  date::local_days start_day;  // in the sender's zone
  int32_t initial_per_day = 10;
  int32_t increment_per_day = 5;
};

// Everything that limits one sender account. A cap that is nullopt does not apply; a cap
// of 0 stops the sender.
struct SenderPolicy {
  const date::time_zone* zone = nullptr;  // where days and hours are counted; never null
  // Consecutive sends are at least min_spacing apart, plus a jitter drawn uniformly in
  // [0, max_spacing - min_spacing] for each slot (deterministic: see JitterFor).
  std::chrono::seconds min_spacing{90};
  std::chrono::seconds max_spacing{180};
  std::optional<int32_t> daily_cap;          // per local day of the sender's zone
  std::optional<int32_t> hourly_cap;         // per local clock hour of the sender's zone
  std::optional<int32_t> weekly_cap;         // in any rolling window of 7 x 24 hours
  std::optional<int32_t> domain_hourly_cap;  // per recipient domain, per local hour
  std::optional<WarmUp> warm_up;
  uint64_t jitter_seed = 0;  // with the sender id and the slot, decides the jitter
};

// Limits of one campaign across all its senders.
struct CampaignPolicy {
  const date::time_zone* zone = nullptr;  // where its days are counted; null = the sender's
  std::optional<int32_t> new_contacts_per_day;
};

// ---------------------------------------------------------------------------------------
// Requests and results

// What pushed a slot later than the requested instant.
enum class Limit : uint8_t {
  kSpacing,
  kDailyCap,
  kHourlyCap,
  kWeeklyCap,
  kWarmUp,
  kDomainHourlyCap,
  kCampaignNewContacts,
  kRecipientWindow,  // the request's window check moved it (recipient calendar)
};
inline constexpr size_t kLimitCount = 8;
using LimitSet = std::bitset<kLimitCount>;
std::string_view ToString(Limit limit);
// "spacing,daily_cap" (in enum order), "" when empty.
std::string ToString(const LimitSet& limits);

// Optional extra condition on the slot, evaluated inside the same search: given a
// candidate instant, returns it when acceptable, else the next instant worth trying
// (> candidate). The forecast and the dispatcher pass the recipient calendar here
// (IsAllowed / NextAllowed), so a slot pacing grants is also inside the recipient's
// window. Must be pure and cheap; it is called with the pacer's lock held.
using WindowCheck = std::function<Result<Instant>(Instant candidate)>;

struct Request {
  WorkspaceId workspace = kDefaultWorkspace;
  CampaignId campaign;                  // invalid (0) = no campaign limits
  std::string_view recipient_domain;    // "" = no domain limit; compared exactly (lower-case it)
  bool is_new_contact = false;          // the campaign's first message to this contact
  const WindowCheck* window = nullptr;  // null = any instant
  // Nonzero: the caller promises that requests with the same key have the same window
  // check (the forecast uses one key per recipient calendar). The pacer may then remember,
  // per sender, key, campaign and new-contact flag, how far the bookings, that window and
  // the campaign's cap leave nothing free (PlanResult::window_prefix).
  uint64_t window_key = 0;
};

// One granted slot: a booking in the sender's ledger.
struct Booking {
  Instant at;
  std::chrono::seconds gap_after{0};  // the jittered spacing this slot demands after it
  CampaignId campaign;
  bool is_new_contact = false;
  std::string recipient_domain;
  ReservationId id;
};

struct Reservation {
  ReservationId id;
  WorkspaceId workspace;
  SenderId sender;
  CampaignId campaign;
  Instant at;          // when the message may go
  Instant requested;   // the earliest instant asked for
  LimitSet pushed_by;  // the limits that moved it later than requested
};

// ---------------------------------------------------------------------------------------
// The pure slot arithmetic

// The spacing a slot at `at` demands after it: min_spacing plus the jitter, a pure
// function of (jitter_seed, sender, at) so every process computes the same value.
std::chrono::seconds JitterFor(const SenderPolicy& policy, SenderId sender, Instant at);

// Local day and clock-hour buckets in a zone, as instant intervals [begin, end). DST-correct:
// a local day is 23 or 25 hours on transition days; a repeated clock hour is two buckets
// (one per UTC offset); a day starting in a gap starts at the first valid instant.
struct Bucket {
  Instant begin;
  Instant end;
};
Bucket LocalDayOf(Instant at, const date::time_zone& zone);
Bucket LocalHourOf(Instant at, const date::time_zone& zone);
Instant StartOfLocalDay(date::local_days day, const date::time_zone& zone);

// The warm-up allowance on the local day `day` (nullopt = no warm-up limit that day).
std::optional<int32_t> WarmUpAllowance(const SenderPolicy& policy, date::local_days day);

struct PlanInput {
  SenderId sender;
  const SenderPolicy* policy = nullptr;      // never null
  const CampaignPolicy* campaign = nullptr;  // null = no campaign limits
  // The sender's bookings sorted by `at` (ties by id). Must include at least every booking
  // within 8 days either side of the search; older ones may be left out.
  std::span<const Booking> bookings;
  // The instants of the campaign's new-contact bookings (all senders), sorted.
  std::span<const Instant> campaign_new_contacts;
  Instant earliest;
  // A hint from the caller's memory: nothing in [earliest, start_hint) can be granted for
  // this request (see PlanResult's prefixes), because of start_hint_reasons; the search
  // starts there and reports them. Default: no hint.
  Instant start_hint = Instant::min();
  LimitSet start_hint_reasons;
  const Request* request = nullptr;  // never null
  std::chrono::days horizon{400};    // how far past `earliest` to search
};

struct PlanResult {
  Instant at;
  std::chrono::seconds gap_after{0};
  LimitSet pushed_by;
  // What the search learnt, for the caller to remember: nothing in [search start, until)
  // can be granted, and for each limit the end of the last stretch of that range it
  // blocked (Instant::min() if none; a later search starting at s inside the range would
  // be pushed by the limits whose stretch ends after s). Adding bookings keeps both true;
  // releasing one does not.
  struct Prefix {
    Instant until;
    std::array<Instant, kLimitCount> ends;
  };
  Prefix sender_prefix;  // for any request: only sender-wide limits (spacing, caps) pushed
  // For requests with the same window check, campaign and is_new_contact: the sender-wide
  // limits, the window and the campaign's cap (all only fill up as bookings are added).
  Prefix window_prefix;
};

// The earliest instant >= earliest (and >= start_hint) that breaks no limit and
// passes the request's window check. kResourceExhausted when nothing is free within the
// horizon or the search exceeds its step bound; errors from the window check pass through.
Result<PlanResult> PlanSlot(const PlanInput& input);

// ---------------------------------------------------------------------------------------
// The reservation interface

// Reservations of sending slots, keyed by (workspace, sender). Thread-safe: every method
// may be called from any thread; implementations serialise what must be serialised.
class Pacer {
 public:
  virtual ~Pacer() = default;

  // Grants the earliest slot >= earliest that keeps every limit of the sender (and of the
  // request's campaign), and records it. Two slots of one sender are never closer than its
  // min_spacing, and no cap is ever exceeded, whatever the calling threads or processes.
  // kNotFound: unknown sender or campaign. kResourceExhausted: no slot within the horizon.
  virtual Result<Reservation> Reserve(SenderId sender, Instant earliest,
                                      const Request& request) = 0;

  // What Reserve would grant now, without recording it. Another caller may take the slot
  // before a later Reserve; Reserve then grants a later one. Used by the rotation.
  virtual Result<Reservation> Probe(SenderId sender, Instant earliest,
                                    const Request& request) const = 0;

  // A cheap lower bound for Probe: no slot of the sender before the returned instant can
  // be granted for this request. Used to probe a pool best-first. The default knows
  // nothing and returns earliest; an unknown sender also returns earliest (Probe then
  // reports it).
  virtual Instant NoSlotBefore(SenderId sender, Instant earliest, const Request& request) const {
    (void)sender;
    (void)request;
    return earliest;
  }

  // Gives back a reservation whose message never left (the send failed before the provider
  // accepted it, or the step was cancelled). The slot stops counting towards every cap and
  // towards spacing; a later Reserve may grant the same instant again. Call it only when
  // nothing went out: a message that may have reached the provider keeps its slot.
  // kNotFound when the reservation is unknown or already released (releasing is not
  // idempotent, so a double release is visible).
  virtual Status Release(const Reservation& reservation) = 0;
};

}  // namespace cadent::pacing
