// The command line as a user meets it: help, usage errors and a first database.
#include <filesystem>

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
       {"serve", "import", "imports", "contacts", "lists", "suppress", "db"}) {
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

}  // namespace
}  // namespace cadent::integration
