// Where the CSV reader gets its bytes: a file (POSIX fd) or an in-memory string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/common/result.hpp"

namespace cadent::csv {

// A seekable stream of bytes. Implementations are not thread-safe; one reader owns one
// source.
class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Copies up to `n` bytes into `buf` and returns how many were copied. Returns 0 only at
  // the end of the data; a short count is not the end (call again). An error means the
  // bytes cannot be read (the code follows errno, as absl::ErrnoToStatus maps it); the
  // position is then unspecified.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;

  // Moves to `offset` bytes from the start, so that the next Read returns the byte there.
  // kInvalidArgument for a negative offset; seeking past the end makes Read return 0.
  virtual Status Seek(int64_t offset) = 0;
};

// Reads a file through its own descriptor (O_RDONLY | O_CLOEXEC). No buffering of its own:
// the reader asks for large blocks (1 MiB) and each Read is one read(2).
class FileSource final : public ByteSource {
 public:
  // kNotFound, kPermissionDenied, ... (from errno) when the file cannot be opened.
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> Read(char* buf, size_t n) override;
  Status Seek(int64_t offset) override;

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_;
  std::string path_;  // for error messages
};

// Serves bytes from a string it owns (tests, fuzzing, uploads held in memory).
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}

  Result<size_t> Read(char* buf, size_t n) override;
  Status Seek(int64_t offset) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace cadent::csv
