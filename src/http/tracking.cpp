#include "http/tracking.hpp"

#include <string>

#include "core/common/strings.hpp"
#include "spdlog/spdlog.h"

namespace cadent::http {
namespace {

constexpr std::string_view kHtml = "text/html; charset=utf-8";

// The pages hold no user data and load nothing; nobody should cache or index them.
Response Page(int status, std::string_view title, std::string_view body) {
  Response r;
  r.status = status;
  r.content_type = kHtml;
  r.body = StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"robots\" content=\"noindex\"><title>",
      title,
      "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em "
      "auto;padding:0 1em;color:#222}button{font:inherit;padding:.5em 1.5em}</style>"
      "</head><body>",
      body, "</body></html>\n");
  r.headers.Set("Cache-Control", "no-store");
  r.headers.Set("X-Robots-Tag", "noindex");
  r.headers.Set("Referrer-Policy", "no-referrer");
  r.headers.Set("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                "frame-ancestors 'none'");
  return r;
}

Response NotFoundPage() {
  return Page(404, "Link not found",
              "<h1>Link not found</h1><p>This link is not valid. If you copied it, check "
              "that it is complete.</p>");
}

// A storage failure is ours, not the link's: the recipient may try again.
Response Unavailable(const Status& status) {
  spdlog::error("tracking: {}", std::string(status.message()));
  return Response::Problem(503, problem_type::kServiceUnavailable, "Service unavailable",
                           "try again in a moment");
}

// A form-urlencoded body must parse; other bodies (multipart one-click POSTs) are not read:
// the POST itself is the request.
std::optional<Response> CheckForm(const Request& request) {
  if (request.body.empty()) return std::nullopt;
  const std::string_view type = request.Header("Content-Type").value_or("");
  const bool urlencoded = type.empty() || type.substr(0, 33) == "application/x-www-form-urlencoded";
  if (urlencoded && !ParseQuery(request.body)) {
    return Response::Problem(400, problem_type::kBadRequest, "Malformed form body",
                             "the body is not valid application/x-www-form-urlencoded");
  }
  return std::nullopt;
}

}  // namespace

void AddTrackingRoutes(Router& router, Tracker& tracker) {
  router.Add(Method::kGet, "/u/{token}", [&tracker](const Request& request) {
    Result<TrackedMessage> found =
        tracker.Resolve(request.PathParam("token"), tracking::TokenKind::kUnsubscribe);
    if (absl::IsNotFound(found.status())) return NotFoundPage();
    if (!found.ok()) return Unavailable(found.status());
    return Page(200, "Unsubscribe",
                "<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>"
                "<form method=\"post\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">"
                "<button type=\"submit\">Unsubscribe</button></form>");
  });
  router.Add(Method::kPost, "/u/{token}", [&tracker](const Request& request) {
    if (std::optional<Response> bad = CheckForm(request)) return *bad;
    Result<TrackedMessage> done = tracker.Unsubscribe(request.PathParam("token"));
    if (absl::IsNotFound(done.status())) return NotFoundPage();
    if (!done.ok()) return Unavailable(done.status());
    return Page(200, "Unsubscribed",
                "<h1>You are unsubscribed</h1><p>You will not receive these emails "
                "again.</p>");
  });
  router.Add(Method::kGet, "/t/c/{token}", [&tracker](const Request& request) {
    tracking::Hit hit;
    hit.head = request.method == Method::kHead;
    hit.user_agent = request.Header("User-Agent").value_or("");
    hit.remote_address = request.remote_address;
    Result<std::string> target = tracker.Click(request.PathParam("token"), hit);
    if (absl::IsNotFound(target.status())) return NotFoundPage();
    if (!target.ok()) return Unavailable(target.status());
    Response r;
    r.status = 302;
    r.headers.Set("Location", *target);
    r.headers.Set("Cache-Control", "no-store");
    r.headers.Set("Referrer-Policy", "no-referrer");  // the target never sees our link
    return r;
  });
  router.Add(Method::kGet, "/t/o/{file}", [&tracker](const Request& request) {
    constexpr std::string_view kSuffix = ".gif";
    std::string_view file = request.PathParam("file");
    if (file.size() <= kSuffix.size() || file.substr(file.size() - kSuffix.size()) != kSuffix) {
      return NotFoundPage();
    }
    file.remove_suffix(kSuffix.size());
    tracking::Hit hit;
    hit.head = request.method == Method::kHead;
    hit.user_agent = request.Header("User-Agent").value_or("");
    hit.remote_address = request.remote_address;
    Result<TrackedMessage> opened = tracker.Open(file, hit);
    if (absl::IsNotFound(opened.status())) return NotFoundPage();
    if (!opened.ok()) return Unavailable(opened.status());
    Response r;
    r.content_type = "image/gif";
    r.body = std::string(TransparentGif());
    r.headers.Set("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0");
    r.headers.Set("Pragma", "no-cache");
    r.headers.Set("Expires", "0");
    return r;
  });
}

}  // namespace cadent::http
