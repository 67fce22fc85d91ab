// SQLite import store: the import record and the atomic batch commit.
#include "core/common/strings.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

ImportRecord ReadImport(const Statement& row) {
  ImportRecord r;
  r.id = ImportId(row.Int(0));
  r.workspace_id = WorkspaceId(row.Int(1));
  r.spec.file_name = row.Text(2);
  r.spec.fingerprint = row.Text(3);
  r.spec.file_size = row.Int(4);
  if (!row.IsNull(5)) r.spec.list = ListId(row.Int(5));
  r.spec.policy = ParseDuplicatePolicy(row.TextView(6)).value_or(DuplicatePolicy::kSkip);
  r.spec.options_json = row.Text(7);
  r.spec.report_path = row.Text(8);
  r.status = ParseImportStatus(row.TextView(9)).value_or(ImportStatus::kFailed);
  r.counts =
      ImportCounts{row.Int(10), row.Int(11), row.Int(12), row.Int(13), row.Int(14), row.Int(15)};
  r.resume_offset = row.Int(16);
  r.resume_line = row.Int(17);
  r.report_bytes = row.Int(18);
  r.error = row.Text(19);
  r.created_at = FromUnixMicros(row.Int(20));
  r.updated_at = FromUnixMicros(row.Int(21));
  if (!row.IsNull(22)) r.finished_at = FromUnixMicros(row.Int(22));
  return r;
}

// Binds the mutable contact columns for contact-import-update / -fill-empty (?3..?12).
void BindMutableColumns(Statement& s, const ContactData& d, const std::string& custom_json) {
  s.Bind(3, d.first_name)
      .Bind(4, d.last_name)
      .Bind(5, d.company)
      .Bind(6, d.title)
      .Bind(7, d.phone)
      .Bind(8, d.linkedin_url)
      .Bind(9, d.linkedin_provider_id)
      .Bind(10, d.country)
      .Bind(11, d.time_zone)
      .Bind(12, custom_json);
}

}  // namespace

Result<ImportRecord> SqliteImportStore::Create(WorkspaceId workspace, const ImportSpec& spec) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("import-insert"));
  std::optional<int64_t> list;
  if (spec.list) list = spec.list->value();
  TRY(insert->Bind(1, workspace.value())
          .Bind(2, spec.file_name)
          .Bind(3, spec.fingerprint)
          .Bind(4, spec.file_size)
          .BindOptional(5, list)
          .Bind(6, ToString(spec.policy))
          .Bind(7, spec.options_json)
          .Bind(8, spec.report_path)
          .Bind(9, shared_.NowUs())
          .Run());
  const int64_t id = shared_.connection->LastInsertId();
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-get"));
  select->Bind(1, workspace.value()).Bind(2, id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::InternalError("import row vanished after insert");
  ImportRecord record = ReadImport(*select);
  select->Reset();  // a statement left on a row keeps a read transaction open
  return record;
}

Result<ImportRecord> SqliteImportStore::Get(WorkspaceId workspace, ImportId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no import ", id.value()));
  ImportRecord record = ReadImport(*select);
  select->Reset();
  return record;
}

Result<std::optional<ImportRecord>> SqliteImportStore::FindByFingerprint(
    WorkspaceId workspace, std::string_view fingerprint) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-find-by-fingerprint"));
  select->Bind(1, workspace.value()).Bind(2, fingerprint);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<ImportRecord>();
  ImportRecord record = ReadImport(*select);
  select->Reset();
  return std::optional<ImportRecord>(std::move(record));
}

Result<std::vector<ImportRecord>> SqliteImportStore::List(WorkspaceId workspace, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-list"));
  select->Bind(1, workspace.value()).Bind(2, int64_t{limit});
  std::vector<ImportRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadImport(*select));
  }
  return out;
}

Result<std::vector<RowOutcome>> SqliteImportStore::CommitBatch(WorkspaceId workspace, ImportId id,
                                                               const ImportBatch& batch) {
  std::lock_guard lock(shared_.mutex);
  Connection& db = *shared_.connection;
  // Checked here, before anything is written: the rows' values then satisfy every CHECK
  // of the contacts table (see BulkWriteSession).
  for (const ImportRow& row : batch.rows) {
    if (row.contact.DedupeKey().empty()) {
      return absl::InvalidArgumentError(
          StrCat("line ", row.line, ": contact has no email, LinkedIn URL or phone"));
    }
  }
  ASSIGN_OR_RETURN(BulkWriteSession session, BulkWriteSession::Begin(db));
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));

  ASSIGN_OR_RETURN(Statement * header, shared_.Query("import-get"));
  header->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, header->Step());
  if (!found) return absl::NotFoundError(StrCat("no import ", id.value()));
  const ImportRecord record = ReadImport(*header);
  header->Reset();
  if (record.status != ImportStatus::kRunning) {
    return absl::FailedPreconditionError(
        StrCat("import ", id.value(), " is ", ToString(record.status), ", not running"));
  }
  // Foreign keys are not enforced during the batch (BulkWriteSession): the parents are checked
  // here, once, inside the transaction that holds the write lock. The workspace exists (the
  // import row found above references it); so must the list.
  std::optional<ListId> list = record.spec.list;
  if (list) {
    ASSIGN_OR_RETURN(Statement * exists, shared_.Query("import-list-exists"));
    exists->Bind(1, workspace.value()).Bind(2, list->value());
    ASSIGN_OR_RETURN(bool list_found, exists->Step());
    exists->Reset();
    if (!list_found) list.reset();  // deleted meanwhile: as if the import had no list
  }

  const int64_t now = shared_.NowUs();
  std::vector<RowOutcome> outcomes;
  outcomes.reserve(batch.rows.size());
  ImportCounts delta;
  // Contacts created by this batch get consecutive ids (the transaction holds the write
  // lock); their list membership is added by one statement after the loop.
  int64_t first_created = 0;
  int64_t last_created = 0;
  auto add_created = [&]() -> Status {
    if (!list || first_created == 0) return OkStatus();
    ASSIGN_OR_RETURN(Statement * members, shared_.Query("import-list-add-created"));
    return members->Bind(1, workspace.value())
        .Bind(2, list->value())
        .Bind(3, first_created)
        .Bind(4, last_created)
        .Bind(5, id.value())
        .Bind(6, now)
        .Run();
  };
  // Fetched once: Prepare resets the statement; each use below resets it again.
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("contact-insert"));
  std::string custom_json;
  for (const ImportRow& row : batch.rows) {
    const ContactData& d = row.contact;
    const std::string key = d.DedupeKey();
    custom_json = EncodeCustomFields(d.custom_fields);
    // The row's strings outlive the statement's step: bind without copying.
    insert->Bind(1, workspace.value())
        .BindView(2, key)
        .BindView(3, d.email)
        .BindView(4, d.email_normalized)
        .BindView(5, d.email_domain)
        .BindView(6, d.registrable_domain)
        .BindView(7, d.first_name)
        .BindView(8, d.last_name)
        .BindView(9, d.company)
        .BindView(10, d.title)
        .BindView(11, d.phone)
        .BindView(12, d.linkedin_url)
        .BindView(13, d.linkedin_provider_id)
        .BindView(14, d.country)
        .BindView(15, d.time_zone)
        .BindView(16, custom_json)
        .Bind(17, id.value())
        .Bind(18, now);
    Status inserted = insert->Run();
    insert->Reset();
    TRY(inserted);
    int64_t contact_id = 0;
    RowOutcome outcome;
    if (db.Changes() > 0) {
      contact_id = db.LastInsertId();
      outcome = RowOutcome::kImported;
      if (first_created == 0 || contact_id != last_created + 1) {
        TRY(add_created());  // ids not consecutive (rowids ran out): start a new range
        first_created = contact_id;
      }
      last_created = contact_id;
    } else {
      ASSIGN_OR_RETURN(Statement * lookup, shared_.Query("contact-import-lookup"));
      lookup->Bind(1, workspace.value()).Bind(2, key);
      ASSIGN_OR_RETURN(bool exists, lookup->Step());
      if (!exists) return absl::InternalError("conflicting contact not found");
      contact_id = lookup->Int(0);
      const bool seen_in_this_import = lookup->Int(1) == id.value();
      lookup->Reset();
      if (seen_in_this_import) {
        outcome = RowOutcome::kDuplicateInFile;
      } else if (record.spec.policy == DuplicatePolicy::kSkip) {
        ASSIGN_OR_RETURN(Statement * mark, shared_.Query("contact-import-mark-seen"));
        TRY(mark->Bind(1, workspace.value()).Bind(2, contact_id).Bind(3, id.value()).Run());
        outcome = RowOutcome::kDuplicateExisting;
      } else {
        ASSIGN_OR_RETURN(Statement * update,
                         shared_.Query(record.spec.policy == DuplicatePolicy::kUpdate
                                           ? "contact-import-update"
                                           : "contact-import-fill-empty"));
        update->Bind(1, workspace.value()).Bind(2, contact_id);
        BindMutableColumns(*update, d, custom_json);
        TRY(update->Bind(13, id.value()).Bind(14, now).Run());
        outcome = RowOutcome::kUpdated;
      }
      // An existing contact matched by the file joins the list (a duplicate within the
      // file is already on it, from its first row).
      if (list && outcome != RowOutcome::kDuplicateInFile) {
        ASSIGN_OR_RETURN(Statement * member, shared_.Query("list-member-add"));
        TRY(member->Bind(1, workspace.value())
                .Bind(2, list->value())
                .Bind(3, contact_id)
                .Bind(4, now)
                .Run());
      }
    }
    switch (outcome) {
      case RowOutcome::kImported:
        ++delta.imported;
        break;
      case RowOutcome::kUpdated:
        ++delta.updated;
        break;
      case RowOutcome::kDuplicateInFile:
      case RowOutcome::kDuplicateExisting:
        ++delta.duplicates;
        break;
    }
    outcomes.push_back(outcome);
  }
  TRY(add_created());
  delta.rejected = batch.rejected;
  delta.suppressed = batch.suppressed;
  delta.total = static_cast<int64_t>(batch.rows.size()) + batch.rejected + batch.suppressed;

  ASSIGN_OR_RETURN(Statement * advance, shared_.Query("import-advance"));
  TRY(advance->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, delta.total)
          .Bind(4, delta.imported)
          .Bind(5, delta.updated)
          .Bind(6, delta.duplicates)
          .Bind(7, delta.suppressed)
          .Bind(8, delta.rejected)
          .Bind(9, batch.resume_offset)
          .Bind(10, batch.resume_line)
          .Bind(11, batch.report_bytes)
          .Bind(12, now)
          .Run());
  TRY(tx.Commit());
  return outcomes;
}

Status SqliteImportStore::Finish(WorkspaceId workspace, ImportId id, ImportStatus status,
                                 std::string_view error) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * finish, shared_.Query("import-finish"));
  TRY(finish->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, ToString(status))
          .Bind(4, error)
          .Bind(5, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::FailedPreconditionError(
        StrCat("import ", id.value(), " is not running (unknown or already finished)"));
  }
  return OkStatus();
}

}  // namespace cadent::storage::sqlite
