// `cadent serve` as a process: the port it prints, its health routes over real TCP, a clean
// stop on SIGTERM, and the failures an operator meets first.
#include <csignal>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "integration/cadent_test.hpp"
#include "integration/http_client.hpp"

namespace cadent::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto kStartTimeout = std::chrono::seconds(30);

class ServeTest : public CadentTest {
 protected:
  // Starts `serve` on a free port of 127.0.0.1 and returns the port it printed, or nullopt
  // (with a test failure) when it never did.
  std::optional<uint16_t> StartServer(const std::string& db, Child** server_out) {
    Child& server = StartCadent({"--db", db, "serve", "--listen", "127.0.0.1:0"});
    *server_out = &server;
    const std::string prefix = "cadent: serving on http://127.0.0.1:";
    const std::optional<std::string> line = server.WaitForStderrLine(
        [&](std::string_view l) { return l.rfind(prefix, 0) == 0; }, After(kStartTimeout));
    if (!line) {
      server.Wait(After(std::chrono::seconds(10)));
      ADD_FAILURE() << "serve never printed its port; stderr:\n" << server.err();
      return std::nullopt;
    }
    EXPECT_THAT(*line, HasSubstr(db)) << "the line names the database";
    const size_t end = line->find_first_not_of("0123456789", prefix.size());
    const std::string digits = line->substr(prefix.size(), end - prefix.size());
    const int port = digits.empty() ? 0 : std::stoi(digits);
    if (port <= 0 || port > 65535) {
      ADD_FAILURE() << "no port in: " << *line;
      return std::nullopt;
    }
    return static_cast<uint16_t>(port);
  }
};

TEST_F(ServeTest, AnswersHealthAndStatusAndStopsOnSigterm) {
  const std::string db = Path("cadent.db");
  Child* server = nullptr;
  const std::optional<uint16_t> port = StartServer(db, &server);
  ASSERT_TRUE(port.has_value());

  const HttpResponse health = HttpGet("127.0.0.1", *port, "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_THAT(health.Header("content-type"), StartsWith("application/json"));
  EXPECT_EQ(ParseJson(health.body, "/healthz body"), nlohmann::json({{"status", "ok"}}));

  const HttpResponse status = HttpGet("127.0.0.1", *port, "/status");
  EXPECT_EQ(status.status, 200) << status.body;
  const nlohmann::json body = ParseJson(status.body, "/status body");
  ASSERT_TRUE(body.is_object()) << status.body;
  EXPECT_EQ(body.value("status", ""), "ok") << status.body;
  ASSERT_TRUE(body.contains("database") && body["database"].is_object()) << status.body;
  const nlohmann::json& database = body["database"];
  EXPECT_EQ(database.value("backend", ""), "sqlite") << status.body;
  EXPECT_EQ(database.value("ok", false), true) << status.body;
  ASSERT_TRUE(database.contains("schema_version")) << status.body;
  EXPECT_GE(database["schema_version"].get<int>(), 1) << status.body;
  EXPECT_EQ(database["schema_version"], database["latest_schema_version"]) << status.body;

  const HttpResponse missing = HttpGet("127.0.0.1", *port, "/nope");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_THAT(missing.Header("content-type"), StartsWith("application/problem+json"));
  const nlohmann::json problem = ParseJson(missing.body, "/nope body");
  ASSERT_TRUE(problem.is_object()) << missing.body;
  EXPECT_EQ(problem.value("status", 0), 404) << missing.body;

  ASSERT_TRUE(server->Signal(SIGTERM));
  const ExitStatus exit = server->Wait(After(std::chrono::seconds(30)));
  EXPECT_TRUE(exit.Success()) << exit.Describe() << "\nstderr:\n" << server->err();
  EXPECT_THAT(server->err(), HasSubstr("cadent: stopping (signal " + std::to_string(SIGTERM)));
}

TEST_F(ServeTest, RefusesAFileThatIsNotADatabase) {
  const std::string db = Path("cadent.db");
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += "this is not an SQLite database, just text. ";
  WriteFile(db, garbage);

  const std::vector<std::string> args = {"--db", db, "serve", "--listen", "127.0.0.1:0"};
  const RunResult run = Cadent(args, std::chrono::seconds(30));
  ASSERT_FALSE(run.status.timed_out) << "serve kept running on a garbage database\n"
                                     << Describe(args, run);
  ASSERT_TRUE(run.status.exited) << Describe(args, run);
  EXPECT_NE(run.status.code, 0) << Describe(args, run);
  EXPECT_THAT(run.err, HasSubstr(db)) << "the message names the file\n" << Describe(args, run);
  EXPECT_THAT(run.err, Not(HasSubstr("serving on"))) << Describe(args, run);
  EXPECT_EQ(ReadFile(db), garbage) << "the file must be left as it was";
}

TEST_F(ServeTest, FailsClearlyWhenThePortIsInUse) {
  Child* first = nullptr;
  const std::optional<uint16_t> port = StartServer(Path("first.db"), &first);
  ASSERT_TRUE(port.has_value());

  const std::string listen = "127.0.0.1:" + std::to_string(*port);
  const std::vector<std::string> args = {"--db", Path("second.db"), "serve", "--listen", listen};
  const RunResult second = Cadent(args, std::chrono::seconds(30));
  ASSERT_FALSE(second.status.timed_out) << "a second server on a used port kept running\n"
                                        << Describe(args, second);
  ASSERT_TRUE(second.status.exited) << Describe(args, second);
  EXPECT_NE(second.status.code, 0) << Describe(args, second);
  EXPECT_THAT(second.err, HasSubstr(listen)) << Describe(args, second);
  EXPECT_THAT(second.err, HasSubstr("in use")) << Describe(args, second);

  // The first server is unaffected.
  EXPECT_EQ(HttpGet("127.0.0.1", *port, "/healthz").status, 200);
  ASSERT_TRUE(first->Signal(SIGTERM));
  EXPECT_TRUE(first->Wait(After(std::chrono::seconds(30))).Success()) << first->err();
}

}  // namespace
}  // namespace cadent::integration
