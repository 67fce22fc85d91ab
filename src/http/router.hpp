// The route table and the request/response types handlers see (no Beast types leak here).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace cadent::http {

// The methods the route table knows. Requests with any other method get 501.
enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions };

// "GET", "HEAD", ...
std::string_view MethodName(Method method);
// Case-sensitive, as RFC 9110 9.1 requires: "get" is not GET.
std::optional<Method> ParseMethod(std::string_view name);

// Header fields in arrival order. Names compare case-insensitively (RFC 9110 5.1); a name
// may repeat (e.g. Set-Cookie).
class Headers {
 public:
  // The first value of `name`, if any.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Contains(std::string_view name) const { return Get(name).has_value(); }
  // Appends a field, keeping any earlier ones with the same name.
  void Add(std::string name, std::string value);
  // Replaces every field named `name` with one field.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// One request, as the server hands it to a handler. Owned by the server for the duration of
// the handler call; copy what must outlive it.
struct Request {
  Method method = Method::kGet;
  // The path of the request target as sent (still percent-encoded), without the query.
  std::string path;
  // Query parameters in order, percent-decoded ('+' means space). Names may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  // Values of the route's {name} segments, percent-decoded; filled in by the router.
  std::vector<std::pair<std::string, std::string>> path_params;
  Headers headers;
  std::string body;
  // The peer's IP address ("127.0.0.1", "::1"), without the port.
  std::string remote_address;

  // The first query parameter called `name`, if present.
  std::optional<std::string_view> Query(std::string_view name) const;
  // The path parameter called `name`; empty if the route has no such parameter.
  std::string_view PathParam(std::string_view name) const;
  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
};

// Stable `type` URIs of the problems the server itself produces (RFC 9457 3.1.1). Handlers
// add their own in the same "urn:cadent:problem:" namespace.
namespace problem_type {
inline constexpr std::string_view kBadRequest = "urn:cadent:problem:bad-request";
inline constexpr std::string_view kNotFound = "urn:cadent:problem:not-found";
inline constexpr std::string_view kMethodNotAllowed = "urn:cadent:problem:method-not-allowed";
inline constexpr std::string_view kNotImplemented = "urn:cadent:problem:not-implemented";
inline constexpr std::string_view kPayloadTooLarge = "urn:cadent:problem:payload-too-large";
inline constexpr std::string_view kHeadersTooLarge = "urn:cadent:problem:headers-too-large";
inline constexpr std::string_view kServiceUnavailable = "urn:cadent:problem:service-unavailable";
inline constexpr std::string_view kInternal = "urn:cadent:problem:internal";
}  // namespace problem_type

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// What a handler returns. The server adds Server, Date, Content-Length and Connection.
struct Response {
  int status = 200;
  // Sent as Content-Type when non-empty.
  std::string content_type;
  Headers headers;
  std::string body;

  // `body` serialised compactly; invalid UTF-8 in strings is replaced, never thrown.
  static Response Json(int status, const nlohmann::json& body);
  // An RFC 9457 problem: {"type","title","status","detail"} as application/problem+json.
  // `detail` is left out when empty. `extensions` (an object) adds members such as the
  // field at fault; it cannot override the four standard ones.
  static Response Problem(int status, std::string_view type, std::string_view title,
                          std::string_view detail,
                          const nlohmann::json& extensions = nlohmann::json::object());
  static Response Text(int status, std::string body);
};

// Handlers run on an I/O thread, one request at a time per thread: they must be quick and
// must not block (no network calls, no long queries, no sleeping). Work that takes longer
// belongs on a worker pool; the server will gain an offload for it. A handler that throws
// gets a 500 problem response and the exception is logged.
using Handler = std::function<Response(const Request&)>;

// One explicit route table. Patterns are absolute paths whose segments are literals or
// `{name}` parameters matching one non-empty segment: "/api/v1/contacts/{id}". At each
// segment a literal beats a parameter, so "/contacts/export" wins over "/contacts/{id}".
// A HEAD request uses the GET route when there is no HEAD route (the server drops the body).
// Build the table before the server starts; lookups are then read-only and thread-safe.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route. A malformed pattern or a second handler for the same method and shape is a
  // programming error and aborts: the table is code, and its tests catch it.
  void Add(Method method, std::string_view pattern, Handler handler);

  struct Dispatched {
    Response response;
    // The pattern that matched ("/api/v1/contacts/{id}"), empty when none did; a
    // low-cardinality label for logs and metrics.
    std::string_view route;
  };
  // Finds the route for `request`, fills request.path_params and runs the handler. Answers
  // 404 when no pattern matches the path, 405 with an Allow header when patterns match but
  // not for this method, and 400 when a parameter's percent-encoding is invalid.
  Dispatched Dispatch(Request& request) const;

  struct RouteInfo {
    Method method;
    std::string pattern;
  };
  // Every route in the order added (for documentation checks).
  const std::vector<RouteInfo>& routes() const { return routes_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<RouteInfo> routes_;
};

// Whether '+' stands for a space: it does in query strings (form encoding), not in paths.
enum class PlusSign { kLiteral, kSpace };

// Percent-decodes `text`; nullopt on a malformed escape ("%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view text, PlusSign plus);

// Splits a query string ("a=1&b=x%20y") into decoded pairs; nullopt on a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

}  // namespace cadent::http
