#include "cli/contact_lookup.hpp"

#include "absl/strings/numbers.h"
#include "core/common/strings.hpp"
#include "core/contacts/normalize.hpp"

namespace cadent::cli {

Result<Contact> FindContact(Database& db, WorkspaceId workspace, const std::string& who) {
  int64_t id = 0;
  if (absl::SimpleAtoi(who, &id)) return db.contacts().Get(workspace, ContactId(id));
  ASSIGN_OR_RETURN(NormalizedEmail email, NormalizeEmail(who));
  ASSIGN_OR_RETURN(std::optional<Contact> contact,
                   db.contacts().FindByKey(workspace, email.normalized));
  if (!contact) return absl::NotFoundError(StrCat("no contact with email '", who, "'"));
  return *std::move(contact);
}

Result<ContactList> FindListByName(Database& db, WorkspaceId workspace, const std::string& name) {
  ASSIGN_OR_RETURN(std::optional<ContactList> list, db.lists().FindByName(workspace, name));
  if (!list) return absl::NotFoundError(StrCat("no list named '", name, "'"));
  return *std::move(list);
}

}  // namespace cadent::cli
