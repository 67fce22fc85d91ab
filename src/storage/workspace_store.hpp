// Workspaces: the tenant boundary. Every other row belongs to exactly one workspace.
#pragma once

#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"

namespace cadent {

struct Workspace {
  WorkspaceId id;
  std::string name;
  Instant created_at;
  std::string postal_address;  // shown in every email (CAN-SPAM); "" = not set yet
};

// Thread-safe. Errors: kNotFound for an unknown id; kUnavailable when the database is busy.
class WorkspaceStore {
 public:
  virtual ~WorkspaceStore() = default;
  virtual Result<Workspace> Create(std::string_view name) = 0;
  virtual Result<Workspace> Get(WorkspaceId id) = 0;
  virtual Result<std::vector<Workspace>> List() = 0;
  virtual Status SetPostalAddress(WorkspaceId id, std::string_view address) = 0;
  // The secret the workspace's webhook requests are signed with (never part of Workspace,
  // so that listing workspaces cannot print it). A workspace without one yet takes
  // `candidate` (a fresh random secret): of two processes racing, the first write wins and
  // both get it.
  virtual Result<std::string> WebhookSecret(WorkspaceId id, std::string_view candidate) = 0;
  // The key tracking tokens (unsubscribe, open and click links) are signed with, kept apart
  // from Workspace for the same reason. A workspace without one takes a non-empty
  // `candidate` (first write wins, as above); an empty `candidate` only reads, and answers
  // "" when the workspace has no key yet (a verifier must never make one).
  virtual Result<std::string> TrackingKey(WorkspaceId id, std::string_view candidate) = 0;
};

}  // namespace cadent
