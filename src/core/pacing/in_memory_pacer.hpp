// The Pacer of one process: bookings in memory, one mutex. Used by tests, the forecast and
// single-process runs; the engine's database-backed pacer calls the same PlanSlot.
#pragma once

#include <array>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/pacing/pacing.hpp"

namespace cadent::pacing {

class InMemoryPacer final : public Pacer {
 public:
  InMemoryPacer() = default;
  InMemoryPacer(const InMemoryPacer&) = delete;
  InMemoryPacer& operator=(const InMemoryPacer&) = delete;

  // Registers a sender, or replaces its policy (its bookings stay). policy.zone must not
  // be null and must outlive the pacer.
  void SetSender(WorkspaceId workspace, SenderId sender, const SenderPolicy& policy);
  // Registers a campaign, or replaces its policy (its bookings stay).
  void SetCampaign(WorkspaceId workspace, CampaignId campaign, const CampaignPolicy& policy);

  Result<Reservation> Reserve(SenderId sender, Instant earliest, const Request& request) override;
  Result<Reservation> Probe(SenderId sender, Instant earliest,
                            const Request& request) const override;
  Status Release(const Reservation& reservation) override;
  Instant NoSlotBefore(SenderId sender, Instant earliest, const Request& request) const override;

  // Records a booking made earlier (by this or another process, read back from storage) at
  // exactly `at`, without checking the limits: they were checked when it was granted.
  // kNotFound for an unknown sender.
  Result<Reservation> Restore(SenderId sender, Instant at, const Request& request);

  // A copy of a sender's bookings in time order (empty for an unknown sender).
  std::vector<Booking> BookingsOf(WorkspaceId workspace, SenderId sender) const;

  // Drops bookings before `before`. Later requests must not ask for slots earlier than
  // before + 8 days, or the dropped bookings would be missed (PlanInput::bookings).
  void Forget(Instant before);

 private:
  using Key = std::pair<int64_t, int64_t>;  // (workspace, sender or campaign)
  struct BlockedRange {
    Instant from = Instant::min();
    Instant until = Instant::min();
    std::array<Instant, kLimitCount> ends = MinEnds();  // PlanResult::Prefix::ends
    bool Contains(Instant t) const { return t >= from && t < until; }
    static std::array<Instant, kLimitCount> MinEnds() {
      std::array<Instant, kLimitCount> ends;
      ends.fill(Instant::min());
      return ends;
    }
  };
  struct SenderState {
    SenderPolicy policy;
    std::vector<Booking> bookings;  // sorted by at, then id
    // Caches of what earlier searches learnt (PlanResult's prefixes): nothing in
    // [from, until) can be granted, for any request (`blocked`) or for requests with one
    // window key (`window_blocked`). They let a search that starts far behind the sender's
    // frontier jump to it. Grown by searches, cut back by Release.
    mutable BlockedRange blocked;
    mutable absl::flat_hash_map<uint64_t, BlockedRange> window_blocked;
  };
  struct CampaignState {
    CampaignPolicy policy;
    std::vector<Instant> new_contacts;  // sorted
  };

  // Plans under the lock held by the caller and updates the blocked cache. Fills
  // *campaign_out when the request names a campaign.
  Result<PlanResult> PlanLocked(const SenderState& sender_state, SenderId sender, Instant earliest,
                                const Request& request, const CampaignState** campaign_out) const;

  mutable std::mutex mutex_;
  absl::flat_hash_map<Key, SenderState> senders_;      // guarded by mutex_
  absl::flat_hash_map<Key, CampaignState> campaigns_;  // guarded by mutex_
  int64_t next_reservation_ = 1;                       // guarded by mutex_
};

}  // namespace cadent::pacing
