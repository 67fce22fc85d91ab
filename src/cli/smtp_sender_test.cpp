// A campaign sent through an SMTP sender account, end to end in-process, against a real SMTP
// server on loopback (aiosmtpd with STARTTLS required and AUTH): the account and its DKIM
// key are added from the command line, a two-step campaign (the follow-up in the opener's
// thread) runs in virtual time, and the server must have received every message signed
// (checked by dkimpy with the TXT record `cadent dkim dns` prints), threaded and with
// one-click unsubscribe; a recipient the server does not know is suppressed.
#include "absl/strings/match.h"
#include "channels/email/eml.hpp"
#include "cli/cli_test_fixture.hpp"
#include "core/common/strings.hpp"
#include "support/dkim_check.hpp"
#include "support/smtp_server.hpp"

namespace cadent::cli {
namespace {

using ::testing::HasSubstr;

std::string HeaderOf(const channels::ParsedEml& eml, std::string_view name) {
  for (const auto& h : eml.headers) {
    if (absl::EqualsIgnoreCase(h.name, ToAbsl(name))) return h.value;
  }
  return "";
}

class SmtpSenderCliTest : public CliTest {};

TEST_F(SmtpSenderCliTest, ACampaignSendsSignedThreadedMailThroughTheAccountsServer) {
  integration::SmtpServerOptions options;
  options.tls = integration::SmtpServerOptions::Tls::kRequireStartTls;
  options.user = "ana@mail.example.com";
  options.password = "app-password";
  integration::SmtpTestServer server(options);
  ASSERT_EQ(server.Start(), "") << "python3-aiosmtpd is installed by scripts/install-deps.sh";

  const std::string csv = Write("people.csv",
                                "email,first_name,company\n"
                                "ann@acme.com,Ann,Acme\n"
                                "bob@globex.com,Bób,Globex\n"
                                "bounce@initech.com,Ivy,Initech\n");
  ASSERT_EQ(Cadent({"import", "contacts", csv, "--list", "leads"}).code, 0);
  ASSERT_EQ(Cadent({"templates", "create",
                    Write("intro.tmpl",
                          "---\nname: intro\nchannel: email\nsubject: \"Hi {{first_name}}\"\n"
                          "---\n<p>Hello {{first_name}}.</p>\n"
                          "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n")})
                .code,
            0);
  ASSERT_EQ(Cadent({"templates", "create",
                    Write("bump.tmpl",
                          "---\nname: bump\nchannel: email\nsubject: \"ignored in a thread\"\n"
                          "---\n<p>Any thoughts, {{first_name}}?</p>\n"
                          "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n")})
                .code,
            0);
  ASSERT_EQ(Cadent({"workspace", "set-address", "Acme Inc, 1 Main St, Springfield"}).code, 0);
  Outcome added = Cadent({"senders",
                          "add",
                          "ana",
                          "--address",
                          "ana@mail.example.com",
                          "--transport",
                          "smtp",
                          "--endpoint",
                          StrCat("smtp://127.0.0.1:", server.port()),
                          "--auth",
                          "plain",
                          "--username",
                          "ana@mail.example.com",
                          "--ca-file",
                          server.ca_file(),
                          "--secret-file",
                          Write("password", "app-password"),
                          "--min-spacing",
                          "0",
                          "--max-spacing",
                          "0"});
  ASSERT_EQ(added.code, 0) << added.err;
  ASSERT_EQ(
      Cadent({"dkim", "add", "mail.example.com", "--selector", "s1", "--algorithm", "ed25519"})
          .code,
      0);
  Outcome keys = Cadent({"--json", "dkim", "list"});
  ASSERT_EQ(keys.code, 0) << keys.err;
  const std::string dns_name = keys.Json()[0]["dns_name"];
  const std::string dns_txt = keys.Json()[0]["dns_txt"];

  ASSERT_EQ(Cadent({"campaigns", "create",
                    Write("campaign.yaml",
                          "name: Q1\n"
                          "audience: {lists: [leads]}\n"
                          "senders: [ana]\n"
                          "calendar:\n"
                          "  window: \"Mon-Fri 09:00-17:00\"\n"
                          "steps:\n"
                          "  - send: email\n"
                          "    template: intro\n"
                          "  - wait: 2 days\n"
                          "  - send: email\n"
                          "    template: bump\n"
                          "    same_thread: true\n")})
                .code,
            0);
  // In the past, so that dkimpy does not refuse the signatures' t= as in the future.
  Outcome launched = Cadent({"--now", "2026-11-02T06:00:00Z", "campaigns", "launch", "Q1"});
  ASSERT_EQ(launched.code, 0) << launched.err;
  Outcome run = Cadent({"--now", "2026-11-02T06:00:00Z", "--json", "run", "--clock", "virtual",
                        "--until", "2026-11-07"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.Json()["sent"], 4) << run.out;  // two contacts, two steps

  const std::vector<integration::ReceivedMail> mails = server.Messages();
  ASSERT_EQ(mails.size(), 4u) << server.log();
  std::map<std::string, std::vector<channels::ParsedEml>> by_recipient;
  for (const integration::ReceivedMail& mail : mails) {
    EXPECT_TRUE(mail.tls);
    EXPECT_EQ(mail.login, "ana@mail.example.com");
    EXPECT_EQ(mail.mail_from, "ana@mail.example.com");
    const integration::DkimVerdict verdict = integration::DkimpyVerify(mail.eml, dns_name, dns_txt);
    EXPECT_FALSE(verdict.broken) << verdict.reason;
    EXPECT_TRUE(verdict.valid) << verdict.reason;
    Result<channels::ParsedEml> parsed = channels::ParseEml(mail.eml);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(HeaderOf(*parsed, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    EXPECT_THAT(HeaderOf(*parsed, "List-Unsubscribe"), HasSubstr("/u/"));
    by_recipient[mail.rcpt_to.at(0)].push_back(*parsed);
  }
  ASSERT_EQ(by_recipient.size(), 2u);
  for (const auto& [to, thread] : by_recipient) {
    ASSERT_EQ(thread.size(), 2u) << to;
    const std::string opener_id = HeaderOf(thread[0], "Message-ID");
    EXPECT_THAT(opener_id, HasSubstr("@mail.example.com>")) << to;
    EXPECT_EQ(HeaderOf(thread[1], "In-Reply-To"), opener_id) << to;
    EXPECT_THAT(HeaderOf(thread[1], "References"), HasSubstr(opener_id)) << to;
    EXPECT_EQ(thread[1].subject, "Re: " + thread[0].subject) << to;
  }

  // The unknown recipient bounced at RCPT (550 5.1.1): the address is suppressed.
  Outcome check = Cadent({"suppress", "check", "bounce@initech.com"});
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.Json()[0]["suppressed"], true) << check.out;

  // `senders test` through the same account; a wrong password is reported as such.
  Outcome tested = Cadent({"senders", "test", "ana", "--to", "me@acme.com"});
  EXPECT_EQ(tested.code, 0) << tested.out << tested.err;
  EXPECT_EQ(server.Messages().size(), 5u);
  ASSERT_EQ(Cadent({"senders", "add", "wrong", "--address", "ana@mail.example.com", "--transport",
                    "smtp", "--endpoint", StrCat("smtp://127.0.0.1:", server.port()), "--auth",
                    "plain", "--username", "ana@mail.example.com", "--ca-file", server.ca_file(),
                    "--secret-file", Write("wrong", "not-the-password")})
                .code,
            0);
  Outcome refused = Cadent({"senders", "test", "wrong", "--to", "me@acme.com"});
  EXPECT_NE(refused.code, 0);
  EXPECT_THAT(refused.out, HasSubstr("unauthorized"));
  EXPECT_EQ(server.Messages().size(), 5u);
}

}  // namespace
}  // namespace cadent::cli
