#include "http/health.hpp"

#include <exception>
#include <utility>

#ifndef CADENT_VERSION
#define CADENT_VERSION "unknown"
#endif

namespace cadent::http {
namespace {

// A cached health answer would hide an outage from the probe asking.
Response Uncached(Response response) {
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

}  // namespace

std::string_view CadentVersion() { return CADENT_VERSION; }

void AddHealthRoutes(Router& router, std::function<nlohmann::json()> database_status) {
  router.Add(Method::kGet, "/healthz", [](const Request&) {
    return Uncached(Response::Json(200, {{"status", "ok"}}));
  });
  router.Add(Method::kGet, "/status",
             [database_status = std::move(database_status)](const Request&) {
               nlohmann::json database = nullptr;
               if (database_status) {
                 try {
                   database = database_status();
                 } catch (const std::exception& e) {
                   database = {{"ok", false}, {"error", e.what()}};
                 } catch (...) {
                   database = {{"ok", false}, {"error", "unknown error"}};
                 }
               }
               const bool healthy =
                   !(database.is_object() && database.contains("ok") && database["ok"] == false);
               return Uncached(
                   Response::Json(healthy ? 200 : 503, {{"status", healthy ? "ok" : "unavailable"},
                                                        {"version", CadentVersion()},
                                                        {"database", std::move(database)}}));
             });
}

}  // namespace cadent::http
