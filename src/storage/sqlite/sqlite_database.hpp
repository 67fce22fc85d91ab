// The embedded SQLite backend: opens (or creates) the database file, applies migrations,
// and serves every store over one connection.
#pragma once

#include <memory>
#include <string>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "storage/database.hpp"

namespace cadent::storage::sqlite {

struct SqliteOptions {
  std::string path;  // database file, or ":memory:"
  enum class Create { kIfMissing, kNever } create = Create::kIfMissing;
};

// Opens the database: WAL journal, foreign keys on, synchronous=FULL, applies pending
// migrations in one transaction each, and ensures the default workspace exists.
// Errors: kFailedPrecondition when the file is not a database, or its schema is newer than
// this binary ("upgrade cadent"); kNotFound when it is missing and Create::kNever.
// The clock stamps created/updated times and must outlive the database.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const SqliteOptions& options,
                                                     const Clock& clock);

// The newest schema version this binary knows.
int LatestSchemaVersion();

}  // namespace cadent::storage::sqlite
