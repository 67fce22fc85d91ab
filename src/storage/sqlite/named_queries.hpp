// Named SQL: queries live in sql/*.sql under `-- name: NAME` headers, are compiled into the
// binary, and are looked up by name; migrations are the sql/migration_NNNN_*.sql files.
#pragma once

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/common/result.hpp"
#include "storage/sqlite/embedded_sql.hpp"

namespace cadent::storage::sqlite {

struct Migration {
  int version;  // NNNN of migration_NNNN_description.sql
  std::string_view name;
  std::string_view sql;
};

class NamedQueries {
 public:
  // Parses the files. kInvalidArgument for a duplicate name, an empty query, or a
  // migration file whose number is missing or repeated.
  static Result<NamedQueries> Parse(std::span<const EmbeddedFile> files);
  // The queries compiled into this binary (parsed once; a bad file is a build bug and
  // aborts at start, caught by the unit tests).
  static const NamedQueries& Embedded();

  // The SQL of a named query. Asserts the name exists: names are compile-time constants
  // of the store code, checked by the tests.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const { return queries_.contains(name); }
  const std::vector<Migration>& migrations() const { return migrations_; }

 private:
  absl::flat_hash_map<std::string_view, std::string_view> queries_;
  std::vector<Migration> migrations_;  // ascending version, 1..N without gaps
};

}  // namespace cadent::storage::sqlite
