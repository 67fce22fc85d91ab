#include "storage/sqlite/named_queries.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "core/common/strings.hpp"

namespace cadent::storage::sqlite {
namespace {

constexpr std::string_view kNameMarker = "-- name:";
constexpr std::string_view kMigrationPrefix = "migration_";

Status ParseQueries(const EmbeddedFile& file,
                    absl::flat_hash_map<std::string_view, std::string_view>& out) {
  std::string_view text = file.contents;
  size_t pos = text.find(kNameMarker);
  while (pos != std::string_view::npos) {
    const size_t name_begin = pos + kNameMarker.size();
    const size_t line_end = text.find('\n', name_begin);
    if (line_end == std::string_view::npos) {
      return absl::InvalidArgumentError(StrCat(file.name, ": query name without a body"));
    }
    const std::string_view name =
        ToStd(absl::StripAsciiWhitespace(ToAbsl(text.substr(name_begin, line_end - name_begin))));
    const size_t next = text.find(kNameMarker, line_end);
    const std::string_view body = ToStd(absl::StripAsciiWhitespace(
        ToAbsl(text.substr(line_end + 1, next == std::string_view::npos ? std::string_view::npos
                                                                        : next - line_end - 1))));
    if (name.empty() || body.empty()) {
      return absl::InvalidArgumentError(
          StrCat(file.name, ": empty query name or body near '", name, "'"));
    }
    if (!out.emplace(name, body).second) {
      return absl::InvalidArgumentError(StrCat(file.name, ": duplicate query '", name, "'"));
    }
    pos = next;
  }
  return OkStatus();
}

}  // namespace

Result<NamedQueries> NamedQueries::Parse(std::span<const EmbeddedFile> files) {
  NamedQueries result;
  for (const EmbeddedFile& file : files) {
    if (file.name.starts_with(kMigrationPrefix)) {
      const std::string_view rest = file.name.substr(kMigrationPrefix.size());
      int version = 0;
      if (rest.size() < 5 || rest[4] != '_' ||
          !absl::SimpleAtoi(ToAbsl(rest.substr(0, 4)), &version) || version <= 0) {
        return absl::InvalidArgumentError(
            StrCat(file.name, ": migrations are named migration_NNNN_description.sql"));
      }
      result.migrations_.push_back({version, file.name, file.contents});
    } else {
      TRY(ParseQueries(file, result.queries_));
    }
  }
  std::sort(result.migrations_.begin(), result.migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 0; i < result.migrations_.size(); ++i) {
    if (result.migrations_[i].version != static_cast<int>(i + 1)) {
      return absl::InvalidArgumentError(StrCat(
          result.migrations_[i].name, ": migration numbers must run 1, 2, 3... without gaps"));
    }
  }
  return result;
}

const NamedQueries& NamedQueries::Embedded() {
  static const NamedQueries* const queries = [] {
    Result<NamedQueries> parsed = Parse(EmbeddedSqlFiles());
    if (!parsed.ok()) {
      std::cerr << "cadent: embedded SQL is invalid: " << parsed.status() << "\n";
      std::abort();
    }
    return new NamedQueries(*std::move(parsed));
  }();
  return *queries;
}

std::string_view NamedQueries::Get(std::string_view name) const {
  auto it = queries_.find(name);
  if (it == queries_.end()) {
    std::cerr << "cadent: unknown named query '" << name << "'\n";
    std::abort();
  }
  return it->second;
}

}  // namespace cadent::storage::sqlite
