// Thin RAII wrappers over the SQLite C API: a connection, prepared statements and
// transactions, with errors mapped onto Status codes.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/common/result.hpp"

namespace cadent::storage::sqlite {

// A prepared statement. Bind parameters are 1-based, columns 0-based (as in SQLite).
// Not thread-safe: owned by a Connection, used under its owner's lock.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);  // copied (SQLITE_TRANSIENT)
  // Not copied (SQLITE_STATIC): `value` must stay alive and unchanged until the statement
  // is stepped to completion and Reset. For hot loops over data the caller owns.
  Statement& BindView(int index, std::string_view value);
  Statement& BindNull(int index);
  Statement& BindOptional(int index, std::optional<int64_t> value);

  // Runs one step: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();
  // Clears bindings and rewinds, ready for reuse.
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string_view TextView(int column) const;  // valid until the next Step/Reset
  bool IsNull(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  friend class Connection;
  sqlite3_stmt* stmt_;
  sqlite3* db() const;
};

// One SQLite connection with a cache of prepared statements keyed by query name.
// Not thread-safe: callers serialise access.
class Connection {
 public:
  // Opens (creating when absent unless kMustExist) the database file; ":memory:" works.
  enum class OpenMode { kCreate, kMustExist };
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, OpenMode mode);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without results (pragmas, DDL, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // PRAGMA synchronous, set only when it changes. kFull (the default of a cadent
  // connection) makes every commit survive a power loss; kNormal survives a crash of the
  // process but a power loss may undo the latest commits (WAL: the fsync moves to the next
  // full commit or checkpoint, and commits stay atomic and in order).
  enum class Synchronous { kNormal, kFull };
  Status SetSynchronous(Synchronous level);
  Synchronous synchronous() const { return synchronous_; }
  // A cached statement for `sql`, reset and ready to bind. The key is the SQL text's
  // address-independent name, so callers pass the named query.
  Result<Statement*> Prepare(std::string_view name, std::string_view sql);
  int64_t LastInsertId() const;
  int Changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  Synchronous synchronous_ = Synchronous::kFull;
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> statements_;
};

// Maps an SQLite result code to a Status: constraint -> kAlreadyExists or
// kFailedPrecondition, busy/locked -> kUnavailable, others -> kInternal.
Status SqliteError(sqlite3* db, int code, std::string_view context);

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& connection);
  // A transaction whose commit is crash-safe only: synchronous=NORMAL for it (see
  // Connection::SetSynchronous; SQLite allows the change only outside a transaction), for
  // writes that recovery can redo when a power loss undoes them. A later full commit makes
  // them durable too.
  static Result<Transaction> BeginCrashSafe(Connection& connection);
  Transaction(Transaction&& other) noexcept
      : connection_(other.connection_), restore_(other.restore_) {
    other.connection_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  Transaction(Connection* connection, std::optional<Connection::Synchronous> restore)
      : connection_(connection), restore_(restore) {}
  Status Restore();
  Connection* connection_;
  std::optional<Connection::Synchronous> restore_;  // the level to set back after the end
};

}  // namespace cadent::storage::sqlite
