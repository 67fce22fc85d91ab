#include "core/csv/csv_writer.hpp"

#include <unistd.h>

#include <cassert>
#include <cerrno>

namespace cadent::csv {
namespace {

constexpr size_t kFlushBytes = size_t{64} << 10;

// errno may be 0 after a short fwrite; never turn a failure into OK.
Status WriteError() { return absl::ErrnoToStatus(errno != 0 ? errno : EIO, "cannot write CSV"); }

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool StartsFormula(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

}  // namespace

void AppendField(std::string_view field, const WriterOptions& options, std::string* out) {
  const bool guard = options.formula_guard == FormulaGuard::kNeutralize && !field.empty() &&
                     StartsFormula(field[0]);
  bool quote = false;
  if (!field.empty()) {
    // The guard's quote becomes the first byte: only the end can then be a space.
    quote = (!guard && IsSpace(field.front())) || IsSpace(field.back()) ||
            field.substr(0, 3) == "\xEF\xBB\xBF";
    for (size_t i = 0; i < field.size() && !quote; ++i) {
      const char c = field[i];
      quote = c == options.delimiter || c == '"' || c == '\r' || c == '\n';
    }
  }
  if (!quote) {
    if (guard) out->push_back('\'');
    out->append(field);
    return;
  }
  out->push_back('"');
  if (guard) out->push_back('\'');
  size_t start = 0;
  for (size_t q = field.find('"'); q != std::string_view::npos; q = field.find('"', q + 1)) {
    out->append(field.substr(start, q + 1 - start));
    out->push_back('"');
    start = q + 1;
  }
  out->append(field.substr(start));
  out->push_back('"');
}

void AppendRecord(absl::Span<const std::string_view> fields, const WriterOptions& options,
                  std::string* out) {
  if (fields.size() == 1 && fields[0].empty()) {
    out->append("\"\"");
  } else {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out->push_back(options.delimiter);
      AppendField(fields[i], options, out);
    }
  }
  out->append(options.line_ending == LineEnding::kCrLf ? "\r\n" : "\n");
}

Writer::Writer(Sink sink, std::string* out, FILE* file, int fd, WriterOptions options)
    : sink_(sink), out_(out), file_(file), fd_(fd), options_(options) {
  assert(options_.delimiter != '"' && options_.delimiter != '\r' && options_.delimiter != '\n' &&
         options_.delimiter != '\0');
  if (sink_ != Sink::kString) out_ = &buffer_;
}

Writer::Writer(Writer&& other) noexcept
    : sink_(other.sink_),
      out_(other.out_),
      file_(other.file_),
      fd_(other.fd_),
      options_(other.options_),
      buffer_(std::move(other.buffer_)) {
  if (sink_ != Sink::kString) out_ = &buffer_;
  // The moved-from writer keeps nothing to flush.
  other.sink_ = Sink::kString;
  other.buffer_.clear();
  other.out_ = &other.buffer_;
}

Writer Writer::ToString(std::string* out, WriterOptions options) {
  assert(out != nullptr);
  return Writer(Sink::kString, out, nullptr, -1, options);
}

Writer Writer::ToFile(FILE* file, WriterOptions options) {
  assert(file != nullptr);
  return Writer(Sink::kFile, nullptr, file, -1, options);
}

Writer Writer::ToFd(int fd, WriterOptions options) {
  assert(fd >= 0);
  return Writer(Sink::kFd, nullptr, nullptr, fd, options);
}

Writer::~Writer() { (void)Flush(); }

Status Writer::WriteRecord(absl::Span<const std::string_view> fields) {
  AppendRecord(fields, options_, out_);
  if (sink_ != Sink::kString && buffer_.size() >= kFlushBytes) return Flush();
  return OkStatus();
}

Status Writer::Flush() {
  switch (sink_) {
    case Sink::kString:
      return OkStatus();
    case Sink::kFile: {
      errno = 0;
      const size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
      buffer_.erase(0, written);
      if (!buffer_.empty() || std::fflush(file_) != 0) {
        return WriteError();
      }
      return OkStatus();
    }
    case Sink::kFd: {
      size_t done = 0;
      while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          const Status error = WriteError();
          buffer_.erase(0, done);
          return error;
        }
        done += static_cast<size_t>(n);
      }
      buffer_.clear();
      return OkStatus();
    }
  }
  return OkStatus();
}

}  // namespace cadent::csv
