#include "storage/sqlite/connection.hpp"

#include "core/common/strings.hpp"

namespace cadent::storage::sqlite {

Status SqliteError(sqlite3* db, int code, std::string_view context) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  const std::string message = context.empty() ? detail : StrCat(context, ": ", detail);
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

sqlite3* Statement::db() const { return sqlite3_db_handle(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindView(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::BindOptional(int index, std::optional<int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Extended code for constraint kinds.
  return SqliteError(db(), sqlite3_extended_errcode(db()), sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::TextView(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::Text(int column) const { return std::string(TextView(column)); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, OpenMode mode) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::kCreate) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, StrCat("cannot open database '", path, "'"));
    sqlite3_close(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  statements_.clear();  // finalize before close
  sqlite3_close(db_);
}

Status Connection::Exec(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    // sqlite3_exec's message is SQLite's whole explanation: keep it, without the generic
    // text for the code after it.
    Status status = SqliteError(nullptr, sqlite3_extended_errcode(db_), "");
    if (error != nullptr) status = Status(status.code(), error);
    sqlite3_free(error);
    return status;
  }
  return OkStatus();
}

Result<Statement*> Connection::Prepare(std::string_view name, std::string_view sql) {
  auto it = statements_.find(ToAbsl(name));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return SqliteError(db_, rc, StrCat("preparing query '", name, "'"));
    }
    it = statements_.emplace(std::string(name), std::make_unique<Statement>(stmt)).first;
  }
  it->second->Reset();
  return it->second.get();
}

int64_t Connection::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

Result<Transaction> Transaction::Begin(Connection& connection) {
  TRY(connection.Exec("BEGIN IMMEDIATE"));
  return Transaction(&connection, std::nullopt);
}

Result<Transaction> Transaction::BeginCrashSafe(Connection& connection) {
  const Connection::Synchronous before = connection.synchronous();
  TRY(connection.SetSynchronous(Connection::Synchronous::kNormal));
  if (Status begun = connection.Exec("BEGIN IMMEDIATE"); !begun.ok()) {
    (void)connection.SetSynchronous(before);
    return begun;
  }
  return Transaction(&connection, before);
}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  (void)connection_->Exec("ROLLBACK");
  (void)Restore();
}

Status Transaction::Commit() {
  TRY(connection_->Exec("COMMIT"));
  const Status restored = Restore();
  connection_ = nullptr;
  return restored;
}

Status Transaction::Restore() {
  if (!restore_) return OkStatus();
  return connection_->SetSynchronous(*restore_);
}

Status Connection::SetSynchronous(Synchronous level) {
  if (level == synchronous_) return OkStatus();
  TRY(Exec(level == Synchronous::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  synchronous_ = level;
  return OkStatus();
}

}  // namespace cadent::storage::sqlite
