#include "fake_provider.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "core/common/strings.hpp"

namespace cadent::fakes {
namespace {

int LoopbackListener(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 64) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  return fd;
}

int ConnectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    return fd;
  }
  if (fd >= 0) ::close(fd);
  return -1;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Waits until `fd` is readable; false when `wake` is (the proxy stops) or on error.
bool WaitReadable(int fd, int wake) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 && fds[1].revents == 0;
  }
}

size_t ContentLength(std::string_view head) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    const std::string_view line = head.substr(pos, head.find("\r\n", pos) - pos);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "content-length") {
      return static_cast<size_t>(
          std::strtoull(std::string(line.substr(colon + 1)).c_str(), nullptr, 10));
    }
  }
  return 0;
}

// The request as a record: request line, header fields and body, roughly parsed.
RecordedRequest ParseRecord(const std::string& message) {
  RecordedRequest record;
  const size_t head_end = message.find("\r\n\r\n");
  const std::string head = message.substr(0, head_end);
  record.body = message.substr(head_end + 4);
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t space = request_line.find(' ');
  record.method = request_line.substr(0, space);
  const std::string target = request_line.substr(space + 1, request_line.rfind(' ') - space - 1);
  record.path = target.substr(0, target.find('?'));
  while (line_end != std::string::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t value = colon + 1;
    while (value < line.size() && line[value] == ' ') ++value;
    record.headers.Add(line.substr(0, colon), line.substr(value));
  }
  return record;
}

}  // namespace

bool ReadHttpMessage(int fd, int wake, std::string& buffer, std::string& out) {
  char chunk[16 * 1024];
  auto fill = [&]() {
    if (!WaitReadable(fd, wake)) return false;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > 1024 * 1024 || !fill()) return false;
  }
  const size_t total = head_end + 4 + ContentLength(std::string_view(buffer).substr(0, head_end));
  while (buffer.size() < total) {
    if (!fill()) return false;
  }
  out = buffer.substr(0, total);
  buffer.erase(0, total);
  return true;
}

// Passes requests from clients to the server, one thread per client connection, unless the
// next fault hangs or drops the connection.
class FakeProvider::Proxy {
 public:
  Proxy(FakeProvider& owner, uint16_t backend) : owner_(owner), backend_(backend) {}
  ~Proxy() { Stop(); }

  Status Start() {
    listener_ = LoopbackListener(&port_);
    if (listener_ < 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
      return absl::UnavailableError("the fake's proxy cannot listen on loopback");
    }
    accept_thread_ = std::thread([this] { Accept(); });
    return absl::OkStatus();
  }

  void Stop() {
    if (wake_[1] < 0) return;
    const char byte = 0;
    [[maybe_unused]] const ssize_t written = ::write(wake_[1], &byte, 1);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads = std::move(threads_);
    }
    for (std::thread& t : threads) t.join();
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
    wake_[1] = -1;
  }

  uint16_t port() const { return port_; }

 private:
  void Accept() {
    for (;;) {
      if (!WaitReadable(listener_, wake_[0])) return;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, client] { Serve(client); });
    }
  }

  void Serve(int client) {
    const int server = ConnectLoopback(backend_);
    std::string from_client;
    std::string from_server;
    std::string request;
    std::string response;
    while (server >= 0 && ReadHttpMessage(client, wake_[0], from_client, request)) {
      if (std::optional<Fault> fault = owner_.TakeConnectionFault()) {
        RecordedRequest record = ParseRecord(request);
        record.faulted = true;
        owner_.Record(std::move(record));
        // A hang lasts until the client gives up (closes) or the fake stops.
        if (fault->hang) {
          char sink[4096];
          while (WaitReadable(client, wake_[0]) && ::recv(client, sink, sizeof sink, 0) > 0) {
          }
        }
        break;
      }
      if (!WriteAll(server, request) || !ReadHttpMessage(server, wake_[0], from_server, response) ||
          !WriteAll(client, response)) {
        break;
      }
    }
    if (server >= 0) ::close(server);
    ::shutdown(client, SHUT_RDWR);
    ::close(client);
  }

  FakeProvider& owner_;
  const uint16_t backend_;
  uint16_t port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;  // guarded by mutex_
};

FakeProvider::FakeProvider() = default;

FakeProvider::~FakeProvider() { Stop(); }

Status FakeProvider::Start() {
  http::Router router;
  for (const std::string& pattern : Patterns()) {
    router.Add(http::Method::kPost, pattern,
               [this](const http::Request& request) { return Serve(request); });
  }
  http::ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.io_threads = 2;
  server_ = std::make_unique<http::Server>(options, std::move(router), clock_);
  ASSIGN_OR_RETURN(const uint16_t port, server_->Start());
  proxy_ = std::make_unique<Proxy>(*this, port);
  return proxy_->Start();
}

void FakeProvider::Stop() {
  if (proxy_) proxy_->Stop();
  if (server_) server_->Stop(std::chrono::milliseconds(100));
}

std::string FakeProvider::url() const {
  return StrCat("http://127.0.0.1:", proxy_ ? proxy_->port() : 0);
}

void FakeProvider::Inject(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

std::vector<RecordedRequest> FakeProvider::requests() const {
  std::lock_guard lock(mutex_);
  return records_;
}

size_t FakeProvider::connections() const { return server_ ? server_->ActiveConnections() : 0; }

std::string FakeProvider::NextId(std::string_view prefix) {
  std::lock_guard lock(mutex_);
  return StrCat(prefix, "-", next_id_++);
}

std::optional<Fault> FakeProvider::TakeConnectionFault() {
  std::lock_guard lock(mutex_);
  if (faults_.empty() || (!faults_.front().hang && !faults_.front().close)) return std::nullopt;
  Fault fault = std::move(faults_.front());
  faults_.pop_front();
  return fault;
}

void FakeProvider::Record(RecordedRequest record) {
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
}

http::Response FakeProvider::Serve(const http::Request& request) {
  RecordedRequest record;
  record.method = std::string(http::MethodName(request.method));
  record.path = request.path;
  record.headers = request.headers;
  record.body = request.body;
  std::optional<Fault> fault;
  {
    std::lock_guard lock(mutex_);
    if (!faults_.empty()) {
      fault = std::move(faults_.front());
      faults_.pop_front();
    }
  }
  http::Response response;
  if (fault) {
    record.faulted = true;
    response = ErrorFor(fault->status);
    response.status = fault->status;
    if (!fault->body.empty()) response.body = fault->body;
    if (!fault->retry_after.empty()) response.headers.Add("Retry-After", fault->retry_after);
    for (auto& [name, value] : fault->headers) response.headers.Set(name, value);
  } else {
    response = Handle(request, record.refusal);
  }
  record.status = response.status;
  Record(std::move(record));
  return response;
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

uint16_t UnusedLoopbackPort() {
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);
  return ntohs(address.sin_port);
}

}  // namespace cadent::fakes
