// `cadent serve` as a process: the port it prints, its health routes over real TCP, a clean
// stop on SIGTERM, the failures an operator meets first, and the unsubscribe and open links
// recipients follow.
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
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
  std::optional<uint16_t> StartServer(const std::string& db, Child** server_out,
                                      const std::vector<std::string>& global = {},
                                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = global;
    for (const std::string& a : {std::string("--db"), db, std::string("serve"),
                                 std::string("--listen"), std::string("127.0.0.1:0")}) {
      args.push_back(a);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    Child& server = StartCadent(args);
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

// A campaign's first email goes out (`cadent run` in virtual time, through the outbox); then
// a server answers the links in it over real HTTP.
class TrackingServeTest : public ServeTest {
 protected:
  static constexpr const char* kNow = "2026-12-07T10:00:00Z";

  void SetUp() override {
    ServeTest::SetUp();
    db_ = Path("cadent.db");
    WriteFile(Path("contacts.csv"), "email,first_name\nana@example.com,Ana\n");
    for (const std::string step : {"intro", "bump"}) {
      WriteFile(Path(step + ".tmpl"),
                "---\nname: " + step + "\nchannel: email\nsubject: \"" + step +
                    "\"\n---\n<p>Hi {{first_name|there}}, see <a "
                    "href=\"https://example.com/pricing?plan=pro\">our prices</a></p>\n"
                    "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>\n");
    }
    WriteFile(Path("campaign.yaml"),
              "name: trial\naudience: {lists: [leads]}\nsenders: [alice]\n"
              "calendar:\n  window: \"Mon-Sun 00:00-24:00\"\n  weekends: window\n"
              "  holidays: none\n"
              "steps:\n  - id: intro\n    send: email\n    template: intro\n"
              "  - id: bump\n    send: email\n    template: bump\n    after: 1 day\n");
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"import", "contacts", Path("contacts.csv"), "--list", "leads"},
             {"templates", "create", Path("intro.tmpl")},
             {"templates", "create", Path("bump.tmpl")},
             {"workspace", "set-address", "1 Main St, Springfield"},
             {"senders", "add", "alice", "--address", "alice@example.com", "--min-spacing", "0",
              "--max-spacing", "0"},
             {"campaigns", "create", Path("campaign.yaml")},
             {"--now", kNow, "campaigns", "launch", "trial"},
             {"--now", kNow, "run", "--clock", "virtual", "--until", "2026-12-07T12:00:00Z",
              "--outbox", Path("outbox")}}) {
      ASSERT_TRUE(Must(args)) << "setup";
    }
  }

  bool Must(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    const RunResult run = Cadent(args, std::chrono::seconds(60));
    EXPECT_TRUE(run.status.Success()) << Describe(args, run);
    last_out_ = run.out;
    return run.status.Success();
  }

  // The html of the one email sent so far.
  std::string Html() {
    std::ifstream lines(Path("outbox") + "/messages.jsonl");
    std::string first;
    std::getline(lines, first);
    return ParseJson(first, "outbox line").value("html", "");
  }
  // The one email sent so far, as the outbox wrote it.
  std::string Eml() {
    std::ifstream lines(Path("outbox") + "/messages.jsonl");
    std::string first;
    std::getline(lines, first);
    const nlohmann::json line = ParseJson(first, "outbox line");
    std::ifstream eml(Path("outbox") + "/eml/" + std::to_string(line.value("id", 0)) + ".eml");
    std::stringstream content;
    content << eml.rdbuf();
    return content.str();
  }
  // `prefix` and the base64url token after it, from the first place `text` has `prefix`.
  // (No std::regex: g++ 12 warns inside it under -O1, -Werror.)
  static std::string PathOf(const std::string& text, const std::string& prefix) {
    const size_t at = text.find(prefix);
    if (at == std::string::npos) return "";
    const size_t end = text.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", at + prefix.size());
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  int Sent() {
    std::ifstream lines(Path("outbox") + "/messages.jsonl");
    int n = 0;
    for (std::string line; std::getline(lines, line);) ++n;
    return n;
  }

  std::string db_;
  std::string last_out_;
};

TEST_F(TrackingServeTest, UnsubscribeClickAndOpenLinksOverHttp) {
  ASSERT_EQ(Sent(), 1);
  const std::string eml = Eml();
  // The List-Unsubscribe header holds the signed link; its path is what we request.
  const size_t header = eml.find("List-Unsubscribe: <http://127.0.0.1:8080/u/");
  ASSERT_NE(header, std::string::npos) << eml;
  const std::string unsubscribe = PathOf(eml.substr(header), "/u/");
  ASSERT_GT(unsubscribe.size(), 20u) << eml;
  // The pixel from the html as the outbox recorded it (the .eml's part is quoted-printable).
  const std::string pixel = PathOf(Html(), "/t/o/") + ".gif";
  ASSERT_GT(pixel.size(), 20u);
  EXPECT_THAT(Html(), HasSubstr(pixel));

  Child* server = nullptr;
  const std::optional<uint16_t> port =
      StartServer(db_, &server, {"--now", "2026-12-07T11:00:00Z"}, {"--no-engine"});
  ASSERT_TRUE(port.has_value());
  const std::string host = "127.0.0.1";

  // GET: the confirmation page, and nothing changes (link scanners prefetch GETs).
  const HttpResponse page = HttpGet(host, *port, unsubscribe);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.Header("content-type"), StartsWith("text/html"));
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\">"));
  EXPECT_EQ(page.Header("cache-control"), "no-store");
  ASSERT_TRUE(Must({"--json", "suppress", "list"}));
  EXPECT_THAT(last_out_, Not(HasSubstr("ana@example.com")));

  // Tampered or made-up tokens: 404, for GET and POST, and nothing written.
  std::string tampered = unsubscribe;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  for (const std::string& target : {tampered, std::string("/u/1"), std::string("/u/2"),
                                    unsubscribe.substr(0, unsubscribe.size() - 3)}) {
    EXPECT_EQ(HttpGet(host, *port, target).status, 404) << target;
    EXPECT_EQ(HttpRequest(host, *port, "POST", target, "List-Unsubscribe=One-Click",
                          {{"Content-Type", "application/x-www-form-urlencoded"}})
                  .status,
              404)
        << target;
  }
  // A malformed form body is refused, and unsubscribes nobody.
  EXPECT_EQ(HttpRequest(host, *port, "POST", unsubscribe, "confirm=%zz",
                        {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            400);
  ASSERT_TRUE(Must({"--json", "suppress", "list"}));
  EXPECT_THAT(last_out_, Not(HasSubstr("ana@example.com")));

  // The open pixel: a real GIF, never cached; a person's open and a proxy's.
  const HttpResponse gif = HttpRequest(host, *port, "GET", pixel, "",
                                       {{"User-Agent",
                                         "Mozilla/5.0 (X11; Linux x86_64; "
                                         "rv:115.0) Gecko/20100101 Thunderbird/115"}});
  EXPECT_EQ(gif.status, 200);
  EXPECT_EQ(gif.Header("content-type"), "image/gif");
  EXPECT_THAT(gif.Header("cache-control"), HasSubstr("no-store"));
  EXPECT_EQ(gif.body.size(), 43u);
  EXPECT_EQ(gif.body.substr(0, 6), "GIF89a");
  EXPECT_EQ(HttpRequest(host, *port, "GET", pixel, "", {{"User-Agent", "Mozilla/5.0"}}).status,
            200);
  EXPECT_EQ(HttpGet(host, *port, "/t/o/AAAA.gif").status, 404);
  EXPECT_EQ(HttpGet(host, *port, unsubscribe.substr(2) + ".gif").status, 404);

  // The click link: a redirect to the link as sent, whatever the request says.
  const std::string click = PathOf(Html(), "/t/c/");
  ASSERT_GT(click.size(), 20u) << Html();
  EXPECT_THAT(Html(), Not(HasSubstr("href=\"https://example.com/pricing")));
  const HttpResponse redirect = HttpRequest(
      host, *port, "GET", click + "?url=https://evil.example/", "",
      {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115"}});
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.Header("location"), "https://example.com/pricing?plan=pro");
  EXPECT_EQ(HttpRequest(host, *port, "HEAD", click).status, 302);  // a scanner: flagged
  std::string bad_click = click;
  bad_click.back() = bad_click.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(HttpGet(host, *port, bad_click).status, 404);

  // The RFC 8058 one-click POST unsubscribes at once; a second POST is fine.
  const HttpResponse done =
      HttpRequest(host, *port, "POST", unsubscribe, "List-Unsubscribe=One-Click",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(done.status, 200);
  EXPECT_THAT(done.body, HasSubstr("You are unsubscribed"));
  ASSERT_TRUE(Must({"--json", "suppress", "list"}));
  EXPECT_THAT(last_out_, HasSubstr("ana@example.com"));
  EXPECT_EQ(HttpRequest(host, *port, "POST", unsubscribe, "confirm=yes",
                        {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            200);

  ASSERT_TRUE(server->Signal(SIGTERM));
  EXPECT_TRUE(server->Wait(After(std::chrono::seconds(30))).Success()) << server->err();

  // The bump was due a day later: the engine sends nothing more to Ana.
  ASSERT_TRUE(Must({"--now", kNow, "run", "--clock", "virtual", "--until", "2026-12-20T00:00:00Z",
                    "--outbox", Path("outbox")}));
  EXPECT_EQ(Sent(), 1);
  ASSERT_TRUE(Must({"--json", "campaigns", "stats", "trial"}));
  const nlohmann::json stats = ParseJson(last_out_, "stats");
  ASSERT_TRUE(stats.is_array() && !stats.empty()) << last_out_;
  EXPECT_EQ(stats[0].value("step", ""), "intro");
  EXPECT_EQ(stats[0].value("opened", -1), 1) << last_out_;
  EXPECT_EQ(stats[0].value("opened_human", -1), 1) << last_out_;
  EXPECT_EQ(stats[0].value("unsubscribed", -1), 1) << last_out_;
  EXPECT_EQ(stats[0].value("clicked", -1), 1) << last_out_;
  EXPECT_EQ(stats[0].value("clicked_human", -1), 1) << last_out_;
}

}  // namespace
}  // namespace cadent::integration
