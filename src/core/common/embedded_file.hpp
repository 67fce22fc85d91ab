// A file compiled into the binary by cmake/EmbedFiles.cmake (SQL, holiday data).
#pragma once

#include <string_view>

namespace cadent {

struct EmbeddedFile {
  std::string_view name;      // file name without directory, e.g. "0001_init.sql"
  std::string_view contents;  // the file's bytes
};

}  // namespace cadent
