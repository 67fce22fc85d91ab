// Contact imports: the record of one file's import, and the atomic batch commit that makes
// an interrupted import resumable without applying anything twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"

namespace cadent {

// What to do when a row's contact already exists in the workspace (from an earlier import
// or the API). A second row for the same contact in the same file is always a duplicate
// and never applied: the first row of a file wins.
enum class DuplicatePolicy {
  kSkip,       // leave the existing contact as it is
  kUpdate,     // non-empty values from the file overwrite the stored ones
  kFillEmpty,  // values from the file fill only fields that are empty in the store
};
std::string_view ToString(DuplicatePolicy policy);
std::optional<DuplicatePolicy> ParseDuplicatePolicy(
    std::string_view text);  // skip, update, fill-empty

enum class ImportStatus { kRunning, kCompleted, kFailed };
std::string_view ToString(ImportStatus status);
std::optional<ImportStatus> ParseImportStatus(std::string_view text);

struct ImportCounts {
  int64_t total = 0;       // data rows read (= the sum of the five below)
  int64_t imported = 0;    // new contacts
  int64_t updated = 0;     // existing contacts changed by the policy
  int64_t duplicates = 0;  // rows not applied: same contact earlier in the file, or policy skip
  int64_t suppressed = 0;  // rows whose address or domain is suppressed: never stored
  int64_t rejected = 0;    // invalid rows (reasons in the error report)
  friend bool operator==(const ImportCounts&, const ImportCounts&) = default;
};

struct ImportSpec {
  std::string file_name;    // as given by the user
  std::string fingerprint;  // content hash: the same file is recognised on a re-run
  int64_t file_size = 0;
  std::optional<ListId> list;
  DuplicatePolicy policy = DuplicatePolicy::kSkip;
  std::string options_json = "{}";  // column mapping and options, for the record
  std::string report_path;          // error-report CSV
};

struct ImportRecord {
  ImportId id;
  WorkspaceId workspace_id;
  ImportSpec spec;
  ImportStatus status = ImportStatus::kRunning;
  ImportCounts counts;
  // Where the next batch starts: a record boundary of the file, its line number, and the
  // error report's committed length. Advanced atomically with each batch.
  int64_t resume_offset = 0;
  int64_t resume_line = 0;
  int64_t report_bytes = 0;
  std::string error;
  Instant created_at;
  Instant updated_at;
  std::optional<Instant> finished_at;
};

struct ImportRow {
  int64_t line = 0;  // line of the file where the row starts, for reports
  ContactData contact;
};

// One batch of an import: the rows to store, the rows counted without storing (rejected or
// suppressed, already written to the report) and the position after the batch.
struct ImportBatch {
  std::vector<ImportRow> rows;
  int64_t rejected = 0;
  int64_t suppressed = 0;
  int64_t resume_offset = 0;
  int64_t resume_line = 0;
  int64_t report_bytes = 0;
};

enum class RowOutcome { kImported, kUpdated, kDuplicateInFile, kDuplicateExisting };

// Thread-safe; every method filters by workspace. Errors: kNotFound, kFailedPrecondition
// (the import is not running), kInvalidArgument, kUnavailable.
class ImportStore {
 public:
  virtual ~ImportStore() = default;
  virtual Result<ImportRecord> Create(WorkspaceId workspace, const ImportSpec& spec) = 0;
  virtual Result<ImportRecord> Get(WorkspaceId workspace, ImportId id) = 0;
  // The newest import of a file with this fingerprint, if any.
  virtual Result<std::optional<ImportRecord>> FindByFingerprint(WorkspaceId workspace,
                                                                std::string_view fingerprint) = 0;
  virtual Result<std::vector<ImportRecord>> List(WorkspaceId workspace, int limit) = 0;
  // In one transaction: stores each row's contact by the import's duplicate policy, adds
  // every stored or matched contact to the import's list, adds the batch to the counts and
  // moves the resume position. Either all of it happens or none. Returns one outcome per row.
  virtual Result<std::vector<RowOutcome>> CommitBatch(WorkspaceId workspace, ImportId id,
                                                      const ImportBatch& batch) = 0;
  // Ends a running import: kCompleted or kFailed with a reason.
  virtual Status Finish(WorkspaceId workspace, ImportId id, ImportStatus status,
                        std::string_view error) = 0;
};

}  // namespace cadent
