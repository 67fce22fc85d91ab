// libFuzzer target for the CSV reader and writer. Each input is read several ways that must
// agree: default options; a tiny buffer (every byte on a buffer boundary, so the slow path
// runs against the fast path); small limits; and resumed from a record boundary. Every
// good record is written back with the Writer and must read back the same.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/byte_source.hpp"
#include "core/csv/csv_reader.hpp"
#include "core/csv/csv_writer.hpp"
#include "core/csv/utf8.hpp"

namespace cadent::csv {
namespace {

#define FUZZ_CHECK(condition)                                                            \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

// A record copied out of the reader, comparable.
struct Row {
  int64_t line;
  int64_t begin_offset;
  int64_t end_offset;
  int64_t next_line;
  std::vector<std::string> fields;
  std::optional<RecordErrorKind> error;
  int64_t error_offset = -1;
  std::string error_message;

  bool operator==(const Row&) const = default;
};

struct ReadResult {
  bool opened = false;
  char delimiter = 0;
  std::vector<Row> rows;

  bool operator==(const ReadResult&) const = default;
};

void CopyRows(Reader& reader, ReadResult* result) {
  Record record;
  for (;;) {
    auto more = reader.Next(&record);
    FUZZ_CHECK(more.ok());  // a StringSource never fails
    if (!*more) break;
    Row row{.line = record.line,
            .begin_offset = record.begin_offset,
            .end_offset = record.end_offset,
            .next_line = record.next_line,
            .fields = std::vector<std::string>(record.fields.begin(), record.fields.end())};
    if (record.error.has_value()) {
      row.error = record.error->kind;
      row.error_offset = record.error->offset;
      row.error_message = record.error->message;
    }
    result->rows.push_back(std::move(row));
  }
}

ReadResult ReadAll(const std::string& input, const ReaderOptions& options) {
  ReadResult result;
  auto reader = Reader::Open(std::make_unique<StringSource>(input), options);
  if (!reader.ok()) return result;
  result.opened = true;
  result.delimiter = (*reader)->delimiter();
  CopyRows(**reader, &result);
  return result;
}

void CheckInvariants(const ReadResult& result, const ReaderOptions& options, size_t input_size) {
  int64_t previous_end = 0;
  int64_t previous_line = 0;
  for (const Row& row : result.rows) {
    FUZZ_CHECK(row.begin_offset >= previous_end);
    FUZZ_CHECK(row.begin_offset < row.end_offset);
    FUZZ_CHECK(row.end_offset <= static_cast<int64_t>(input_size));
    FUZZ_CHECK(row.line > previous_line);
    FUZZ_CHECK(row.next_line > row.line || row.end_offset == static_cast<int64_t>(input_size));
    FUZZ_CHECK(!row.fields.empty());
    FUZZ_CHECK(row.fields.size() <= options.max_fields);
    size_t record_bytes = 0;
    for (const std::string& field : row.fields) {
      FUZZ_CHECK(field.size() <= options.max_field_bytes);
      record_bytes += field.size();
      if (!row.error.has_value()) {
        FUZZ_CHECK(FindInvalidUtf8(field) == std::string_view::npos);
        FUZZ_CHECK(field.find('\0') == std::string::npos);
      }
    }
    FUZZ_CHECK(record_bytes <= options.max_record_bytes);
    if (row.error.has_value()) {
      FUZZ_CHECK(row.error_offset >= row.begin_offset && row.error_offset <= row.end_offset);
      FUZZ_CHECK(!row.error_message.empty());
    }
    previous_end = row.end_offset;
    previous_line = row.line;
  }
}

// Writes each good record and reads it back: the same fields, no error.
void CheckRoundTrip(const ReadResult& result) {
  for (const Row& row : result.rows) {
    if (row.error.has_value()) continue;
    const std::vector<std::string_view> fields(row.fields.begin(), row.fields.end());
    for (LineEnding ending : {LineEnding::kLf, LineEnding::kCrLf}) {
      WriterOptions writer_options{.delimiter = result.delimiter, .line_ending = ending};
      std::string written;
      AppendRecord(fields, writer_options, &written);
      ReaderOptions reader_options{.delimiter = result.delimiter};
      const ReadResult again = ReadAll(written, reader_options);
      FUZZ_CHECK(again.opened);
      FUZZ_CHECK(again.rows.size() == 1);
      FUZZ_CHECK(!again.rows[0].error.has_value());
      FUZZ_CHECK(again.rows[0].fields == row.fields);
      FUZZ_CHECK(again.rows[0].end_offset == static_cast<int64_t>(written.size()));
    }
    // The formula guard changes exactly the cells that start like a formula.
    WriterOptions guarded{.delimiter = result.delimiter,
                          .formula_guard = FormulaGuard::kNeutralize};
    std::string written;
    AppendRecord(fields, guarded, &written);
    const ReadResult again = ReadAll(written, ReaderOptions{.delimiter = result.delimiter});
    FUZZ_CHECK(again.rows.size() == 1 && again.rows[0].fields.size() == fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string_view field = fields[i];
      const bool formula =
          !field.empty() && std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos;
      FUZZ_CHECK(again.rows[0].fields[i] == (formula ? "'" + std::string(field) : field));
    }
  }
}

}  // namespace
}  // namespace cadent::csv

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cadent::csv;  // NOLINT: a file of its own, one function
  const std::string input(reinterpret_cast<const char*>(data), size);

  const ReaderOptions defaults;
  const ReadResult reference = ReadAll(input, defaults);
  if (!reference.opened) return 0;
  CheckInvariants(reference, defaults, size);

  // A tiny buffer sends nearly every record through the slow path.
  ReaderOptions tiny{.delimiter = reference.delimiter, .buffer_bytes = 1 + size % 7};
  FUZZ_CHECK(ReadAll(input, tiny) == reference);

  // Small limits, read with a large and a tiny buffer: both paths apply them alike.
  ReaderOptions limits{.delimiter = reference.delimiter,
                       .max_field_bytes = 1 + size % 13,
                       .max_fields = 1 + size % 5,
                       .max_record_bytes = 8 + size % 29};
  const ReadResult limited = ReadAll(input, limits);
  CheckInvariants(limited, limits, size);
  limits.buffer_bytes = 1 + size % 3;
  FUZZ_CHECK(ReadAll(input, limits) == limited);

  // Resuming after any record gives the records that followed it.
  if (!reference.rows.empty()) {
    const size_t k = size % reference.rows.size();
    auto reader = Reader::Open(std::make_unique<StringSource>(input), defaults);
    FUZZ_CHECK(reader.ok());
    FUZZ_CHECK((*reader)->Resume(reference.rows[k].end_offset, reference.rows[k].next_line).ok());
    ReadResult rest;
    CopyRows(**reader, &rest);
    FUZZ_CHECK(rest.rows == std::vector<Row>(reference.rows.begin() + static_cast<long>(k) + 1,
                                             reference.rows.end()));
  }

  CheckRoundTrip(reference);
  return 0;
}
