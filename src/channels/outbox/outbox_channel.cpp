#include "channels/outbox/outbox_channel.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "channels/email/eml.hpp"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMessageIdDomain = "outbox.cadent.invalid";

Status ErrnoInternal(std::string_view what, const fs::path& path) {
  const int error = errno;  // before anything else can change it
  return absl::InternalError(
      StrCat("outbox: ", what, " '", path.string(), "': ", std::generic_category().message(error)));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoInternal("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return OkStatus();
}

// Finds the top-level "id" of one line without building the document: Open reads every line
// of a file that may hold millions. Fails (returns false) on anything but a JSON object.
class IdFinder {
 public:
  using Json = nlohmann::json;

  bool null() { return Scalar(); }
  bool boolean(bool /*value*/) { return Scalar(); }
  bool number_integer(Json::number_integer_t /*value*/) { return Scalar(); }
  bool number_unsigned(Json::number_unsigned_t value) {
    if (depth_ == 1 && in_id_ && value > 0 &&
        value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      id_ = static_cast<int64_t>(value);
    }
    return Scalar();
  }
  bool number_float(Json::number_float_t /*value*/, const Json::string_t& /*text*/) {
    return Scalar();
  }
  bool string(Json::string_t& /*value*/) { return Scalar(); }
  bool binary(Json::binary_t& /*value*/) { return Scalar(); }
  bool start_object(std::size_t /*elements*/) {
    if (depth_ == 0 && done_) return false;
    ++depth_;
    in_id_ = false;
    return true;
  }
  bool key(Json::string_t& name) {
    if (depth_ == 1) in_id_ = name == "id";
    return true;
  }
  bool end_object() {
    if (--depth_ == 0) done_ = true;
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    if (depth_ == 0) return false;  // the line must be an object
    ++depth_;
    in_id_ = false;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    return false;
  }

  std::optional<int64_t> id() const { return id_; }

 private:
  bool Scalar() {
    in_id_ = false;
    return depth_ > 0;  // a bare scalar is not an object
  }

  int depth_ = 0;
  bool in_id_ = false;
  bool done_ = false;
  std::optional<int64_t> id_;
};

std::optional<int64_t> LineId(std::string_view line) {
  IdFinder finder;
  if (!nlohmann::json::sax_parse(line.data(), line.data() + line.size(), &finder)) {
    return std::nullopt;
  }
  return finder.id();
}

// One step of UTF-8 validation at text[i] (RFC 3629): how many bytes a well-formed
// sequence takes, or how many bytes form the invalid prefix that one U+FFFD replaces (the
// Unicode "maximal subpart" practice, as browsers and Python decode).
struct Utf8Step {
  size_t length;
  bool valid;
};
Utf8Step Utf8At(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t continuation = 0;
  unsigned char low = 0x80;  // the range of the first continuation byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
  } else if (lead == 0xE0) {
    continuation = 2;
    low = 0xA0;  // no overlong forms
  } else if (lead == 0xED) {
    continuation = 2;
    high = 0x9F;  // no surrogates
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    continuation = 2;
  } else if (lead == 0xF0) {
    continuation = 3;
    low = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuation = 3;
  } else if (lead == 0xF4) {
    continuation = 3;
    high = 0x8F;  // nothing past U+10FFFF
  } else {
    return {1, false};
  }
  for (size_t k = 1; k <= continuation; ++k) {
    if (i + k >= text.size()) return {k, false};
    const auto byte = static_cast<unsigned char>(text[i + k]);
    if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) return {k, false};
  }
  return {continuation + 1, true};
}

// Appends `text` as a JSON string (RFC 8259). Invalid UTF-8 from a contact's data becomes
// U+FFFD, so the line always parses. Written by hand rather than through a JSON document:
// this runs on every Send, and building and dumping an nlohmann document cost about four
// times as much as the write(2) itself.
void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    size_t plain = i;  // the run of bytes that go out as they are
    while (plain < text.size()) {
      const auto byte = static_cast<unsigned char>(text[plain]);
      if (byte < 0x20 || byte == '"' || byte == '\\' || byte >= 0x80) break;
      ++plain;
    }
    out->append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const Utf8Step step = Utf8At(text, i);
      if (step.valid) {
        out->append(text.data() + i, step.length);
      } else {
        out->append("\xEF\xBF\xBD");  // U+FFFD
      }
      i += step.length;
      continue;
    }
    switch (byte) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[byte >> 4]);
        out->push_back(kHex[byte & 0xF]);
    }
    ++i;
  }
  out->push_back('"');
}

// The keys in the documented order, so the file reads well in a pager.
void AppendJsonLine(const OutgoingMessage& message, std::string* out) {
  const auto key = [out](std::string_view name) {
    out->append(out->empty() ? "{\"" : ",\"");
    out->append(name);
    out->append("\":");
  };
  const auto number = [&](std::string_view name, int64_t value) {
    key(name);
    StrAppend(out, value);
  };
  const auto text = [&](std::string_view name, std::string_view value) {
    key(name);
    AppendJsonString(value, out);
  };
  number("id", message.id.value());
  number("attempt", message.attempt);
  number("workspace", message.workspace.value());
  number("campaign", message.campaign.value());
  number("enrollment", message.enrollment.value());
  number("contact", message.contact.value());
  text("step", message.step);
  text("variant", message.variant);
  text("channel", templating::ToString(message.channel));
  number("sender", message.sender.value());
  text("from", message.from_address);
  text("from_name", message.from_name);
  text("to", message.to_address);
  text("to_name", message.to_name);
  text("subject", message.subject);
  text("html", message.html);
  text("text", message.text);
  key("headers");
  out->push_back('[');
  for (size_t i = 0; i < message.headers.size(); ++i) {
    out->append(i == 0 ? "[" : ",[");
    AppendJsonString(message.headers[i].first, out);
    out->push_back(',');
    AppendJsonString(message.headers[i].second, out);
    out->push_back(']');
  }
  out->push_back(']');
  text("planned_at", FormatRfc3339(message.planned_at));
  text("sent_at", FormatRfc3339(message.attempt_at));
  out->append("}\n");
}

}  // namespace

OutboxChannel::OutboxChannel(Options options)
    : options_(std::move(options)),
      jsonl_path_(options_.dir / "messages.jsonl"),
      eml_dir_(options_.dir / "eml"),
      eml_temp_dir_(eml_dir_ / ".tmp") {}

OutboxChannel::~OutboxChannel() {
  if (jsonl_ != nullptr) std::fclose(jsonl_);  // also releases the flock
}

Result<std::unique_ptr<OutboxChannel>> OutboxChannel::Open(const Options& options) {
  std::unique_ptr<OutboxChannel> channel(new OutboxChannel(options));
  std::error_code error;
  fs::create_directories(options.dir, error);
  if (error) {
    return absl::InternalError(
        StrCat("outbox: cannot create '", options.dir.string(), "': ", error.message()));
  }
  if (options.write_eml) {
    // Files left in .tmp were being written when a process died: never renamed, never sent.
    fs::remove_all(channel->eml_temp_dir_, error);
    fs::create_directories(channel->eml_temp_dir_, error);
    if (error) {
      return absl::InternalError(StrCat("outbox: cannot create '", channel->eml_temp_dir_.string(),
                                        "': ", error.message()));
    }
  }

  const fs::path& path = channel->jsonl_path_;
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoInternal("cannot open", path);
  // Two writers would each cut the other's lines as torn and answer Reconcile from half the
  // file. The lock goes with the descriptor: a killed process releases it.
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          StrCat("outbox: '", path.string(), "' is open in another outbox channel"));
    }
    return ErrnoInternal("cannot lock", path);
  }
  TRY(channel->Load(fd.get()));
  if (options.sync) {
    // messages.jsonl and eml/ may be new: their directory entries must survive a power cut
    // as much as the lines that a later fdatasync makes durable.
    Fd dir(::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || ::fsync(dir.get()) != 0) return ErrnoInternal("cannot sync", options.dir);
  }

  std::FILE* file = ::fdopen(fd.get(), "ab");
  if (file == nullptr) return ErrnoInternal("cannot open", path);
  fd.release();
  // Unbuffered: each fwrite of a whole line is one write(2), so nothing of a line waits in
  // a stdio buffer (a process crash cannot leave half of it behind to be flushed later, and
  // a failed write is wholly in the file, where AppendLocked cuts it back).
  std::setvbuf(file, nullptr, _IONBF, 0);
  channel->jsonl_ = file;
  return channel;
}

Status OutboxChannel::Load(int fd) {
  // Lines are read in chunks; `partial` holds a line split across chunks.
  std::string chunk(1 << 20, '\0');
  std::string partial;
  int64_t offset = 0;      // file offset of chunk[0]
  int64_t line_start = 0;  // file offset where the current line starts
  int64_t line_number = 0;
  std::optional<int64_t> invalid_line;  // the last whole line read, when it was not valid
  int64_t invalid_start = 0;

  const auto corrupt = [&](int64_t line) {
    return absl::InvalidArgumentError(
        StrCat("outbox: '", jsonl_path_.string(), "' line ", line,
               " is not a JSON object with a positive integer \"id\" (only the last line may "
               "be torn; repair or move the file)"));
  };

  while (true) {
    const ssize_t count = ::pread(fd, chunk.data(), chunk.size(), offset);
    if (count < 0) {
      if (errno == EINTR) continue;
      return ErrnoInternal("cannot read", jsonl_path_);
    }
    if (count == 0) break;
    std::string_view data(chunk.data(), static_cast<size_t>(count));
    size_t position = 0;
    for (size_t newline; (newline = data.find('\n', position)) != std::string_view::npos;
         position = newline + 1) {
      std::string_view line = data.substr(position, newline - position);
      if (!partial.empty()) {
        partial.append(line);
        line = partial;
      }
      ++line_number;
      if (invalid_line) return corrupt(*invalid_line);  // another line follows it
      if (const std::optional<int64_t> id = LineId(line)) {
        sent_[*id] = line_number;
      } else {
        invalid_line = line_number;
        invalid_start = line_start;
      }
      partial.clear();
      line_start = offset + static_cast<int64_t>(newline) + 1;
    }
    partial.append(data.substr(position));
    offset += count;
  }
  if (invalid_line && !partial.empty()) return corrupt(*invalid_line);

  // Keep the whole lines: a last line without its newline was torn by a crash mid-write (its
  // Send never returned), and an invalid last line is the same kind of damage.
  int64_t keep = line_start;
  lines_ = line_number;
  if (invalid_line) {
    keep = invalid_start;
    lines_ = line_number - 1;
  }
  if (keep != offset) {
    if (::ftruncate(fd, keep) != 0) {
      return ErrnoInternal("cannot cut the torn line of", jsonl_path_);
    }
    if (options_.sync && ::fdatasync(fd) != 0) return ErrnoInternal("cannot sync", jsonl_path_);
  }
  bytes_ = keep;
  return OkStatus();
}

Capabilities OutboxChannel::capabilities() const {
  Capabilities capabilities;
  capabilities.channels = {templating::Channel::kEmail, templating::Channel::kLinkedInInvite,
                           templating::Channel::kLinkedInMessage, templating::Channel::kSms};
  capabilities.idempotency_keys = false;
  capabilities.reconcile = true;
  return capabilities;
}

Result<SendResult> OutboxChannel::Send(const OutgoingMessage& message) {
  if (!message.id.valid()) {
    return absl::InvalidArgumentError("outbox: a message needs a positive id");
  }
  const bool email = message.channel == templating::Channel::kEmail;
  if (email) TRY(CheckEmlHeaders(message.headers));
  // The .eml before the line: once the line is in the file Reconcile answers kSent, so the
  // .eml must exist by then. A crash between the two leaves an .eml that the resend (the
  // line is missing, so Reconcile answers kNotSent) overwrites.
  if (email && options_.write_eml) TRY(WriteEml(message));

  {
    std::lock_guard<std::mutex> lock(mutex_);
    buffer_.clear();  // keeps its capacity: no allocation once the longest line was seen
    AppendJsonLine(message, &buffer_);
    TRY(AppendLocked(buffer_));
    sent_[message.id.value()] = lines_;
  }
  SendResult result;
  result.code = sequence::SendCode::kAccepted;
  result.provider_id = StrCat("outbox-", message.id.value());
  return result;
}

Status OutboxChannel::AppendLocked(std::string_view line) {
  if (broken_) {
    return absl::InternalError(
        StrCat("outbox: '", jsonl_path_.string(), "' holds a partial line from a failed write"));
  }
  // One fwrite of the whole line (one write(2), the stream being unbuffered), then fflush
  // for good measure. SIGKILL can still land inside a write that the kernel splits: Open
  // cuts that torn line.
  const size_t written = std::fwrite(line.data(), 1, line.size(), jsonl_);
  if (written != line.size() || std::fflush(jsonl_) != 0) {
    Status status = ErrnoInternal("cannot append to", jsonl_path_);
    std::clearerr(jsonl_);
    // Cut the partial line back, or the next line would be glued to it.
    if (::ftruncate(::fileno(jsonl_), bytes_) != 0) broken_ = true;
    return status;
  }
  bytes_ += static_cast<int64_t>(line.size());
  ++lines_;
  return OkStatus();
}

Status OutboxChannel::WriteEml(const OutgoingMessage& message) {
  const std::string bytes = RenderEml(message, kMessageIdDomain);
  const fs::path path = eml_dir_ / StrCat(message.id.value(), ".eml");
  // Written under a temporary name and renamed, so <id>.eml is always whole. The counter
  // keeps two concurrent attempts of one message apart.
  const fs::path temp = eml_temp_dir_ / StrCat(message.id.value(), ".", message.attempt, ".",
                                               temp_counter_.fetch_add(1), ".tmp");
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoInternal("cannot create", temp);
  Status written = WriteAll(fd.get(), bytes, temp);
  if (written.ok() && ::close(fd.release()) != 0) written = ErrnoInternal("cannot write", temp);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = ErrnoInternal("cannot rename to", path);
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  if (options_.sync) {
    std::lock_guard<std::mutex> lock(mutex_);
    eml_unsynced_ = true;
  }
  return OkStatus();
}

Result<ReconcileResult> OutboxChannel::Reconcile(const OutgoingMessage& message) {
  ReconcileResult result;
  std::lock_guard<std::mutex> lock(mutex_);
  if (sent_.contains(message.id.value())) {
    result.state = Reconciled::kSent;
    result.provider_id = StrCat("outbox-", message.id.value());
  } else {
    result.state = Reconciled::kNotSent;
  }
  return result;
}

Status OutboxChannel::Flush() {
  bool eml_unsynced = false;
  int fd = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::fflush(jsonl_) != 0) return ErrnoInternal("cannot flush", jsonl_path_);
    if (!options_.sync) return OkStatus();
    eml_unsynced = std::exchange(eml_unsynced_, false);
    fd = ::fileno(jsonl_);  // valid while the channel lives
  }
  // Outside the lock, so Sends continue meanwhile; this Flush answers for the sends that
  // returned before it was called. With new .eml files, one syncfs commits them, their
  // directory entries and messages.jsonl in a single journal commit: fdatasync on each file
  // costs a commit per file (100 files: ~400 ms against 4-26 ms on the ext4 we measured).
  // It also writes out other dirty data on that file system, which only costs time.
  const int synced = eml_unsynced ? ::syncfs(fd) : ::fdatasync(fd);
  if (synced != 0) {
    Status status = ErrnoInternal("cannot sync", eml_unsynced ? options_.dir : jsonl_path_);
    if (eml_unsynced) {
      std::lock_guard<std::mutex> lock(mutex_);
      eml_unsynced_ = true;  // the next Flush tries again
    }
    return status;
  }
  return OkStatus();
}

int64_t OutboxChannel::lines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_;
}

}  // namespace cadent::channels
