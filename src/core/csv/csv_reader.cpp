#include "core/csv/csv_reader.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "core/csv/utf8.hpp"

namespace cadent::csv {
namespace {

// Enough for the first 20 lines of any realistic file; read once, by Open.
constexpr size_t kSniffBytes = size_t{64} << 10;
constexpr size_t kSniffLines = 20;
constexpr std::array<char, 4> kCandidates = {',', ';', '\t', '|'};

bool IsCandidate(char c) {
  return std::find(kCandidates.begin(), kCandidates.end(), c) != kCandidates.end();
}

// Line ends in text whose CR/LF bytes are kept as read: CRLF counts once.
int64_t CountLineEnds(std::string_view text) {
  int64_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++count;
    } else if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
      ++count;
    }
  }
  return count;
}

}  // namespace

std::string_view ToString(RecordErrorKind kind) {
  switch (kind) {
    case RecordErrorKind::kInvalidUtf8:
      return "invalid_utf8";
    case RecordErrorKind::kNulByte:
      return "nul_byte";
    case RecordErrorKind::kFieldTooLong:
      return "field_too_long";
    case RecordErrorKind::kTooManyFields:
      return "too_many_fields";
    case RecordErrorKind::kRecordTooLong:
      return "record_too_long";
    case RecordErrorKind::kTextAfterQuote:
      return "text_after_quote";
    case RecordErrorKind::kUnterminatedQuote:
      return "unterminated_quote";
  }
  return "unknown";
}

char DetectDelimiter(std::string_view sample, bool complete) {
  using Counts = std::array<int64_t, kCandidates.size()>;
  std::vector<Counts> lines;
  Counts counts{};
  bool quoted = false;
  bool line_empty = true;
  bool at_field_start = true;  // after a line start or any candidate delimiter
  for (size_t i = 0; i < sample.size() && lines.size() < kSniffLines; ++i) {
    const char c = sample[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < sample.size() && sample[i + 1] == '"') {
          ++i;
        } else {
          quoted = false;
        }
      }
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (!line_empty) lines.push_back(counts);
      counts = {};
      line_empty = true;
      at_field_start = true;
      if (c == '\r' && i + 1 < sample.size() && sample[i + 1] == '\n') ++i;
      continue;
    }
    line_empty = false;
    // Only a quote that opens a field quotes: O"Brien keeps its quote literally.
    if (c == '"' && at_field_start) {
      quoted = true;
      continue;
    }
    at_field_start = IsCandidate(c);
    for (size_t k = 0; k < kCandidates.size(); ++k) counts[k] += c == kCandidates[k];
  }
  // A last line without its line end is whole only when the sample is the whole file.
  if (complete && !line_empty && !quoted && lines.size() < kSniffLines) lines.push_back(counts);
  if (lines.empty()) return ',';

  int best = -1;
  int64_t best_count = 0;
  for (size_t k = 0; k < kCandidates.size(); ++k) {
    const int64_t first = lines[0][k];
    const bool consistent =
        first > 0 && std::all_of(lines.begin(), lines.end(),
                                 [&](const Counts& line) { return line[k] == first; });
    if (consistent && first > best_count) {
      best = static_cast<int>(k);
      best_count = first;
    }
  }
  if (best >= 0) return kCandidates[static_cast<size_t>(best)];

  // No candidate is consistent (ragged rows): take the one whose most common non-zero count
  // holds on the most lines, then the larger count.
  size_t best_lines = 0;
  for (size_t k = 0; k < kCandidates.size(); ++k) {
    for (const Counts& line : lines) {
      const int64_t count = line[k];
      if (count == 0) continue;
      const auto same = static_cast<size_t>(std::count_if(
          lines.begin(), lines.end(), [&](const Counts& l) { return l[k] == count; }));
      if (same > best_lines || (same == best_lines && count > best_count)) {
        best = static_cast<int>(k);
        best_lines = same;
        best_count = count;
      }
    }
  }
  return best >= 0 ? kCandidates[static_cast<size_t>(best)] : ',';
}

Reader::Reader(std::unique_ptr<ByteSource> source, ReaderOptions options)
    : source_(std::move(source)), options_(options) {}

Reader::~Reader() = default;

Result<std::unique_ptr<Reader>> Reader::Open(std::unique_ptr<ByteSource> source,
                                             ReaderOptions options) {
  if (source == nullptr) return absl::InvalidArgumentError("no byte source");
  const char d = options.delimiter;
  if (d == '"' || d == '\r' || d == '\n' || static_cast<unsigned char>(d) >= 0x80) {
    return absl::InvalidArgumentError(
        absl::StrFormat("delimiter 0x%02X cannot separate fields", static_cast<unsigned char>(d)));
  }
  if (options.max_field_bytes == 0 || options.max_fields == 0 || options.max_record_bytes == 0 ||
      options.buffer_bytes == 0) {
    return absl::InvalidArgumentError("reader limits and buffer size must be positive");
  }
  // Private constructor: make_unique cannot reach it.
  std::unique_ptr<Reader> reader(new Reader(std::move(source), options));
  TRY(reader->Start());
  return reader;
}

Result<std::unique_ptr<Reader>> Reader::OpenFile(const std::string& path, ReaderOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::Open(path));
  return Open(std::move(source), options);
}

Status Reader::Start() {
  // Grown as it fills, so that a small file (an API upload, a test) costs little.
  size_t got = 0;
  while (got < kSniffBytes) {
    if (got == head_.size()) head_.resize(std::min(kSniffBytes, std::max<size_t>(4096, 2 * got)));
    ASSIGN_OR_RETURN(size_t n, source_->Read(head_.data() + got, head_.size() - got));
    if (n == 0) {
      source_eof_ = true;
      break;
    }
    got += n;
  }
  head_.resize(got);

  std::string_view head = head_;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    had_bom_ = true;
    head_pos_ = 3;
  } else if (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF") {
    return absl::InvalidArgumentError("file is UTF-16; save it as CSV UTF-8");
  }
  if (head_pos_ == head.size()) return absl::InvalidArgumentError("file is empty");
  if (options_.delimiter == 0) {
    options_.delimiter = DetectDelimiter(head.substr(head_pos_), source_eof_);
  }
  base_offset_ = static_cast<int64_t>(head_pos_);

  for (unsigned char c : {'\r', '\n', '\0'}) {
    unquoted_stop_[c] = true;
    quoted_stop_[c] = true;
  }
  unquoted_stop_[static_cast<unsigned char>(options_.delimiter)] = true;
  quoted_stop_[static_cast<unsigned char>('"')] = true;
  // A file that fits in the look-ahead needs no bigger buffer than itself.
  if (source_eof_) options_.buffer_bytes = std::min(options_.buffer_bytes, head_.size());
  buf_ = std::make_unique_for_overwrite<char[]>(options_.buffer_bytes);
  return OkStatus();
}

size_t Reader::MemoryBytes() const {
  return options_.buffer_bytes + head_.capacity() + data_.capacity() +
         spans_.capacity() * sizeof(FieldSpan);
}

Result<bool> Reader::Refill() {
  assert(pos_ == end_);
  base_offset_ += static_cast<int64_t>(end_);
  pos_ = 0;
  end_ = 0;
  size_t n = 0;
  if (head_pos_ < head_.size()) {
    n = std::min(options_.buffer_bytes, head_.size() - head_pos_);
    std::memcpy(buf_.get(), head_.data() + head_pos_, n);
    head_pos_ += n;
    if (head_pos_ == head_.size()) {
      std::string().swap(head_);
      head_pos_ = 0;
    }
  } else if (!source_eof_) {
    ASSIGN_OR_RETURN(n, source_->Read(buf_.get(), options_.buffer_bytes));
    source_eof_ = n == 0;
  }
  end_ = n;
  return n > 0;
}

Result<int> Reader::Peek() {
  if (pos_ == end_) {
    ASSIGN_OR_RETURN(bool more, Refill());
    if (!more) return -1;
  }
  return static_cast<unsigned char>(buf_[pos_]);
}

Status Reader::SkipLfAfterCr() {
  ASSIGN_OR_RETURN(int next, Peek());
  if (next == '\n') ++pos_;
  return OkStatus();
}

Status Reader::Resume(int64_t offset, int64_t line) {
  if (offset < 0 || line < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot resume at offset %d, line %d", offset, line));
  }
  TRY(source_->Seek(offset));
  std::string().swap(head_);
  head_pos_ = 0;
  pos_ = 0;
  end_ = 0;
  base_offset_ = offset;
  source_eof_ = false;
  line_ = line;
  return OkStatus();
}

void Reader::NoteError(RecordErrorKind kind, int64_t line, size_t field, int64_t offset,
                       std::string_view detail) {
  if (error_.has_value() && error_->offset <= offset) return;
  error_ = RecordError{.kind = kind,
                       .line = line,
                       .field = field,
                       .offset = offset,
                       .message = absl::StrFormat("line %d, field %d: %s", line, field, detail)};
}

void Reader::BeginField(bool quoted) {
  ++field_count_;
  field_data_begin_ = data_.size();
  field_begin_offset_ = Offset();
  field_begin_line_ = line_;
  field_quoted_ = quoted;
  field_over_ = false;
  if (field_count_ > options_.max_fields && !record_over_) {
    record_over_ = true;
    NoteError(RecordErrorKind::kTooManyFields, line_, field_count_, Offset(),
              absl::StrFormat("the record has more than %d fields", options_.max_fields));
  }
  if (record_over_) {
    field_room_ = 0;
    return;
  }
  const size_t record_room = options_.max_record_bytes - data_.size();
  room_is_record_ = record_room < options_.max_field_bytes;
  field_room_ = room_is_record_ ? record_room : options_.max_field_bytes;
}

void Reader::EndField() {
  if (field_count_ > options_.max_fields) return;
  spans_.push_back(FieldSpan{.end = data_.size(),
                             .begin_offset = field_begin_offset_,
                             .begin_line = field_begin_line_,
                             .quoted = field_quoted_});
}

void Reader::AppendOverLimit(const char* bytes, size_t n) {
  if (field_over_ || record_over_) return;
  data_.append(bytes, std::min(n, field_room_));
  field_room_ = 0;
  // The rest of the field (or record) is scanned but not stored: memory stays bounded
  // however long the input runs on.
  if (room_is_record_) {
    record_over_ = true;
    NoteError(RecordErrorKind::kRecordTooLong, field_begin_line_, field_count_, field_begin_offset_,
              absl::StrFormat("the record is longer than %d bytes", options_.max_record_bytes));
  } else {
    field_over_ = true;
    NoteError(RecordErrorKind::kFieldTooLong, field_begin_line_, field_count_, field_begin_offset_,
              absl::StrFormat("the field is longer than %d bytes", options_.max_field_bytes));
  }
}

Result<Reader::FieldEnd> Reader::ScanUnquoted() {
  const bool* stop = unquoted_stop_;
  const char delimiter = options_.delimiter;
  for (;;) {
    const char* begin = buf_.get() + pos_;
    const char* limit = buf_.get() + end_;
    const char* p = begin;
    while (p < limit && !stop[static_cast<unsigned char>(*p)]) ++p;
    Append(begin, static_cast<size_t>(p - begin));
    pos_ = static_cast<size_t>(p - buf_.get());
    if (p == limit) {
      ASSIGN_OR_RETURN(bool more, Refill());
      if (!more) return FieldEnd::kFileEnd;
      continue;
    }
    const char c = *p;
    ++pos_;
    if (c == delimiter) return FieldEnd::kDelimiter;
    if (c == '\n') {
      ++line_;
      return FieldEnd::kLineEnd;
    }
    if (c == '\r') {
      ++line_;
      TRY(SkipLfAfterCr());
      return FieldEnd::kLineEnd;
    }
    NoteError(RecordErrorKind::kNulByte, line_, field_count_, Offset() - 1,
              absl::StrFormat("NUL byte at offset %d", Offset() - 1));
    Append(p, 1);
  }
}

Result<Reader::FieldEnd> Reader::ReadQuoted() {
  const int64_t quote_line = line_;
  ++pos_;  // the opening quote
  for (;;) {
    const char* begin = buf_.get() + pos_;
    const char* limit = buf_.get() + end_;
    const char* p = begin;
    while (p < limit && !quoted_stop_[static_cast<unsigned char>(*p)]) ++p;
    Append(begin, static_cast<size_t>(p - begin));
    pos_ = static_cast<size_t>(p - buf_.get());
    if (p == limit) {
      ASSIGN_OR_RETURN(bool more, Refill());
      if (more) continue;
      NoteError(RecordErrorKind::kUnterminatedQuote, quote_line, field_count_, field_begin_offset_,
                "the quoted field never closes (end of file reached)");
      return FieldEnd::kFileEnd;
    }
    const char c = *p;
    ++pos_;
    if (c == '"') {
      ASSIGN_OR_RETURN(int next, Peek());
      if (next == '"') {
        Append("\"", 1);
        ++pos_;
        continue;
      }
      if (next < 0) return FieldEnd::kFileEnd;
      if (next == static_cast<unsigned char>(options_.delimiter)) {
        ++pos_;
        return FieldEnd::kDelimiter;
      }
      if (next == '\n') {
        ++pos_;
        ++line_;
        return FieldEnd::kLineEnd;
      }
      if (next == '\r') {
        ++pos_;
        ++line_;
        TRY(SkipLfAfterCr());
        return FieldEnd::kLineEnd;
      }
      NoteError(
          RecordErrorKind::kTextAfterQuote, line_, field_count_, Offset(),
          absl::StrFormat("unexpected text after the closing quote (offset %d); a quote inside a "
                          "quoted field must be doubled",
                          Offset()));
      // Skip to the end of the field without storing, so the content stays the quoted part.
      field_over_ = true;
      field_room_ = 0;
      return ScanUnquoted();
    }
    Append(p, 1);
    if (c == '\n') {
      ++line_;
    } else if (c == '\r') {
      ++line_;
      ASSIGN_OR_RETURN(int next, Peek());
      if (next == '\n') {
        Append("\n", 1);
        ++pos_;
      }
    } else {
      NoteError(RecordErrorKind::kNulByte, line_, field_count_, Offset() - 1,
                absl::StrFormat("NUL byte at offset %d", Offset() - 1));
    }
  }
}

void Reader::CheckUtf8() {
  if (IsAscii(data_)) return;
  size_t begin = 0;
  for (size_t i = 0; i < spans_.size(); ++i) {
    const FieldSpan& span = spans_[i];
    // Fields from the current error on may be truncated; nothing there can come first.
    if (error_.has_value() && span.begin_offset >= error_->offset) return;
    const std::string_view content(data_.data() + begin, span.end - begin);
    begin = span.end;
    const size_t bad = FindInvalidUtf8(content);
    if (bad == std::string_view::npos) continue;
    const std::string_view before = content.substr(0, bad);
    // Map the index in the unescaped content back to the file: a quoted field has its
    // opening quote and one extra byte per doubled quote before the bad byte.
    int64_t offset = span.begin_offset + static_cast<int64_t>(bad);
    if (span.quoted) offset += 1 + std::count(before.begin(), before.end(), '"');
    NoteError(RecordErrorKind::kInvalidUtf8, span.begin_line + CountLineEnds(before), i + 1, offset,
              absl::StrFormat("invalid UTF-8 (byte 0x%02X at offset %d); save the file as "
                              "CSV UTF-8",
                              static_cast<unsigned char>(content[bad]), offset));
    return;
  }
}

bool Reader::TryFastRecord(Record* out) {
  char* const buf = buf_.get();
  const char* const limit = buf + end_;
  const char* p = buf + pos_;
  const bool* const stop = unquoted_stop_;
  const bool* const quoted_stop = quoted_stop_;
  const char delimiter = options_.delimiter;
  std::vector<std::string_view>& fields = out->fields;
  fields.clear();
  escaped_.clear();
  int64_t quoted_line_ends = 0;
  size_t record_bytes = 0;
  for (;;) {
    if (p == limit || fields.size() == options_.max_fields) return false;
    const char* begin;
    if (*p != '"') {
      begin = p;
      // The hot loop: most bytes of most files pass through here. Unrolled by hand because
      // the compilers do not unroll a loop with an early exit.
      while (limit - p >= 4) {
        if (stop[static_cast<unsigned char>(p[0])]) goto found;
        if (stop[static_cast<unsigned char>(p[1])]) {
          p += 1;
          goto found;
        }
        if (stop[static_cast<unsigned char>(p[2])]) {
          p += 2;
          goto found;
        }
        if (stop[static_cast<unsigned char>(p[3])]) {
          p += 3;
          goto found;
        }
        p += 4;
      }
      while (p < limit && !stop[static_cast<unsigned char>(*p)]) ++p;
      if (p == limit) return false;
    found:
      fields.emplace_back(begin, static_cast<size_t>(p - begin));
    } else {
      begin = ++p;
      bool escaped = false;
      for (;;) {
        while (p < limit && !quoted_stop[static_cast<unsigned char>(*p)]) ++p;
        if (p == limit || p + 1 == limit) return false;  // CR and '"' need the next byte
        if (*p == '"') {
          if (p[1] != '"') break;
          escaped = true;
          p += 2;
        } else if (*p == '\n') {
          ++quoted_line_ends;
          ++p;
        } else if (*p == '\r') {
          ++quoted_line_ends;
          p += p[1] == '\n' ? 2 : 1;
        } else {
          return false;  // NUL
        }
      }
      if (escaped) escaped_.push_back(fields.size());
      fields.emplace_back(begin, static_cast<size_t>(p - begin));
      ++p;  // the closing quote; the next byte is in the buffer (checked above)
      if (*p != delimiter && *p != '\n' && *p != '\r') return false;  // text after the quote
    }
    // Raw sizes bound the unescaped ones: within the limits here means within them there.
    if (fields.back().size() > options_.max_field_bytes) return false;
    record_bytes += fields.back().size();
    const char c = *p;
    if (c == delimiter) {
      ++p;
      continue;
    }
    if (c == '\n') {
      ++p;
      break;
    }
    if (c == '\r') {
      if (p + 1 == limit) return false;
      p += p[1] == '\n' ? 2 : 1;
      break;
    }
    return false;  // NUL
  }
  if (record_bytes > options_.max_record_bytes) return false;
  // Delimiters, quotes and line ends are ASCII, so the raw record is valid UTF-8 exactly
  // when every field is; the slow path finds and reports the bad byte.
  const std::string_view raw(buf + pos_, static_cast<size_t>(p - (buf + pos_)));
  if (!IsAscii(raw) && FindInvalidUtf8(raw) != std::string_view::npos) return false;

  // The record is good: commit. Unescape "" in place, behind the read position.
  for (size_t index : escaped_) {
    const std::string_view field = fields[index];
    char* write = buf + (field.data() - buf);
    for (const char* read = field.data(); read < field.data() + field.size(); ++read) {
      *write++ = *read;
      if (*read == '"') ++read;  // the second quote of the pair
    }
    fields[index] = std::string_view(field.data(), static_cast<size_t>(write - field.data()));
  }
  out->line = line_;
  out->begin_offset = Offset();
  pos_ = static_cast<size_t>(p - buf);
  line_ += quoted_line_ends + 1;
  out->end_offset = Offset();
  out->next_line = line_;
  out->error.reset();
  return true;
}

Result<bool> Reader::Next(Record* out) {
  int c;
  for (;;) {  // skip blank lines
    if (pos_ == end_) {
      ASSIGN_OR_RETURN(bool more, Refill());
      if (!more) return false;
    }
    c = static_cast<unsigned char>(buf_[pos_]);
    if (c == '\n') {
      ++pos_;
      ++line_;
    } else if (c == '\r') {
      ++pos_;
      ++line_;
      TRY(SkipLfAfterCr());
    } else {
      break;
    }
  }
  if (TryFastRecord(out)) return true;

  data_.clear();
  spans_.clear();
  error_.reset();
  record_over_ = false;
  field_count_ = 0;
  const int64_t line = line_;
  const int64_t begin_offset = Offset();
  for (;;) {
    FieldEnd end;
    if (c == '"') {
      BeginField(/*quoted=*/true);
      ASSIGN_OR_RETURN(end, ReadQuoted());
    } else {
      BeginField(/*quoted=*/false);
      ASSIGN_OR_RETURN(end, ScanUnquoted());
    }
    EndField();
    if (end != FieldEnd::kDelimiter) break;
    ASSIGN_OR_RETURN(c, Peek());
  }
  CheckUtf8();

  out->line = line;
  out->begin_offset = begin_offset;
  out->end_offset = Offset();
  out->next_line = line_;
  out->fields.clear();
  size_t begin = 0;
  for (const FieldSpan& span : spans_) {
    out->fields.emplace_back(data_.data() + begin, span.end - begin);
    begin = span.end;
  }
  out->error = std::move(error_);
  error_.reset();
  return true;
}

}  // namespace cadent::csv
