// A streaming RFC 4180 CSV reader for contact imports: detects the delimiter, reports each
// unusable record with the reason and stays in sync, and can resume from a saved offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/csv/byte_source.hpp"

namespace cadent::csv {

struct ReaderOptions {
  // The field separator; 0 detects it among ',' ';' TAB '|' from the first lines. Any other
  // ASCII byte except '"', CR, LF and NUL may be given.
  char delimiter = 0;
  // Limits that bound the reader's memory whatever the input. A record over a limit is
  // reported (RecordError) and the rest of it is skipped without being buffered.
  size_t max_field_bytes = size_t{1} << 20;
  size_t max_fields = 1000;
  size_t max_record_bytes = size_t{16} << 20;
  // Size of each read from the source. Tests and the fuzzer use tiny buffers to put every
  // byte of the input on a buffer boundary.
  size_t buffer_bytes = size_t{1} << 20;
};

// Why a record cannot be used. The reader has skipped past it and stays in sync.
enum class RecordErrorKind {
  kInvalidUtf8,        // a field is not valid UTF-8
  kNulByte,            // a field holds a NUL byte
  kFieldTooLong,       // a field is longer than max_field_bytes
  kTooManyFields,      // the record has more than max_fields fields
  kRecordTooLong,      // the record's fields add up to more than max_record_bytes
  kTextAfterQuote,     // `"abc"x`: something other than a delimiter or line end follows
                       // a closing quote
  kUnterminatedQuote,  // a quoted field runs to the end of the file
};

std::string_view ToString(RecordErrorKind kind);

struct RecordError {
  RecordErrorKind kind;
  int64_t line = 0;    // 1-based physical line of the offending byte (of the opening quote
                       // for kUnterminatedQuote)
  size_t field = 0;    // 1-based index of the field in the record
  int64_t offset = 0;  // byte offset in the file of the offending byte (of the field's
                       // first byte for the limits and kUnterminatedQuote)
  // For people: "line 7, field 3: invalid UTF-8 (byte 0xE9 at offset 212)".
  std::string message;
};

struct Record {
  int64_t line = 0;          // 1-based physical line where the record starts
  int64_t begin_offset = 0;  // byte offset of the record's first byte in the file
  int64_t end_offset = 0;    // just past its line terminator (or the end of the file)
  int64_t next_line = 0;     // the physical line at end_offset: save both to Resume there
  // Unescaped field contents, valid until the next call to Reader::Next or Resume. When
  // `error` is set they may be truncated (the limits) or stop early (kTooManyFields).
  std::vector<std::string_view> fields;
  std::optional<RecordError> error;  // the first problem by file offset, if any
};

// The delimiter that `sample` (the start of a file, after any BOM) most likely uses: among
// ',' ';' TAB '|', the one found the same number of times on every line (outside quotes) of
// the first 20, and the most often; ties go to the earlier in that list; with none
// consistent, the one consistent on the most lines; ',' when nothing fits. `complete` says
// the sample is the whole file, so its last line counts even without a line end.
char DetectDelimiter(std::string_view sample, bool complete);

// Reads records one at a time with bounded memory: a read buffer (buffer_bytes), the
// current record (at most max_record_bytes) and a 64 KiB look-ahead used once to detect
// the delimiter. Lines end with CRLF, LF or a lone CR; an empty line between records is
// skipped. Not thread-safe.
class Reader {
 public:
  // Skips a UTF-8 byte order mark and detects the delimiter when options.delimiter is 0.
  // kInvalidArgument: the file is empty (or holds only a BOM: "file is empty"), is UTF-16,
  // or the options are invalid. I/O errors from the source are returned as they are.
  static Result<std::unique_ptr<Reader>> Open(std::unique_ptr<ByteSource> source,
                                              ReaderOptions options = {});
  // Opens `path` through a FileSource.
  static Result<std::unique_ptr<Reader>> OpenFile(const std::string& path,
                                                  ReaderOptions options = {});

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  // Reads the next record into *out; false at the end of the file (out is then untouched).
  // A record that breaks a rule is returned with `error` set. A Result error means the
  // source failed (I/O); the reader is then unusable.
  Result<bool> Next(Record* out);

  // Continues at `offset`, numbering lines from `line`: a Record's end_offset and
  // next_line from an earlier read of the same file (any other offset may fall inside a
  // quoted field and read garbage). Used to resume an interrupted import with a fresh
  // Reader: Open reads the file's start (BOM, delimiter), then Resume seeks. kInvalidArgument
  // for a negative offset or a line below 1; source errors as they are.
  Status Resume(int64_t offset, int64_t line);

  // The delimiter in use (detected or given).
  char delimiter() const { return options_.delimiter; }
  // Whether the file started with a UTF-8 byte order mark.
  bool had_bom() const { return had_bom_; }
  // The bytes the reader holds in its buffers (capacity), for tests and metrics.
  size_t MemoryBytes() const;

 private:
  enum class FieldEnd { kDelimiter, kLineEnd, kFileEnd };
  struct FieldSpan {
    size_t end;            // in data_; the field starts where the previous one ended
    int64_t begin_offset;  // of the field's first byte (its opening quote when quoted)
    int64_t begin_line;    // of that byte
    bool quoted;
  };

  Reader(std::unique_ptr<ByteSource> source, ReaderOptions options);
  Status Start();

  // The fast path: parses a record that lies wholly in the buffer and breaks no rule, with
  // fields viewing the buffer (quoted fields unescaped in place once the record is known to
  // be good). Returns false, having changed nothing, for anything else (a record crossing
  // the buffer's end, any error, a limit reached); the slow path below then reads it.
  bool TryFastRecord(Record* out);

  int64_t Offset() const { return base_offset_ + static_cast<int64_t>(pos_); }
  // Replaces the consumed buffer with the next block; false at the end of the file.
  Result<bool> Refill();
  // The next byte without consuming it, or -1 at the end of the file.
  Result<int> Peek();
  // Consumes an LF that follows a CR just consumed, so CRLF is one line end.
  Status SkipLfAfterCr();

  void BeginField(bool quoted);
  void EndField();
  // Read the rest of a field; the reader stands on its first byte (the opening quote).
  Result<FieldEnd> ScanUnquoted();
  Result<FieldEnd> ReadQuoted();
  void Append(const char* bytes, size_t n) {
    if (n <= field_room_) {
      data_.append(bytes, n);
      field_room_ -= n;
    } else {
      AppendOverLimit(bytes, n);
    }
  }
  void AppendOverLimit(const char* bytes, size_t n);
  // Keeps the error with the smallest offset; earlier-noted wins a tie.
  void NoteError(RecordErrorKind kind, int64_t line, size_t field, int64_t offset,
                 std::string_view detail);
  void CheckUtf8();

  std::unique_ptr<ByteSource> source_;
  ReaderOptions options_;
  bool had_bom_ = false;

  // Bytes read by Open to detect the delimiter, served before the source is read again.
  std::string head_;
  size_t head_pos_ = 0;

  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0;           // next byte to consume in buf_
  size_t end_ = 0;           // bytes valid in buf_
  int64_t base_offset_ = 0;  // file offset of buf_[0]
  int64_t line_ = 1;         // physical line of buf_[pos_]

  // 1 for the bytes that stop a scan: in unquoted fields the delimiter, CR, LF and NUL; in
  // quoted fields '"', CR, LF and NUL.
  bool unquoted_stop_[256] = {};
  bool quoted_stop_[256] = {};

  // Indices of the fast path's quoted fields that hold doubled quotes.
  std::vector<size_t> escaped_;

  // The record being read by the slow path.
  std::string data_;  // the fields' unescaped bytes, back to back
  std::vector<FieldSpan> spans_;
  std::optional<RecordError> error_;
  size_t field_room_ = 0;        // bytes the current field may still store
  bool room_is_record_ = false;  // field_room_ is bounded by max_record_bytes, not the field
  bool field_over_ = false;      // the current field hit a limit: discard its bytes
  bool record_over_ = false;     // the record hit max_fields or max_record_bytes
  size_t field_count_ = 0;       // fields begun in this record, including discarded ones
  size_t field_data_begin_ = 0;
  int64_t field_begin_offset_ = 0;
  int64_t field_begin_line_ = 0;
  bool field_quoted_ = false;
  bool source_eof_ = false;
};

}  // namespace cadent::csv
