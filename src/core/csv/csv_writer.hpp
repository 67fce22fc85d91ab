// Writes RFC 4180 CSV (contact exports, import error reports), optionally neutralizing
// cells a spreadsheet would run as formulas.
#pragma once

#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "core/common/result.hpp"

namespace cadent::csv {

enum class LineEnding { kLf, kCrLf };

// OWASP "CSV injection": a cell starting with = + - @ TAB or CR may run as a formula when
// the file is opened in a spreadsheet. kNeutralize prefixes such cells with a single quote
// ('), which spreadsheets show as text; the data changes, so use it for files meant for
// people (exports, error reports), not for files that are read back by programs.
enum class FormulaGuard { kOff, kNeutralize };

struct WriterOptions {
  char delimiter = ',';  // any ASCII byte but '"', CR, LF and NUL
  LineEnding line_ending = LineEnding::kLf;
  FormulaGuard formula_guard = FormulaGuard::kOff;
};

// Appends `field` to *out, quoted when it holds the delimiter, a quote, CR or LF, starts or
// ends with a space or TAB, or starts with a byte order mark (which a reader would strip
// at the start of a file); with the formula guard applied first.
void AppendField(std::string_view field, const WriterOptions& options, std::string* out);

// Appends one record with its line end. A record of one empty field is written as "" so
// that it does not read back as a blank line (which readers skip).
void AppendRecord(absl::Span<const std::string_view> fields, const WriterOptions& options,
                  std::string* out);

// Writes records to a string, a FILE* or a file descriptor. The Writer does not own the
// destination. Not thread-safe.
class Writer {
 public:
  // Appends to *out, which must outlive the Writer. Never fails.
  static Writer ToString(std::string* out, WriterOptions options = {});
  // Buffers up to 64 KiB, then fwrite(3)s / write(2)s it. Errors come back from the
  // WriteRecord that flushes or from Flush.
  static Writer ToFile(FILE* file, WriterOptions options = {});
  static Writer ToFd(int fd, WriterOptions options = {});

  Writer(Writer&& other) noexcept;
  Writer& operator=(Writer&&) = delete;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Flushes what is buffered; an error there is lost, so call Flush first to see it.
  ~Writer();

  Status WriteRecord(absl::Span<const std::string_view> fields);
  Status WriteRecord(std::initializer_list<std::string_view> fields) {
    return WriteRecord(absl::MakeConstSpan(fields.begin(), fields.size()));
  }
  // Hands buffered bytes to the FILE* or fd (for a FILE*, also fflush). kUnavailable /
  // errno-derived codes on failure; the unwritten bytes stay buffered.
  Status Flush();

  const WriterOptions& options() const { return options_; }

 private:
  enum class Sink { kString, kFile, kFd };
  Writer(Sink sink, std::string* out, FILE* file, int fd, WriterOptions options);

  Sink sink_;
  std::string* out_;  // kString: the destination; else &buffer_
  FILE* file_;
  int fd_;
  WriterOptions options_;
  std::string buffer_;
};

}  // namespace cadent::csv
