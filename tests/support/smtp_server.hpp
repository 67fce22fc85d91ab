// A real SMTP server for tests: tests/support/smtp_server.py (Python's aiosmtpd, Debian's
// python3-aiosmtpd) as a child process on a free loopback port, writing every message it
// accepts into a temporary directory that the test reads back. See the script for the
// recipients that steer its answers (bounce@, policy@, later@, ...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.hpp"

namespace cadent::integration {

struct SmtpServerOptions {
  enum class Tls { kNone, kStartTls, kRequireStartTls, kImplicit };
  Tls tls = Tls::kNone;
  std::string user;         // with password or oauth_token: AUTH required
  std::string password;     // AUTH PLAIN and LOGIN
  std::string oauth_token;  // AUTH XOAUTH2
};

// One message as the server received it.
struct ReceivedMail {
  std::string eml;  // the bytes after DATA, as sent (CRLF line ends, dot-stuffing undone)
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  int peer_port = 0;  // the client's port: messages on one connection share it
  std::string login;  // the AUTH login, "" without AUTH
  bool tls = false;   // the connection was encrypted
};

class SmtpTestServer {
 public:
  explicit SmtpTestServer(SmtpServerOptions options = {});
  ~SmtpTestServer();  // stops the server and removes its directory
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  // Starts it (a self-signed certificate for 127.0.0.1 first, when TLS is on). "" on
  // success, else what went wrong.
  std::string Start();

  uint16_t port() const { return port_; }
  // The certificate to trust (EmailTransport::ca_file); "" without TLS.
  std::string ca_file() const;
  // Every message received so far, in arrival order.
  std::vector<ReceivedMail> Messages() const;
  std::string log() const { return server_ ? server_->err() : std::string(); }

 private:
  SmtpServerOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<Child> server_;
  uint16_t port_ = 0;
};

}  // namespace cadent::integration
