// Contacts of a workspace: create, read, list and change status. Imports write through
// ImportStore::CommitBatch, which shares these rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"

namespace cadent {

// Filters for listing contacts. Results come in id order; pass the last id seen as `after`
// to get the next page (cursor pagination, stable under concurrent inserts).
struct ContactQuery {
  std::optional<ListId> list;           // members of this list only
  std::optional<ContactStatus> status;  // this status only
  std::string search;                   // case-insensitive substring of email, names, company
  ContactId after;                      // cursor: ids greater than this
  int limit = 100;                      // at most this many (1..10000)
};

// Every method filters by the workspace given; a contact of another workspace is kNotFound.
// Thread-safe. Errors: kNotFound, kAlreadyExists (dedupe key taken), kInvalidArgument
// (data without a dedupe key, bad query), kUnavailable (database busy: retry).
class ContactStore {
 public:
  virtual ~ContactStore() = default;

  // Adds a contact (status active). kAlreadyExists when the workspace has its dedupe key.
  virtual Result<Contact> Create(WorkspaceId workspace, const ContactData& data) = 0;
  virtual Result<Contact> Get(WorkspaceId workspace, ContactId id) = 0;
  // Looks up by ContactData::DedupeKey() (the normalized email for most contacts).
  virtual Result<std::optional<Contact>> FindByKey(WorkspaceId workspace,
                                                   std::string_view dedupe_key) = 0;
  virtual Result<std::vector<Contact>> List(WorkspaceId workspace, const ContactQuery& query) = 0;
  // Number of contacts matching the query's filters (cursor and limit ignored).
  virtual Result<int64_t> Count(WorkspaceId workspace, const ContactQuery& query) = 0;
  virtual Status SetStatus(WorkspaceId workspace, ContactId id, ContactStatus status) = 0;
  // The custom field names in use in the workspace, sorted, at most `limit` of them (what a
  // template may name as {{field}}).
  virtual Result<std::vector<std::string>> CustomFieldNames(WorkspaceId workspace, int limit) = 0;
};

}  // namespace cadent
