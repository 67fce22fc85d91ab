// Contact lists and their members.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"

namespace cadent {

struct ContactList {
  ListId id;
  WorkspaceId workspace_id;
  std::string name;  // unique per workspace
  Instant created_at;
  int64_t member_count = 0;
};

// Thread-safe; every method filters by workspace. Errors: kNotFound (list or contact not in
// this workspace), kAlreadyExists (name taken), kInvalidArgument (empty name).
class ListStore {
 public:
  virtual ~ListStore() = default;
  virtual Result<ContactList> Create(WorkspaceId workspace, std::string_view name) = 0;
  virtual Result<ContactList> Get(WorkspaceId workspace, ListId id) = 0;
  virtual Result<std::optional<ContactList>> FindByName(WorkspaceId workspace,
                                                        std::string_view name) = 0;
  virtual Result<std::vector<ContactList>> List(WorkspaceId workspace) = 0;
  // Deletes the list and its memberships (never the contacts).
  virtual Status Delete(WorkspaceId workspace, ListId id) = 0;
  // Adds contacts to a list; already-members are left alone. Returns how many were added.
  // All or nothing: an unknown contact id fails the call and adds none.
  virtual Result<int64_t> AddMembers(WorkspaceId workspace, ListId list,
                                     std::span<const ContactId> contacts) = 0;
  // Returns how many were members and are no longer.
  virtual Result<int64_t> RemoveMembers(WorkspaceId workspace, ListId list,
                                        std::span<const ContactId> contacts) = 0;
};

}  // namespace cadent
