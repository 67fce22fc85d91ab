#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>

#include "http/text.hpp"
#include "spdlog/spdlog.h"

namespace cadent::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethodNames = {{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kOptions, "OPTIONS"},
}};

// The route table is code: a bad entry is a bug to fix, not a condition to handle.
[[noreturn]] void RouteTableBug(std::string_view pattern, std::string_view why) {
  std::fprintf(stderr, "http::Router: bad route \"%.*s\": %.*s\n", static_cast<int>(pattern.size()),
               pattern.data(), static_cast<int>(why.size()), why.data());
  std::abort();
}

bool IsParamName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "/a/b" -> {"a", "b"}; "/" -> {}. The caller has checked the leading '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  path.remove_prefix(1);
  if (path.empty()) return {};
  return Split(path, '/');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view MethodName(Method method) {
  for (const auto& [m, name] : kMethodNames) {
    if (m == method) return name;
  }
  return "?";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (const auto& [m, text] : kMethodNames) {
    if (text == name) return m;
  }
  return std::nullopt;
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (EqualsIgnoreCase(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::PathParam(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return {};
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.content_type = kJsonContentType;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response Response::Problem(int status, std::string_view type, std::string_view title,
                           std::string_view detail, const nlohmann::json& extensions) {
  nlohmann::json body = nlohmann::json::object();
  if (extensions.is_object()) body = extensions;
  body["type"] = type;
  body["title"] = title;
  body["status"] = status;
  if (detail.empty()) {
    body.erase("detail");
  } else {
    body["detail"] = detail;
  }
  Response response = Json(status, body);
  response.content_type = kProblemContentType;
  return response;
}

Response Response::Text(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

std::optional<std::string> PercentDecode(std::string_view text, PlusSign plus) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus == PlusSign::kSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view piece : Split(query, '&')) {
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    const std::string_view raw_name = piece.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::optional<std::string> name = PercentDecode(raw_name, PlusSign::kSpace);
    std::optional<std::string> value = PercentDecode(raw_value, PlusSign::kSpace);
    if (!name || !value) return std::nullopt;
    pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return pairs;
}

struct Router::Node {
  struct Entry {
    Method method;
    std::string pattern;
    // Names of the pattern's {name} segments, in path order.
    std::vector<std::string> param_names;
    Handler handler;
  };

  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  // Routes whose pattern ends at this node, one per method.
  std::vector<Entry> entries;

  const Entry* Find(Method method) const {
    for (const Entry& entry : entries) {
      if (entry.method == method) return &entry;
    }
    return nullptr;
  }
};

namespace {

// Calls visit(node, captured) for each node whose path matches `segments`, most specific
// first (a literal segment before a parameter). Stops when visit returns true.
template <typename Node, typename Visit>
bool VisitMatches(const Node& node, const std::vector<std::string_view>& segments, size_t index,
                  std::vector<std::string_view>& captured, const Visit& visit) {
  if (index == segments.size()) {
    return !node.entries.empty() && visit(node, captured);
  }
  const std::string_view segment = segments[index];
  if (auto it = node.literals.find(segment); it != node.literals.end()) {
    if (VisitMatches(*it->second, segments, index + 1, captured, visit)) return true;
  }
  if (node.param != nullptr && !segment.empty()) {
    captured.push_back(segment);
    if (VisitMatches(*node.param, segments, index + 1, captured, visit)) return true;
    captured.pop_back();
  }
  return false;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  if (!pattern.starts_with('/')) RouteTableBug(pattern, "must start with '/'");
  if (!handler) RouteTableBug(pattern, "empty handler");
  Node* node = root_.get();
  std::vector<std::string> param_names;
  for (std::string_view segment : SplitPath(pattern)) {
    if (segment.empty()) RouteTableBug(pattern, "empty segment");
    if (segment.front() == '{') {
      if (segment.back() != '}') RouteTableBug(pattern, "unclosed '{'");
      std::string name(segment.substr(1, segment.size() - 2));
      if (!IsParamName(name)) RouteTableBug(pattern, "parameter names are [A-Za-z0-9_]+");
      if (std::find(param_names.begin(), param_names.end(), name) != param_names.end()) {
        RouteTableBug(pattern, "repeated parameter name");
      }
      param_names.push_back(std::move(name));
      if (node->param == nullptr) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (segment.find_first_of("{}") != std::string_view::npos) {
        RouteTableBug(pattern, "a parameter must be a whole segment");
      }
      auto [it, inserted] = node->literals.try_emplace(std::string(segment));
      if (inserted) it->second = std::make_unique<Node>();
      node = it->second.get();
    }
  }
  if (node->Find(method) != nullptr) {
    RouteTableBug(pattern, "a route with this method and shape already exists");
  }
  node->entries.push_back(
      Node::Entry{method, std::string(pattern), std::move(param_names), std::move(handler)});
  routes_.push_back(RouteInfo{method, std::string(pattern)});
}

Router::Dispatched Router::Dispatch(Request& request) const {
  if (root_ == nullptr || !request.path.starts_with('/')) {
    return {Response::Problem(400, problem_type::kBadRequest, "Bad Request",
                              "the request target must be an absolute path"),
            {}};
  }
  const std::vector<std::string_view> segments = SplitPath(request.path);
  std::vector<std::string_view> captured;

  const Node::Entry* found = nullptr;
  std::vector<std::string_view> found_params;
  VisitMatches(*root_, segments, 0, captured,
               [&](const Node& node, const std::vector<std::string_view>& params) {
                 found = node.Find(request.method);
                 if (found == nullptr && request.method == Method::kHead) {
                   found = node.Find(Method::kGet);
                 }
                 if (found != nullptr) found_params = params;
                 return found != nullptr;
               });

  if (found == nullptr) {
    // Tell "no such resource" from "not with this method": collect what would work.
    std::vector<Method> allowed;
    captured.clear();
    VisitMatches(*root_, segments, 0, captured,
                 [&](const Node& node, const std::vector<std::string_view>&) {
                   for (const Node::Entry& entry : node.entries) allowed.push_back(entry.method);
                   return false;
                 });
    if (allowed.empty()) {
      return {
          Response::Problem(404, problem_type::kNotFound, "Not Found", "no resource at this path"),
          {}};
    }
    if (std::find(allowed.begin(), allowed.end(), Method::kGet) != allowed.end()) {
      allowed.push_back(Method::kHead);
    }
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (Method m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += MethodName(m);
    }
    Response response = Response::Problem(
        405, problem_type::kMethodNotAllowed, "Method Not Allowed",
        std::string(MethodName(request.method)) + " is not supported for this resource");
    response.headers.Set("Allow", std::move(allow));
    return {std::move(response), {}};
  }

  request.path_params.clear();
  for (size_t i = 0; i < found_params.size(); ++i) {
    std::optional<std::string> value = PercentDecode(found_params[i], PlusSign::kLiteral);
    if (!value) {
      return {Response::Problem(400, problem_type::kBadRequest, "Bad Request",
                                "malformed percent-encoding in the path"),
              found->pattern};
    }
    request.path_params.emplace_back(found->param_names[i], std::move(*value));
  }

  try {
    return {found->handler(request), found->pattern};
  } catch (const std::exception& e) {
    spdlog::error("http handler for {} {} threw: {}", MethodName(request.method), found->pattern,
                  e.what());
  } catch (...) {
    spdlog::error("http handler for {} {} threw a non-standard exception",
                  MethodName(request.method), found->pattern);
  }
  return {Response::Problem(500, problem_type::kInternal, "Internal Server Error", ""),
          found->pattern};
}

}  // namespace cadent::http
