// SQL files compiled into the binary (cmake/EmbedFiles.cmake): migrations and named queries.
#pragma once

#include <span>

#include "core/common/embedded_file.hpp"

namespace cadent::storage::sqlite {

using EmbeddedFile = ::cadent::EmbeddedFile;

// Every file of src/storage/sqlite/sql/, sorted by name.
std::span<const EmbeddedFile> EmbeddedSqlFiles();

}  // namespace cadent::storage::sqlite
