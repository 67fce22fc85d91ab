#include "channels/imap/imap_poller.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "channels/curl_init.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxLineBytes = 1 << 20;  // one line of a server answer
constexpr size_t kUidsPerFetch = 100;      // UIDs named in one UID FETCH command

// The parts of Options::url.
struct Endpoint {
  std::string curl_url;   // imap://host:port/ or imaps://host:port/
  std::string where;      // host:port, for messages
  std::string mailbox;    // decoded
  bool starttls = false;  // imap://: libcurl must upgrade or fail
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Endpoint> ParseUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat("IMAP URL \"", url, "\" has no scheme"));
  }
  const std::string scheme = absl::AsciiStrToLower(ToAbsl(url.substr(0, scheme_end)));
  Endpoint endpoint;
  std::string curl_scheme;
  if (scheme == "imaps") {
    curl_scheme = "imaps";
  } else if (scheme == "imap") {
    curl_scheme = "imap";
    endpoint.starttls = true;
  } else if (scheme == "imap+insecure") {
    curl_scheme = "imap";
  } else {
    return absl::InvalidArgumentError(StrCat(
        "IMAP URL must start with imaps://, imap:// or imap+insecure://, got \"", url, "\""));
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (authority.empty() || authority.find_first_of("@?#; ") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat("IMAP URL \"", url, "\" needs a plain host[:port] (credentials go in options)"));
  }
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%' && i + 2 < path.size() && HexValue(path[i + 1]) >= 0 &&
        HexValue(path[i + 2]) >= 0) {
      c = static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
      i += 2;
    } else if (c == ';' || c == '?' || c == '#') {
      return absl::InvalidArgumentError(
          StrCat("IMAP URL \"", url, "\": the path must name a mailbox only"));
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      return absl::InvalidArgumentError(
          StrCat("IMAP URL \"", url, "\": the mailbox name must be printable ASCII"));
    }
    endpoint.mailbox += c;
  }
  if (endpoint.mailbox.empty()) endpoint.mailbox = "INBOX";
  endpoint.curl_url = StrCat(curl_scheme, "://", authority, "/");
  endpoint.where = std::string(authority);
  return endpoint;
}

// An IMAP quoted string.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// One server response: its line split at each literal, and the literals' bytes. A response
// with n literals has n + 1 pieces of text; piece i (i < n) ends with "{size}".
struct Response {
  std::vector<std::string> text;
  std::vector<std::string> literals;
};

// The tokens of a response, across its literals.
class Tokens {
 public:
  enum class Kind : uint8_t { kAtom, kString, kLiteral, kOpen, kClose, kEnd };
  struct Token {
    Kind kind = Kind::kEnd;
    std::string value;  // atom text, string contents, literal bytes
  };

  explicit Tokens(Response* response) : response_(response) {}

  Token Next() {
    while (piece_ < response_->text.size()) {
      const std::string& text = response_->text[piece_];
      while (pos_ < text.size() && text[pos_] == ' ') ++pos_;
      if (pos_ >= text.size()) {
        ++piece_;
        pos_ = 0;
        continue;
      }
      const char c = text[pos_];
      if (c == '(') {
        ++pos_;
        return {Kind::kOpen, ""};
      }
      if (c == ')') {
        ++pos_;
        return {Kind::kClose, ""};
      }
      if (c == '{' && piece_ < response_->literals.size()) {
        // The literal marker ends this piece; its bytes are the piece's literal.
        Token token{Kind::kLiteral, std::move(response_->literals[piece_])};
        ++piece_;
        pos_ = 0;
        return token;
      }
      if (c == '"') {
        std::string value;
        ++pos_;
        while (pos_ < text.size() && text[pos_] != '"') {
          if (text[pos_] == '\\' && pos_ + 1 < text.size()) ++pos_;
          value += text[pos_++];
        }
        ++pos_;
        return {Kind::kString, std::move(value)};
      }
      const size_t begin = pos_;
      int brackets = 0;
      while (pos_ < text.size()) {
        const char d = text[pos_];
        if (d == '[') ++brackets;
        if (d == ']' && brackets > 0) --brackets;
        if (brackets == 0 && (d == ' ' || d == '(' || d == ')')) break;
        ++pos_;
      }
      return {Kind::kAtom, text.substr(begin, pos_ - begin)};
    }
    return {Kind::kEnd, ""};
  }

 private:
  Response* response_;
  size_t piece_ = 0;
  size_t pos_ = 0;
};

// The commands after login, over the connection libcurl opened.
class Session {
 public:
  Session(CURL* curl, curl_socket_t socket, SteadyClock::time_point deadline, size_t max_literal,
          std::string where)
      : curl_(curl),
        socket_(socket),
        deadline_(deadline),
        max_literal_(max_literal),
        where_(std::move(where)) {}

  struct Tagged {
    std::string status;  // "OK", "NO", "BAD"
    std::string text;    // the rest of the line
  };

  // Sends `command` with a fresh tag and reads answers until the tagged one, handing each
  // untagged one to `untagged` (which may fail the command).
  Result<Tagged> Command(std::string_view command,
                         const std::function<Status(Response&)>& untagged) {
    const std::string tag = StrCat("c", ++tags_);
    TRY(Send(StrCat(tag, " ", command, "\r\n")));
    for (;;) {
      ASSIGN_OR_RETURN(Response response, ReadResponse());
      const std::string& first = response.text[0];
      if (absl::StartsWith(first, "* ")) {
        if (absl::StartsWithIgnoreCase(first, "* BYE")) bye_ = first.substr(2);
        TRY(untagged(response));
        continue;
      }
      if (absl::StartsWith(first, "+")) {
        return absl::UnavailableError(
            StrCat("IMAP ", where_, ": unexpected continuation request after ", command));
      }
      if (absl::StartsWith(first, StrCat(tag, " "))) {
        std::string_view rest = std::string_view(first).substr(tag.size() + 1);
        const size_t space = rest.find(' ');
        Tagged tagged{absl::AsciiStrToUpper(ToAbsl(rest.substr(0, space))),
                      space == std::string_view::npos ? "" : std::string(rest.substr(space + 1))};
        return tagged;
      }
      // Another tag's answer cannot come: we send one command at a time. Ignore it.
    }
  }

 private:
  Status Send(std::string_view data) {
    size_t sent = 0;
    while (sent < data.size()) {
      size_t n = 0;
      const CURLcode rc = curl_easy_send(curl_, data.data() + sent, data.size() - sent, &n);
      if (rc == CURLE_AGAIN) {
        TRY(Wait(POLLOUT));
        continue;
      }
      if (rc != CURLE_OK) {
        return absl::UnavailableError(
            StrCat("IMAP ", where_, ": send failed: ", curl_easy_strerror(rc)));
      }
      sent += n;
    }
    return OkStatus();
  }

  Status Wait(short events) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
    if (left.count() <= 0) return absl::UnavailableError(StrCat("IMAP ", where_, ": timed out"));
    pollfd fd{static_cast<int>(socket_), events, 0};
    const int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready == 0) return absl::UnavailableError(StrCat("IMAP ", where_, ": timed out"));
    return OkStatus();  // readable, writable, hung up or interrupted: the next call tells
  }

  // Appends what the connection has to buffer_, waiting for it under the deadline.
  Status Fill() {
    char chunk[64 * 1024];
    for (;;) {
      size_t n = 0;
      const CURLcode rc = curl_easy_recv(curl_, chunk, sizeof chunk, &n);
      if (rc == CURLE_AGAIN) {
        TRY(Wait(POLLIN));
        continue;
      }
      if (rc != CURLE_OK) {
        return absl::UnavailableError(
            StrCat("IMAP ", where_, ": receive failed: ", curl_easy_strerror(rc)));
      }
      if (n == 0) {
        return absl::UnavailableError(StrCat("IMAP ", where_, ": the server closed the connection",
                                             bye_.empty() ? "" : StrCat(" (", bye_, ")")));
      }
      buffer_.append(chunk, n);
      return OkStatus();
    }
  }

  // One line without its CRLF.
  Result<std::string> ReadLine() {
    for (;;) {
      const size_t end = buffer_.find('\n', start_);
      if (end != std::string::npos) {
        std::string line = buffer_.substr(start_, end - start_);
        start_ = end + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        Compact();
        return line;
      }
      if (buffer_.size() - start_ > kMaxLineBytes) {
        return absl::UnavailableError(StrCat("IMAP ", where_, ": answer line too long"));
      }
      TRY(Fill());
    }
  }

  Result<std::string> ReadBytes(size_t size) {
    while (buffer_.size() - start_ < size) TRY(Fill());
    std::string bytes = buffer_.substr(start_, size);
    start_ += size;
    Compact();
    return bytes;
  }

  void Compact() {
    if (start_ > (1 << 20) || start_ == buffer_.size()) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
  }

  // The size of the literal announced at the end of `line` ("... {123}" or "{123+}").
  std::optional<size_t> LiteralSize(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    const size_t open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view digits = line.substr(open + 1, line.size() - open - 2);
    if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
    return ParseNumber<size_t>(digits);
  }

  Result<Response> ReadResponse() {
    Response response;
    size_t literal_bytes = 0;
    for (;;) {
      ASSIGN_OR_RETURN(std::string line, ReadLine());
      const std::optional<size_t> size = LiteralSize(line);
      response.text.push_back(std::move(line));
      if (!size.has_value()) return response;
      literal_bytes += *size;
      if (literal_bytes > max_literal_) {
        return absl::UnavailableError(
            StrCat("IMAP ", where_, ": the server sent a larger literal than asked for"));
      }
      ASSIGN_OR_RETURN(std::string bytes, ReadBytes(*size));
      response.literals.push_back(std::move(bytes));
    }
  }

  CURL* curl_;
  curl_socket_t socket_;
  SteadyClock::time_point deadline_;
  size_t max_literal_;
  std::string where_;
  std::string buffer_;
  size_t start_ = 0;
  int tags_ = 0;
  std::string bye_;
};

struct CurlHandle {
  CURL* handle = curl_easy_init();
  ~CurlHandle() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

Status ConnectError(CURLcode rc, const std::string& where, const char* error_buffer,
                    const std::string& username) {
  const std::string detail =
      StrCat(curl_easy_strerror(rc), error_buffer[0] != '\0' ? StrCat(": ", error_buffer) : "");
  switch (rc) {
    case CURLE_LOGIN_DENIED:
      return absl::UnauthenticatedError(
          StrCat("IMAP ", where, ": login refused for user \"", username, "\" (", detail, ")"));
    case CURLE_USE_SSL_FAILED:
      return absl::FailedPreconditionError(
          StrCat("IMAP ", where, ": the server offers no STARTTLS, which imap:// requires (",
                 detail, ")"));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return absl::FailedPreconditionError(
          StrCat("IMAP ", where, ": TLS verification failed (", detail, ")"));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(StrCat("IMAP ", where, ": ", detail));
    default:
      return absl::UnavailableError(
          StrCat("IMAP ", where, ": connect/login failed (", detail, ")"));
  }
}

// "[UIDVALIDITY 123]" and friends in an untagged OK.
std::optional<uint32_t> ResponseCode(std::string_view line, std::string_view code) {
  const std::string needle = StrCat("[", code, " ");
  const auto at = absl::AsciiStrToUpper(ToAbsl(line)).find(needle);
  if (at == std::string::npos) return std::nullopt;
  const std::string_view rest = line.substr(at + needle.size());
  return ParseNumber<uint32_t>(rest.substr(0, rest.find(']')));
}

// Parses "* <n> FETCH (UID u RFC822.SIZE s BODY[]<0> {k}...)". Other FETCH answers
// (unsolicited flag changes) have no body and are ignored.
void ParseFetch(Response& response, std::vector<ImapMailbox::Fetched>* out) {
  Tokens tokens(&response);
  if (tokens.Next().value != "*") return;
  (void)tokens.Next();  // the sequence number
  if (!absl::EqualsIgnoreCase(tokens.Next().value, "FETCH")) return;
  if (tokens.Next().kind != Tokens::Kind::kOpen) return;
  ImapMailbox::Fetched fetched;
  bool has_uid = false;
  bool has_body = false;
  for (;;) {
    Tokens::Token name = tokens.Next();
    if (name.kind != Tokens::Kind::kAtom) break;
    Tokens::Token value = tokens.Next();
    if (absl::EqualsIgnoreCase(name.value, "UID")) {
      if (auto uid = ParseNumber<uint32_t>(value.value)) {
        fetched.uid = *uid;
        has_uid = true;
      }
    } else if (absl::EqualsIgnoreCase(name.value, "RFC822.SIZE")) {
      fetched.size = ParseNumber<uint64_t>(value.value).value_or(0);
    } else if (absl::StartsWithIgnoreCase(name.value, "BODY[]")) {
      if (value.kind == Tokens::Kind::kLiteral || value.kind == Tokens::Kind::kString) {
        fetched.raw = std::move(value.value);
        has_body = true;
      }
    } else if (value.kind == Tokens::Kind::kOpen) {
      int depth = 1;  // skip a list value (FLAGS (...))
      while (depth > 0) {
        const Tokens::Kind kind = tokens.Next().kind;
        if (kind == Tokens::Kind::kEnd) return;
        if (kind == Tokens::Kind::kOpen) ++depth;
        if (kind == Tokens::Kind::kClose) --depth;
      }
    }
  }
  if (has_uid && has_body) out->push_back(std::move(fetched));
}

}  // namespace

ImapMailbox::ImapMailbox(Options options) : options_(std::move(options)) { InitCurl(); }

Result<ImapMailbox::Batch> ImapMailbox::FetchSince(uint32_t last_uid, size_t limit) {
  ASSIGN_OR_RETURN(const Endpoint endpoint, ParseUrl(options_.url));
  const std::string auth = absl::AsciiStrToLower(options_.auth);
  if (auth != "" && auth != "plain" && auth != "login" && auth != "xoauth2") {
    return absl::InvalidArgumentError(
        StrCat("IMAP auth must be plain, login, xoauth2 or empty, got \"", options_.auth, "\""));
  }
  if (options_.max_message_bytes == 0) {
    return absl::InvalidArgumentError("IMAP max_message_bytes must be positive");
  }
  const SteadyClock::time_point deadline = SteadyClock::now() + options_.timeout;

  CurlHandle curl;
  if (curl.handle == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.handle;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, endpoint.curl_url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
  if (auth == "xoauth2") {
    curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, options_.secret.c_str());
    curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.secret.c_str());
    if (auth == "plain") curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
    if (auth == "login") curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=LOGIN");
  }
  if (endpoint.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return ConnectError(rc, endpoint.where, error_buffer, options_.username);
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK ||
      socket == CURL_SOCKET_BAD) {
    return absl::UnavailableError(StrCat("IMAP ", endpoint.where, ": no connection after login"));
  }
  // Literals up to the partial fetch's size; a little more for servers that round up.
  Session session(c, socket, deadline, options_.max_message_bytes + 4096, endpoint.where);
  auto failed = [&](std::string_view step, const Session::Tagged& tagged) {
    return absl::UnavailableError(
        StrCat("IMAP ", endpoint.where, ": ", step, " answered ", tagged.status, " ", tagged.text));
  };
  auto ignore = [](Response&) { return OkStatus(); };

  Batch batch;
  bool has_validity = false;
  ASSIGN_OR_RETURN(
      const Session::Tagged examined,
      session.Command(StrCat("EXAMINE ", Quoted(endpoint.mailbox)), [&](Response& response) {
        if (auto validity = ResponseCode(response.text[0], "UIDVALIDITY")) {
          batch.uid_validity = *validity;
          has_validity = true;
        }
        if (auto next = ResponseCode(response.text[0], "UIDNEXT")) batch.uid_next = *next;
        return OkStatus();
      }));
  if (examined.status == "NO") {
    return absl::NotFoundError(StrCat("IMAP ", endpoint.where, ": mailbox \"", endpoint.mailbox,
                                      "\" cannot be opened: ", examined.text));
  }
  if (examined.status != "OK") return failed("EXAMINE", examined);
  if (!has_validity) {
    return absl::UnavailableError(StrCat("IMAP ", endpoint.where, ": EXAMINE gave no UIDVALIDITY"));
  }

  std::vector<uint32_t> uids;
  if (last_uid < std::numeric_limits<uint32_t>::max()) {
    ASSIGN_OR_RETURN(
        const Session::Tagged searched,
        session.Command(StrCat("UID SEARCH UID ", last_uid + 1, ":*"), [&](Response& response) {
          Tokens tokens(&response);
          (void)tokens.Next();  // *
          if (!absl::EqualsIgnoreCase(tokens.Next().value, "SEARCH")) {
            return OkStatus();
          }
          for (;;) {
            const Tokens::Token token = tokens.Next();
            if (token.kind != Tokens::Kind::kAtom) break;
            if (auto uid = ParseNumber<uint32_t>(token.value)) {
              uids.push_back(*uid);
            }
          }
          return OkStatus();
        }));
    if (searched.status != "OK") return failed("UID SEARCH", searched);
  }
  // n:* names the highest UID even when it is below n.
  std::erase_if(uids, [&](uint32_t uid) { return uid <= last_uid; });
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  if (uids.size() > limit) {
    batch.more = true;
    uids.resize(limit);
  }

  for (size_t begin = 0; begin < uids.size(); begin += kUidsPerFetch) {
    std::string set;
    for (size_t i = begin; i < std::min(uids.size(), begin + kUidsPerFetch); ++i) {
      StrAppend(&set, set.empty() ? "" : ",", uids[i]);
    }
    ASSIGN_OR_RETURN(const Session::Tagged fetched,
                     session.Command(StrCat("UID FETCH ", set, " (UID RFC822.SIZE BODY.PEEK[]<0.",
                                            options_.max_message_bytes, ">)"),
                                     [&](Response& response) {
                                       ParseFetch(response, &batch.messages);
                                       return OkStatus();
                                     }));
    if (fetched.status != "OK") return failed("UID FETCH", fetched);
  }
  // Answers come in sequence order, which is UID order; sort anyway and keep only what
  // we asked for (a server may add unsolicited FETCH answers of its own).
  std::erase_if(batch.messages, [&](const Fetched& m) {
    return !std::binary_search(uids.begin(), uids.end(), m.uid);
  });
  std::sort(batch.messages.begin(), batch.messages.end(),
            [](const Fetched& a, const Fetched& b) { return a.uid < b.uid; });
  batch.messages.erase(
      std::unique(batch.messages.begin(), batch.messages.end(),
                  [](const Fetched& a, const Fetched& b) { return a.uid == b.uid; }),
      batch.messages.end());
  for (Fetched& m : batch.messages) {
    m.truncated = m.size > m.raw.size();
  }
  (void)session.Command("LOGOUT", ignore);  // the connection closes either way
  return batch;
}

}  // namespace cadent::channels
