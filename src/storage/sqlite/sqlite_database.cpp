#include "storage/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <vector>

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"
#include "storage/sqlite/sqlite_internal.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {

namespace {

// A JSON string literal. The text is valid UTF-8 (BuildContact guarantees it), so only the
// characters JSON requires are escaped.
void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          constexpr char kHex[] = "0123456789abcdef";
          *out += "\\u00";
          out->push_back(kHex[static_cast<unsigned char>(c) >> 4]);
          out->push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace

// Written by hand rather than through a json object: it runs once per imported row, and
// building the object tree was a tenth of an import's writer time.
std::string EncodeCustomFields(const std::map<std::string, std::string>& fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(name, &out);
    out.push_back(':');
    AppendJsonString(value, &out);
  }
  out.push_back('}');
  return out;
}

std::map<std::string, std::string> DecodeCustomFields(std::string_view json) {
  std::map<std::string, std::string> fields;
  const nlohmann::json object = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return fields;
  for (const auto& [name, value] : object.items()) {
    fields[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return fields;
}

Contact ReadContact(const Statement& row, int base) {
  Contact c;
  c.id = ContactId(row.Int(base + 0));
  c.workspace_id = WorkspaceId(row.Int(base + 1));
  ContactData& d = c.data;
  d.email = row.Text(base + 2);
  d.email_normalized = row.Text(base + 3);
  d.email_domain = row.Text(base + 4);
  d.registrable_domain = row.Text(base + 5);
  d.first_name = row.Text(base + 6);
  d.last_name = row.Text(base + 7);
  d.company = row.Text(base + 8);
  d.title = row.Text(base + 9);
  d.phone = row.Text(base + 10);
  d.linkedin_url = row.Text(base + 11);
  d.linkedin_provider_id = row.Text(base + 12);
  d.country = row.Text(base + 13);
  d.time_zone = row.Text(base + 14);
  d.custom_fields = DecodeCustomFields(row.TextView(base + 15));
  // The CHECK constraint admits only known statuses.
  c.status = ParseContactStatus(row.TextView(base + 16)).value_or(ContactStatus::kActive);
  c.created_at = FromUnixMicros(row.Int(base + 17));
  c.updated_at = FromUnixMicros(row.Int(base + 18));
  return c;
}

std::string_view ToSql(SuppressionKind kind) {
  return kind == SuppressionKind::kEmail ? "email" : "domain";
}

SuppressionEntry ReadSuppression(const Statement& row) {
  SuppressionEntry e;
  e.id = SuppressionId(row.Int(0));
  if (!row.IsNull(1)) e.workspace = WorkspaceId(row.Int(1));
  e.kind = row.TextView(2) == "email" ? SuppressionKind::kEmail : SuppressionKind::kDomain;
  e.value = row.Text(3);
  e.reason = row.Text(4);
  e.created_at = FromUnixMicros(row.Int(5));
  return e;
}

int LatestSchemaVersion() { return static_cast<int>(NamedQueries::Embedded().migrations().size()); }

namespace {

class SqliteWorkspaceStore final : public WorkspaceStore {
 public:
  explicit SqliteWorkspaceStore(Shared& shared) : shared_(shared) {}

  Result<Workspace> Create(std::string_view name) override {
    if (name.empty()) return absl::InvalidArgumentError("workspace name is empty");
    std::lock_guard lock(shared_.mutex);
    ASSIGN_OR_RETURN(Statement * insert, shared_.Query("workspace-insert"));
    const int64_t now = shared_.NowUs();
    TRY(insert->Bind(1, name).Bind(2, now).Run());
    return Workspace{WorkspaceId(shared_.connection->LastInsertId()), std::string(name),
                     FromUnixMicros(now), ""};
  }

  Result<Workspace> Get(WorkspaceId id) override {
    std::lock_guard lock(shared_.mutex);
    ASSIGN_OR_RETURN(Statement * select, shared_.Query("workspace-get"));
    select->Bind(1, id.value());
    ASSIGN_OR_RETURN(bool found, select->Step());
    if (!found) return absl::NotFoundError(StrCat("no workspace ", id.value()));
    Workspace workspace = Read(*select);
    select->Reset();  // a statement left on a row keeps a read transaction open
    return workspace;
  }

  Status SetPostalAddress(WorkspaceId id, std::string_view address) override {
    std::lock_guard lock(shared_.mutex);
    ASSIGN_OR_RETURN(Statement * update, shared_.Query("workspace-set-postal-address"));
    TRY(update->Bind(1, id.value()).Bind(2, address).Run());
    if (shared_.connection->Changes() == 0) {
      return absl::NotFoundError(StrCat("no workspace ", id.value()));
    }
    return OkStatus();
  }

  Result<std::string> WebhookSecret(WorkspaceId id, std::string_view candidate) override {
    if (candidate.empty()) return absl::InvalidArgumentError("empty webhook secret");
    return SecretMadeOnce(id, candidate, "workspace-webhook-secret",
                          "workspace-webhook-secret-if-empty");
  }

  Result<std::string> TrackingKey(WorkspaceId id, std::string_view candidate) override {
    return SecretMadeOnce(id, candidate, "workspace-tracking-key",
                          "workspace-tracking-key-if-empty");
  }

 private:
  // A per-workspace secret made on first use: read first, so that only the very first call
  // writes (and takes the write lock); "" stays "" when there is no candidate. The second
  // query writes the candidate only where the column is still empty (first write wins).
  Result<std::string> SecretMadeOnce(WorkspaceId id, std::string_view candidate,
                                     std::string_view select_query, std::string_view set_query) {
    std::lock_guard lock(shared_.mutex);
    const auto read = [&]() -> Result<std::string> {
      ASSIGN_OR_RETURN(Statement * select, shared_.Query(select_query));
      select->Bind(1, id.value());
      ASSIGN_OR_RETURN(bool found, select->Step());
      if (!found) return absl::NotFoundError(StrCat("no workspace ", id.value()));
      std::string secret = select->Text(0);
      select->Reset();
      return secret;
    };
    ASSIGN_OR_RETURN(std::string secret, read());
    if (!secret.empty() || candidate.empty()) return secret;
    ASSIGN_OR_RETURN(Statement * set, shared_.Query(set_query));
    TRY(set->Bind(1, id.value()).Bind(2, candidate).Run());
    return read();
  }

 public:
  Result<std::vector<Workspace>> List() override {
    std::lock_guard lock(shared_.mutex);
    ASSIGN_OR_RETURN(Statement * select, shared_.Query("workspace-list"));
    std::vector<Workspace> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      out.push_back(Read(*select));
    }
    return out;
  }

 private:
  static Workspace Read(const Statement& row) {
    return Workspace{WorkspaceId(row.Int(0)), row.Text(1), FromUnixMicros(row.Int(2)), row.Text(3)};
  }
  Shared& shared_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::unique_ptr<Connection> connection, const Clock& clock)
      : shared_(std::move(connection), clock),
        workspaces_(shared_),
        contacts_(shared_),
        lists_(shared_),
        suppression_(shared_),
        imports_(shared_),
        templates_(shared_),
        campaigns_(shared_),
        senders_(shared_),
        engine_(shared_) {}

  WorkspaceStore& workspaces() override { return workspaces_; }
  ContactStore& contacts() override { return contacts_; }
  ListStore& lists() override { return lists_; }
  SuppressionStore& suppression() override { return suppression_; }
  ImportStore& imports() override { return imports_; }
  TemplateStore& templates() override { return templates_; }
  CampaignStore& campaigns() override { return campaigns_; }
  SenderStore& senders() override { return senders_; }
  EngineStore& engine() override { return engine_; }

  Result<DatabaseStatus> Status() override {
    std::lock_guard lock(shared_.mutex);
    DatabaseStatus status;
    status.backend = "sqlite";
    status.location = shared_.connection->path();
    status.latest_schema_version = LatestSchemaVersion();
    ASSIGN_OR_RETURN(Statement * version, shared_.Query("schema-version"));
    ASSIGN_OR_RETURN(bool has_version, version->Step());
    if (has_version) status.schema_version = static_cast<int>(version->Int(0));
    version->Reset();
    ASSIGN_OR_RETURN(Statement * counts, shared_.Query("status-counts"));
    ASSIGN_OR_RETURN(bool has_counts, counts->Step());
    if (has_counts) {
      status.workspaces = counts->Int(0);
      status.contacts = counts->Int(1);
    }
    counts->Reset();
    return status;
  }

  // Brings the schema up to date and ensures the default workspace. Checks first without a
  // write lock, so opening a current database never waits behind a writer (an import);
  // when there is work, takes the write lock (BEGIN IMMEDIATE) and checks again, so two
  // processes opening a new database at once migrate it exactly once.
  cadent::Status Migrate() {
    std::lock_guard lock(shared_.mutex);
    Connection& db = *shared_.connection;
    const int latest = LatestSchemaVersion();
    ASSIGN_OR_RETURN(bool ready, IsCurrent(latest));
    if (ready) return OkStatus();
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    TRY(
        db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at_us INTEGER NOT NULL)"));
    ASSIGN_OR_RETURN(int current, CurrentVersion());
    for (const Migration& m : NamedQueries::Embedded().migrations()) {
      if (m.version <= current) continue;
      cadent::Status applied = db.Exec(m.sql);
      if (!applied.ok()) {
        return absl::InternalError(StrCat("migration ", m.name, " failed: ", applied.message()));
      }
      ASSIGN_OR_RETURN(Statement * record,
                       db.Prepare("record-migration",
                                  "INSERT INTO schema_migrations (version, name, applied_at_us) "
                                  "VALUES (?1, ?2, ?3)"));
      TRY(record->Bind(1, m.version).Bind(2, m.name).Bind(3, shared_.NowUs()).Run());
    }
    ASSIGN_OR_RETURN(Statement * ensure, shared_.Query("workspace-ensure-default"));
    TRY(ensure->Bind(1, shared_.NowUs()).Run());
    return tx.Commit();
  }

  // Makes status_transitions hold exactly this binary's state-machine tables (the triggers
  // check every status change against it). Reads first; writes only when they differ, so
  // opening a database never waits for a writer unless the tables changed.
  cadent::Status SyncTransitions() {
    std::vector<std::tuple<std::string, std::string, std::string>> want;
    auto add_machine = [&want](std::string_view machine, auto initial, auto changes) {
      for (const auto status : initial) {
        want.emplace_back(machine, "", sequence::ToString(status));
      }
      for (const auto& [from, to] : changes) {
        want.emplace_back(machine, sequence::ToString(from), sequence::ToString(to));
      }
    };
    add_machine("campaign", sequence::kInitialCampaignStatuses,
                sequence::AllowedChanges(sequence::CampaignStatus{}));
    add_machine("enrollment", sequence::kInitialEnrollmentStatuses,
                sequence::AllowedChanges(sequence::EnrollmentStatus{}));
    add_machine("message", sequence::kInitialMessageStatuses,
                sequence::AllowedChanges(sequence::MessageStatus{}));
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());

    // Inserts are checked by triggers written from the initial statuses themselves: a
    // comparison per row, where a lookup in status_transitions costs a subprogram per row
    // (most of an enrollment's insert at launch).
    std::vector<std::pair<std::string, std::string>> insert_triggers;
    auto insert_trigger = [&insert_triggers](std::string_view table, std::string_view machine,
                                             auto initial) {
      std::string when;
      for (const auto status : initial) {
        when +=
            StrCat(when.empty() ? "" : " AND ", "NEW.status <> '", sequence::ToString(status), "'");
      }
      const std::string name = StrCat(table, "_status_insert");
      insert_triggers.emplace_back(
          name, StrCat("CREATE TRIGGER ", name, " BEFORE INSERT ON ", table, " WHEN ", when,
                       " BEGIN SELECT RAISE(ABORT, 'invalid initial ", machine, " status'); END"));
    };
    insert_trigger("campaigns", "campaign", sequence::kInitialCampaignStatuses);
    insert_trigger("enrollments", "enrollment", sequence::kInitialEnrollmentStatuses);
    insert_trigger("messages", "message", sequence::kInitialMessageStatuses);

    std::lock_guard lock(shared_.mutex);
    bool triggers_current = true;
    for (const auto& [name, sql] : insert_triggers) {
      ASSIGN_OR_RETURN(Statement * current, shared_.Query("trigger-sql"));
      current->Bind(1, name);
      ASSIGN_OR_RETURN(bool found, current->Step());
      if (!found || current->TextView(0) != sql) triggers_current = false;
      current->Reset();
    }
    if (!triggers_current) {
      ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
      for (const auto& [name, sql] : insert_triggers) {
        TRY(shared_.connection->Exec(StrCat("DROP TRIGGER IF EXISTS ", name)));
        TRY(shared_.connection->Exec(sql));
      }
      TRY(tx.Commit());
    }
    ASSIGN_OR_RETURN(Statement * all, shared_.Query("status-transitions-all"));
    std::vector<std::tuple<std::string, std::string, std::string>> have;
    while (true) {
      ASSIGN_OR_RETURN(bool row, all->Step());
      if (!row) break;
      have.emplace_back(all->Text(0), all->Text(1), all->Text(2));
    }
    if (have == want) return OkStatus();
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
    ASSIGN_OR_RETURN(Statement * clear, shared_.Query("status-transitions-clear"));
    TRY(clear->Run());
    for (const auto& [machine, from, to] : want) {
      ASSIGN_OR_RETURN(Statement * insert, shared_.Query("status-transition-insert"));
      TRY(insert->Bind(1, machine).Bind(2, from).Bind(3, to).Run());
    }
    return tx.Commit();
  }

 private:
  // The applied schema version; 0 for a new database. Caller holds the mutex.
  Result<int> CurrentVersion() {
    Connection& db = *shared_.connection;
    ASSIGN_OR_RETURN(Statement * has_table,
                     db.Prepare("has-migrations-table",
                                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'schema_migrations'"));
    ASSIGN_OR_RETURN(bool row, has_table->Step());
    const bool exists = row && has_table->Int(0) > 0;
    has_table->Reset();
    if (!exists) return 0;
    ASSIGN_OR_RETURN(Statement * version, shared_.Query("schema-version"));
    ASSIGN_OR_RETURN(bool has_row, version->Step());
    const int current = has_row ? static_cast<int>(version->Int(0)) : 0;
    version->Reset();
    return current;
  }

  // Whether the schema is at `latest` and the default workspace exists (reads only).
  // kFailedPrecondition when the database is newer than this binary.
  Result<bool> IsCurrent(int latest) {
    ASSIGN_OR_RETURN(int current, CurrentVersion());
    if (current > latest) {
      return absl::FailedPreconditionError(
          StrCat("database '", shared_.connection->path(), "' has schema version ", current,
                 ", newer than this cadent (", latest, "); upgrade cadent to open it"));
    }
    if (current < latest) return false;
    ASSIGN_OR_RETURN(Statement * workspace, shared_.Query("workspace-get"));
    workspace->Bind(1, kDefaultWorkspace.value());
    ASSIGN_OR_RETURN(bool found, workspace->Step());
    workspace->Reset();
    return found;
  }

  Shared shared_;
  SqliteWorkspaceStore workspaces_;
  SqliteContactStore contacts_;
  SqliteListStore lists_;
  SqliteSuppressionStore suppression_;
  SqliteImportStore imports_;
  SqliteTemplateStore templates_;
  SqliteCampaignStore campaigns_;
  SqliteSenderStore senders_;
  SqliteEngineStore engine_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const SqliteOptions& options,
                                                     const Clock& clock) {
  const bool memory = options.path == ":memory:";
  if (!memory && options.create == SqliteOptions::Create::kNever &&
      !std::filesystem::exists(options.path)) {
    return absl::NotFoundError(StrCat("database '", options.path, "' does not exist"));
  }
  ASSIGN_OR_RETURN(auto connection,
                   Connection::Open(options.path, options.create == SqliteOptions::Create::kNever
                                                      ? Connection::OpenMode::kMustExist
                                                      : Connection::OpenMode::kCreate));
  // The busy timeout comes first: switching to WAL needs a lock another process may hold.
  // journal_mode answers with a row; Exec ignores it. A file that is not a database fails
  // here with SQLITE_NOTADB (kFailedPrecondition); a busy one stays kUnavailable.
  Status pragmas = connection->Exec(
      "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
      "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
  if (!pragmas.ok()) {
    return Status(pragmas.code(), StrCat("cannot use '", options.path,
                                         "' as a cadent database: ", pragmas.message()));
  }
  auto database = std::make_unique<SqliteDatabase>(std::move(connection), clock);
  TRY(database->Migrate());
  TRY(database->SyncTransitions());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace cadent::storage::sqlite
