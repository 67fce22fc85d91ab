// The engine: turns planned messages into sends, exactly once, at the right moment, and
// reacts to what recipients do.
//
// One pass (RunDue) does, in order, everything due at the clock's now:
//   1. starts scheduled campaigns whose start time came;
//   2. recovers expired leases: a claimed message goes back to planned; a message that was
//      being sent is asked of the channel (Reconcile) before anything else happens to it;
//   3. applies pending events (stop rules, conditions, suppression);
//   4. wakes waiting enrollments (waits and condition deadlines);
//   5. dispatches due messages in batches: claim (lease + fence) -> suppression and state
//      checks -> pacing reservation (a slot in the future defers the message to it) ->
//      render -> record the attempt -> Channel::Send -> Flush -> record the outcome and the
//      next step in one transaction.
// Between passes the engine sleeps until the next due time (NextWork), or until woken by a
// new plan, an event, or Stop. Nothing polls at a fixed pace; the only periodic check is
// whether another process changed the database while we slept (real time only).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "channels/channel.hpp"
#include "core/common/clock.hpp"
#include "core/pacing/in_memory_pacer.hpp"
#include "core/sequence/retry.hpp"
#include "core/templating/template.hpp"
#include "engine/campaign_runtime.hpp"
#include "engine/tracking.hpp"
#include "storage/database.hpp"

namespace cadent {

struct EngineOptions {
  std::string owner = "engine";  // lease owner; unique per process (the CLI adds the pid)
  int batch_size = 512;          // messages claimed per transaction
  Duration lease = std::chrono::minutes(5);
  // Base of the links minted per message: {{unsubscribe_url}} and List-Unsubscribe are
  // <public_url>/u/<token>, the open pixel <public_url>/t/o/<token>.gif (signed tokens,
  // core/tracking/token.hpp).
  std::string public_url = "http://127.0.0.1:8080";
  // Whether emails with an html part carry the open pixel, and have their web links
  // rewritten to <public_url>/t/c/<token> (each campaign's settings can turn either off).
  bool track_opens = true;
  bool track_clicks = true;
  sequence::RetryPolicy retry;
  // Real time only: how often a sleeping engine looks for work another process added.
  Duration external_check = std::chrono::seconds(1);
  // Called for every event the state machine rejects (also logged to stderr by the CLI).
  std::function<void(std::string_view)> on_rejected;
};

// What one pass did.
struct PassStats {
  int64_t sent = 0;
  int64_t failed = 0;
  int64_t retried = 0;
  int64_t skipped = 0;  // suppressed, missing data, enrollment no longer live
  int64_t cancelled = 0;
  int64_t deferred = 0;   // pacing put the message later
  int64_t conflicts = 0;  // rows another writer moved first
  int64_t events = 0;     // events applied
  int64_t woken = 0;      // enrollments woken
  int64_t recovered = 0;  // expired leases recovered
  int64_t ambiguous = 0;  // messages left unknown: the channel could not tell
  int64_t reconciled_sent = 0;
  void Add(const PassStats& other);
};

class Engine {
 public:
  // `db`, `clock` and `channel` must outlive the engine.
  Engine(Database& db, const Clock& clock, channels::Channel& channel, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads the pacing bookings of the last 8 days. Call once before the first pass.
  Status Start();

  // Does everything due at clock.Now() (see above); returns what it did.
  Result<PassStats> RunDue();

  // The earliest instant with work, or nullopt.
  Result<std::optional<Instant>> NextWork();

  // Runs passes in real time until Stop(): after each, sleeps until the next work, a Wake()
  // or the external check. Returns the totals.
  Result<PassStats> RunRealTime(const Clock& clock);

  // Runs with a fake clock that jumps to each next work time, until the next work is after
  // `until` (the clock is left at `until`). A 60-day campaign runs in seconds with the
  // timestamps it would have in real time.
  Result<PassStats> RunVirtual(FakeClock& clock, Instant until);

  // Thread-safe: ends RunRealTime after the pass in progress (in-flight sends finish and are
  // recorded; nothing new is claimed).
  void Stop();
  // Thread-safe: there may be new work now.
  void Wake();

  // The Recipient calendar, pacer and runtimes, for `explain` and tests.
  pacing::InMemoryPacer& pacer() { return pacer_; }
  RuntimeCache& runtimes() { return runtimes_; }

 private:
  struct Prepared;
  Result<std::shared_ptr<const CampaignRuntime>> Runtime(WorkspaceId workspace, CampaignId id);
  Status StartScheduled(Instant now);
  Result<int64_t> CompleteFinished();
  Status Recover(Instant now, PassStats& stats);
  Status RecoverMessages(const std::vector<Message>& expired, Instant now, PassStats& stats);
  // A follow-up in the thread of the enrollment's earlier emails: In-Reply-To the latest,
  // References the thread, and the first one's subject with "Re: ". Nothing when none was
  // sent yet (the step opens the thread).
  Status Thread(const Message& m, channels::OutgoingMessage& out);
  Status ApplyEvents(Instant now, PassStats& stats);
  Status WakeEnrollments(Instant now, PassStats& stats);
  // One claim-send-record cycle; returns how many messages it claimed.
  Result<int> DispatchBatch(Instant now, PassStats& stats);
  void RegisterSenders(const CampaignRuntime& runtime);
  // The signed token of `kind` for message `m` (the workspace's key made on first use).
  Result<std::string> TrackingToken(const Message& m, tracking::TokenKind kind, int32_t link = 0);
  // Rewrites the http(s) links of `out.html` (as `links` found them in the render; not our
  // own links) to click links, and sets `targets` to their JSON table ("" when none).
  Status RewriteLinks(const Message& m, const std::vector<templating::Link>& links,
                      channels::OutgoingMessage& out, std::string& targets);
  void ReleaseSlot(MessageId id);
  // Apply, logging the units the state machine rejected through options_.on_rejected.
  Result<ApplyResult> ApplyLogged(
      std::span<const ChangeUnit> units, Instant now,
      EngineStore::Durability durability = EngineStore::Durability::kDurable);

  Database& db_;
  const Clock& clock_;
  channels::Channel& channel_;
  EngineOptions options_;
  RuntimeCache runtimes_;
  TrackingKeys tracking_keys_;
  // The runtimes already checked against their campaign row in this pass (RunDue) or batch
  // (DispatchBatch): events and waking enrollments ask once per row, the campaign row is
  // read once.
  absl::flat_hash_map<int64_t, std::shared_ptr<const CampaignRuntime>> pass_runtimes_;
  pacing::InMemoryPacer pacer_;
  // Reservations this process holds for planned or in-flight messages, by message id.
  absl::flat_hash_map<int64_t, pacing::Reservation> reservations_;
  absl::flat_hash_map<int64_t, int64_t> registered_;  // sender id -> policy hash
  int64_t bookings_forgotten_before_us_ = 0;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool woken_ = false;  // guarded by wake_mutex_
  std::atomic<bool> stop_{false};
};

}  // namespace cadent
