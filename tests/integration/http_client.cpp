#include "integration/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cadent::integration {
namespace {

[[noreturn]] void Fail(const std::string& what) { throw std::runtime_error("http: " + what); }

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) Fail(std::string("socket: ") + std::strerror(errno));
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string DecodeChunked(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t line_end = body.find("\r\n", pos);
    if (line_end == std::string::npos) Fail("truncated chunk size line");
    const size_t size = std::stoul(body.substr(pos, line_end - pos), nullptr, 16);
    pos = line_end + 2;
    if (size == 0) return out;
    if (pos + size > body.size()) Fail("truncated chunk");
    out.append(body, pos, size);
    pos += size + 2;  // the chunk's CRLF
  }
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpGet(const std::string& host, uint16_t port, const std::string& target,
                     std::chrono::milliseconds timeout) {
  return HttpRequest(host, port, "GET", target, "", {}, timeout);
}

HttpResponse HttpRequest(const std::string& host, uint16_t port, const std::string& method,
                         const std::string& target, const std::string& body,
                         const std::map<std::string, std::string>& headers,
                         std::chrono::milliseconds timeout) {
  Socket socket;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) Fail("bad IPv4 address " + host);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    Fail("connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }

  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + host + ":" +
                        std::to_string(port) + "\r\nAccept: */*\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n =
        ::send(socket.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }

  // Connection: close, so the response ends where the stream does.
  std::string raw;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(std::string("recv: ") + std::strerror(errno));
    }
    raw.append(buffer, static_cast<size_t>(n));
  }

  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) Fail("no end of headers in: " + raw);
  HttpResponse response;
  size_t line_start = 0;
  size_t line_end = raw.find("\r\n");
  const std::string status_line = raw.substr(0, line_end);
  if (status_line.rfind("HTTP/1.1 ", 0) != 0 || status_line.size() < 12) {
    Fail("bad status line: " + status_line);
  }
  response.status = std::stoi(status_line.substr(9, 3));
  while (line_end < head_end) {
    line_start = line_end + 2;
    line_end = raw.find("\r\n", line_start);
    const std::string line = raw.substr(line_start, line_end - line_start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) Fail("bad header line: " + line);
    response.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
  }
  std::string content = raw.substr(head_end + 4);
  if (method == "HEAD") {
    content.clear();
  } else if (Lower(response.Header("transfer-encoding")) == "chunked") {
    content = DecodeChunked(content);
  } else if (const std::string length = response.Header("content-length"); !length.empty()) {
    const size_t n = std::stoul(length);
    if (content.size() < n) Fail("body shorter than its Content-Length");
    content.resize(n);
  }
  response.body = std::move(content);
  return response;
}

}  // namespace cadent::integration
