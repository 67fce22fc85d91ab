// ImapMailbox against a real Dovecot on loopback: each test writes a throwaway dovecot.conf
// into a temporary directory (base, state, mail and password file all inside it), starts
// `dovecot -F` as a child in its own process group, waits for its "starting up" log line,
// delivers crafted messages with IMAP APPEND (libcurl), and kills and reaps the whole group
// at the end.
#include "channels/imap/imap_poller.hpp"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "channels/imap/inbound.hpp"
#include "core/common/strings.hpp"
#include "support/ports.hpp"
#include "support/subprocess.hpp"

namespace cadent::channels {
namespace {

using integration::After;
using integration::Child;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDovecot[] = "/usr/sbin/dovecot";
constexpr std::string_view kUser = "test";
constexpr std::string_view kPassword = "s3cret-pass";

size_t ReadFrom(char* buffer, size_t size, size_t count, void* user) {
  auto* source = static_cast<std::string_view*>(user);
  const size_t n = std::min(size * count, source->size());
  std::copy_n(source->data(), n, buffer);
  source->remove_prefix(n);
  return n;
}

size_t WriteTo(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

class ImapPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kDovecot))
        << "dovecot-imapd is not installed (scripts/install-deps.sh installs it)";
    char dir_template[] = "/tmp/cadent-imap-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    // Dovecot's login processes run as an unprivileged user and must reach base_dir.
    std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    std::filesystem::create_directories(dir_ + "/mail");

    // As root, Dovecot refuses to run login processes or mail access as root: use the
    // accounts the Debian package creates. As anyone else, everything runs as that user.
    std::string login_user;
    std::string internal_user;
    uid_t mail_uid = getuid();
    gid_t mail_gid = getgid();
    if (geteuid() == 0) {
      const passwd* dovecot = getpwnam("dovecot");
      ASSERT_NE(dovecot, nullptr) << "no dovecot user";
      ASSERT_NE(getpwnam("dovenull"), nullptr) << "no dovenull user";
      login_user = "dovenull";
      internal_user = "dovecot";
      mail_uid = dovecot->pw_uid;
      mail_gid = dovecot->pw_gid;
      ASSERT_EQ(chown((dir_ + "/mail").c_str(), mail_uid, mail_gid), 0);
    } else {
      const passwd* self = getpwuid(getuid());
      ASSERT_NE(self, nullptr);
      login_user = internal_user = self->pw_name;
    }
    std::ofstream(dir_ + "/passwd") << kUser << ":{PLAIN}" << kPassword << "\n";
    port_ = integration::FreeLoopbackPort();
    tls_port_ = integration::FreeLoopbackPort();
    ASSERT_NE(port_, 0);
    ASSERT_NE(tls_port_, 0);
    std::string ssl = "ssl = no\n";
    if (tls_) {
      // A self-signed certificate for 127.0.0.1; the tests trust it through ca_file.
      const integration::RunResult made =
          integration::Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                            dir_ + "/key.pem", "-out", dir_ + "/cert.pem"},
                           After(std::chrono::seconds(20)));
      ASSERT_TRUE(made.status.Success()) << made.err;
      ssl = StrCat("ssl = yes\nssl_cert = <", dir_, "/cert.pem\nssl_key = <", dir_, "/key.pem\n");
    }
    std::ofstream(dir_ + "/dovecot.conf") << StrCat(
        "base_dir = ", dir_, "/run\n", "state_dir = ", dir_, "/state\n",
        "log_path = /dev/stderr\n"
        "protocols = imap\n"
        "listen = 127.0.0.1\n",
        ssl,
        "disable_plaintext_auth = no\n"
        "auth_mechanisms = plain login\n"
        "auth_failure_delay = 0\n"
        "default_login_user = ",
        login_user, "\n", "default_internal_user = ", internal_user, "\n",
        "first_valid_uid = 1\n"
        "mail_location = maildir:",
        dir_, "/mail/%u\n",
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ", dir_,
        "/passwd\n}\n", "userdb {\n  driver = static\n  args = uid=", mail_uid, " gid=", mail_gid,
        " home=", dir_, "/mail/%u\n}\n",
        "service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n"
        "    port = ",
        port_, "\n  }\n  inet_listener imaps {\n    address = 127.0.0.1\n    port = ",
        tls_ ? tls_port_ : 0, "\n    ssl = yes\n  }\n}\n", "service anvil {\n  chroot =\n}\n");

    // Dovecot's master forks its services; when it dies they are reparented to the nearest
    // subreaper. Being one, this process can reap every one of them in TearDown, so that
    // none is left running (or as a zombie of an init that does not reap).
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    integration::SpawnOptions spawn;
    spawn.process_group = true;
    dovecot_ = std::make_unique<Child>(
        std::vector<std::string>{kDovecot, "-F", "-c", dir_ + "/dovecot.conf"}, spawn);
    // The master logs this once its listeners are open.
    const auto started = dovecot_->WaitForStderrLine(
        [](std::string_view line) { return line.find("starting up for imap") != line.npos; },
        After(std::chrono::seconds(20)));
    ASSERT_TRUE(started.has_value()) << dovecot_->err();
    ASSERT_TRUE(integration::AcceptsOnLoopback(port_)) << dovecot_->err();
  }

  void TearDown() override {
    if (dovecot_ != nullptr) {
      // The whole group at once: a throwaway server needs no graceful stop (SIGTERM to the
      // master takes a second while it waits for its log process).
      const pid_t group = dovecot_->pid();
      EXPECT_EQ(kill(-group, SIGKILL), 0);
      const integration::ExitStatus status = dovecot_->Wait(After(std::chrono::seconds(20)));
      EXPECT_FALSE(status.timed_out);
      // The master's children are now ours (see SetUp) and dying of the same signal: reap
      // each; ECHILD means none of the group is left.
      while (waitpid(-group, nullptr, 0) > 0 || errno == EINTR) {
      }
      EXPECT_EQ(errno, ECHILD);
      EXPECT_FALSE(integration::AcceptsOnLoopback(port_)) << "a Dovecot process still listens";
      dovecot_.reset();
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string PlainUrl(std::string_view mailbox = "INBOX") const {
    return StrCat("imap+insecure://127.0.0.1:", port_, "/", mailbox);
  }

  ImapMailbox::Options MailboxOptions() const {
    ImapMailbox::Options options;
    options.url = PlainUrl();
    options.username = std::string(kUser);
    options.secret = std::string(kPassword);
    options.connect_timeout = std::chrono::milliseconds(5'000);
    options.timeout = std::chrono::milliseconds(10'000);
    return options;
  }

  // Runs one libcurl IMAP request as the test user (APPEND when `upload` is set, else the
  // custom command, which libcurl sends after SELECTing the URL's mailbox). Returns what
  // the server answered to it.
  std::string Curl(const std::string& custom, const std::string* upload = nullptr) {
    CURL* curl = curl_easy_init();
    std::string out;
    std::string_view source = upload ? std::string_view(*upload) : std::string_view();
    const std::string url = StrCat("imap://127.0.0.1:", port_, "/INBOX");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, std::string(kUser).c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, std::string(kPassword).c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteTo);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
    if (upload != nullptr) {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadFrom);
      curl_easy_setopt(curl, CURLOPT_READDATA, &source);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload->size()));
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, custom.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc) << " for " << custom;
    return out;
  }

  // Delivers a message the way an MTA would leave it: in INBOX, unread. (libcurl's APPEND
  // always sets \Seen; the flag is taken off again so that a poll that set it would show.)
  void Deliver(const std::string& raw) {
    Curl("APPEND", &raw);
    Curl("UID STORE 1:* -FLAGS.SILENT (\\Seen)");
  }

  bool tls_ = false;  // set before SetUp: Dovecot offers STARTTLS and implicit TLS
  std::string dir_;
  uint16_t port_ = 0;      // imap: plain, and STARTTLS when tls_
  uint16_t tls_port_ = 0;  // imaps, when tls_
  std::unique_ptr<Child> dovecot_;
};

std::string Message(std::string_view headers, std::string_view body) {
  std::string out;
  for (std::string_view text : {headers, std::string_view("\n"), body}) {
    for (const char c : text) {
      if (c == '\n') out += '\r';
      out += c;
    }
  }
  return out;
}

const std::string kReply = Message(
    "From: Zoe <zoe@example.com>\nTo: sales@acme.example\nSubject: Re: Quick question\n"
    "Message-ID: <r1@example.com>\nIn-Reply-To: <4711.1@acme.example>\n",
    "Yes, let's talk.\n");
const std::string kAutoReply = Message(
    "From: max@contoso.example\nSubject: Automatic reply: Quick question\n"
    "In-Reply-To: <4712.1@acme.example>\nAuto-Submitted: auto-replied\n",
    "I am away.\n* 1 FETCH (UID 99 BODY[] {3}\nc3 OK looks like an IMAP answer, is text\n");
const std::string kBounce = Message(
    "From: MAILER-DAEMON@mx.acme.example\nSubject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n",
    "--b\nContent-Type: text/plain\n\nNot delivered.\n"
    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.acme.example\n\n"
    "Final-Recipient: rfc822; nobody@example.com\nAction: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
    "--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <4713.1@acme.example>\n"
    "To: nobody@example.com\n--b--\n");

TEST_F(ImapPollerTest, FetchesNewMessagesInUidOrderWithoutMarkingThemSeen) {
  Deliver(kReply);
  Deliver(kAutoReply);
  Deliver(kBounce);
  ImapMailbox mailbox(MailboxOptions());
  Result<ImapMailbox::Batch> batch = mailbox.FetchSince(0, 100);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_NE(batch->uid_validity, 0u);
  EXPECT_FALSE(batch->more);
  ASSERT_EQ(batch->messages.size(), 3u);
  EXPECT_LT(batch->messages[0].uid, batch->messages[1].uid);
  EXPECT_LT(batch->messages[1].uid, batch->messages[2].uid);
  EXPECT_EQ(batch->uid_next, batch->messages[2].uid + 1);
  // Byte for byte what was delivered, including a body line that mimics a tagged answer.
  EXPECT_EQ(batch->messages[0].raw, kReply);
  EXPECT_EQ(batch->messages[1].raw, kAutoReply);
  EXPECT_EQ(batch->messages[2].raw, kBounce);
  EXPECT_EQ(batch->messages[2].size, kBounce.size());
  EXPECT_FALSE(batch->messages[2].truncated);

  // The classifier reads them as the crafted kinds.
  const InboundKind expected[] = {InboundKind::kReply, InboundKind::kAutoReply,
                                  InboundKind::kHardBounce};
  for (size_t i = 0; i < 3; ++i) {
    Result<InboundMessage> classified = ClassifyInbound(batch->messages[i].raw);
    ASSERT_TRUE(classified.ok());
    EXPECT_EQ(classified->kind, expected[i]) << i;
  }
  // Read-only: still unseen (EXAMINE and BODY.PEEK).
  const std::string flags = Curl("UID FETCH 1:* (FLAGS)");
  EXPECT_THAT(flags, HasSubstr("FETCH"));
  EXPECT_THAT(flags, Not(HasSubstr("\\Seen")));
}

TEST_F(ImapPollerTest, FetchSinceLastUidReturnsOnlyNewerMessages) {
  Deliver(kReply);
  Deliver(kAutoReply);
  ImapMailbox mailbox(MailboxOptions());
  Result<ImapMailbox::Batch> first = mailbox.FetchSince(0, 100);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->messages.size(), 2u);
  const uint32_t last = first->messages.back().uid;

  // Nothing new: "UID last+1:*" still names the last message; it must not come back.
  Result<ImapMailbox::Batch> none = mailbox.FetchSince(last, 100);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->messages.empty());
  EXPECT_EQ(none->uid_validity, first->uid_validity);

  Deliver(kBounce);
  Result<ImapMailbox::Batch> next = mailbox.FetchSince(last, 100);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->messages.size(), 1u);
  EXPECT_GT(next->messages[0].uid, last);
  EXPECT_EQ(next->messages[0].raw, kBounce);
  EXPECT_EQ(next->uid_validity, first->uid_validity);

  // A UID far beyond the last one, and the largest UID there is.
  Result<ImapMailbox::Batch> beyond = mailbox.FetchSince(4'000'000'000u, 100);
  ASSERT_TRUE(beyond.ok()) << beyond.status();
  EXPECT_TRUE(beyond->messages.empty());
  Result<ImapMailbox::Batch> max = mailbox.FetchSince(0xFFFFFFFFu, 100);
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_TRUE(max->messages.empty());
}

TEST_F(ImapPollerTest, LimitAndTruncation) {
  Deliver(kReply);
  Deliver(kAutoReply);
  Deliver(kBounce);
  ImapMailbox::Options options = MailboxOptions();
  options.max_message_bytes = 40;
  ImapMailbox mailbox(options);
  Result<ImapMailbox::Batch> batch = mailbox.FetchSince(0, 2);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->more);
  ASSERT_EQ(batch->messages.size(), 2u);
  EXPECT_EQ(batch->messages[0].raw, kReply.substr(0, 40));
  EXPECT_TRUE(batch->messages[0].truncated);
  EXPECT_EQ(batch->messages[0].size, kReply.size());

  Result<ImapMailbox::Batch> rest = mailbox.FetchSince(batch->messages[1].uid, 2);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_FALSE(rest->more);
  ASSERT_EQ(rest->messages.size(), 1u);
}

TEST_F(ImapPollerTest, BadPasswordIsAClearError) {
  ImapMailbox::Options options = MailboxOptions();
  options.secret = "wrong-password";
  Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 10);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(batch.status().message()), HasSubstr("login refused for user \"test\""));
  EXPECT_THAT(std::string(batch.status().message()), Not(HasSubstr("wrong-password")));
}

TEST_F(ImapPollerTest, MissingMailboxIsNotFound) {
  ImapMailbox::Options options = MailboxOptions();
  options.url = PlainUrl("No%20Such%20Folder");
  Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 10);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kNotFound) << batch.status();
  EXPECT_THAT(std::string(batch.status().message()), HasSubstr("No Such Folder"));
}

TEST_F(ImapPollerTest, ImapWithoutStartTlsIsRefused) {
  // imap:// requires STARTTLS; this server has no TLS at all: no clear-text login.
  ImapMailbox::Options options = MailboxOptions();
  options.url = StrCat("imap://127.0.0.1:", port_, "/INBOX");
  Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 10);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kFailedPrecondition) << batch.status();
}

class ImapPollerTlsTest : public ImapPollerTest {
 protected:
  void SetUp() override {
    tls_ = true;
    ImapPollerTest::SetUp();
  }
};

TEST_F(ImapPollerTlsTest, ImplicitTlsAndStartTlsWithTheServersCertificate) {
  Deliver(kReply);
  ImapMailbox::Options options = MailboxOptions();
  options.ca_file = dir_ + "/cert.pem";
  for (const std::string& url : {StrCat("imaps://127.0.0.1:", tls_port_, "/INBOX"),
                                 StrCat("imap://127.0.0.1:", port_, "/INBOX")}) {
    options.url = url;
    Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 10);
    ASSERT_TRUE(batch.ok()) << url << ": " << batch.status();
    ASSERT_EQ(batch->messages.size(), 1u) << url;
    EXPECT_EQ(batch->messages[0].raw, kReply) << url;
  }
}

TEST_F(ImapPollerTlsTest, UntrustedCertificateFailsUnlessVerificationIsOff) {
  Deliver(kReply);
  ImapMailbox::Options options = MailboxOptions();
  options.url = StrCat("imaps://127.0.0.1:", tls_port_, "/INBOX");
  options.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // not the self-signed one
  Result<ImapMailbox::Batch> refused = ImapMailbox(options).FetchSince(0, 10);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  options.verify_tls = false;
  Result<ImapMailbox::Batch> accepted = ImapMailbox(options).FetchSince(0, 10);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->messages.size(), 1u);
}

TEST(ImapMailboxTest, BadOptionsAreInvalidArgument) {
  for (const std::string url : {"http://example.com/INBOX", "imaps://user:pw@host/INBOX",
                                "imaps://host/INBOX;UID=3", "imaps:///INBOX", "nothing"}) {
    ImapMailbox::Options options;
    options.url = url;
    Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 1);
    ASSERT_FALSE(batch.ok()) << url;
    EXPECT_EQ(batch.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
  ImapMailbox::Options options;
  options.url = "imaps://127.0.0.1:1/INBOX";
  options.auth = "kerberos";
  EXPECT_EQ(ImapMailbox(options).FetchSince(0, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ImapMailboxTest, NothingListeningIsUnavailable) {
  ImapMailbox::Options options;
  options.url = StrCat("imap+insecure://127.0.0.1:", integration::FreeLoopbackPort(), "/INBOX");
  options.username = "u";
  options.secret = "p";
  Result<ImapMailbox::Batch> batch = ImapMailbox(options).FetchSince(0, 1);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kUnavailable) << batch.status();
}

}  // namespace
}  // namespace cadent::channels
