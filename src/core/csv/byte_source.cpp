#include "core/csv/byte_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cadent::csv {

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  }
  // Private constructor: make_unique cannot reach it.
  return std::unique_ptr<FileSource>(new FileSource(fd, path));
}

FileSource::~FileSource() { ::close(fd_); }

Result<size_t> FileSource::Read(char* buf, size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path_));
    }
  }
}

Status FileSource::Seek(int64_t offset) {
  if (offset < 0) return absl::InvalidArgumentError("negative seek offset");
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot seek in ", path_));
  }
  return OkStatus();
}

Result<size_t> StringSource::Read(char* buf, size_t n) {
  const size_t count = std::min(n, data_.size() - std::min(pos_, data_.size()));
  if (count > 0) std::memcpy(buf, data_.data() + pos_, count);
  pos_ += count;
  return count;
}

Status StringSource::Seek(int64_t offset) {
  if (offset < 0) return absl::InvalidArgumentError("negative seek offset");
  pos_ = static_cast<size_t>(offset);
  return OkStatus();
}

}  // namespace cadent::csv
