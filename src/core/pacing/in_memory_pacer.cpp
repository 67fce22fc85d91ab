#include "core/pacing/in_memory_pacer.hpp"

#include <algorithm>
#include <optional>

#include "core/common/strings.hpp"

namespace cadent::pacing {
namespace {

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The key of PlanResult::window_prefix for a request: requests with equal keys have the
// same window check, campaign and new-contact flag. nullopt: not cacheable (a window
// without a window_key).
std::optional<uint64_t> RangeKey(const Request& request) {
  if (request.window != nullptr && request.window_key == 0) return std::nullopt;
  const uint64_t window = request.window == nullptr ? 0 : request.window_key;
  return Mix(Mix(window) ^ static_cast<uint64_t>(request.campaign.value())) ^
         (request.is_new_contact ? 1u : 0u);
}

// How far back a released booking can have blocked a search: the rolling week plus a
// local day (the largest bucket it counted in) and the spacing it demanded.
constexpr std::chrono::days kReleaseReach{9};

}  // namespace

void InMemoryPacer::SetSender(WorkspaceId workspace, SenderId sender, const SenderPolicy& policy) {
  std::lock_guard lock(mutex_);
  SenderState& state = senders_[Key{workspace.value(), sender.value()}];
  state.policy = policy;
  state.blocked = BlockedRange{};  // the limits changed: forget what was learnt
  state.window_blocked.clear();
}

void InMemoryPacer::SetCampaign(WorkspaceId workspace, CampaignId campaign,
                                const CampaignPolicy& policy) {
  std::lock_guard lock(mutex_);
  campaigns_[Key{workspace.value(), campaign.value()}].policy = policy;
  // The keyed ranges include the campaign's cap, which just changed.
  for (auto& [key, state] : senders_) {
    if (key.first == workspace.value()) state.window_blocked.clear();
  }
}

Result<PlanResult> InMemoryPacer::PlanLocked(const SenderState& sender_state, SenderId sender,
                                             Instant earliest, const Request& request,
                                             const CampaignState** campaign_out) const {
  *campaign_out = nullptr;
  if (request.campaign.valid()) {
    const auto it = campaigns_.find(Key{request.workspace.value(), request.campaign.value()});
    if (it == campaigns_.end()) {
      return absl::NotFoundError(StrCat("unknown campaign ", request.campaign.value(),
                                        " in workspace ", request.workspace.value()));
    }
    *campaign_out = &it->second;
  }
  PlanInput input;
  input.sender = sender;
  input.policy = &sender_state.policy;
  input.campaign = *campaign_out != nullptr ? &(*campaign_out)->policy : nullptr;
  input.bookings = sender_state.bookings;
  if (*campaign_out != nullptr) input.campaign_new_contacts = (*campaign_out)->new_contacts;
  input.earliest = earliest;
  input.request = &request;

  // Start where the caches say the first free instant can be, with their reasons.
  BlockedRange& sender_range = sender_state.blocked;
  BlockedRange* window_range = nullptr;
  if (const auto key = RangeKey(request)) window_range = &sender_state.window_blocked[*key];
  Instant start = earliest;
  const bool sender_hit = sender_range.Contains(earliest);
  const bool window_hit = window_range != nullptr && window_range->Contains(earliest);
  auto jump = [&](const BlockedRange& range) {
    if (range.until <= start) return;
    start = range.until;
    for (size_t i = 0; i < kLimitCount; ++i) {
      if (range.ends[i] > earliest) input.start_hint_reasons.set(i);
    }
  };
  if (sender_hit) jump(sender_range);
  if (window_hit) jump(*window_range);
  input.start_hint = start;
  ASSIGN_OR_RETURN(const PlanResult plan, PlanSlot(input));

  // Learn: [earliest, prefix.until) is blocked, when [earliest, start) was.
  auto learn = [&](BlockedRange& range, bool hit, const PlanResult::Prefix& prefix) {
    if (hit) {
      range.until = std::max(range.until, prefix.until);
      for (size_t i = 0; i < kLimitCount; ++i)
        range.ends[i] = std::max(range.ends[i], prefix.ends[i]);
    } else if (prefix.until > earliest && prefix.until > range.until) {
      range.from = earliest;
      range.until = prefix.until;
      range.ends = prefix.ends;
    } else {
      return;
    }
    // The reasons that moved the start belong to the range too.
    for (size_t i = 0; i < kLimitCount; ++i) {
      if (input.start_hint_reasons.test(i)) range.ends[i] = std::max(range.ends[i], start);
    }
  };
  // The sender-wide range is only extended when nothing but itself moved the start.
  if (start == earliest || (sender_hit && start == sender_range.until)) {
    learn(sender_range, sender_hit, plan.sender_prefix);
  }
  if (window_range != nullptr) learn(*window_range, sender_hit || window_hit, plan.window_prefix);
  return plan;
}

Result<Reservation> InMemoryPacer::Probe(SenderId sender, Instant earliest,
                                         const Request& request) const {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{request.workspace.value(), sender.value()});
  if (it == senders_.end()) {
    return absl::NotFoundError(
        StrCat("unknown sender ", sender.value(), " in workspace ", request.workspace.value()));
  }
  const CampaignState* campaign = nullptr;
  ASSIGN_OR_RETURN(const PlanResult plan,
                   PlanLocked(it->second, sender, earliest, request, &campaign));
  return Reservation{ReservationId(), request.workspace, sender,        request.campaign,
                     plan.at,         earliest,          plan.pushed_by};
}

Result<Reservation> InMemoryPacer::Reserve(SenderId sender, Instant earliest,
                                           const Request& request) {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{request.workspace.value(), sender.value()});
  if (it == senders_.end()) {
    return absl::NotFoundError(
        StrCat("unknown sender ", sender.value(), " in workspace ", request.workspace.value()));
  }
  SenderState& state = it->second;
  const CampaignState* campaign_const = nullptr;
  ASSIGN_OR_RETURN(const PlanResult plan,
                   PlanLocked(state, sender, earliest, request, &campaign_const));

  const ReservationId id(next_reservation_++);
  Booking booking{plan.at,
                  plan.gap_after,
                  request.campaign,
                  request.is_new_contact,
                  std::string(request.recipient_domain),
                  id};
  const auto position = std::upper_bound(state.bookings.begin(), state.bookings.end(), plan.at,
                                         [](Instant at, const Booking& b) { return at < b.at; });
  state.bookings.insert(position, std::move(booking));

  if (campaign_const != nullptr && request.is_new_contact) {
    // The lock is held; the const view came from campaigns_, which we own.
    auto& starts =
        campaigns_[Key{request.workspace.value(), request.campaign.value()}].new_contacts;
    starts.insert(std::upper_bound(starts.begin(), starts.end(), plan.at), plan.at);
  }
  return Reservation{id,      request.workspace, sender,        request.campaign,
                     plan.at, earliest,          plan.pushed_by};
}

Result<Reservation> InMemoryPacer::Restore(SenderId sender, Instant at, const Request& request) {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{request.workspace.value(), sender.value()});
  if (it == senders_.end()) {
    return absl::NotFoundError(
        StrCat("unknown sender ", sender.value(), " in workspace ", request.workspace.value()));
  }
  SenderState& state = it->second;
  const ReservationId id(next_reservation_++);
  Booking booking{at,
                  JitterFor(state.policy, sender, at),
                  request.campaign,
                  request.is_new_contact,
                  std::string(request.recipient_domain),
                  id};
  const auto position = std::upper_bound(state.bookings.begin(), state.bookings.end(), at,
                                         [](Instant t, const Booking& b) { return t < b.at; });
  state.bookings.insert(position, std::move(booking));
  if (request.campaign.valid() && request.is_new_contact) {
    auto& starts =
        campaigns_[Key{request.workspace.value(), request.campaign.value()}].new_contacts;
    starts.insert(std::upper_bound(starts.begin(), starts.end(), at), at);
  }
  return Reservation{id, request.workspace, sender, request.campaign, at, at, LimitSet{}};
}

Status InMemoryPacer::Release(const Reservation& reservation) {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{reservation.workspace.value(), reservation.sender.value()});
  if (it == senders_.end()) {
    return absl::NotFoundError(StrCat("unknown sender ", reservation.sender.value()));
  }
  SenderState& state = it->second;
  auto booking = std::lower_bound(state.bookings.begin(), state.bookings.end(), reservation.at,
                                  [](const Booking& b, Instant at) { return b.at < at; });
  while (booking != state.bookings.end() && booking->at == reservation.at &&
         booking->id != reservation.id) {
    ++booking;
  }
  if (booking == state.bookings.end() || booking->id != reservation.id) {
    return absl::NotFoundError(StrCat("reservation ", reservation.id.value(), " of sender ",
                                      reservation.sender.value(),
                                      " is unknown or already released"));
  }
  const bool booking_was_new_contact = booking->is_new_contact && booking->campaign.valid();
  if (booking_was_new_contact) {
    const auto campaign =
        campaigns_.find(Key{reservation.workspace.value(), booking->campaign.value()});
    if (campaign != campaigns_.end()) {
      auto& starts = campaign->second.new_contacts;
      const auto start = std::lower_bound(starts.begin(), starts.end(), reservation.at);
      if (start != starts.end() && *start == reservation.at) starts.erase(start);
    }
  }
  state.bookings.erase(booking);
  // Everything learnt about the stretch the booking could have blocked is void.
  const Instant reach = reservation.at - kReleaseReach;
  auto cut = [reach](BlockedRange& range) {
    range.until = std::min(range.until, reach);
    if (range.until <= range.from) range = BlockedRange{};
    for (Instant& end : range.ends) end = std::min(end, range.until);
  };
  cut(state.blocked);
  for (auto& [key, range] : state.window_blocked) cut(range);
  if (booking_was_new_contact) {
    // The campaign's cap counts every sender's new contacts: all their ranges may shrink.
    for (auto& [key, other] : senders_) {
      if (key.first != reservation.workspace.value()) continue;
      for (auto& [range_key, range] : other.window_blocked) cut(range);
    }
  }
  return OkStatus();
}

Instant InMemoryPacer::NoSlotBefore(SenderId sender, Instant earliest,
                                    const Request& request) const {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{request.workspace.value(), sender.value()});
  if (it == senders_.end()) return earliest;
  const SenderState& state = it->second;
  Instant bound = earliest;
  if (state.blocked.Contains(earliest)) bound = state.blocked.until;
  if (const auto key = RangeKey(request)) {
    const auto range = state.window_blocked.find(*key);
    if (range != state.window_blocked.end() && range->second.Contains(earliest)) {
      bound = std::max(bound, range->second.until);
    }
  }
  return bound;
}

std::vector<Booking> InMemoryPacer::BookingsOf(WorkspaceId workspace, SenderId sender) const {
  std::lock_guard lock(mutex_);
  const auto it = senders_.find(Key{workspace.value(), sender.value()});
  if (it == senders_.end()) return {};
  return it->second.bookings;
}

void InMemoryPacer::Forget(Instant before) {
  std::lock_guard lock(mutex_);
  for (auto& [key, state] : senders_) {
    auto& b = state.bookings;
    b.erase(b.begin(), std::lower_bound(b.begin(), b.end(), before,
                                        [](const Booking& x, Instant at) { return x.at < at; }));
  }
  for (auto& [key, state] : campaigns_) {
    auto& s = state.new_contacts;
    s.erase(s.begin(), std::lower_bound(s.begin(), s.end(), before));
  }
}

}  // namespace cadent::pacing
