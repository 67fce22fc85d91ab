// The SMTP channel: each email goes to its sender account's own SMTP server (Gmail, Microsoft
// 365, a relay...) over libcurl, DKIM-signed when its From domain has a key, on kept-alive
// connections pooled per account.
//
// Per message: the MIME (RenderEml) is built and signed on the calling thread, then the
// message waits for one of the account's connections (at most EmailTransport::connections
// at once; a new one is opened when all are busy and the account has fewer), sends MAIL
// FROM / RCPT TO / DATA on it, and gives the connection back open, so the next message to the
// same account skips the connect, TLS handshake and AUTH. libcurl does the protocol, TLS
// (STARTTLS or implicit), AUTH PLAIN / LOGIN / XOAUTH2 and the dot-stuffing of the body.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "channels/channel.hpp"
#include "channels/email/transport.hpp"

namespace cadent::channels {

struct SmtpOptions {
  // The sender account's transport (endpoint, login, secret), looked up per message.
  // Required.
  TransportLookup transports;
  // The DKIM-Signature field(s) for a rendered message, "" to send it unsigned. Optional.
  SignHook sign;
  std::chrono::milliseconds connect_timeout{10'000};  // TCP connect and TLS handshake
  std::chrono::milliseconds timeout{60'000};          // one message's whole exchange
  // SendBatch works on at most this many messages at once across accounts: as many as the
  // batch's accounts have connections, plus one per further CPU to build and sign the next
  // messages meanwhile (more threads than that only wait for a connection).
  int max_parallel = 16;
};

// Send: refuses (kInvalidArgument, nothing sent) a message that is not email, has no
// sender or recipient, has an address that could not be an SMTP path (spaces, controls,
// angle brackets), or extra headers CheckEmlHeaders refuses; a transport lookup or signing
// error comes back as that message's Status; a transport of another kind or an endpoint that
// is not smtp://, smtps:// or smtp+insecure:// is kInvalidArgument.
// Then the outcome:
//   250 after DATA                         kAccepted; provider_id = the server's queue id
//                                          ("queued as X") or its whole reply
//   a refusal of MAIL, RCPT or DATA        SendCodeForSmtpReply (5.1.x hard bounce, 5.7.x
//                                          blocked, 4xx transient or rate limited, ...)
//   login refused                          kUnauthorized
//   STARTTLS not offered, certificate      kUnauthorized (the account's settings need a fix;
//   not trusted                            nothing is sent in clear)
//   no connection, timeout, reset          kTransient; when the whole message had been sent
//                                          and the final answer never came, the detail says
//                                          that it may have been delivered
// Thread-safe.
class SmtpChannel : public Channel {
 public:
  explicit SmtpChannel(SmtpOptions options);
  ~SmtpChannel() override;  // says QUIT on every open connection
  SmtpChannel(const SmtpChannel&) = delete;
  SmtpChannel& operator=(const SmtpChannel&) = delete;

  std::string_view name() const override { return "smtp"; }
  Capabilities capabilities() const override;
  Result<SendResult> Send(const OutgoingMessage& message) override;
  // On worker threads (see SmtpOptions::max_parallel), each message with its own result, in
  // order.
  std::vector<Result<SendResult>> SendBatch(std::span<const OutgoingMessage* const> batch) override;

  // Connections opened so far (for tests and the benchmark: reuse keeps it small).
  int64_t connections_opened() const;

 private:
  struct Connection;
  struct Pool {
    std::vector<std::unique_ptr<Connection>> idle;
    int busy = 0;
    // Signalled when one of this account's connections comes back: only a sender waiting
    // for this account can use it, so one waiter is woken, not every sender of the batch.
    std::condition_variable released;
  };
  using AccountKey = std::pair<int64_t, int64_t>;  // workspace, sender

  // A connection of the account's, waiting while `limit` are busy.
  std::unique_ptr<Connection> Acquire(AccountKey key, int limit);
  void Release(AccountKey key, std::unique_ptr<Connection> connection);

  SmtpOptions options_;
  mutable std::mutex mutex_;
  int cpus_ = 1;                                 // the CPUs this process may run on
  absl::node_hash_map<AccountKey, Pool> pools_;  // guarded by mutex_ (nodes: Pools stay put)
  int64_t connections_opened_ = 0;               // guarded by mutex_
};

}  // namespace cadent::channels
