// The command line as a user meets it: help, usage errors and a first database.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "integration/cadent_test.hpp"

namespace cadent::integration {
namespace {

using ::testing::HasSubstr;

class CliSmokeTest : public CadentTest {};

TEST_F(CliSmokeTest, HelpListsTheSubcommands) {
  const std::vector<std::string> args = {"--help"};
  const RunResult run = Cadent(args);
  ASSERT_TRUE(run.status.Success()) << Describe(args, run);
  const std::string help = run.out + run.err;
  for (const char* subcommand :
       {"serve", "import", "imports", "contacts", "lists", "suppress", "templates", "db"}) {
    EXPECT_THAT(help, HasSubstr(std::string("\n  ") + subcommand + " "))
        << "subcommand " << subcommand << " missing from\n"
        << help;
  }
  EXPECT_THAT(help, HasSubstr("--db"));
  EXPECT_FALSE(std::filesystem::exists(dir() / "var")) << "--help must not create a database";
}

TEST_F(CliSmokeTest, ImportWithoutAFileIsAUsageError) {
  const std::vector<std::string> args = {"--db", Path("x.db"), "import", "contacts"};
  const RunResult run = Cadent(args);
  ASSERT_TRUE(run.status.exited) << Describe(args, run);
  EXPECT_EQ(run.status.code, 2) << Describe(args, run);
  EXPECT_THAT(run.err, HasSubstr("file is required")) << Describe(args, run);
  EXPECT_THAT(run.err, HasSubstr("--help")) << Describe(args, run);
  EXPECT_TRUE(run.out.empty()) << Describe(args, run);
  EXPECT_FALSE(std::filesystem::exists(Path("x.db"))) << "a usage error must not open the database";
}

TEST_F(CliSmokeTest, DbStatusCreatesTheDatabase) {
  const std::string db = Path("nested/dir/x.db");
  ASSERT_FALSE(std::filesystem::exists(db));
  const std::vector<std::string> args = {"--db", db, "db", "status"};
  const RunResult run = Cadent(args);
  ASSERT_TRUE(run.status.Success()) << Describe(args, run);
  EXPECT_TRUE(std::filesystem::is_regular_file(db));

  const nlohmann::json status = ParseJson(run.out, "db status output");
  ASSERT_TRUE(status.is_object()) << run.out;
  EXPECT_EQ(status.value("backend", ""), "sqlite");
  ASSERT_TRUE(status.contains("schema_version")) << run.out;
  ASSERT_TRUE(status["schema_version"].is_number_integer()) << run.out;
  EXPECT_GE(status["schema_version"].get<int>(), 1);
  EXPECT_EQ(status["schema_version"], status["latest_schema_version"]) << run.out;
  EXPECT_EQ(status["contacts"], 0);
  EXPECT_EQ(status["workspaces"], 1) << "the default workspace";

  // A second open finds the same, already migrated database.
  const RunResult again = Cadent(args);
  ASSERT_TRUE(again.status.Success()) << Describe(args, again);
  EXPECT_EQ(ParseJson(again.out, "second db status output"), status);
}

TEST_F(CliSmokeTest, TemplateFromAFileRendersForAnImportedContact) {
  const std::string db = Path("t.db");
  {
    std::ofstream(Path("people.csv"))
        << "email,first_name,phone\nana@example.com,Ana,+4915123456789\n";
    std::ofstream(Path("hello.tmpl")) << "---\nname: hello\nchannel: sms\n---\n"
                                         "{{spin: Hi|Hello}} {{first_name|there}}, happy "
                                         "{{day_of_week}}!";
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--db", db, "import", "contacts", Path("people.csv")},
        std::vector<std::string>{"--db", db, "templates", "create", Path("hello.tmpl")}}) {
    const RunResult run = Cadent(args);
    ASSERT_TRUE(run.status.Success()) << Describe(args, run);
  }
  const std::vector<std::string> preview = {"--db",    db,      "--json",    "templates",
                                            "preview", "hello", "--contact", "ana@example.com"};
  const RunResult run = Cadent(preview);
  ASSERT_TRUE(run.status.Success()) << Describe(preview, run);
  const nlohmann::json out = ParseJson(run.out, "templates preview output");
  EXPECT_THAT(out.value("text", ""),
              ::testing::MatchesRegex("(Hi|Hello) Ana, happy [A-Z][a-z]+day!"));
  EXPECT_EQ(out.value("zone", ""), "Europe/Berlin");  // from the +49 phone number
  EXPECT_EQ(out.value("zone_source", ""), "phone");
  EXPECT_EQ(out.value("sms_segments", 0), 1);
  // The same contact and step always get the same spintax choice.
  EXPECT_EQ(ParseJson(Cadent(preview).out, "second preview")["text"], out["text"]);
}

}  // namespace
}  // namespace cadent::integration
