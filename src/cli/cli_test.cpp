// The CLI run in-process against a real SQLite file: each subcommand's output and exit code.
#include "cli/cli.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_test_fixture.hpp"
#include "engine/sender_transport.hpp"
#include "nlohmann/json.hpp"

namespace cadent::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(CliTest, ImportThenListShowAndExport) {
  const std::string csv = Write("people.csv",
                                "Email Address;First Name;Company Name;Score\n"
                                "ann@acme.com;Ann;Acme;=1+2\n"
                                "bob@globex.com;Bob;Globex;@SUM(A1)\n"
                                "broken;X;Y;Z\n");
  Outcome imported = Cadent({"import", "contacts", csv, "--list", "Leads"});
  ASSERT_EQ(imported.code, 0) << imported.err;
  const nlohmann::json summary = imported.Json();
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["start"], "new");
  EXPECT_EQ(summary["counts"]["imported"], 2);
  EXPECT_EQ(summary["counts"]["rejected"], 1);
  ASSERT_TRUE(summary["error_report"].is_string());
  EXPECT_TRUE(fs::exists(summary["error_report"].get<std::string>()));
  EXPECT_THAT(summary["error_report"].get<std::string>(), HasSubstr("/var/imports/"));
  EXPECT_THAT(imported.err, HasSubstr("import: 100%")) << "plain progress lines off a terminal";

  Outcome again = Cadent({"import", "contacts", csv});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.Json()["start"], "already_imported");
  EXPECT_THAT(again.err, HasSubstr("already imported"));

  Outcome list = Cadent({"--json", "contacts", "list", "--list", "Leads"});
  ASSERT_EQ(list.code, 0) << list.err;
  ASSERT_EQ(list.Json().size(), 2u);
  EXPECT_EQ(list.Json()[0]["email"], "ann@acme.com");
  EXPECT_EQ(list.Json()[0]["custom_fields"]["Score"], "=1+2");

  Outcome table = Cadent({"contacts", "list", "--search", "glob"});
  EXPECT_THAT(table.out, HasSubstr("bob@globex.com"));
  EXPECT_THAT(table.out, Not(HasSubstr("ann@acme.com")));

  Outcome show = Cadent({"contacts", "show", "ANN@Acme.com"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.Json()["first_name"], "Ann");
  EXPECT_TRUE(show.Json()["suppressed_by"].is_null());

  Outcome exported = Cadent({"contacts", "export"});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("'=1+2")) << "formula cells neutralised";
  EXPECT_THAT(exported.out, HasSubstr("'@SUM(A1)"));
  EXPECT_THAT(exported.out, HasSubstr("id,email,first_name"));

  Outcome imports = Cadent({"imports", "list"});
  EXPECT_THAT(imports.out, HasSubstr("completed"));
}

TEST_F(CliTest, ListsCreateAddRemoveDelete) {
  ASSERT_EQ(Cadent({"import", "contacts", Write("a.csv", "email\na@x.com\nb@x.com\n")}).code, 0);
  EXPECT_EQ(Cadent({"lists", "create", "VIP"}).code, 0);
  EXPECT_EQ(Cadent({"lists", "create", "VIP"}).code, 2);
  Outcome add = Cadent({"lists", "add", "VIP", "a@x.com", "B@X.com"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_THAT(add.err, HasSubstr("added 2 of 2"));
  EXPECT_EQ(Cadent({"lists", "show", "VIP"}).Json()["members"], 2);
  EXPECT_EQ(Cadent({"lists", "add", "VIP", "nobody@x.com"}).code, 2);
  EXPECT_EQ(Cadent({"lists", "remove", "VIP", "a@x.com"}).code, 0);
  EXPECT_EQ(Cadent({"--json", "lists", "list"}).Json()[0]["members"], 1);
  EXPECT_EQ(Cadent({"lists", "delete", "VIP"}).code, 0);
  EXPECT_EQ(Cadent({"lists", "show", "VIP"}).code, 2);
  EXPECT_EQ(Cadent({"--json", "contacts", "list"}).Json().size(), 2u);
}

TEST_F(CliTest, SuppressionAddCheckImportRemove) {
  Outcome add = Cadent({"suppress", "add", "No@Example.com", "@blocked.io", "--reason", "asked"});
  ASSERT_EQ(add.code, 0) << add.err;
  Outcome check = Cadent({"suppress", "check", "no@example.com", "x@blocked.io", "ok@fine.com"});
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.Json()[0]["suppressed"], true);
  EXPECT_EQ(check.Json()[1]["by"]["kind"], "domain");
  EXPECT_EQ(check.Json()[2]["suppressed"], false);

  Outcome bad = Cadent({"suppress", "add", "ok@fine.com", "co.uk"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("co.uk"));
  EXPECT_EQ(Cadent({"--json", "suppress", "list"}).Json().size(), 2u) << "nothing half-applied";

  Outcome imported = Cadent(
      {"suppress", "import", Write("s.csv", "email\nA@b.com\nnot valid\nc@d.com\nA@B.com\n")});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_EQ(imported.Json()["added"], 2);
  EXPECT_EQ(imported.Json()["rejected"], 1);
  EXPECT_THAT(imported.err, HasSubstr("line 3"));

  // A suppressed address in a later contact import is reported, never stored.
  Outcome contacts = Cadent({"import", "contacts", Write("c.csv", "email\nc@d.com\ne@f.com\n")});
  ASSERT_EQ(contacts.code, 0) << contacts.err;
  EXPECT_EQ(contacts.Json()["counts"]["suppressed"], 1);
  EXPECT_EQ(Cadent({"contacts", "show", "c@d.com"}).code, 2);

  EXPECT_EQ(Cadent({"suppress", "remove", "no@example.com"}).code, 0);
  EXPECT_EQ(Cadent({"suppress", "remove", "no@example.com"}).code, 2);
  EXPECT_EQ(Cadent({"suppress", "check", "no@example.com"}).Json()[0]["suppressed"], false);
}

TEST_F(CliTest, GlobalSuppressionCoversOtherWorkspaces) {
  ASSERT_EQ(Cadent({"suppress", "add", "--global", "g@x.com"}).code, 0);
  Outcome other = Cadent({"--workspace", "1", "suppress", "check", "g@x.com"});
  EXPECT_EQ(other.Json()[0]["by"]["scope"], "global");
}

TEST_F(CliTest, BadUsageAndBadInputExitWithTwo) {
  EXPECT_EQ(Cadent({}).code, 2);
  EXPECT_EQ(Cadent({"frobnicate"}).code, 2);
  const std::string csv = Write("x.csv", "email\na@x.com\n");
  Outcome policy = Cadent({"import", "contacts", csv, "--on-duplicate", "merge"});
  EXPECT_EQ(policy.code, 2);
  Outcome map = Cadent({"import", "contacts", csv, "--map", "nonsense"});
  EXPECT_EQ(map.code, 2);
  EXPECT_THAT(map.err, HasSubstr("--map wants"));
  Outcome missing = Cadent({"import", "contacts", (dir_ / "nope.csv").string()});
  EXPECT_EQ(missing.code, 2);
  Outcome noid = Cadent({"import", "contacts", Write("n.csv", "name\nx\n")});
  EXPECT_EQ(noid.code, 2);
  EXPECT_THAT(noid.err, HasSubstr("email, LinkedIn URL or phone"));
  EXPECT_EQ(Cadent({"contacts", "show", "not an email"}).code, 2);
}

TEST_F(CliTest, DbStatusReportsSchema) {
  Outcome status = Cadent({"db", "status"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(status.Json()["backend"], "sqlite");
  EXPECT_EQ(status.Json()["schema_version"], status.Json()["latest_schema_version"]);
  EXPECT_EQ(status.Json()["workspaces"], 1);
}

TEST_F(CliTest, TheWebhookSecretIsMadeOnceAndNeverShownElsewhere) {
  Outcome first = Cadent({"workspace", "webhook-secret"});
  ASSERT_EQ(first.code, 0) << first.err;
  std::string secret = first.out;
  ASSERT_FALSE(secret.empty());
  secret.pop_back();  // the newline
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos) << secret;
  Outcome again = Cadent({"workspace", "webhook-secret"});
  EXPECT_EQ(again.out, first.out) << "made once, then kept";
  Outcome show = Cadent({"workspace", "show"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.out.find(secret), std::string::npos);
}

TEST_F(CliTest, SenderSecretsAreSealedOutsideTheDatabaseAndNeverShown) {
  const std::string secret_file = Write("password.txt", "hunter2-correct-horse\n");
  Outcome added = Cadent({"senders", "add", "ana", "--address", "ana@acme.example", "--transport",
                          "smtp", "--endpoint", "smtps://mail.acme.example:465", "--auth", "login",
                          "--username", "ana", "--secret-file", secret_file, "--reply-to",
                          "replies@acme.example", "--connections", "4"});
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_THAT(added.err, ::testing::HasSubstr("via smtp"));

  // The master key was made beside the database, private to its owner.
  const fs::path key = fs::path(db_path_).parent_path() / "cadent.key";
  ASSERT_TRUE(fs::exists(key));
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Neither the database nor any listing holds the password.
  std::ifstream db_file(db_path_, std::ios::binary);
  std::stringstream bytes;
  bytes << db_file.rdbuf();
  Outcome wal = Cadent({"db", "status"});  // checkpoints nothing, but the WAL is read too
  std::ifstream wal_file(db_path_ + "-wal", std::ios::binary);
  bytes << wal_file.rdbuf();
  EXPECT_EQ(bytes.str().find("hunter2"), std::string::npos);
  Outcome listed = Cadent({"--json", "senders", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(listed.out.find("hunter2"), std::string::npos);
  EXPECT_EQ(listed.Json()[0]["transport"], "smtp");
  EXPECT_EQ(listed.Json()[0]["settings"]["endpoint"], "smtps://mail.acme.example:465");
  EXPECT_EQ(listed.Json()[0]["settings"]["connections"], 4);
  EXPECT_EQ(listed.Json()[0]["has_credentials"], true);
  EXPECT_EQ(listed.Json()[0]["reply_to"], "replies@acme.example");

  // With the key, the account's transport opens to the secret.
  Result<std::unique_ptr<Database>> db = storage::sqlite::OpenSqliteDatabase({db_path_}, clock_);
  ASSERT_TRUE(db.ok()) << db.status();
  Result<std::optional<SenderAccount>> ana = (*db)->senders().FindByName(kDefaultWorkspace, "ana");
  ASSERT_TRUE(ana.ok() && ana->has_value());
  Result<SecretBox> box = SecretBox::FromFile(key.string());
  ASSERT_TRUE(box.ok()) << box.status();
  Result<channels::EmailTransport> transport = TransportOf(**ana, *box);
  ASSERT_TRUE(transport.ok()) << transport.status();
  EXPECT_EQ(transport->secret, "hunter2-correct-horse");
  EXPECT_EQ(transport->auth, "login");
}

TEST_F(CliTest, SenderTransportMistakesAreRefusedAndNothingIsAdded) {
  const std::string secret_file = Write("key.txt", "k");
  const auto refused = [&](std::vector<std::string> args, std::string_view why) {
    std::vector<std::string> full = {"senders", "add", "bad", "--address", "bad@acme.example"};
    full.insert(full.end(), args.begin(), args.end());
    Outcome outcome = Cadent(full);
    EXPECT_EQ(outcome.code, 2) << outcome.err;
    EXPECT_THAT(outcome.err, ::testing::HasSubstr(std::string(why)));
  };
  refused({"--transport", "smtp", "--endpoint", "http://mail.acme.example"}, "smtp://host:587");
  refused({"--transport", "smtp", "--endpoint", "smtp://m:587", "--auth", "plain"},
          "needs a username");
  refused({"--transport", "sendgrid"}, "API key");
  refused({"--transport", "ses", "--secret-file", secret_file}, "region");
  refused({"--transport", "mailgun", "--secret-file", secret_file}, "sending domain");
  refused({"--transport", "resend", "--secret-env", "CADENT_TEST_UNSET_VARIABLE"}, "is unset");
  refused({"--transport", "resend", "--secret-env", "HOME", "--secret-file", secret_file},
          "give one of");
  refused({"--channel", "sms", "--transport", "resend", "--secret-file", secret_file},
          "is for email senders");
  Outcome listed = Cadent({"--json", "senders", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(listed.Json().empty());
}

TEST_F(CliTest, SenderTestSendsOneMessageThroughItsTransport) {
  ASSERT_EQ(Cadent({"senders", "add", "box", "--address", "box@acme.example"}).code, 0);
  Outcome sent = Cadent({"--json", "senders", "test", "box", "--to", "me@acme.example"});
  ASSERT_EQ(sent.code, 0) << sent.err;
  EXPECT_EQ(sent.Json()["result"], "accepted");
  std::ifstream lines(fs::path(db_path_).parent_path() / "outbox" / "messages.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, ::testing::HasSubstr("me@acme.example"));
  EXPECT_EQ(Cadent({"senders", "test", "box", "--to", "nobody"}).code, 2);
  EXPECT_EQ(Cadent({"senders", "test", "ghost", "--to", "me@acme.example"}).code, 2);
}

TEST_F(CliTest, DkimKeysAreMadeSealedAndTheirRecordPrinted) {
  Outcome added = Cadent({"dkim", "add", "Acme.Example", "--selector", "s2026"});
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_THAT(added.out, ::testing::HasSubstr("s2026._domainkey.acme.example. IN TXT"));
  EXPECT_THAT(added.out, ::testing::HasSubstr("v=DKIM1; k=ed25519; p="));
  Outcome again = Cadent({"dkim", "add", "acme.example"});
  EXPECT_EQ(again.code, 2);
  EXPECT_THAT(again.err, ::testing::HasSubstr("already has a DKIM key"));
  Outcome rsa = Cadent({"--json", "dkim", "add", "news.acme.example", "--algorithm", "rsa"});
  ASSERT_EQ(rsa.code, 0) << rsa.err;
  EXPECT_EQ(rsa.Json()["algorithm"], "rsa-sha256");
  EXPECT_THAT(rsa.Json()["dns_txt"].get<std::string>(), ::testing::HasSubstr("k=rsa; p="));
  Outcome garbage = Cadent({"dkim", "add", "x.example", "--key-file", Write("k.pem", "nope")});
  EXPECT_EQ(garbage.code, 2);
  Outcome listed = Cadent({"--json", "dkim", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  ASSERT_EQ(listed.Json().size(), 2u);
  EXPECT_EQ(listed.Json()[0]["domain"], "acme.example");
  // The private key is not in the database in the clear.
  std::ifstream db_file(db_path_, std::ios::binary);
  std::stringstream bytes;
  bytes << db_file.rdbuf();
  std::ifstream wal_file(db_path_ + "-wal", std::ios::binary);
  bytes << wal_file.rdbuf();
  EXPECT_EQ(bytes.str().find("PRIVATE KEY"), std::string::npos);
  Outcome dns = Cadent({"dkim", "dns", "acme.example"});
  EXPECT_EQ(dns.out, added.out);
  ASSERT_EQ(Cadent({"dkim", "remove", "acme.example"}).code, 0);
  EXPECT_EQ(Cadent({"dkim", "dns", "acme.example"}).code, 2);
}

}  // namespace
}  // namespace cadent::cli
