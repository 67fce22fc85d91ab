#include "http/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cadent::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Request MakeRequest(Method method, std::string path) {
  Request request;
  request.method = method;
  request.path = std::move(path);
  return request;
}

// A handler that answers with its name and the parameters it saw.
Handler Named(std::string name) {
  return [name = std::move(name)](const Request& request) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [key, value] : request.path_params) params[key] = value;
    return Response::Json(200, {{"handler", name}, {"params", params}});
  };
}

nlohmann::json Body(const Response& response) { return nlohmann::json::parse(response.body); }

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(Method::kGet, "/", Named("root"));
    router_.Add(Method::kGet, "/api/v1/contacts", Named("list"));
    router_.Add(Method::kPost, "/api/v1/contacts", Named("create"));
    router_.Add(Method::kGet, "/api/v1/contacts/{id}", Named("get"));
    router_.Add(Method::kDelete, "/api/v1/contacts/{id}", Named("delete"));
    router_.Add(Method::kGet, "/api/v1/contacts/export", Named("export"));
    router_.Add(Method::kGet, "/api/v1/campaigns/{campaign}/steps/{step}", Named("step"));
    router_.Add(Method::kPost, "/api/v1/campaigns/{id}/launch", Named("launch"));
    router_.Add(Method::kGet, "/api/v1/campaigns/stats/{id}", Named("stats-literal-first"));
  }

  Router::Dispatched Dispatch(Method method, std::string path) {
    request_ = MakeRequest(method, std::move(path));
    return router_.Dispatch(request_);
  }

  Router router_;
  Request request_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  Router::Dispatched root = Dispatch(Method::kGet, "/");
  EXPECT_EQ(root.response.status, 200);
  EXPECT_EQ(Body(root.response)["handler"], "root");
  EXPECT_EQ(root.route, "/");

  EXPECT_EQ(Body(Dispatch(Method::kGet, "/api/v1/contacts").response)["handler"], "list");
  EXPECT_EQ(Body(Dispatch(Method::kPost, "/api/v1/contacts").response)["handler"], "create");
}

TEST_F(RouterTest, CapturesAndDecodesPathParameters) {
  Router::Dispatched got = Dispatch(Method::kGet, "/api/v1/contacts/c%2F42%20x");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(got.route, "/api/v1/contacts/{id}");
  EXPECT_EQ(Body(got.response)["params"]["id"], "c/42 x");
  EXPECT_EQ(request_.PathParam("id"), "c/42 x");
  EXPECT_EQ(request_.PathParam("missing"), "");

  Router::Dispatched step = Dispatch(Method::kGet, "/api/v1/campaigns/7/steps/3");
  EXPECT_EQ(Body(step.response)["params"], (nlohmann::json{{"campaign", "7"}, {"step", "3"}}));
  EXPECT_THAT(request_.path_params, ElementsAre(Pair("campaign", "7"), Pair("step", "3")));
}

TEST_F(RouterTest, PlusInPathIsNotASpace) {
  Router::Dispatched got = Dispatch(Method::kGet, "/api/v1/contacts/a+b");
  EXPECT_EQ(Body(got.response)["params"]["id"], "a+b");
}

TEST_F(RouterTest, ExactMatchBeatsPattern) {
  Router::Dispatched got = Dispatch(Method::kGet, "/api/v1/contacts/export");
  EXPECT_EQ(Body(got.response)["handler"], "export");
  EXPECT_EQ(got.route, "/api/v1/contacts/export");
}

TEST_F(RouterTest, FallsBackToPatternWhenLiteralBranchDeadEnds) {
  // "stats" is a literal child of /campaigns, but /campaigns/stats/launch only exists
  // under the {id} branch.
  Router::Dispatched got = Dispatch(Method::kPost, "/api/v1/campaigns/stats/launch");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(Body(got.response)["handler"], "launch");
  EXPECT_EQ(Body(got.response)["params"]["id"], "stats");
}

TEST_F(RouterTest, LiteralWithOtherMethodDoesNotHidePatternWithThisMethod) {
  // /contacts/export only has GET; DELETE /contacts/export is the {id} route's.
  Router::Dispatched got = Dispatch(Method::kDelete, "/api/v1/contacts/export");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(Body(got.response)["handler"], "delete");
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  for (const char* path : {"/nope", "/api/v1/contacts/1/extra", "/api/v1/contacts/", "/api/v1",
                           "/api/v1/campaigns//steps/1"}) {
    SCOPED_TRACE(path);
    Router::Dispatched got = Dispatch(Method::kGet, path);
    EXPECT_EQ(got.response.status, 404);
    EXPECT_EQ(got.response.content_type, "application/problem+json");
    EXPECT_EQ(Body(got.response)["type"], "urn:cadent:problem:not-found");
    EXPECT_EQ(got.route, "");
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Router::Dispatched got = Dispatch(Method::kPut, "/api/v1/contacts/42");
  EXPECT_EQ(got.response.status, 405);
  EXPECT_EQ(got.response.headers.Get("allow"), "GET, HEAD, DELETE");
  EXPECT_EQ(Body(got.response)["status"], 405);
  EXPECT_EQ(Body(got.response)["type"], "urn:cadent:problem:method-not-allowed");

  // The literal and the pattern both match "export": Allow is the union.
  Router::Dispatched both = Dispatch(Method::kPatch, "/api/v1/contacts/export");
  EXPECT_EQ(both.response.status, 405);
  EXPECT_EQ(both.response.headers.Get("Allow"), "GET, HEAD, DELETE");

  Router::Dispatched post_only = Dispatch(Method::kGet, "/api/v1/campaigns/9/launch");
  EXPECT_EQ(post_only.response.status, 405);
  EXPECT_EQ(post_only.response.headers.Get("Allow"), "POST");
}

TEST_F(RouterTest, HeadUsesGetRoute) {
  Router::Dispatched got = Dispatch(Method::kHead, "/api/v1/contacts/5");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(Body(got.response)["handler"], "get");
  EXPECT_EQ(Dispatch(Method::kHead, "/api/v1/campaigns/9/launch").response.status, 405);
}

TEST_F(RouterTest, ExplicitHeadRouteWins) {
  router_.Add(Method::kHead, "/api/v1/contacts", Named("head"));
  EXPECT_EQ(Body(Dispatch(Method::kHead, "/api/v1/contacts").response)["handler"], "head");
}

TEST_F(RouterTest, MalformedEscapeInParameterIs400) {
  Router::Dispatched got = Dispatch(Method::kGet, "/api/v1/contacts/%zz");
  EXPECT_EQ(got.response.status, 400);
  EXPECT_EQ(Body(got.response)["type"], "urn:cadent:problem:bad-request");
}

TEST_F(RouterTest, RelativeTargetIs400) {
  EXPECT_EQ(Dispatch(Method::kGet, "api/v1/contacts").response.status, 400);
  EXPECT_EQ(Dispatch(Method::kGet, "").response.status, 400);
}

TEST_F(RouterTest, ThrowingHandlerIs500Problem) {
  router_.Add(Method::kGet, "/boom",
              [](const Request&) -> Response { throw std::runtime_error("kaput"); });
  Router::Dispatched got = Dispatch(Method::kGet, "/boom");
  EXPECT_EQ(got.response.status, 500);
  EXPECT_EQ(Body(got.response)["type"], "urn:cadent:problem:internal");
  // The exception's text stays in the log, out of the response.
  EXPECT_EQ(got.response.body.find("kaput"), std::string::npos);
}

TEST_F(RouterTest, ListsRoutesInOrder) {
  ASSERT_EQ(router_.routes().size(), 9u);
  EXPECT_EQ(router_.routes()[3].method, Method::kGet);
  EXPECT_EQ(router_.routes()[3].pattern, "/api/v1/contacts/{id}");
}

TEST(RouterDeathTest, RejectsMalformedPatterns) {
  const Handler handler = [](const Request&) { return Response::Text(200, ""); };
  EXPECT_DEATH(Router().Add(Method::kGet, "no/slash", handler), "must start with");
  EXPECT_DEATH(Router().Add(Method::kGet, "/a//b", handler), "empty segment");
  EXPECT_DEATH(Router().Add(Method::kGet, "/a/{id", handler), "unclosed");
  EXPECT_DEATH(Router().Add(Method::kGet, "/a/x{id}", handler), "whole segment");
  EXPECT_DEATH(Router().Add(Method::kGet, "/a/{i-d}", handler), "parameter names");
  EXPECT_DEATH(Router().Add(Method::kGet, "/a/{id}/{id}", handler), "repeated");
  EXPECT_DEATH(
      {
        Router router;
        router.Add(Method::kGet, "/a/{id}", handler);
        router.Add(Method::kGet, "/a/{other}", handler);
      },
      "already exists");
}

TEST(ResponseTest, JsonSetsContentTypeAndBody) {
  Response response = Response::Json(201, {{"id", 7}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":7})");
}

TEST(ResponseTest, JsonReplacesInvalidUtf8InsteadOfThrowing) {
  Response response = Response::Json(200, {{"name", std::string("a\xff")}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body)["name"], "a\xEF\xBF\xBD");
}

TEST(ResponseTest, ProblemHasRfc9457Shape) {
  Response response =
      Response::Problem(422, "urn:cadent:problem:invalid-field", "Invalid field",
                        "email is not an address", {{"field", "email"}, {"status", 999}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(response.body), (nlohmann::json{
                                                      {"type", "urn:cadent:problem:invalid-field"},
                                                      {"title", "Invalid field"},
                                                      {"status", 422},
                                                      {"detail", "email is not an address"},
                                                      {"field", "email"},
                                                  }));
}

TEST(ResponseTest, ProblemLeavesOutEmptyDetail) {
  nlohmann::json body =
      nlohmann::json::parse(Response::Problem(404, "urn:x", "Not Found", "").body);
  EXPECT_FALSE(body.contains("detail"));
  EXPECT_EQ(body["status"], 404);
}

TEST(HeadersTest, CaseInsensitiveAndRepeatable) {
  Headers headers;
  headers.Add("Set-Cookie", "a=1");
  headers.Add("set-cookie", "b=2");
  headers.Add("X-Thing", "x");
  EXPECT_EQ(headers.Get("SET-COOKIE"), "a=1");
  EXPECT_EQ(headers.fields().size(), 3u);
  headers.Set("SET-cookie", "c=3");
  EXPECT_EQ(headers.fields().size(), 2u);
  EXPECT_EQ(headers.Get("set-cookie"), "c=3");
  headers.Remove("x-thing");
  EXPECT_FALSE(headers.Contains("X-Thing"));
}

TEST(MethodTest, RoundTripsAndIsCaseSensitive) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(ParseMethod(MethodName(m)), m);
  }
  EXPECT_EQ(ParseMethod("get"), std::nullopt);
  EXPECT_EQ(ParseMethod("PROPFIND"), std::nullopt);
}

TEST(QueryTest, DecodesPairs) {
  auto query = ParseQuery("a=1&b=x+y%21&flag&&a=2&e=&c=k=v");
  ASSERT_TRUE(query.has_value());
  EXPECT_THAT(*query, ElementsAre(Pair("a", "1"), Pair("b", "x y!"), Pair("flag", ""),
                                  Pair("a", "2"), Pair("e", ""), Pair("c", "k=v")));
  Request request;
  request.query = *query;
  EXPECT_EQ(request.Query("a"), "1");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_EQ(request.Query("zzz"), std::nullopt);
}

TEST(QueryTest, RejectsMalformedEscapes) {
  EXPECT_EQ(ParseQuery("a=%"), std::nullopt);
  EXPECT_EQ(ParseQuery("a=%4"), std::nullopt);
  EXPECT_EQ(ParseQuery("a=%g1"), std::nullopt);
  EXPECT_TRUE(ParseQuery("").has_value());
}

TEST(PercentDecodeTest, Decodes) {
  EXPECT_EQ(PercentDecode("%41%62c%2f", PlusSign::kLiteral), "Abc/");
  EXPECT_EQ(PercentDecode("a+b", PlusSign::kLiteral), "a+b");
  EXPECT_EQ(PercentDecode("a+b", PlusSign::kSpace), "a b");
  EXPECT_EQ(PercentDecode("100%", PlusSign::kLiteral), std::nullopt);
}

}  // namespace
}  // namespace cadent::http
