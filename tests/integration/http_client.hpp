// A minimal blocking HTTP/1.1 client over POSIX sockets, enough to probe `cadent serve`:
// one request per connection (Connection: close), Content-Length or chunked bodies.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace cadent::integration {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string Header(const std::string& lower_case_name) const;
};

// GET http://host:port/target. Throws std::runtime_error on a connection, timeout or
// protocol error.
HttpResponse HttpGet(const std::string& host, uint16_t port, const std::string& target,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Any method, with a body (sent with Content-Length) and extra header fields. A HEAD
// answer has no body to read; the server closes the connection after it.
HttpResponse HttpRequest(const std::string& host, uint16_t port, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cadent::integration
