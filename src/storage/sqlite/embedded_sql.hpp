// SQL files compiled into the binary (cmake/EmbedFiles.cmake): migrations and named queries.
#pragma once

#include <span>
#include <string_view>

namespace cadent::storage::sqlite {

struct EmbeddedFile {
  std::string_view name;      // file name, e.g. "0001_init.sql"
  std::string_view contents;  // the file's text
};

// Every file of src/storage/sqlite/sql/, sorted by name.
std::span<const EmbeddedFile> EmbeddedSqlFiles();

}  // namespace cadent::storage::sqlite
