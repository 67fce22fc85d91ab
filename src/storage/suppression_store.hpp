// The suppression list: addresses and domains that must never be written to.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"
#include "core/contacts/suppression.hpp"

namespace cadent {

struct SuppressionAddResult {
  SuppressionEntry entry;  // the stored entry (the earlier one when it already existed)
  bool created = false;
};

// Entries belong to one workspace, or are global (entry.workspace empty) and then apply to
// every workspace. Thread-safe. Errors: kNotFound, kInvalidArgument.
class SuppressionStore {
 public:
  virtual ~SuppressionStore() = default;
  // Idempotent: adding an existing (scope, kind, value) returns the stored entry.
  virtual Result<SuppressionAddResult> Add(const SuppressionEntry& entry) = 0;
  // Adds many in one transaction; returns how many were new.
  virtual Result<int64_t> AddMany(std::span<const SuppressionEntry> entries) = 0;
  // Removes the entry of this scope (nullopt = global). kNotFound when absent.
  virtual Status Remove(std::optional<WorkspaceId> scope, SuppressionKind kind,
                        std::string_view value) = 0;
  // Entries of the workspace and the global ones, in id order after the cursor.
  virtual Result<std::vector<SuppressionEntry>> List(WorkspaceId workspace, SuppressionId after,
                                                     int limit) = 0;
  // The one check every sender relies on: the entry that suppresses this contact in this
  // workspace (its email, its domain or its registrable domain; workspace or global), if any.
  virtual Result<std::optional<SuppressionEntry>> Match(WorkspaceId workspace,
                                                        const ContactData& contact) = 0;
  // Every entry that applies to the workspace, for bulk checks (imports) in memory.
  virtual Result<SuppressionSet> Snapshot(WorkspaceId workspace) = 0;
  // The entries that name any of these contacts' emails or domains, in one query: Match on
  // the set answers for each of them exactly as Match does (a dispatcher's batch).
  virtual Result<SuppressionSet> SnapshotFor(WorkspaceId workspace,
                                             std::span<const ContactData* const> contacts) = 0;
};

}  // namespace cadent
