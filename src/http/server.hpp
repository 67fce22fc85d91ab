// The asynchronous HTTP/1.1 server `cadent serve` runs on: Boost.Beast with asio coroutines,
// many keep-alive connections per I/O thread, a limit on everything, graceful stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "http/router.hpp"
#include "spdlog/common.h"

namespace cadent::http {

// What happened to one request, for the access log and (later) metrics.
struct AccessRecord {
  // The method as sent ("GET"); "-" when the request could not be parsed that far.
  std::string method;
  // The target path without the query; "-" when unknown.
  std::string path;
  // The route pattern that matched ("/api/v1/contacts/{id}"); empty when none did. Use this,
  // not `path`, as a metric label: it has bounded cardinality.
  std::string route;
  int status = 0;
  // Body bytes sent (0 for HEAD).
  size_t bytes = 0;
  // From the request's first byte to the response's last (monotonic time).
  std::chrono::microseconds duration{0};
  std::string remote_address;
};

// Called on the I/O thread after each response is written (also for 400s and 503s the server
// produced itself). Must be quick and thread-safe: with several I/O threads it runs
// concurrently.
using AccessHook = std::function<void(const AccessRecord&)>;

struct ServerOptions {
  // An IP address to listen on ("0.0.0.0", "::", "127.0.0.1"); not a host name.
  std::string address = "127.0.0.1";
  // 0 picks a free port; Start() returns the one bound.
  uint16_t port = 8080;
  // Threads running the event loops; each serves many connections.
  int io_threads = 1;

  // A request line plus header fields longer than this gets 431 and the connection closes.
  size_t max_header_bytes = 8 * 1024;
  // A body longer than this gets 413 and the connection closes.
  size_t max_body_bytes = 1024 * 1024;
  // Time to receive one whole request (headers and body) once its first byte arrived. A
  // deadline, not an inactivity timer, so a client trickling bytes (slowloris) is cut off.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  // Time a keep-alive connection may sit between requests before it is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // Time to send one response; a client that does not read is cut off.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  // Open connections beyond this get a 503 and are closed.
  size_t max_connections = 10'000;

  // Level of the one-line-per-request access log (spdlog default logger). Debug by default,
  // so that a busy server is not bound by its log.
  spdlog::level::level_enum access_log_level = spdlog::level::debug;
  // Optional; see AccessHook.
  AccessHook access_hook;
};

// Serves `router`'s routes. Every response carries `Server: cadent` and a `Date` from the
// clock. HEAD is answered for GET routes. Malformed requests get 400 and the connection is
// closed. Handlers run on the I/O threads (see Handler in router.hpp).
//
// Threading: Start, Stop and the destructor must be called from one thread that is not an
// I/O thread (a handler calling Stop would wait for itself). Stopping() and
// ActiveConnections() may be called from anywhere.
class Server {
 public:
  Server(ServerOptions options, Router router, Clock& clock);
  // Stops with the default grace period if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads; returns the bound port. kInvalidArgument for a
  // bad address or option, kUnavailable when the address cannot be bound (e.g. in use),
  // kFailedPrecondition when called twice.
  Result<uint16_t> Start();

  // Graceful stop: stops accepting, closes idle keep-alive connections, lets requests in
  // progress finish (their responses say `Connection: close`), then joins the I/O threads.
  // Connections still open after `grace` are closed forcibly. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // True from the moment Stop() begins; a readiness check can report it to load balancers.
  bool Stopping() const;
  // Connections being served now (not counting those being turned away).
  size_t ActiveConnections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// RFC 9110 5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(Instant time);

}  // namespace cadent::http
