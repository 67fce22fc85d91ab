#include "http/server.hpp"

// A g++ 12 false positive once optimising, inside asio: a "mismatched" delete of coroutine
// frames, which asio allocates and frees with its own operator new/delete pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "fmt/format.h"
#include "http/text.hpp"
#include "spdlog/spdlog.h"

namespace cadent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = bh::request<bh::string_body>;
using BeastResponse = bh::response<bh::string_body>;

// Bytes asked of the socket while waiting for a request to begin.
constexpr size_t kReadChunk = 4096;
// After an error response the server stops sending but keeps reading (and discarding) for a
// moment: closing a socket with unread input makes the kernel send RST, which can destroy the
// response before the client reads it (the "lingering close" of nginx and Apache).
constexpr auto kLingerTimeout = std::chrono::milliseconds(500);
constexpr size_t kLingerMaxBytes = 256 * 1024;
// Time allowed to write a 503 to a connection over the limit.
constexpr auto kRejectTimeout = std::chrono::seconds(1);
// Connections being turned away at once; beyond this they are closed without a word, so a
// flood cannot pile up work.
constexpr size_t kMaxRejecting = 256;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Rethrows and logs what escaped a coroutine (handlers' exceptions are caught by the router;
// this is for bad_alloc and bugs).
void LogEscaped(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("http: connection task failed: {}", e.what());
  } catch (...) {
    spdlog::error("http: connection task failed with a non-standard exception");
  }
}

// Formatting the date is the dearest part of a tiny response; it changes once a second.
const std::string& CachedHttpDate(Instant now) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached_text;
  const int64_t second = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  if (second != cached_second) {
    cached_text = FormatHttpDate(now);
    cached_second = second;
  }
  return cached_text;
}

bool IsServerOwnedField(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Date") ||
         EqualsIgnoreCase(name, "Server");
}

// A CR or LF in a field would let a handler that copies user input into a header (a
// redirect's Location) split the response.
bool IsSafeFieldText(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos && !text.empty();
}

// A parse error, as opposed to the peer going away or a timeout.
bool IsMalformedRequest(const beast::error_code& ec) {
  return ec.category() == beast::error_code(bh::error::bad_target).category() &&
         ec != bh::error::end_of_stream && ec != bh::error::partial_message;
}

bool HasBodyByStatus(int status) { return status >= 200 && status != 204 && status != 304; }

enum class Framing { kKeepAlive, kClose };
enum class BodyMode { kSend, kHeadersOnly };

BeastResponse ToBeast(Response&& response, unsigned version, Framing framing, BodyMode body_mode,
                      const std::string& date) {
  BeastResponse out{static_cast<bh::status>(response.status), version};
  out.set(bh::field::server, "cadent");
  out.set(bh::field::date, date);
  if (!response.content_type.empty() && HasBodyByStatus(response.status)) {
    out.set(bh::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers.fields()) {
    if (IsServerOwnedField(name)) continue;
    if (!IsSafeFieldText(name) || value.find_first_of("\r\n") != std::string::npos) {
      spdlog::error("http: dropped response header \"{}\" with a line break", name);
      continue;
    }
    out.insert(name, value);
  }
  out.keep_alive(framing == Framing::kKeepAlive);
  if (HasBodyByStatus(response.status)) {
    // Set by hand, not by prepare_payload(): a HEAD response announces the GET body's length
    // without sending it.
    out.content_length(response.body.size());
    if (body_mode == BodyMode::kSend) out.body() = std::move(response.body);
  }
  return out;
}

// One accepted socket. Lives in its coroutine's frame; registered with its worker so that
// Stop() can find idle connections, touched only on that worker's thread.
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  // Waiting for the first byte of the next request.
  bool idle = false;
};

// An event loop and the thread running it. Each connection stays on one worker, so its state
// needs no locks (and no strand).
struct Worker {
  asio::io_context context{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unordered_set<Connection*> connections;
};

}  // namespace

std::string FormatHttpDate(Instant time) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_days day = floor<days>(time);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> hms(floor<seconds>(time - day));
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[weekday(day).c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router, Clock& clock)
      : options_(std::move(options)), router_(std::move(router)), clock_(clock) {}

  ~Impl() { Stop(std::chrono::seconds(10)); }

  Result<uint16_t> Start();
  void Stop(std::chrono::milliseconds grace);

  bool Stopping() const { return stopping_.load(std::memory_order_acquire); }
  size_t ActiveConnections() const {
    std::lock_guard lock(mutex_);
    return sessions_;
  }

 private:
  enum class State { kNew, kRunning, kStopped };
  enum class Admission { kServe, kReject, kDrop };

  // Keeps a connection registered with its worker and counted while its coroutine lives.
  class Slot {
   public:
    Slot(Impl& impl, Worker& worker, Connection& connection, Admission admission)
        : impl_(impl), worker_(worker), connection_(connection), admission_(admission) {
      worker_.connections.insert(&connection_);
    }
    ~Slot() {
      worker_.connections.erase(&connection_);
      impl_.Release(admission_);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Impl& impl_;
    Worker& worker_;
    Connection& connection_;
    Admission admission_;
  };

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(Worker& worker, tcp::socket socket);
  asio::awaitable<void> Reject(Worker& worker, tcp::socket socket);
  asio::awaitable<void> LingeringClose(beast::tcp_stream& stream);
  Admission Admit();
  // Requires mutex_.
  bool Drained() const { return !accepting_ && sessions_ == 0 && rejecting_ == 0; }
  void Release(Admission admission);
  void Log(AccessRecord record) const;
  void ForEachWorker(const std::function<void(Worker&)>& action);

  const ServerOptions options_;
  const Router router_;
  Clock& clock_;

  // std::mutex rather than absl::Mutex: Debian's abseil is not built with TSan, so TSan
  // cannot see absl::Mutex's hand-offs and reports races that are not there.
  mutable std::mutex mutex_;
  // Signalled when a connection or the acceptor finishes, for Stop().
  std::condition_variable drained_;
  // Guarded by mutex_ (no ABSL_GUARDED_BY: libstdc++'s mutex is not a capability type).
  State state_ = State::kNew;
  bool accepting_ = false;
  size_t sessions_ = 0;
  size_t rejecting_ = 0;
  std::atomic<bool> stopping_{false};

  // Declared after the state above so that connection slots destroyed with the event loops
  // can still release themselves; the acceptor after the workers whose loop it uses.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<tcp::acceptor> acceptor_;
};

Result<uint16_t> Server::Impl::Start() {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kNew) {
      return absl::FailedPreconditionError("http server: Start() may be called once");
    }
  }
  if (options_.io_threads < 1) {
    return absl::InvalidArgumentError("http server: io_threads must be at least 1");
  }
  if (options_.max_connections < 1) {
    return absl::InvalidArgumentError("http server: max_connections must be at least 1");
  }
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return absl::InvalidArgumentError("http server: listen address \"" + options_.address +
                                      "\" is not an IP address");
  }

  for (int i = 0; i < options_.io_threads; ++i) workers_.push_back(std::make_unique<Worker>());
  const tcp::endpoint endpoint(address, options_.port);
  tcp::acceptor& acceptor = acceptor_.emplace(workers_.front()->context);
  const auto fail = [&](std::string_view step) -> Status {
    const std::string message = "http server: cannot " + std::string(step) + " " +
                                options_.address + ":" + std::to_string(options_.port) + ": " +
                                ec.message();
    acceptor_.reset();
    workers_.clear();
    return absl::UnavailableError(message);
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  const uint16_t port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("read the port of");

  {
    std::lock_guard lock(mutex_);
    state_ = State::kRunning;
    accepting_ = true;
  }
  asio::co_spawn(workers_.front()->context, Accept(), LogEscaped);
  for (auto& worker : workers_) {
    worker->work.emplace(worker->context.get_executor());
    worker->thread = std::thread([context = &worker->context] {
      // Exceptions are caught inside the coroutines; this loop is a last line of defence so
      // that one bug does not take the whole server down.
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: event loop: {}", e.what());
        }
      }
    });
  }
  spdlog::info("http: listening on {}:{} with {} I/O thread(s)", options_.address, port,
               options_.io_threads);
  return port;
}

void Server::Impl::ForEachWorker(const std::function<void(Worker&)>& action) {
  for (auto& worker : workers_) {
    asio::post(worker->context, [&action, w = worker.get()] { action(*w); });
  }
}

void Server::Impl::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kRunning) return;
    state_ = State::kStopped;
  }
  // Set before anything is posted: a connection that checks the flag after this point
  // closes by itself; one that checked before is idle by now, and the post below finds it.
  stopping_.store(true, std::memory_order_release);
  asio::post(workers_.front()->context, [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
  // The actions are posted and run later; they must outlive this function's frame only
  // until the workers are joined below, which they do.
  const std::function<void(Worker&)> close_idle = [](Worker& worker) {
    for (Connection* connection : worker.connections) {
      if (connection->idle) connection->stream.cancel();
    }
  };
  ForEachWorker(close_idle);

  bool clean = false;
  {
    std::unique_lock lock(mutex_);
    clean = drained_.wait_for(lock, grace, [this] { return Drained(); });
  }
  const std::function<void(Worker&)> close_all = [](Worker& worker) {
    for (Connection* connection : worker.connections) connection->stream.close();
  };
  if (!clean) {
    spdlog::warn("http: {} connection(s) still open after the {} ms grace period; closing them",
                 ActiveConnections(), grace.count());
    ForEachWorker(close_all);
  }
  for (auto& worker : workers_) worker->work.reset();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  spdlog::info("http: stopped");
}

Server::Impl::Admission Server::Impl::Admit() {
  std::lock_guard lock(mutex_);
  if (sessions_ < options_.max_connections) {
    ++sessions_;
    return Admission::kServe;
  }
  if (rejecting_ < kMaxRejecting) {
    ++rejecting_;
    return Admission::kReject;
  }
  return Admission::kDrop;
}

void Server::Impl::Release(Admission admission) {
  std::lock_guard lock(mutex_);
  if (admission == Admission::kServe) --sessions_;
  if (admission == Admission::kReject) --rejecting_;
  drained_.notify_all();
}

void Server::Impl::Log(AccessRecord record) const {
  if (spdlog::should_log(options_.access_log_level)) {
    spdlog::log(options_.access_log_level,
                "http method={} path={} route={} status={} bytes={} duration_us={} remote={}",
                record.method, record.path, record.route.empty() ? "-" : record.route,
                record.status, record.bytes, record.duration.count(), record.remote_address);
  }
  if (options_.access_hook) options_.access_hook(record);
}

asio::awaitable<void> Server::Impl::Accept() {
  size_t next_worker = 0;
  for (;;) {
    Worker& worker = *workers_[next_worker];
    next_worker = (next_worker + 1) % workers_.size();
    beast::error_code ec;
    tcp::socket socket(worker.context);
    co_await acceptor_->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || Stopping()) break;
      // Out of descriptors (or another transient failure): pause instead of spinning.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    switch (Admit()) {
      case Admission::kServe:
        asio::co_spawn(worker.context, Serve(worker, std::move(socket)), LogEscaped);
        break;
      case Admission::kReject:
        asio::co_spawn(worker.context, Reject(worker, std::move(socket)), LogEscaped);
        break;
      case Admission::kDrop:
        socket.close(ec);
        break;
    }
  }
  std::lock_guard lock(mutex_);
  accepting_ = false;
  drained_.notify_all();
}

asio::awaitable<void> Server::Impl::LingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(kLingerTimeout);
  std::array<char, 4096> sink;
  size_t drained = 0;
  while (!ec && drained < kLingerMaxBytes) {
    drained += co_await stream.async_read_some(asio::buffer(sink),
                                               asio::redirect_error(asio::use_awaitable, ec));
  }
  stream.close();
}

asio::awaitable<void> Server::Impl::Reject(Worker& worker, tcp::socket socket) {
  Connection connection(std::move(socket));
  Slot slot(*this, worker, connection, Admission::kReject);
  const auto started = std::chrono::steady_clock::now();
  beast::error_code ec;
  std::string remote = connection.stream.socket().remote_endpoint(ec).address().to_string();
  Response problem = Response::Problem(503, problem_type::kServiceUnavailable,
                                       "Service Unavailable", "too many open connections");
  problem.headers.Set("Retry-After", "1");
  const size_t bytes = problem.body.size();
  BeastResponse response = ToBeast(std::move(problem), 11, Framing::kClose, BodyMode::kSend,
                                   CachedHttpDate(clock_.Now()));
  connection.stream.expires_after(kRejectTimeout);
  co_await bh::async_write(connection.stream, response,
                           asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await LingeringClose(connection.stream);
  Log(AccessRecord{"-", "-", "", 503, ec ? 0 : bytes,
                   std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - started),
                   std::move(remote)});
}

asio::awaitable<void> Server::Impl::Serve(Worker& worker, tcp::socket socket) {
  Connection connection(std::move(socket));
  Slot slot(*this, worker, connection, Admission::kServe);
  beast::tcp_stream& stream = connection.stream;
  beast::error_code ec;
  const std::string remote = stream.socket().remote_endpoint(ec).address().to_string();
  const auto redirect = [&ec] { return asio::redirect_error(asio::use_awaitable, ec); };
  beast::flat_buffer buffer;

  for (;;) {
    // Between requests: the idle timeout applies until the next request's first byte.
    if (buffer.size() == 0) {
      if (Stopping()) break;
      connection.idle = true;
      stream.expires_after(options_.idle_timeout);
      const size_t n = co_await stream.async_read_some(buffer.prepare(kReadChunk), redirect());
      connection.idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    const auto started = std::chrono::steady_clock::now();
    // One deadline for the whole request, headers and body.
    stream.expires_after(options_.read_timeout);
    bh::request_parser<bh::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    co_await bh::async_read_header(stream, buffer, parser, redirect());
    if (!ec && !parser.is_done()) {
      if (parser.get().version() >= 11 &&
          EqualsIgnoreCase(parser.get()[bh::field::expect], "100-continue")) {
        co_await asio::async_write(stream, asio::buffer(kContinue), redirect());
      }
      if (!ec) co_await bh::async_read(stream, buffer, parser, redirect());
    }

    AccessRecord record;
    record.remote_address = remote;
    record.method = "-";
    record.path = "-";
    if (parser.is_header_done()) {
      record.method = std::string(parser.get().method_string());
      const std::string_view target = parser.get().target();
      record.path = std::string(target.substr(0, target.find('?')));
    }

    if (ec) {
      std::optional<Response> problem;
      if (ec == bh::error::header_limit) {
        problem = Response::Problem(431, problem_type::kHeadersTooLarge,
                                    "Request Header Fields Too Large",
                                    "the request line and headers exceed " +
                                        std::to_string(options_.max_header_bytes) + " bytes");
      } else if (ec == bh::error::body_limit) {
        problem = Response::Problem(
            413, problem_type::kPayloadTooLarge, "Content Too Large",
            "the body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
      } else if (IsMalformedRequest(ec)) {
        problem = Response::Problem(400, problem_type::kBadRequest, "Bad Request",
                                    "malformed HTTP request");
      }
      // Anything else (timeout, reset, the peer closing, Stop) ends the connection silently:
      // there is no one to answer or no time left to.
      if (!problem) break;
      record.status = problem->status;
      record.bytes = problem->body.size();
      BeastResponse response = ToBeast(std::move(*problem), 11, Framing::kClose, BodyMode::kSend,
                                       CachedHttpDate(clock_.Now()));
      stream.expires_after(options_.write_timeout);
      co_await bh::async_write(stream, response, redirect());
      if (ec) break;
      co_await LingeringClose(stream);
      record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started);
      Log(std::move(record));
      co_return;
    }

    BeastRequest beast_request = parser.release();
    const unsigned version = beast_request.version();
    const bool head = beast_request.method() == bh::verb::head;
    const bool client_keeps_alive = beast_request.keep_alive();

    Response response;
    const std::optional<Method> method = ParseMethod(beast_request.method_string());
    const std::string_view target = beast_request.target();
    const size_t question = target.find('?');
    std::optional<std::vector<std::pair<std::string, std::string>>> query = ParseQuery(
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1));
    if (!method) {
      response = Response::Problem(501, problem_type::kNotImplemented, "Not Implemented",
                                   "unsupported method " + record.method);
    } else if (!query) {
      response = Response::Problem(400, problem_type::kBadRequest, "Bad Request",
                                   "malformed percent-encoding in the query");
    } else {
      Request request;
      request.method = *method;
      request.path = std::string(target.substr(0, question));
      request.query = std::move(*query);
      for (const auto& field : beast_request) {
        request.headers.Add(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(beast_request.body());
      request.remote_address = remote;
      Router::Dispatched dispatched = router_.Dispatch(request);
      response = std::move(dispatched.response);
      record.route = std::string(dispatched.route);
    }

    // Decided after the handler ran: a Stop() that began meanwhile closes this connection.
    const Framing framing =
        client_keeps_alive && !Stopping() ? Framing::kKeepAlive : Framing::kClose;
    record.status = response.status;
    record.bytes = head || !HasBodyByStatus(response.status) ? 0 : response.body.size();
    BeastResponse beast_response =
        ToBeast(std::move(response), version, framing,
                head ? BodyMode::kHeadersOnly : BodyMode::kSend, CachedHttpDate(clock_.Now()));
    stream.expires_after(options_.write_timeout);
    co_await bh::async_write(stream, beast_response, redirect());
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    if (ec) {
      record.bytes = 0;
      Log(std::move(record));
      break;
    }
    Log(std::move(record));
    if (framing == Framing::kClose) break;
  }

  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

Server::Server(ServerOptions options, Router router, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), clock)) {}

Server::~Server() = default;

Result<uint16_t> Server::Start() { return impl_->Start(); }

void Server::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

bool Server::Stopping() const { return impl_->Stopping(); }

size_t Server::ActiveConnections() const { return impl_->ActiveConnections(); }

}  // namespace cadent::http
