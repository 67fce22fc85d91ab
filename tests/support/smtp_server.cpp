#include "support/smtp_server.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"

namespace cadent::integration {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

SmtpTestServer::SmtpTestServer(SmtpServerOptions options) : options_(std::move(options)) {}

SmtpTestServer::~SmtpTestServer() {
  if (server_ != nullptr) {
    server_->Signal(SIGTERM);
    if (server_->Wait(After(std::chrono::seconds(10))).timed_out) server_->KillAndReap();
    server_.reset();
  }
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string SmtpTestServer::ca_file() const {
  return options_.tls == SmtpServerOptions::Tls::kNone ? std::string()
                                                       : (dir_ / "cert.pem").string();
}

std::string SmtpTestServer::Start() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cadent-smtp.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return "mkdtemp failed";
  dir_ = pattern;
  std::filesystem::create_directories(dir_ / "mail");
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   CADENT_SOURCE_DIR "/tests/support/smtp_server.py", "--dir",
                                   (dir_ / "mail").string()};
  if (options_.tls != SmtpServerOptions::Tls::kNone) {
    const RunResult made = Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                "-keyout", (dir_ / "key.pem").string(), "-out", ca_file()},
                               After(std::chrono::seconds(20)));
    if (!made.status.Success()) return "openssl req failed: " + made.err;
    argv.insert(argv.end(), {"--cert", ca_file(), "--key", (dir_ / "key.pem").string()});
    if (options_.tls == SmtpServerOptions::Tls::kRequireStartTls) argv.push_back("--require-tls");
    if (options_.tls == SmtpServerOptions::Tls::kImplicit) argv.push_back("--implicit-tls");
  }
  if (!options_.user.empty()) argv.insert(argv.end(), {"--user", options_.user});
  if (!options_.password.empty()) argv.insert(argv.end(), {"--password", options_.password});
  if (!options_.oauth_token.empty()) {
    argv.insert(argv.end(), {"--oauth-token", options_.oauth_token});
  }
  server_ = std::make_unique<Child>(argv);
  const std::optional<std::string> line = server_->WaitForStderrLine(
      [](std::string_view l) { return l.rfind("listening on ", 0) == 0; },
      After(std::chrono::seconds(30)));
  if (!line) return "the SMTP server did not start: " + server_->err();
  port_ = static_cast<uint16_t>(std::atoi(line->c_str() + 13));
  return port_ == 0 ? "the SMTP server printed no port" : "";
}

std::vector<ReceivedMail> SmtpTestServer::Messages() const {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "mail", error)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> mails;
  for (const std::filesystem::path& file : files) {
    ReceivedMail mail;
    mail.eml = ReadAll(file);
    std::filesystem::path meta_file = file;
    meta_file.replace_extension(".json");
    const nlohmann::json meta = nlohmann::json::parse(ReadAll(meta_file), nullptr, false);
    if (meta.is_object()) {
      mail.mail_from = meta.value("mail_from", "");
      for (const auto& to : meta.value("rcpt_tos", nlohmann::json::array())) {
        mail.rcpt_to.push_back(to.get<std::string>());
      }
      if (meta["peer"].is_array() && meta["peer"].size() == 2) mail.peer_port = meta["peer"][1];
      if (meta["login"].is_string()) mail.login = meta["login"];
      mail.tls = meta.value("tls", false);
    }
    mails.push_back(std::move(mail));
  }
  return mails;
}

}  // namespace cadent::integration
