// Contact import from CSV: streams a file through the CSV reader, the contact rules and the
// suppression list into the store in atomic batches, resumable after a crash.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "storage/import_store.hpp"
#include "storage/list_store.hpp"
#include "storage/suppression_store.hpp"

namespace cadent {

struct ImportOptions {
  std::string path;                 // the CSV file
  std::optional<std::string> list;  // add every imported or matched contact to this list
                                    // (created when absent)
  std::vector<std::pair<std::string, std::string>> mappings;  // --map "Header=field"
  DuplicatePolicy policy = DuplicatePolicy::kSkip;
  std::string report_dir;  // where the error report CSV goes (created)
  bool again = false;      // import a file already imported, as a new import
  int batch_rows = 5000;   // rows per transaction
};

struct ImportProgress {
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  ImportCounts counts;
};

struct ImportResult {
  ImportRecord record;
  enum class Start { kNew, kResumed, kAlreadyImported } start = Start::kNew;
};

// Runs imports. Store calls are made from one writer thread; parsing and validation run on
// the calling thread, so a 2-core machine keeps both busy. Memory is bounded by a few
// batches in flight, whatever the file size.
class ContactImporter {
 public:
  ContactImporter(ImportStore& imports, ListStore& lists, SuppressionStore& suppression,
                  const Clock& clock)
      : imports_(imports), lists_(lists), suppression_(suppression), clock_(clock) {}

  // Imports `options.path` into the workspace.
  // - A file whose content was imported before (same fingerprint) is not imported again
  //   unless options.again: the earlier record is returned with Start::kAlreadyImported.
  // - An earlier import of the same file that was interrupted (still "running") is resumed
  //   from its last committed batch: nothing is applied twice.
  // - File-level problems (unreadable, empty, no usable header, no email/LinkedIn/phone
  //   column, duplicate or unknown --map columns) fail before anything is written:
  //   kInvalidArgument / kNotFound with a message naming the problem.
  // - Row-level problems reject the row (line and reason in the error report) and go on.
  // `on_progress` is called after each committed batch, from the writer thread.
  Result<ImportResult> Run(WorkspaceId workspace, const ImportOptions& options,
                           const std::function<void(const ImportProgress&)>& on_progress = {});

 private:
  ImportStore& imports_;
  ListStore& lists_;
  SuppressionStore& suppression_;
  const Clock& clock_;
};

// The BLAKE2b-256 hex digest of a file's content: how an import recognises a file again.
Result<std::string> FingerprintFile(const std::string& path);

}  // namespace cadent
