// Sender rotation for a campaign's pool of sender accounts: a contact keeps the sender that
// first wrote to it (follow-ups stay in the thread); a new contact goes to the sender whose
// next free slot is earliest.
#pragma once

#include <optional>
#include <span>

#include "core/pacing/pacing.hpp"

namespace cadent::pacing {

// Reserves a slot for one message of a contact. With `assigned` (the sender that already
// wrote to the contact) the slot is that sender's, even if it has left the pool: a thread
// is never moved to another account. Otherwise the sender of `pool` with the earliest slot
// is reserved, ties to the smaller SenderId, so the choice is deterministic. The pool is
// searched best-first (Pacer::NoSlotBefore, then the request's window, then Probe), so
// usually one or two senders are probed, not all. The caller records reservation.sender
// as the contact's sender.
//
// Probing and reserving are separate calls, so under concurrency another caller may take
// the probed slot first; the reservation is then later than probed but still valid.
// Senders whose probe fails with kResourceExhausted are skipped; kInvalidArgument when the
// pool is empty; kResourceExhausted when no sender has a slot.
Result<Reservation> ReserveForContact(Pacer& pacer, std::span<const SenderId> pool,
                                      std::optional<SenderId> assigned, Instant earliest,
                                      const Request& request);

}  // namespace cadent::pacing
