#include "storage/import_store.hpp"

namespace cadent {

std::string_view ToString(DuplicatePolicy policy) {
  switch (policy) {
    case DuplicatePolicy::kSkip:
      return "skip";
    case DuplicatePolicy::kUpdate:
      return "update";
    case DuplicatePolicy::kFillEmpty:
      return "fill-empty";
  }
  return "skip";
}

std::optional<DuplicatePolicy> ParseDuplicatePolicy(std::string_view text) {
  for (auto p : {DuplicatePolicy::kSkip, DuplicatePolicy::kUpdate, DuplicatePolicy::kFillEmpty}) {
    if (text == ToString(p)) return p;
  }
  return std::nullopt;
}

std::string_view ToString(ImportStatus status) {
  switch (status) {
    case ImportStatus::kRunning:
      return "running";
    case ImportStatus::kCompleted:
      return "completed";
    case ImportStatus::kFailed:
      return "failed";
  }
  return "running";
}

std::optional<ImportStatus> ParseImportStatus(std::string_view text) {
  for (auto s : {ImportStatus::kRunning, ImportStatus::kCompleted, ImportStatus::kFailed}) {
    if (text == ToString(s)) return s;
  }
  return std::nullopt;
}

}  // namespace cadent
