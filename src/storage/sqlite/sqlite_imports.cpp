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
  return ReadImport(*select);
}

Result<ImportRecord> SqliteImportStore::Get(WorkspaceId workspace, ImportId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no import ", id.value()));
  return ReadImport(*select);
}

Result<std::optional<ImportRecord>> SqliteImportStore::FindByFingerprint(
    WorkspaceId workspace, std::string_view fingerprint) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("import-find-by-fingerprint"));
  select->Bind(1, workspace.value()).Bind(2, fingerprint);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<ImportRecord>();
  return std::optional<ImportRecord>(ReadImport(*select));
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
  // A batch need not be durable on its own: it commits together with the import's resume
  // position, so a batch lost to a power failure is simply read again on resume. Skipping
  // the per-commit fsync (synchronous=NORMAL in WAL mode keeps the database consistent)
  // is most of an import's wall time on slow disks. FULL is restored for everything else.
  TRY(db.Exec("PRAGMA synchronous=NORMAL"));
  struct RestoreFull {
    Connection& db;
    ~RestoreFull() { (void)db.Exec("PRAGMA synchronous=FULL"); }
  } restore_full{db};
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

  const int64_t now = shared_.NowUs();
  std::vector<RowOutcome> outcomes;
  outcomes.reserve(batch.rows.size());
  ImportCounts delta;
  for (const ImportRow& row : batch.rows) {
    const ContactData& d = row.contact;
    const std::string key = d.DedupeKey();
    if (key.empty()) {
      return absl::InvalidArgumentError(
          StrCat("line ", row.line, ": contact has no email, LinkedIn URL or phone"));
    }
    const std::string custom_json = EncodeCustomFields(d.custom_fields);
    ASSIGN_OR_RETURN(Statement * insert, shared_.Query("contact-insert"));
    // The row's strings outlive the statement's step: bind without copying.
    TRY(insert->Bind(1, workspace.value())
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
            .Bind(18, now)
            .Run());
    int64_t contact_id = 0;
    RowOutcome outcome;
    if (db.Changes() > 0) {
      contact_id = db.LastInsertId();
      outcome = RowOutcome::kImported;
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
    }
    if (record.spec.list) {
      ASSIGN_OR_RETURN(Statement * member, shared_.Query("list-member-add"));
      TRY(member->Bind(1, workspace.value())
              .Bind(2, record.spec.list->value())
              .Bind(3, contact_id)
              .Bind(4, now)
              .Run());
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
