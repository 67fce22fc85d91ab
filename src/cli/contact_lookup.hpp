// Resolving what a user types on the command line (an id, an email, a list name) to
// stored objects, with errors that say what was not found.
#pragma once

#include <string>

#include "storage/database.hpp"

namespace cadent::cli {

// `who` is a contact id ("42") or an email address (normalized before the lookup).
Result<Contact> FindContact(Database& db, WorkspaceId workspace, const std::string& who);
Result<ContactList> FindListByName(Database& db, WorkspaceId workspace, const std::string& name);

}  // namespace cadent::cli
