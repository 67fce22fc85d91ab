// The outbox channel: "sends" by writing each message as one JSON line to
// <dir>/messages.jsonl and, for email, an RFC 5322 file <dir>/eml/<message id>.eml. The
// default channel of `make run` (a new user sees a campaign send without any provider) and
// the channel of the crash tests: the file is the provider, so Reconcile knows exactly what
// went out.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "channels/channel.hpp"

namespace cadent::channels {

class OutboxChannel final : public Channel {
 public:
  struct Options {
    std::filesystem::path dir;  // created when absent
    bool write_eml = true;      // also write one .eml per email message
    // Flush makes the sends durable: fdatasync of messages.jsonl, or syncfs when .eml files
    // were written since the last Flush. Off only in benchmarks that measure the engine
    // without the disk.
    bool sync = true;
  };

  // Opens (creating) the outbox. Reads messages.jsonl once to index the message ids it
  // holds (for Reconcile); a torn last line from a crash mid-write is cut off, so the file
  // always ends with a whole line. kInvalidArgument when a line other than the last is not
  // a JSON object with an id (the error names the line). kFailedPrecondition when another
  // OutboxChannel (in this process or another) has the directory open.
  static Result<std::unique_ptr<OutboxChannel>> Open(const Options& options);
  ~OutboxChannel() override;

  std::string_view name() const override { return "outbox"; }
  Capabilities capabilities() const override;
  // Appends the JSON line (keys: id, attempt, workspace, campaign, enrollment, contact, step,
  // variant, channel, sender, from, from_name, to, to_name, subject, html, text, headers
  // (array of [name, value]), planned_at, sent_at as RFC 3339) and, for email with
  // write_eml, the .eml (built with GMime: multipart/alternative, UTF-8 quoted-printable,
  // RFC 2047 headers, Message-ID <id.attempt@outbox.cadent.invalid>). Always kAccepted with
  // provider_id "outbox-<id>"; an I/O error is a Status error (kInternal). kInvalidArgument,
  // with nothing written, for a message without a positive id or an email whose extra
  // header names are not RFC 5322 field names or name a header the .eml sets itself.
  Result<SendResult> Send(const OutgoingMessage& message) override;
  // kSent when messages.jsonl holds a line with this id, else kNotSent.
  Result<ReconcileResult> Reconcile(const OutgoingMessage& message) override;
  Status Flush() override;

  // How many lines (sends) the file holds.
  int64_t lines() const;

 private:
  explicit OutboxChannel(Options options);
  Status Load(int fd);  // indexes messages.jsonl and cuts a torn last line (Open)
  Status WriteEml(const OutgoingMessage& message);
  Status AppendLocked(std::string_view line);

  const Options options_;
  const std::filesystem::path jsonl_path_;
  const std::filesystem::path eml_dir_;
  const std::filesystem::path eml_temp_dir_;  // eml/.tmp: files being written, then renamed
  std::atomic<uint64_t> temp_counter_{0};     // unique temp names across threads

  mutable std::mutex mutex_;
  std::FILE* jsonl_ = nullptr;                  // unbuffered; guarded by mutex_
  absl::flat_hash_map<int64_t, int64_t> sent_;  // message id -> line number; guarded
  int64_t lines_ = 0;                           // guarded by mutex_
  int64_t bytes_ = 0;    // length of the whole lines, where a failed write is cut back to; guarded
  bool broken_ = false;  // a failed write could not be cut back: refuse to append; guarded
  bool eml_unsynced_ = false;  // .eml files were renamed since the last Flush; guarded
  std::string buffer_;         // reused line buffer; guarded
};

}  // namespace cadent::channels
