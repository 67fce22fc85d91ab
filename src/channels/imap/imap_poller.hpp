// Reads a sender's inbox over IMAP, read-only: the messages that arrived since the last UID
// the caller has seen, as raw bytes for ClassifyInbound (inbound.hpp).
//
// How: libcurl connects, does TLS (implicit or STARTTLS) and logs in (SASL PLAIN, LOGIN or
// XOAUTH2) with CURLOPT_CONNECT_ONLY; the few commands after that are ours, sent with
// curl_easy_send over the same (TLS) connection:
//   EXAMINE <mailbox>                      read-only select; gives UIDVALIDITY
//   UID SEARCH UID <last+1>:*              the new UIDs
//   UID FETCH <uids> (UID RFC822.SIZE BODY.PEEK[]<0.max>)
//   LOGOUT
// We do not use libcurl's own IMAP requests: a URL fetch (imap://host/INBOX;UID=n) SELECTs
// the mailbox read-write and fetches BODY[], which sets \Seen on the user's message; and a
// CURLOPT_CUSTOMREQUEST FETCH hands the body's lines to the write callback without parsing
// the literal, so a line in a message that looks like a tagged answer ends the command.
// EXAMINE and BODY.PEEK never change a flag; nothing is ever stored, moved or expunged.
//
// "n:*" in IMAP means "from n to the highest UID", and when every UID is below n the
// server still answers with the highest one; UIDs <= last_uid are dropped here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace cadent::channels {

class ImapMailbox {
 public:
  struct Options {
    // imaps://host:993/INBOX (implicit TLS), imap://host:143/INBOX (STARTTLS required: the
    // poll fails rather than log in in clear text), imap+insecure://host:port/INBOX (no TLS
    // at all: loopback test servers only). The path names the mailbox ("" = INBOX),
    // percent-encoded; it must be ASCII (modified UTF-7 names are not supported).
    std::string url;
    std::string username;
    // The password, or the OAuth 2 access token when auth is "xoauth2". Never logged.
    std::string secret;
    std::string auth;        // "plain", "login", "xoauth2", or "" (the server's best)
    bool verify_tls = true;  // certificate and host name verification
    std::string ca_file;     // a CA bundle to trust instead of the system's
    std::chrono::milliseconds connect_timeout{10'000};  // TCP, TLS and login
    std::chrono::milliseconds timeout{60'000};          // one whole FetchSince
    // A message larger than this comes back cut to its first max_message_bytes (enough
    // for the headers and a bounce's report), with `truncated` set.
    size_t max_message_bytes = 4 * 1024 * 1024;
  };

  struct Fetched {
    uint32_t uid = 0;
    std::string raw;         // the message as stored (CRLF line ends), maybe truncated
    uint64_t size = 0;       // the whole message's size as the server reports it
    bool truncated = false;  // raw holds only the first max_message_bytes
  };

  struct Batch {
    // The mailbox's UIDVALIDITY. UIDs are only comparable under one value: when it differs
    // from the one stored with last_uid, the caller must forget last_uid (start from 0 and
    // expect to see old messages again; classifying is idempotent by Message-ID).
    uint32_t uid_validity = 0;
    std::vector<Fetched> messages;  // UID > last_uid, increasing, at most `limit`
    bool more = false;              // more new messages than `limit`: call again
    uint32_t uid_next = 0;          // the server's UIDNEXT, 0 when it did not say
  };

  explicit ImapMailbox(Options options);

  // One connection: logs in, examines the mailbox, fetches the first `limit` messages with
  // a UID above last_uid (in UID order), logs out. Errors: kInvalidArgument for a bad URL or
  // option; kUnauthenticated when the server refuses the login; kFailedPrecondition when TLS
  // is required but the server offers none, or its certificate does not verify; kNotFound
  // when the mailbox does not exist; kUnavailable for network failures, timeouts and
  // unexpected answers (retry later). The message names the server and the failing step,
  // never the secret. Not thread-safe: one call at a time per object.
  Result<Batch> FetchSince(uint32_t last_uid, size_t limit);

 private:
  Options options_;
};

}  // namespace cadent::channels
