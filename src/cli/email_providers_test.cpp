// A campaign sent through each email provider's API, end to end in-process: the sender
// account is added from the command line with its transport and sealed key, the campaign
// runs in virtual time, and the provider (our fake of its documented API, on loopback) must
// have received each message with the right credentials, with its id stored as the
// message's provider id.
#include <functional>
#include <memory>

#include "cli/cli_test_fixture.hpp"
#include "fakes/fake_provider.hpp"

namespace cadent::cli {
namespace {

using ::testing::HasSubstr;

struct ProviderCase {
  std::string transport;
  std::function<std::unique_ptr<fakes::FakeProvider>()> fake;
  std::vector<std::string> options;  // besides --transport, --endpoint and the secret
  std::string secret;
};

class EmailProvidersCliTest : public CliTest, public ::testing::WithParamInterface<ProviderCase> {};

TEST_P(EmailProvidersCliTest, ACampaignSendsThroughTheProvidersApi) {
  const ProviderCase& provider = GetParam();
  std::unique_ptr<fakes::FakeProvider> fake = provider.fake();
  ASSERT_TRUE(fake->Start().ok());

  const std::string csv = Write("people.csv",
                                "email,first_name,company\n"
                                "ann@acme.com,Ann,Acme\n"
                                "bob@globex.com,Bób,Globex\n");
  ASSERT_EQ(Cadent({"import", "contacts", csv, "--list", "leads"}).code, 0);
  const std::string tmpl =
      Write("intro.tmpl",
            "---\nname: intro\nchannel: email\nsubject: \"Hi {{first_name}}\"\n"
            "---\n<p>Hello {{first_name}}.</p>\n"
            "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n");
  ASSERT_EQ(Cadent({"templates", "create", tmpl}).code, 0);
  ASSERT_EQ(Cadent({"workspace", "set-address", "Acme Inc, 1 Main St, Springfield"}).code, 0);
  std::vector<std::string> add = {"senders",
                                  "add",
                                  "api",
                                  "--address",
                                  "ana@mail.example.com",
                                  "--transport",
                                  provider.transport,
                                  "--endpoint",
                                  fake->url(),
                                  "--secret-file",
                                  Write("secret", provider.secret),
                                  "--min-spacing",
                                  "0",
                                  "--max-spacing",
                                  "0"};
  add.insert(add.end(), provider.options.begin(), provider.options.end());
  Outcome added = Cadent(add);
  ASSERT_EQ(added.code, 0) << added.err;
  const std::string campaign = Write("campaign.yaml",
                                     "name: Q1\n"
                                     "audience: {lists: [leads]}\n"
                                     "senders: [api]\n"
                                     "calendar:\n"
                                     "  window: \"Mon-Fri 09:00-17:00\"\n"
                                     "steps:\n"
                                     "  - send: email\n"
                                     "    template: intro\n");
  ASSERT_EQ(Cadent({"campaigns", "create", campaign}).code, 0);
  Outcome launched = Cadent({"--now", "2026-12-07T06:00:00Z", "campaigns", "launch", "Q1"});
  ASSERT_EQ(launched.code, 0) << launched.err;
  Outcome run = Cadent({"--now", "2026-12-07T06:00:00Z", "--json", "run", "--clock", "virtual",
                        "--until", "2026-12-08"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.Json()["sent"], 2) << run.out;

  const std::vector<fakes::RecordedRequest> requests = fake->requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const fakes::RecordedRequest& r : requests) {
    EXPECT_EQ(r.refusal, "") << "the fake checks the request as the provider documents it";
    EXPECT_EQ(r.status / 100, 2) << r.body;
  }
  // No message went to the outbox instead.
  EXPECT_FALSE(fs::exists(dir_ / "var" / "outbox" / "messages.jsonl") &&
               fs::file_size(dir_ / "var" / "outbox" / "messages.jsonl") > 0);
  // The provider's ids are stored with the messages.
  Result<std::unique_ptr<Database>> db = storage::sqlite::OpenSqliteDatabase({db_path_}, clock_);
  ASSERT_TRUE(db.ok()) << db.status();
  for (int64_t e = 1; e <= 2; ++e) {
    Result<std::vector<Message>> sent =
        (*db)->engine().MessagesOf(kDefaultWorkspace, EnrollmentId(e));
    ASSERT_TRUE(sent.ok() && sent->size() == 1u);
    EXPECT_EQ((*sent)[0].status, sequence::MessageStatus::kSent);
    EXPECT_FALSE((*sent)[0].provider_id.empty());
  }

  // A wrong key: the provider refuses it and `senders test` says so.
  std::vector<std::string> spoiled = {"senders",
                                      "add",
                                      "spoiled",
                                      "--address",
                                      "ana@mail.example.com",
                                      "--transport",
                                      provider.transport,
                                      "--endpoint",
                                      fake->url(),
                                      "--secret-file",
                                      Write("wrong", "wrong-key-0000")};
  spoiled.insert(spoiled.end(), provider.options.begin(), provider.options.end());
  ASSERT_EQ(Cadent(spoiled).code, 0);
  Outcome tested = Cadent({"senders", "test", "spoiled", "--to", "me@acme.com"});
  EXPECT_NE(tested.code, 0);
  EXPECT_THAT(tested.out, HasSubstr("unauthorized"));
}

INSTANTIATE_TEST_SUITE_P(
    Providers, EmailProvidersCliTest,
    ::testing::Values(
        ProviderCase{"sendgrid",
                     [] { return std::make_unique<fakes::SendGridFake>("SG.key-1"); },
                     {},
                     "SG.key-1"},
        ProviderCase{"postmark",
                     [] {
                       return std::make_unique<fakes::PostmarkFake>("pm-token",
                                                                    std::set<std::string>{});
                     },
                     {},
                     "pm-token"},
        ProviderCase{
            "resend", [] { return std::make_unique<fakes::ResendFake>("re_key"); }, {}, "re_key"},
        ProviderCase{
            "mailgun",
            [] { return std::make_unique<fakes::MailgunFake>("mg-key", "mail.example.com"); },
            {"--domain", "mail.example.com"},
            "mg-key"},
        ProviderCase{"ses",
                     [] {
                       return std::make_unique<fakes::SesFake>("AKIDEXAMPLE", "ses-secret",
                                                               "eu-west-1");
                     },
                     {"--region", "eu-west-1", "--username", "AKIDEXAMPLE"},
                     "ses-secret"}),
    [](const ::testing::TestParamInfo<ProviderCase>& param_info) {
      return param_info.param.transport;
    });

}  // namespace
}  // namespace cadent::cli
