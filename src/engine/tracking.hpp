// Tracking and unsubscribe over the stores: the links the engine puts in each message
// (signed tokens, see core/tracking/token.hpp) and what a hit on them does. The HTTP
// handlers (http/tracking) are thin wrappers over Tracker.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/common/clock.hpp"
#include "core/tracking/machine.hpp"
#include "core/tracking/token.hpp"
#include "storage/database.hpp"

namespace cadent {

// The workspaces' tracking keys, read once per process (a key never changes once made).
// Thread-safe.
class TrackingKeys {
 public:
  explicit TrackingKeys(Database& db) : db_(db) {}
  // The key to sign with; the workspace's first call makes it (WorkspaceStore::TrackingKey).
  Result<std::string> ForSigning(WorkspaceId workspace);
  // The key to verify with; kNotFound when the workspace has none (no token of it can be
  // genuine) or does not exist. Never makes a key.
  Result<std::string> ForVerifying(WorkspaceId workspace);

 private:
  Database& db_;
  std::mutex mutex_;
  absl::flat_hash_map<int64_t, std::string> keys_;  // guarded by mutex_
};

// `<public_url><path><token>` with the base's trailing slashes dropped.
std::string TrackingUrl(std::string_view public_url, std::string_view path, std::string_view token);

// The 1x1 transparent GIF the open pixel answers with (43 bytes).
std::string_view TransparentGif();

// What a hit resolved to.
struct TrackedMessage {
  tracking::Token token;
  Message message;
  Contact contact;
};

class Tracker {
 public:
  // `db` and `clock` must outlive the tracker. `on_event` (may be empty) is called after an
  // event was recorded: the engine of this process wakes to apply it.
  Tracker(Database& db, const Clock& clock, std::function<void()> on_event = {});

  // The message a token names, when the token verifies as `kind` and the message exists in
  // its workspace. kNotFound for anything else (malformed, tampered, another kind, unknown
  // message): the caller answers 404 and nothing is written.
  Result<TrackedMessage> Resolve(std::string_view token, tracking::TokenKind kind);

  // Unsubscribes the contact of the message an unsubscribe token names: its address is
  // suppressed in the workspace (committed before this returns, so no later claim sends to
  // it), the contact marked unsubscribed, and one unsubscribed event recorded for the
  // message's enrollment (the engine then stops it). Idempotent: a second call changes
  // nothing. kNotFound as Resolve.
  Result<TrackedMessage> Unsubscribe(std::string_view token);

  // Records an opened event for the message an open token names, flagged as machine traffic
  // per tracking::MachineOpen. kNotFound as Resolve.
  Result<TrackedMessage> Open(std::string_view token, const tracking::Hit& hit);

  // The URL a click token's link was sent with (from the message's stored link table, never
  // from the request), after recording a clicked event (detail: the URL) flagged per
  // tracking::MachineClick. kNotFound as Resolve, and for an index the table lacks.
  Result<std::string> Click(std::string_view token, const tracking::Hit& hit);

 private:
  Status Record(const TrackedMessage& tracked, EventKind kind, std::string_view machine,
                std::string_view detail);

  Database& db_;
  const Clock& clock_;
  std::function<void()> on_event_;
  TrackingKeys keys_;
};

}  // namespace cadent
