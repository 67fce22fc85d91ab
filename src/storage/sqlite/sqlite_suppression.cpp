// SQLite suppression store.
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

std::optional<int64_t> ScopeOf(std::optional<WorkspaceId> scope) {
  if (!scope) return std::nullopt;
  return scope->value();
}

Status CheckEntry(const SuppressionEntry& entry) {
  if (entry.value.empty()) return absl::InvalidArgumentError("suppression value is empty");
  return OkStatus();
}

}  // namespace

Result<SuppressionAddResult> SqliteSuppressionStore::Add(const SuppressionEntry& entry) {
  TRY(CheckEntry(entry));
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("suppression-insert"));
  TRY(insert->BindOptional(1, ScopeOf(entry.workspace))
          .Bind(2, ToSql(entry.kind))
          .Bind(3, entry.value)
          .Bind(4, entry.reason)
          .Bind(5, shared_.NowUs())
          .Run());
  const bool created = shared_.connection->Changes() > 0;
  ASSIGN_OR_RETURN(Statement * find, shared_.Query("suppression-find"));
  find->BindOptional(1, ScopeOf(entry.workspace)).Bind(2, ToSql(entry.kind)).Bind(3, entry.value);
  ASSIGN_OR_RETURN(bool found, find->Step());
  if (!found) return absl::InternalError("suppression entry vanished after insert");
  SuppressionAddResult result{ReadSuppression(*find), created};
  find->Reset();  // a statement left on a row keeps a read transaction open
  return result;
}

Result<int64_t> SqliteSuppressionStore::AddMany(std::span<const SuppressionEntry> entries) {
  for (const SuppressionEntry& entry : entries) TRY(CheckEntry(entry));
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  const int64_t now = shared_.NowUs();
  int64_t added = 0;
  for (const SuppressionEntry& entry : entries) {
    ASSIGN_OR_RETURN(Statement * insert, shared_.Query("suppression-insert"));
    TRY(insert->BindOptional(1, ScopeOf(entry.workspace))
            .Bind(2, ToSql(entry.kind))
            .Bind(3, entry.value)
            .Bind(4, entry.reason)
            .Bind(5, now)
            .Run());
    added += shared_.connection->Changes();
  }
  TRY(tx.Commit());
  return added;
}

Status SqliteSuppressionStore::Remove(std::optional<WorkspaceId> scope, SuppressionKind kind,
                                      std::string_view value) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * del, shared_.Query("suppression-delete"));
  TRY(del->BindOptional(1, ScopeOf(scope)).Bind(2, ToSql(kind)).Bind(3, value).Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(
        StrCat("'", value, "' is not suppressed", scope ? " in this workspace" : " globally"));
  }
  return OkStatus();
}

Result<std::vector<SuppressionEntry>> SqliteSuppressionStore::List(WorkspaceId workspace,
                                                                   SuppressionId after, int limit) {
  if (limit < 1 || limit > 10000) {
    return absl::InvalidArgumentError(StrCat("limit must be 1..10000, got ", limit));
  }
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("suppression-list"));
  select->Bind(1, workspace.value()).Bind(2, after.value()).Bind(3, int64_t{limit});
  std::vector<SuppressionEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadSuppression(*select));
  }
  return out;
}

Result<std::optional<SuppressionEntry>> SqliteSuppressionStore::Match(WorkspaceId workspace,
                                                                      const ContactData& contact) {
  if (contact.email_normalized.empty()) return std::optional<SuppressionEntry>();
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("suppression-match"));
  select->Bind(1, workspace.value())
      .Bind(2, contact.email_normalized)
      .Bind(3, contact.email_domain)
      .Bind(4, contact.registrable_domain);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<SuppressionEntry>();
  SuppressionEntry entry = ReadSuppression(*select);
  select->Reset();
  return std::optional<SuppressionEntry>(std::move(entry));
}

Result<SuppressionSet> SqliteSuppressionStore::Snapshot(WorkspaceId workspace) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("suppression-snapshot"));
  select->Bind(1, workspace.value());
  SuppressionSet set;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    set.Add(ReadSuppression(*select));
  }
  return set;
}

Result<SuppressionSet> SqliteSuppressionStore::SnapshotFor(
    WorkspaceId workspace, std::span<const ContactData* const> contacts) {
  nlohmann::json values = nlohmann::json::array();
  for (const ContactData* c : contacts) {
    if (c->email_normalized.empty()) continue;  // as Match: no address, nothing to suppress
    values.push_back(c->email_normalized);
    if (!c->email_domain.empty()) values.push_back(c->email_domain);
    if (!c->registrable_domain.empty()) values.push_back(c->registrable_domain);
  }
  SuppressionSet set;
  if (values.empty()) return set;
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("suppression-for-values"));
  select->Bind(1, workspace.value()).Bind(2, values.dump());
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    set.Add(ReadSuppression(*select));
  }
  return set;
}

}  // namespace cadent::storage::sqlite
