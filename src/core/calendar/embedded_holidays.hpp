// The holiday files of data/holidays/ compiled into the binary (cmake/EmbedFiles.cmake).
#pragma once

#include <span>

#include "core/common/embedded_file.hpp"

namespace cadent::calendar {

// Every data/holidays/<CC>.tsv, sorted by name.
std::span<const EmbeddedFile> EmbeddedHolidayFiles();

}  // namespace cadent::calendar
