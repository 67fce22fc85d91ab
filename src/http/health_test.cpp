#include "http/health.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cadent::http {
namespace {

Response Call(const Router& router, std::string path) {
  Request request;
  request.method = Method::kGet;
  request.path = std::move(path);
  return router.Dispatch(request).response;
}

TEST(HealthTest, HealthzIsOk) {
  Router router;
  AddHealthRoutes(router, [] { return nlohmann::json{{"ok", true}}; });
  Response response = Call(router, "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(response.body), (nlohmann::json{{"status", "ok"}}));
  EXPECT_EQ(response.headers.Get("Cache-Control"), "no-store");
}

TEST(HealthTest, StatusReportsVersionAndDatabase) {
  Router router;
  AddHealthRoutes(router, [] { return nlohmann::json{{"ok", true}, {"backend", "sqlite"}}; });
  Response response = Call(router, "/status");
  EXPECT_EQ(response.status, 200);
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], std::string(CadentVersion()));
  EXPECT_NE(body["version"], "unknown");
  EXPECT_EQ(body["database"], (nlohmann::json{{"ok", true}, {"backend", "sqlite"}}));
}

TEST(HealthTest, StatusIs503WhenDatabaseIsNotOk) {
  Router router;
  AddHealthRoutes(router, [] { return nlohmann::json{{"ok", false}, {"error", "locked"}}; });
  Response response = Call(router, "/status");
  EXPECT_EQ(response.status, 503);
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "unavailable");
  EXPECT_EQ(body["version"], std::string(CadentVersion()));
  EXPECT_EQ(body["database"], (nlohmann::json{{"ok", false}, {"error", "locked"}}));
}

TEST(HealthTest, StatusIs503WhenDatabaseCheckThrows) {
  Router router;
  AddHealthRoutes(router, []() -> nlohmann::json { throw std::runtime_error("no such file"); });
  Response response = Call(router, "/status");
  EXPECT_EQ(response.status, 503);
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "unavailable");
  EXPECT_EQ(body["database"], (nlohmann::json{{"ok", false}, {"error", "no such file"}}));
}

TEST(HealthTest, StatusWithoutDatabaseCallbackIsOk) {
  Router router;
  AddHealthRoutes(router, nullptr);
  Response response = Call(router, "/status");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(response.body)["database"].is_null());
}

}  // namespace
}  // namespace cadent::http
