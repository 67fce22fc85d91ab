// SQLite contact and list stores.
#include "core/common/strings.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

Status CheckQuery(const ContactQuery& query) {
  if (query.limit < 1 || query.limit > 10000) {
    return absl::InvalidArgumentError(
        StrCat("limit must be between 1 and 10000, got ", query.limit));
  }
  return OkStatus();
}

std::optional<int64_t> ListIdOf(const ContactQuery& query) {
  if (!query.list) return std::nullopt;
  return query.list->value();
}

ContactList ReadList(const Statement& row) {
  return ContactList{ListId(row.Int(0)), WorkspaceId(row.Int(1)), row.Text(2),
                     FromUnixMicros(row.Int(3)), row.Int(4)};
}

}  // namespace

Result<Contact> SqliteContactStore::Create(WorkspaceId workspace, const ContactData& data) {
  const std::string key = data.DedupeKey();
  if (key.empty()) {
    return absl::InvalidArgumentError("a contact needs an email, a LinkedIn URL or a phone number");
  }
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("contact-insert"));
  const int64_t now = shared_.NowUs();
  insert->Bind(1, workspace.value())
      .Bind(2, key)
      .Bind(3, data.email)
      .Bind(4, data.email_normalized)
      .Bind(5, data.email_domain)
      .Bind(6, data.registrable_domain)
      .Bind(7, data.first_name)
      .Bind(8, data.last_name)
      .Bind(9, data.company)
      .Bind(10, data.title)
      .Bind(11, data.phone)
      .Bind(12, data.linkedin_url)
      .Bind(13, data.linkedin_provider_id)
      .Bind(14, data.country)
      .Bind(15, data.time_zone)
      .Bind(16, EncodeCustomFields(data.custom_fields))
      .BindNull(17)
      .Bind(18, now);
  TRY(insert->Run());
  if (shared_.connection->Changes() == 0) {
    return absl::AlreadyExistsError(StrCat("a contact with key '", key, "' already exists"));
  }
  return Contact{ContactId(shared_.connection->LastInsertId()),
                 workspace,
                 data,
                 ContactStatus::kActive,
                 FromUnixMicros(now),
                 FromUnixMicros(now)};
}

Result<Contact> SqliteContactStore::Get(WorkspaceId workspace, ContactId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contact-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no contact ", id.value()));
  Contact contact = ReadContact(*select);
  select->Reset();  // a statement left on a row keeps a read transaction open
  return contact;
}

Result<std::optional<Contact>> SqliteContactStore::FindByKey(WorkspaceId workspace,
                                                             std::string_view dedupe_key) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contact-find-by-key"));
  select->Bind(1, workspace.value()).Bind(2, dedupe_key);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<Contact>();
  Contact contact = ReadContact(*select);
  select->Reset();
  return std::optional<Contact>(std::move(contact));
}

Result<std::vector<Contact>> SqliteContactStore::List(WorkspaceId workspace,
                                                      const ContactQuery& query) {
  TRY(CheckQuery(query));
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contact-list"));
  select->Bind(1, workspace.value()).Bind(2, query.after.value()).BindOptional(3, ListIdOf(query));
  if (query.status) {
    select->Bind(4, ToString(*query.status));
  } else {
    select->BindNull(4);
  }
  select->Bind(5, query.search).Bind(6, int64_t{query.limit});
  std::vector<Contact> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadContact(*select));
  }
  return out;
}

Result<int64_t> SqliteContactStore::Count(WorkspaceId workspace, const ContactQuery& query) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contact-count"));
  select->Bind(1, workspace.value()).BindOptional(2, ListIdOf(query));
  if (query.status) {
    select->Bind(3, ToString(*query.status));
  } else {
    select->BindNull(3);
  }
  select->Bind(4, query.search);
  ASSIGN_OR_RETURN(bool row, select->Step());
  const int64_t count = row ? select->Int(0) : 0;
  select->Reset();
  return count;
}

Status SqliteContactStore::SetStatus(WorkspaceId workspace, ContactId id, ContactStatus status) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("contact-set-status"));
  TRY(update->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, ToString(status))
          .Bind(4, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no contact ", id.value()));
  }
  return OkStatus();
}

Result<ContactList> SqliteListStore::Create(WorkspaceId workspace, std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("list name is empty");
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("list-insert"));
  const int64_t now = shared_.NowUs();
  Status inserted = insert->Bind(1, workspace.value()).Bind(2, name).Bind(3, now).Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(StrCat("a list named '", name, "' already exists"));
  }
  TRY(inserted);
  return ContactList{ListId(shared_.connection->LastInsertId()), workspace, std::string(name),
                     FromUnixMicros(now), 0};
}

Result<ContactList> SqliteListStore::Get(WorkspaceId workspace, ListId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("list-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no list ", id.value()));
  ContactList list = ReadList(*select);
  select->Reset();
  return list;
}

Result<std::optional<ContactList>> SqliteListStore::FindByName(WorkspaceId workspace,
                                                               std::string_view name) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("list-find-by-name"));
  select->Bind(1, workspace.value()).Bind(2, name);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<ContactList>();
  ContactList list = ReadList(*select);
  select->Reset();
  return std::optional<ContactList>(std::move(list));
}

Result<std::vector<ContactList>> SqliteListStore::List(WorkspaceId workspace) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("list-all"));
  select->Bind(1, workspace.value());
  std::vector<ContactList> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadList(*select));
  }
  return out;
}

Status SqliteListStore::Delete(WorkspaceId workspace, ListId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * del, shared_.Query("list-delete"));
  TRY(del->Bind(1, workspace.value()).Bind(2, id.value()).Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no list ", id.value()));
  }
  return OkStatus();
}

Result<int64_t> SqliteListStore::AddMembers(WorkspaceId workspace, ListId list,
                                            std::span<const ContactId> contacts) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * list_row, shared_.Query("list-get"));
  list_row->Bind(1, workspace.value()).Bind(2, list.value());
  ASSIGN_OR_RETURN(bool list_found, list_row->Step());
  list_row->Reset();
  if (!list_found) return absl::NotFoundError(StrCat("no list ", list.value()));
  const int64_t now = shared_.NowUs();
  int64_t added = 0;
  for (ContactId contact : contacts) {
    ASSIGN_OR_RETURN(Statement * exists, shared_.Query("contact-exists"));
    exists->Bind(1, workspace.value()).Bind(2, contact.value());
    ASSIGN_OR_RETURN(bool found, exists->Step());
    exists->Reset();
    if (!found) return absl::NotFoundError(StrCat("no contact ", contact.value()));
    ASSIGN_OR_RETURN(Statement * insert, shared_.Query("list-member-add"));
    TRY(insert->Bind(1, workspace.value())
            .Bind(2, list.value())
            .Bind(3, contact.value())
            .Bind(4, now)
            .Run());
    added += shared_.connection->Changes();
  }
  TRY(tx.Commit());
  return added;
}

Result<int64_t> SqliteListStore::RemoveMembers(WorkspaceId workspace, ListId list,
                                               std::span<const ContactId> contacts) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  int64_t removed = 0;
  for (ContactId contact : contacts) {
    ASSIGN_OR_RETURN(Statement * del, shared_.Query("list-member-remove"));
    TRY(del->Bind(1, workspace.value()).Bind(2, list.value()).Bind(3, contact.value()).Run());
    removed += shared_.connection->Changes();
  }
  TRY(tx.Commit());
  return removed;
}

}  // namespace cadent::storage::sqlite
