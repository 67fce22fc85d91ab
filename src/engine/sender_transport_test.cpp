#include "engine/sender_transport.hpp"

#include <gtest/gtest.h>

#include "channels/email/dkim.hpp"
#include "channels/email/eml.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent {
namespace {

SecretBox Box() {
  return *SecretBox::FromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

TEST(SenderTransportTest, SettingsRoundTripAndRefuseUnknownKeys) {
  TransportSettings s;
  s.endpoint = "smtps://smtp.gmail.com:465";
  s.username = "ana@acme.example";
  s.auth = "xoauth2";
  s.verify_tls = false;
  s.connections = 4;
  s.imap_url = "imaps://imap.gmail.com:993/INBOX";
  Result<TransportSettings> back = ParseTransportSettings(TransportSettingsToJson(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->endpoint, s.endpoint);
  EXPECT_EQ(back->auth, "xoauth2");
  EXPECT_FALSE(back->verify_tls);
  EXPECT_EQ(back->connections, 4);
  EXPECT_EQ(back->imap_url, s.imap_url);
  EXPECT_EQ(TransportSettingsToJson(TransportSettings{}), "{}");

  const auto message = [](std::string_view json) {
    return std::string(ParseTransportSettings(json).status().message());
  };
  EXPECT_EQ(message(R"({"endpont":"x"})"), "sender settings: unknown key 'endpont'");
  EXPECT_EQ(message(R"({"connections":"4"})"), "sender settings.connections: not a whole number");
  EXPECT_EQ(message(R"({"verify_tls":1})"), "sender settings.verify_tls: not true or false");
  EXPECT_EQ(message("[1]"), "sender settings: not a JSON object");
  EXPECT_EQ(message("{"), "sender settings: not a JSON object");
  EXPECT_FALSE(ParseTransportSecrets(R"({"password":"x"})").ok());
}

TEST(SenderTransportTest, CheckNamesWhatIsMissing) {
  TransportSettings s;
  TransportSecrets none;
  TransportSecrets key{"k", ""};
  const auto check = [](std::string_view kind, const TransportSettings& settings,
                        const TransportSecrets& secrets) {
    return std::string(CheckTransport(kind, settings, secrets).message());
  };
  EXPECT_TRUE(CheckTransport("outbox", s, none).ok());
  EXPECT_NE(check("pigeon", s, none).find("unknown transport 'pigeon'"), std::string::npos);
  EXPECT_NE(check("smtp", s, none).find("smtp endpoint ''"), std::string::npos);
  s.endpoint = "http://mail.example";
  EXPECT_NE(check("smtp", s, none).find("smtp://host:587"), std::string::npos);
  s.endpoint = "smtp://mail.example:587";
  EXPECT_TRUE(CheckTransport("smtp", s, none).ok());  // an open relay needs no AUTH
  s.auth = "plain";
  EXPECT_NE(check("smtp", s, none).find("needs a username"), std::string::npos);
  s.username = "ana";
  EXPECT_TRUE(CheckTransport("smtp", s, key).ok());
  s.auth = "cram-md5";
  EXPECT_NE(check("smtp", s, key).find("plain, login, xoauth2"), std::string::npos);

  TransportSettings api;
  EXPECT_NE(check("sendgrid", api, none).find("API key"), std::string::npos);
  EXPECT_TRUE(CheckTransport("sendgrid", api, key).ok());
  EXPECT_NE(check("ses", api, key).find("region"), std::string::npos);
  EXPECT_NE(check("mailgun", api, key).find("domain"), std::string::npos);
  api.domain = "mg.acme.example";
  api.region = "asia";
  EXPECT_NE(check("mailgun", api, key).find("us or eu"), std::string::npos);
  api.region = "eu";
  EXPECT_TRUE(CheckTransport("mailgun", api, key).ok());
  api.endpoint = "ftp://x";
  EXPECT_NE(check("resend", api, key).find("http(s) base URL"), std::string::npos);
  api.endpoint.clear();
  api.connections = 0;
  EXPECT_NE(check("resend", api, key).find("between 1 and 64"), std::string::npos);
  api.connections = 1;
  api.imap_url = "pop3://x";
  EXPECT_NE(check("resend", api, key).find("imaps://"), std::string::npos);
}

TEST(SenderTransportTest, TransportOfOpensTheAccountsOwnSecretOnly) {
  const SecretBox box = Box();
  SenderAccount account;
  account.id = SenderId(5);
  account.name = "ana";
  account.transport = "smtp";
  account.settings_json = R"({"endpoint":"smtp://127.0.0.1:2525","username":"ana","auth":"login"})";
  account.sealed_credentials =
      box.Seal(SecretPurpose::kSenderCredentials, 5, TransportSecretsToJson({"s3cret", "imap-pw"}));
  Result<channels::EmailTransport> t = TransportOf(account, box);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, "smtp");
  EXPECT_EQ(t->endpoint, "smtp://127.0.0.1:2525");
  EXPECT_EQ(t->username, "ana");
  EXPECT_EQ(t->auth, "login");
  EXPECT_EQ(t->secret, "s3cret");
  EXPECT_TRUE(t->verify_tls);

  // The same sealed text copied onto another account does not open.
  SenderAccount thief = account;
  thief.id = SenderId(6);
  thief.name = "mallory";
  Result<channels::EmailTransport> stolen = TransportOf(thief, box);
  EXPECT_TRUE(absl::IsPermissionDenied(stolen.status())) << stolen.status();
  EXPECT_NE(std::string(stolen.status().message()).find("sender 'mallory'"), std::string::npos);
  EXPECT_EQ(std::string(stolen.status().message()).find("s3cret"), std::string::npos);

  account.transport = "outbox";
  EXPECT_TRUE(absl::IsFailedPrecondition(TransportOf(account, box).status()));
}

TEST(SenderTransportTest, DkimSigningUsesTheFromDomainsKeyOfTheMessagesWorkspace) {
  const SecretBox box = Box();
  FakeClock clock(FromUnixMicros(1'795'000'000'000'000));
  Result<std::unique_ptr<Database>> db = storage::sqlite::OpenSqliteDatabase({":memory:"}, clock);
  ASSERT_TRUE(db.ok()) << db.status();
  Result<channels::GeneratedDkimKey> key =
      channels::GenerateDkimKey(channels::DkimAlgorithm::kEd25519Sha256, "acme.example", "s1");
  ASSERT_TRUE(key.ok()) << key.status();
  DkimKeyRecord record;
  record.workspace_id = kDefaultWorkspace;
  record.domain = "acme.example";
  record.selector = "s1";
  record.algorithm = "ed25519-sha256";
  record.dns_txt = key->dns_txt;
  const std::string pem = key->private_key_pem;
  ASSERT_TRUE((*db)
                  ->senders()
                  .AddDkimKey(record,
                              [&](int64_t id) -> Result<std::string> {
                                return box.Seal(SecretPurpose::kDkimKey, id, pem);
                              })
                  .ok());
  const SignHook sign = CachedDkimSigning(**db, box, clock);
  channels::OutgoingMessage message;
  message.id = MessageId(1);
  message.workspace = kDefaultWorkspace;
  message.from_address = "ana@ACME.example";
  message.to_address = "bob@example.org";
  message.subject = "Hi";
  message.text = "Hello";
  message.attempt_at = clock.Now();
  const std::string eml = channels::RenderEml(message, "acme.example");
  Result<std::string> header = sign(message, eml);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->rfind("DKIM-Signature:", 0), 0u) << *header;
  EXPECT_NE(header->find("d=acme.example"), std::string::npos);
  EXPECT_NE(header->find("s=s1"), std::string::npos);
  // Another domain, or the same domain in another workspace: unsigned.
  message.from_address = "ana@other.example";
  EXPECT_EQ(*sign(message, eml), "");
  message.from_address = "ana@acme.example";
  message.workspace = WorkspaceId(2);
  EXPECT_EQ(*sign(message, eml), "");
}

}  // namespace
}  // namespace cadent
