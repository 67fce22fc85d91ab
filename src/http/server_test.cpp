#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "http/health.hpp"

namespace cadent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using BeastResponse = bh::response<bh::string_body>;

constexpr auto kPatience = std::chrono::seconds(5);

Instant TestStart() {
  using namespace std::chrono;
  return sys_days{year{2026} / 11 / 23} + hours(16) + minutes(38) + seconds(30);
}

// A client with a deadline on every read, so a server that hangs fails the test instead of
// hanging it. Each call runs its own small event loop to completion.
class TestClient {
 public:
  explicit TestClient(uint16_t port) : stream_(context_) {
    beast::error_code ec;
    stream_.socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connect_error_ = ec;
  }

  bool connected() const { return !connect_error_; }

  // Sends raw bytes; false when the server has gone away.
  bool Write(std::string_view bytes) {
    beast::error_code ec;
    asio::write(stream_.socket(), asio::buffer(bytes), ec);
    return !ec;
  }

  // Reads one response (headers only for a HEAD). nullopt on EOF, error or timeout.
  std::optional<BeastResponse> Read(bool head = false, milliseconds timeout = kPatience) {
    bh::response_parser<bh::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    stream_.expires_after(timeout);
    bh::async_read(stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
    context_.restart();
    context_.run();
    last_error_ = ec;
    if (ec) return std::nullopt;
    return parser.release();
  }

  // Sends `request` and reads the response.
  std::optional<BeastResponse> RoundTrip(std::string_view request, bool head = false) {
    if (!Write(request)) return std::nullopt;
    return Read(head);
  }

  // Waits for the server to close the connection: true on EOF or reset, false when the
  // connection is still open after `timeout` or the server sent bytes instead.
  bool WaitForClose(milliseconds timeout = kPatience) {
    if (buffer_.size() > 0) return false;
    std::array<char, 256> sink;
    beast::error_code ec;
    size_t received = 0;
    stream_.expires_after(timeout);
    stream_.async_read_some(asio::buffer(sink), [&](beast::error_code e, size_t n) {
      ec = e;
      received = n;
    });
    context_.restart();
    context_.run();
    return received == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

  beast::error_code last_error() const { return last_error_; }
  void Close() { stream_.close(); }

 private:
  asio::io_context context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
  beast::error_code last_error_;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

std::string Header(const BeastResponse& response, std::string_view name) {
  auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

nlohmann::json JsonBody(const BeastResponse& response) {
  return nlohmann::json::parse(response.body(), nullptr, /*allow_exceptions=*/false);
}

Router TestRouter() {
  Router router;
  router.Add(Method::kGet, "/hello", [](const Request&) { return Response::Text(200, "hello"); });
  router.Add(Method::kGet, "/echo/{word}", [](const Request& request) {
    return Response::Json(200, {{"word", request.PathParam("word")},
                                {"q", request.Query("q").value_or("")},
                                {"remote", request.remote_address},
                                {"agent", request.Header("user-agent").value_or("")}});
  });
  router.Add(Method::kPost, "/echo",
             [](const Request& request) { return Response::Text(200, request.body); });
  router.Add(Method::kGet, "/inject", [](const Request&) {
    Response response = Response::Text(200, "x");
    response.headers.Add("X-Bad", "a\r\nInjected: 1");
    response.headers.Add("X-Good", "fine");
    response.headers.Add("Content-Length", "999");
    return response;
  });
  router.Add(Method::kDelete, "/items/{id}", [](const Request&) {
    Response response;
    response.status = 204;
    return response;
  });
  AddHealthRoutes(router, [] { return nlohmann::json{{"ok", true}}; });
  return router;
}

// Parameterised on the number of I/O threads: 1 is the default, 2 exercises the
// cross-thread paths (accepting on one loop, serving on another) under TSan.
class ServerTest : public ::testing::TestWithParam<int> {
 protected:
  ~ServerTest() override {
    if (server_ != nullptr) server_->Stop(std::chrono::seconds(2));
  }

  void StartServer(ServerOptions options = {}, Router router = TestRouter()) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.io_threads = GetParam();
    server_ = std::make_unique<Server>(std::move(options), std::move(router), clock_);
    Result<uint16_t> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    ASSERT_NE(*port, 0);
    port_ = *port;
  }

  FakeClock clock_{TestStart()};
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_P(ServerTest, ServesRouteWithParamsQueryAndStandardHeaders) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  auto response = client.RoundTrip(Get("/echo/hi%20there?q=a+b%26c", "User-Agent: t/1\r\n"));
  ASSERT_TRUE(response) << client.last_error().message();
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(Header(*response, "Content-Type"), "application/json");
  EXPECT_EQ(Header(*response, "Server"), "cadent");
  EXPECT_EQ(Header(*response, "Date"), "Mon, 23 Nov 2026 16:38:30 GMT");
  EXPECT_EQ(JsonBody(*response),
            (nlohmann::json{
                {"word", "hi there"}, {"q", "a b&c"}, {"remote", "127.0.0.1"}, {"agent", "t/1"}}));
  EXPECT_EQ(response->body().size(), std::stoul(Header(*response, "Content-Length")));

  // The Date follows the injected clock, not the wall.
  clock_.Advance(std::chrono::hours(24 * 40) + std::chrono::seconds(5));
  auto later = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(later);
  EXPECT_EQ(Header(*later, "Date"), "Sat, 02 Jan 2027 16:38:35 GMT");
}

TEST_P(ServerTest, UnknownPathIs404ProblemJson) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/nowhere"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 404);
  EXPECT_EQ(Header(*response, "Content-Type"), "application/problem+json");
  const nlohmann::json body = JsonBody(*response);
  EXPECT_EQ(body["type"], "urn:cadent:problem:not-found");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_TRUE(body["detail"].is_string());
  // The connection stays usable after a 404.
  auto next = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "hello");
}

TEST_P(ServerTest, WrongMethodIs405WithAllow) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip("PUT /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 405);
  EXPECT_EQ(Header(*response, "Allow"), "GET, HEAD");
  EXPECT_EQ(JsonBody(*response)["status"], 405);
}

TEST_P(ServerTest, UnknownMethodIs501AndConnectionStaysOpen) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip("PROPFIND /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 501);
  auto next = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

TEST_P(ServerTest, HeadAnswersGetRouteWithoutBody) {
  StartServer();
  TestClient client(port_);
  // HEAD and GET back to back: if the HEAD response carried a body, the GET response would
  // be read from the middle of it.
  ASSERT_TRUE(client.Write("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/hello")));
  auto head = client.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_EQ(Header(*head, "Content-Length"), "5");
  EXPECT_EQ(head->body(), "");
  auto get = client.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->result_int(), 200);
  EXPECT_EQ(get->body(), "hello");
}

TEST_P(ServerTest, NoContentHasNoBodyOrLength) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip("DELETE /items/3 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 204);
  EXPECT_EQ(Header(*response, "Content-Length"), "");
  auto next = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "hello");
}

TEST_P(ServerTest, KeepsConnectionAliveAcrossRequests) {
  StartServer();
  TestClient client(port_);
  for (int i = 0; i < 10; ++i) {
    auto response = client.RoundTrip(Get("/echo/" + std::to_string(i)));
    ASSERT_TRUE(response) << "request " << i << ": " << client.last_error().message();
    EXPECT_EQ(JsonBody(*response)["word"], std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
  }
  EXPECT_EQ(server_->ActiveConnections(), 1u);
}

TEST_P(ServerTest, AnswersPipelinedRequestsInOrder) {
  StartServer();
  TestClient client(port_);
  std::string batch;
  for (int i = 0; i < 5; ++i) batch += Get("/echo/" + std::to_string(i));
  batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody";
  batch += Get("/echo/last");
  ASSERT_TRUE(client.Write(batch));
  for (int i = 0; i < 5; ++i) {
    auto response = client.Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(JsonBody(*response)["word"], std::to_string(i));
  }
  auto post = client.Read();
  ASSERT_TRUE(post);
  EXPECT_EQ(post->body(), "body");
  auto last = client.Read();
  ASSERT_TRUE(last);
  EXPECT_EQ(JsonBody(*last)["word"], "last");
}

TEST_P(ServerTest, ReceivesContentLengthAndChunkedBodies) {
  StartServer();
  TestClient client(port_);
  auto plain =
      client.RoundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\npayload");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body(), "payload");
  auto chunked = client.RoundTrip(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body(), "abcdefg");
}

TEST_P(ServerTest, SendsContinueBeforeReadingAnExpectedBody) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Write(
      "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.Write("hello"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello");
}

TEST_P(ServerTest, OversizedBodyIs413AndCloses) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(port_);
  // The limit is enforced from Content-Length, before the body is read: send only part.
  ASSERT_TRUE(client.Write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n" +
                           std::string(100, 'x')));
  auto response = client.Read();
  ASSERT_TRUE(response) << client.last_error().message();
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ(Header(*response, "Content-Type"), "application/problem+json");
  EXPECT_EQ(JsonBody(*response)["type"], "urn:cadent:problem:payload-too-large");
  EXPECT_EQ(JsonBody(*response)["status"], 413);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, OversizedChunkedBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(port_);
  const std::string chunk = "320\r\n" + std::string(0x320, 'y') + "\r\n";
  auto response =
      client.RoundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       chunk + chunk + "0\r\n\r\n");
  ASSERT_TRUE(response) << client.last_error().message();
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, BodyAtTheLimitIsAccepted) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(port_);
  auto response = client.RoundTrip(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'z'));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body().size(), 1024u);
}

TEST_P(ServerTest, OversizedHeadersAre431AndClose) {
  StartServer();  // 8 KiB default
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/hello", "X-Big: " + std::string(9000, 'h') + "\r\n"));
  ASSERT_TRUE(response) << client.last_error().message();
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_EQ(JsonBody(*response)["type"], "urn:cadent:problem:headers-too-large");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, GarbageIs400AndCloses) {
  StartServer();
  TestClient client(port_);
  // A TLS ClientHello's first bytes, as a client speaking HTTPS to this port would send.
  static constexpr char kGarbage[] = "\x16\x03\x01\x02\x00 not http at all\r\n\r\n";
  auto response = client.RoundTrip(std::string_view(kGarbage, sizeof(kGarbage) - 1));
  ASSERT_TRUE(response) << client.last_error().message();
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(Header(*response, "Content-Type"), "application/problem+json");
  EXPECT_EQ(JsonBody(*response)["type"], "urn:cadent:problem:bad-request");
  EXPECT_EQ(Header(*response, "Server"), "cadent");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, MalformedQueryIs400ButKeepsConnection) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/echo/x?q=%zz"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  auto next = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

TEST_P(ServerTest, Http10WithoutKeepAliveCloses) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip("GET /hello HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->version(), 10u);
  EXPECT_EQ(response->body(), "hello");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, ConnectionCloseRequestIsHonoured) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/hello", "Connection: close\r\n"));
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, DropsHeadersWithLineBreaksAndServerOwnedOnes) {
  StartServer();
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/inject"));
  ASSERT_TRUE(response);
  EXPECT_EQ(Header(*response, "X-Good"), "fine");
  EXPECT_EQ(Header(*response, "X-Bad"), "");
  EXPECT_EQ(Header(*response, "Injected"), "");
  EXPECT_EQ(Header(*response, "Content-Length"), "1");
}

TEST_P(ServerTest, CutsOffClientThatNeverFinishesItsHeaders) {
  ServerOptions options;
  options.read_timeout = milliseconds(200);
  StartServer(options);
  TestClient client(port_);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Write("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: "));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(150));
}

TEST_P(ServerTest, ReadTimeoutIsADeadlineNotAnInactivityTimer) {
  ServerOptions options;
  options.read_timeout = milliseconds(200);
  StartServer(options);
  TestClient client(port_);
  // A byte every 20 ms keeps an inactivity timer happy forever; the deadline still ends it.
  ASSERT_TRUE(client.Write("GET /hello HTTP/1.1\r\n"));
  const auto started = std::chrono::steady_clock::now();
  bool cut_off = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(3)) {
    if (!client.Write("X")) {
      cut_off = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  // A write can succeed into the kernel buffer after the server closed; the read side tells.
  EXPECT_TRUE(cut_off || client.WaitForClose(milliseconds(100)));
}

TEST_P(ServerTest, ClosesIdleKeepAliveConnections) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  StartServer(options);
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/hello"));
  ASSERT_TRUE(response);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(150));
}

TEST_P(ServerTest, TurnsAwayConnectionsBeyondTheLimit) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  TestClient first(port_);
  TestClient second(port_);
  ASSERT_TRUE(first.RoundTrip(Get("/hello")));
  ASSERT_TRUE(second.RoundTrip(Get("/hello")));
  EXPECT_EQ(server_->ActiveConnections(), 2u);

  TestClient third(port_);
  auto rejected = third.RoundTrip(Get("/hello"));
  ASSERT_TRUE(rejected) << third.last_error().message();
  EXPECT_EQ(rejected->result_int(), 503);
  EXPECT_EQ(JsonBody(*rejected)["type"], "urn:cadent:problem:service-unavailable");
  EXPECT_FALSE(rejected->keep_alive());
  EXPECT_TRUE(third.WaitForClose());

  // A freed slot is reused.
  first.Close();
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (server_->ActiveConnections() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  TestClient fourth(port_);
  auto served = fourth.RoundTrip(Get("/hello"));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->result_int(), 200);
  // The survivors were not disturbed.
  ASSERT_TRUE(second.RoundTrip(Get("/hello")));
}

TEST_P(ServerTest, GracefulStopFinishesInFlightRequestAndClosesIdleOnes) {
  std::latch entered(1);
  std::latch release(1);
  Router router = TestRouter();
  router.Add(Method::kGet, "/slow", [&](const Request&) {
    entered.count_down();
    release.wait();
    return Response::Text(200, "done");
  });
  StartServer({}, std::move(router));

  TestClient idle(port_);
  ASSERT_TRUE(idle.RoundTrip(Get("/hello")));
  TestClient busy(port_);
  ASSERT_TRUE(busy.Write(Get("/slow")));
  entered.wait();

  std::thread stopper([&] { server_->Stop(kPatience); });
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!server_->Stopping() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(server_->Stopping());
  release.count_down();

  auto response = busy.Read();
  ASSERT_TRUE(response) << busy.last_error().message();
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "done");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  stopper.join();

  EXPECT_EQ(server_->ActiveConnections(), 0u);
  TestClient late(port_);
  EXPECT_FALSE(late.connected() && late.RoundTrip(Get("/hello")).has_value());
}

TEST_P(ServerTest, StopClosesStragglersAfterTheGracePeriod) {
  StartServer();
  TestClient slow(port_);
  ASSERT_TRUE(slow.Write("GET /hello HTTP/1.1\r\nHost"));  // and never more
  TestClient idle(port_);
  ASSERT_TRUE(idle.RoundTrip(Get("/hello")));
  // Let the server read the partial request so that the connection is not idle.
  std::this_thread::sleep_for(milliseconds(20));
  const auto started = std::chrono::steady_clock::now();
  server_->Stop(milliseconds(200));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(slow.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  server_->Stop();  // idempotent
}

TEST_P(ServerTest, ReportsEachRequestToTheAccessHook) {
  std::mutex mutex;
  std::condition_variable recorded;
  std::vector<AccessRecord> records;
  ServerOptions options;
  options.access_hook = [&](const AccessRecord& record) {
    std::lock_guard lock(mutex);
    records.push_back(record);
    recorded.notify_all();
  };
  StartServer(options);
  TestClient client(port_);
  auto response = client.RoundTrip(Get("/echo/abc?q=1"));
  ASSERT_TRUE(response);
  ASSERT_TRUE(client.RoundTrip(Get("/missing")));
  ASSERT_TRUE(client.RoundTrip("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", /*head=*/true));

  // The hook runs after the write completes, so it may trail the client's read a little.
  std::unique_lock lock(mutex);
  ASSERT_TRUE(recorded.wait_for(lock, kPatience, [&] { return records.size() >= 3; }));
  EXPECT_EQ(records[0].method, "GET");
  EXPECT_EQ(records[0].path, "/echo/abc");
  EXPECT_EQ(records[0].route, "/echo/{word}");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_EQ(records[0].bytes, response->body().size());
  EXPECT_EQ(records[0].remote_address, "127.0.0.1");
  EXPECT_GT(records[0].duration.count(), 0);
  EXPECT_EQ(records[1].status, 404);
  EXPECT_EQ(records[1].route, "");
  EXPECT_EQ(records[2].method, "HEAD");
  EXPECT_EQ(records[2].bytes, 0u);
}

TEST_P(ServerTest, ServesHealthRoutes) {
  StartServer();
  TestClient client(port_);
  auto healthz = client.RoundTrip(Get("/healthz"));
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->result_int(), 200);
  EXPECT_EQ(JsonBody(*healthz), (nlohmann::json{{"status", "ok"}}));
  auto status = client.RoundTrip(Get("/status"));
  ASSERT_TRUE(status);
  EXPECT_EQ(JsonBody(*status)["database"], (nlohmann::json{{"ok", true}}));
}

TEST_P(ServerTest, ServesManyConcurrentConnections) {
  StartServer();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 64; ++i) clients.push_back(std::make_unique<TestClient>(port_));
  for (auto& client : clients) ASSERT_TRUE(client->Write(Get("/hello")));
  for (auto& client : clients) {
    auto response = client->Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body(), "hello");
  }
  EXPECT_EQ(server_->ActiveConnections(), 64u);
}

TEST_P(ServerTest, StartTwiceFails) {
  StartServer();
  EXPECT_EQ(server_->Start().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(ServerTest, PortInUseIsUnavailable) {
  StartServer();
  ServerOptions options;
  options.port = port_;
  Server second(options, TestRouter(), clock_);
  EXPECT_EQ(second.Start().status().code(), absl::StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(IoThreads, ServerTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return std::to_string(param_info.param) + "Thread";
                         });

TEST(ServerOptionsTest, RejectsHostNamesAndZeroThreads) {
  FakeClock clock(TestStart());
  ServerOptions options;
  options.port = 0;
  options.address = "localhost";
  EXPECT_EQ(Server(options, Router(), clock).Start().status().code(),
            absl::StatusCode::kInvalidArgument);
  options.address = "127.0.0.1";
  options.io_threads = 0;
  EXPECT_EQ(Server(options, Router(), clock).Start().status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpDateTest, FormatsImfFixdate) {
  using namespace std::chrono;
  EXPECT_EQ(FormatHttpDate(sys_days{year{1994} / 11 / 6} + hours(8) + minutes(49) + seconds(37)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(sys_days{year{2000} / 2 / 29} + microseconds(999'999)),
            "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(FromUnixMicros(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace cadent::http
