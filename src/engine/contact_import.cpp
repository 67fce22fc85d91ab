#include "engine/contact_import.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "absl/strings/escaping.h"
#include "core/common/bounded_queue.hpp"
#include "core/common/strings.hpp"
#include "core/contacts/field_map.hpp"
#include "core/contacts/normalize.hpp"
#include "core/csv/csv_reader.hpp"
#include "core/csv/csv_writer.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

Status ErrnoError(std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(errno, StrCat(what, " '", path, "'"));
}

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

// A batch on its way from the parsing thread to the writer thread.
struct PendingBatch {
  ImportBatch batch;
  std::string report;  // error-report lines for this batch's rejected and suppressed rows
};

// A batch of CSV records as read, owned (a Record's fields point into the reader's buffer,
// valid only until its next record): the reading thread fills it, a worker turns it into a
// PendingBatch.
class RawBatch {
 public:
  void Add(const csv::Record& record) {
    records_.push_back(Entry{record.line, record.end_offset, record.next_line, spans_.size(),
                             record.fields.size(), record.error});
    for (std::string_view field : record.fields) {
      spans_.emplace_back(text_.size(), field.size());
      text_.append(field);
    }
  }
  size_t Size() const { return records_.size(); }

  // Calls `add(record)` for each record in order, with the record's fields viewing this
  // batch's text.
  template <typename F>
  void ForEach(F&& add) const {
    csv::Record record;
    for (const Entry& entry : records_) {
      record.line = entry.line;
      record.end_offset = entry.end_offset;
      record.next_line = entry.next_line;
      record.error = entry.error;
      record.fields.clear();
      for (size_t i = 0; i < entry.field_count; ++i) {
        const auto [offset, size] = spans_[entry.first_field + i];
        record.fields.emplace_back(text_.data() + offset, size);
      }
      add(record);
    }
  }

 private:
  struct Entry {
    int64_t line;
    int64_t end_offset;
    int64_t next_line;
    size_t first_field;
    size_t field_count;
    std::optional<csv::RecordError> error;
  };
  std::string text_;                              // every field's bytes, back to back
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, size) in text_ per field
  std::vector<Entry> records_;
};

// Everything a worker needs to turn records into batches.
class BatchBuilder {
 public:
  BatchBuilder(const HeaderMapping& mapping, size_t columns, const SuppressionSet& suppressed)
      : mapping_(mapping), columns_(columns), suppressed_(suppressed) {
    report_options_.formula_guard = csv::FormulaGuard::kNeutralize;
  }

  void Add(const csv::Record& record) {
    if (record.error) return Report(record, record.error->message, &pending_.batch.rejected);
    if (record.fields.size() != columns_) {
      return Report(record,
                    StrCat("line ", record.line, " has ", record.fields.size(),
                           " fields; the header has ", columns_),
                    &pending_.batch.rejected);
    }
    Result<ContactData> contact = BuildContact(mapping_.ToRawContact(record.fields));
    if (!contact.ok()) {
      return Report(record, StrCat("line ", record.line, ": ", contact.status().message()),
                    &pending_.batch.rejected);
    }
    if (const SuppressionEntry* entry = suppressed_.Match(*contact)) {
      return Report(
          record,
          StrCat("suppressed (", entry->kind == SuppressionKind::kEmail ? "email " : "domain ",
                 entry->value, ")"),
          &pending_.batch.suppressed);
    }
    pending_.batch.rows.push_back(ImportRow{record.line, *std::move(contact)});
  }

  // Where the next batch starts.
  void SetPosition(int64_t offset, int64_t line) {
    pending_.batch.resume_offset = offset;
    pending_.batch.resume_line = line;
  }

  size_t Size() const {
    return pending_.batch.rows.size() + static_cast<size_t>(pending_.batch.rejected) +
           static_cast<size_t>(pending_.batch.suppressed);
  }

  PendingBatch Take() {
    PendingBatch out = std::move(pending_);
    pending_ = PendingBatch{};
    return out;
  }

 private:
  void Report(const csv::Record& record, std::string_view reason, int64_t* counter) {
    ++*counter;
    fields_.clear();
    line_text_ = StrCat(record.line);
    fields_.push_back(line_text_);
    fields_.push_back(reason);
    fields_.insert(fields_.end(), record.fields.begin(), record.fields.end());
    csv::AppendRecord(fields_, report_options_, &pending_.report);
  }

  const HeaderMapping& mapping_;
  const size_t columns_;
  const SuppressionSet& suppressed_;
  csv::WriterOptions report_options_;
  PendingBatch pending_;
  std::vector<std::string_view> fields_;
  std::string line_text_;
};

std::string OptionsJson(const ImportOptions& options) {
  nlohmann::json map = nlohmann::json::object();
  for (const auto& [header, field] : options.mappings) map[header] = field;
  nlohmann::json json = {{"map", map}, {"batch_rows", options.batch_rows}};
  if (options.list) json["list"] = *options.list;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::string> FingerprintFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot open", path);
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  std::vector<unsigned char> buffer(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path);
    }
    if (n == 0) break;
    crypto_generichash_update(&state, buffer.data(), static_cast<size_t>(n));
  }
  unsigned char digest[32];
  crypto_generichash_final(&state, digest, sizeof digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Result<ImportResult> ContactImporter::Run(
    WorkspaceId workspace, const ImportOptions& options,
    const std::function<void(const ImportProgress&)>& on_progress) {
  if (options.batch_rows < 1) return absl::InvalidArgumentError("batch size must be at least 1");
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(options.path, ec);
  if (ec) {
    return absl::NotFoundError(StrCat("cannot read '", options.path, "': ", ec.message()));
  }
  ASSIGN_OR_RETURN(std::string fingerprint, FingerprintFile(options.path));

  // File-level checks come first: nothing is written for a file that cannot be imported.
  ASSIGN_OR_RETURN(auto reader, csv::Reader::OpenFile(options.path));
  csv::Record header;
  ASSIGN_OR_RETURN(bool has_header, reader->Next(&header));
  if (!has_header) return absl::InvalidArgumentError("the file has no header row");
  if (header.error) {
    return absl::InvalidArgumentError(StrCat("header row: ", header.error->message));
  }
  const std::vector<std::string> headers(header.fields.begin(), header.fields.end());
  ASSIGN_OR_RETURN(HeaderMapping mapping, MapHeaders(headers, options.mappings));
  TRY(mapping.RequireIdentity());

  ImportResult result;
  ASSIGN_OR_RETURN(std::optional<ImportRecord> previous,
                   imports_.FindByFingerprint(workspace, fingerprint));
  if (previous && !options.again && previous->status == ImportStatus::kCompleted) {
    result.record = *std::move(previous);
    result.start = ImportResult::Start::kAlreadyImported;
    return result;
  }
  if (previous && !options.again && previous->status == ImportStatus::kRunning) {
    result.record = *std::move(previous);
    result.start = ImportResult::Start::kResumed;
  } else {
    ImportSpec spec;
    spec.file_name = options.path;
    spec.fingerprint = fingerprint;
    spec.file_size = static_cast<int64_t>(file_size);
    spec.policy = options.policy;
    spec.options_json = OptionsJson(options);
    if (options.list) {
      ASSIGN_OR_RETURN(std::optional<ContactList> list,
                       lists_.FindByName(workspace, *options.list));
      if (!list) {
        ASSIGN_OR_RETURN(ContactList created, lists_.Create(workspace, *options.list));
        list = created;
      }
      spec.list = list->id;
    }
    std::filesystem::create_directories(options.report_dir.empty() ? "." : options.report_dir, ec);
    spec.report_path =
        (std::filesystem::path(options.report_dir.empty() ? "." : options.report_dir) /
         StrCat("import-", ToUnixMicros(clock_.Now()) / 1000000, "-", fingerprint.substr(0, 8),
                "-rejected.csv"))
            .string();
    ASSIGN_OR_RETURN(result.record, imports_.Create(workspace, spec));
  }
  ImportRecord& record = result.record;
  const std::string& report_path = record.spec.report_path;

  // The error report holds exactly what committed batches wrote: cut any tail a crash left.
  Fd report(::open(report_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (report.get() < 0) return ErrnoError("cannot open error report", report_path);
  if (::ftruncate(report.get(), record.report_bytes) != 0 ||
      ::lseek(report.get(), record.report_bytes, SEEK_SET) < 0) {
    return ErrnoError("cannot prepare error report", report_path);
  }
  std::string report_header;
  if (record.report_bytes == 0) {
    std::vector<std::string_view> columns = {"line", "reason"};
    columns.insert(columns.end(), header.fields.begin(), header.fields.end());
    csv::WriterOptions report_options;
    report_options.formula_guard = csv::FormulaGuard::kNeutralize;
    csv::AppendRecord(columns, report_options, &report_header);
  }
  if (record.resume_offset > 0) TRY(reader->Resume(record.resume_offset, record.resume_line));

  ASSIGN_OR_RETURN(SuppressionSet suppressed, suppression_.Snapshot(workspace));

  // The pipeline, in file order end to end:
  //   this thread: CSV records -> RawBatch (cheap)
  //   workers (one per core): RawBatch -> PendingBatch (validation, normalization and the
  //     suppression check: most of the CPU before storage)
  //   writer thread: report lines, then the batch commit that records the report's length.
  // Batches reach the writer in file order through `ordered`, a queue of futures taken in
  // the order the batches were read. Both queues are bounded, so memory stays a few
  // batches whatever the file size.
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  struct Job {
    RawBatch raw;
    std::promise<PendingBatch> built;
  };
  BoundedQueue<std::shared_ptr<Job>> work(workers);
  BoundedQueue<std::future<PendingBatch>> ordered(workers + 1);
  std::vector<std::thread> builders;
  builders.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    builders.emplace_back([&] {
      BatchBuilder builder(mapping, headers.size(), suppressed);
      while (std::optional<std::shared_ptr<Job>> job = work.Pop()) {
        (*job)->raw.ForEach([&](const csv::Record& row) {
          builder.Add(row);
          builder.SetPosition(row.end_offset, row.next_line);
        });
        (*job)->built.set_value(builder.Take());
      }
    });
  }

  Status writer_status;
  std::atomic<bool> writer_failed = false;
  ImportCounts counts = record.counts;
  int64_t report_bytes = record.report_bytes;
  std::thread writer([&] {
    std::string pending_report = std::move(report_header);
    while (std::optional<std::future<PendingBatch>> next = ordered.Pop()) {
      PendingBatch item = next->get();
      if (!writer_status.ok()) continue;  // drain so the producer is not blocked
      pending_report += item.report;
      if (!pending_report.empty()) {
        // Not synced: after a process crash the written lines are in the page cache and
        // survive; only an OS crash can lose report lines of the last batches (the counts
        // stay right). Syncing every batch would double an import's fsyncs.
        writer_status = WriteAll(report.get(), pending_report, report_path);
        if (!writer_status.ok()) {
          writer_failed = true;
          continue;
        }
        report_bytes += static_cast<int64_t>(pending_report.size());
        pending_report.clear();
      }
      item.batch.report_bytes = report_bytes;
      Result<std::vector<RowOutcome>> outcomes =
          imports_.CommitBatch(workspace, record.id, item.batch);
      if (!outcomes.ok()) {
        writer_status = outcomes.status();
        writer_failed = true;
        continue;
      }
      for (RowOutcome outcome : *outcomes) {
        switch (outcome) {
          case RowOutcome::kImported:
            ++counts.imported;
            break;
          case RowOutcome::kUpdated:
            ++counts.updated;
            break;
          case RowOutcome::kDuplicateInFile:
          case RowOutcome::kDuplicateExisting:
            ++counts.duplicates;
            break;
        }
      }
      counts.rejected += item.batch.rejected;
      counts.suppressed += item.batch.suppressed;
      counts.total +=
          static_cast<int64_t>(outcomes->size()) + item.batch.rejected + item.batch.suppressed;
      if (on_progress) {
        on_progress(
            ImportProgress{item.batch.resume_offset, static_cast<int64_t>(file_size), counts});
      }
    }
  });

  // Hands a batch to the workers, then its future to the writer: the writer never waits
  // for a batch no worker has, and workers never wait for the writer, so neither queue can
  // deadlock; the writer falling behind blocks this thread on `ordered`.
  auto submit = [&](RawBatch raw) {
    auto job = std::make_shared<Job>();
    job->raw = std::move(raw);
    std::future<PendingBatch> built = job->built.get_future();
    work.Push(std::move(job));
    ordered.Push(std::move(built));
  };
  Status reader_status;
  RawBatch raw;
  csv::Record row;
  while (!writer_failed) {
    Result<bool> more = reader->Next(&row);
    if (!more.ok()) {
      reader_status = more.status();
      break;
    }
    if (!*more) break;
    raw.Add(row);
    if (raw.Size() >= static_cast<size_t>(options.batch_rows)) submit(std::exchange(raw, {}));
  }
  if (raw.Size() > 0 && !writer_failed) submit(std::move(raw));
  work.Close();
  for (std::thread& builder : builders) builder.join();
  ordered.Close();
  writer.join();

  for (const Status& failure : {reader_status, writer_status}) {
    if (!failure.ok()) {
      // Left "running": the same command resumes from the last committed batch.
      return Status(failure.code(),
                    StrCat("import ", record.id.value(), " interrupted: ", failure.message(),
                           "; run the same import again to resume"));
    }
  }
  TRY(imports_.Finish(workspace, record.id, ImportStatus::kCompleted, ""));
  ASSIGN_OR_RETURN(record, imports_.Get(workspace, record.id));
  return result;
}

}  // namespace cadent
