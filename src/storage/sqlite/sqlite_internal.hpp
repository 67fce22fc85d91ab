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
