// Replies and bounces that arrive in a sender's inbox, as events: the IMAP poller reads each
// email sender's inbox (TransportSettings::imap_url) for messages after the last UID it saw,
// classifies them (channels/imap/inbound.hpp) and records what they mean:
//   reply        -> replied      (the stop rule applies)       matched by In-Reply-To /
//   auto-reply   -> auto_replied (recorded, never a stop)       References naming one of our
//   DSN 5.x.x    -> bounced      (the address is suppressed)    Message-IDs, else by the
//   DSN 4.x.x    -> soft_bounced (recorded, never a stop)       replier / failed recipient
//   anything else is left alone.                                address among the contacts
// The position (UIDVALIDITY, last UID) is stored per sender after each message's event: a
// crash in between reads that one message again (its event may be recorded twice, which
// stops nothing twice). An inbox read for the first time, or whose UIDVALIDITY changed,
// starts at its end: the mail already there is history, not replies to cadent's messages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/imap/inbound.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "engine/secrets.hpp"
#include "storage/database.hpp"

namespace cadent {

// What an inbound message means for the workspace: the event to record, or nullopt when it
// concerns none of its contacts.
Result<std::optional<Event>> InboundEvent(Database& db, WorkspaceId workspace,
                                          const channels::InboundMessage& inbound, Instant now);

struct InboxStats {
  int64_t senders = 0;              // inboxes read
  int64_t fetched = 0;              // messages read
  int64_t events = 0;               // events recorded
  int64_t ignored = 0;              // unrelated, or about nobody we know
  std::vector<std::string> errors;  // per inbox: "sender 'ana': login failed" (others go on)
};

// Reads every email sender's inbox in the workspace once. `limit` messages per inbox per
// call. A failing inbox is reported in `errors` and does not stop the others.
Result<InboxStats> PollInboxes(Database& db, const SecretBox& box, WorkspaceId workspace,
                               const Clock& clock, size_t limit = 500);

}  // namespace cadent
