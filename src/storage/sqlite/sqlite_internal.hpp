// Shared state and row decoding for the SQLite stores (private to storage/sqlite).
#pragma once

#include <memory>
#include <mutex>

#include "core/common/clock.hpp"
#include "core/contacts/contact.hpp"
#include "core/contacts/suppression.hpp"
#include "storage/import_store.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/named_queries.hpp"

namespace cadent::storage::sqlite {

// One connection shared by every store of a database, serialised by `mutex` (std::mutex so
// ThreadSanitizer sees it). SQLite in WAL mode allows one writer at a time anyway; the
// engine issue will add reader connections.
struct Shared {
  Shared(std::unique_ptr<Connection> c, const Clock& k) : connection(std::move(c)), clock(k) {}
  std::mutex mutex;
  std::unique_ptr<Connection> connection;  // guarded by mutex
  const Clock& clock;

  // The cached statement for a named query (caller holds mutex).
  Result<Statement*> Query(std::string_view name) {
    return connection->Prepare(name, NamedQueries::Embedded().Get(name));
  }
  int64_t NowUs() const { return ToUnixMicros(clock.Now()); }
};

// The connection settings of one bulk write (an import batch, a launch's enrollments),
// set before its transaction begins and restored by the destructor after it ends, whatever
// the exit path. The caller must keep the promises these settings drop:
// - synchronous=NORMAL: the batch need not be durable on its own. An import batch commits
//   with its resume position and a launch's enrollments before the campaign's status
//   change, which is written with FULL and so makes every earlier WAL frame durable; a
//   batch lost to a power failure is simply written again on resume (WAL stays consistent).
// - ignore_check_constraints=ON: CHECKs like `status IN (...)` cost more than the rest of
//   an insert (SQLite builds a temporary index for the list on every row). The writer
//   must write only values that satisfy them (enums spelled by ToString, JSON it encoded).
// - foreign_keys=OFF: the writer checks every parent itself inside the transaction, once
//   per batch, or knows it was just inserted or found in it.
class BulkWriteSession {
 public:
  static Result<BulkWriteSession> Begin(Connection& db) {
    int foreign_keys = 1;
    sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_ENABLE_FKEY, -1, &foreign_keys);
    BulkWriteSession session(db, foreign_keys != 0);
    TRY(db.SetSynchronous(Connection::Synchronous::kNormal));
    TRY(
        db.Exec("PRAGMA ignore_check_constraints=ON; PRAGMA foreign_keys=OFF; "
                "PRAGMA wal_autocheckpoint=16384"));
    return session;
  }
  BulkWriteSession(BulkWriteSession&& other) noexcept
      : db_(other.db_), foreign_keys_(other.foreign_keys_) {
    other.db_ = nullptr;
  }
  BulkWriteSession& operator=(BulkWriteSession&&) = delete;
  ~BulkWriteSession() {
    if (db_ == nullptr) return;
    (void)db_->Exec(foreign_keys_ ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
    (void)db_->SetSynchronous(Connection::Synchronous::kFull);
    (void)db_->Exec("PRAGMA ignore_check_constraints=OFF; PRAGMA wal_autocheckpoint=1000");
  }

 private:
  BulkWriteSession(Connection& db, bool foreign_keys) : db_(&db), foreign_keys_(foreign_keys) {}
  Connection* db_;
  bool foreign_keys_;
};

// Custom fields <-> JSON object text.
std::string EncodeCustomFields(const std::map<std::string, std::string>& fields);
std::map<std::string, std::string> DecodeCustomFields(std::string_view json);

// Decodes a row in the column order of the contact-* selects, starting at column `base`
// (joins put other columns first).
Contact ReadContact(const Statement& row, int base = 0);
// Decodes a row of the suppression-* selects.
SuppressionEntry ReadSuppression(const Statement& row);
std::string_view ToSql(SuppressionKind kind);

}  // namespace cadent::storage::sqlite
