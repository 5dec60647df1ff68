// OAuth connections are AUTHORIZING until the server has tried their credentials
// (ApiOptions::authorize_connection), then AUTHORIZED or DEAUTHORIZED with the reason.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "api/api_test_util.h"
#include "api/events_api.h"

namespace cxbridge::api {
namespace {

using testing::BodyOf;
using testing::Call;
using testing::Fixture;

constexpr const char* kOAuth =
    R"({"Name":"crm","AuthorizationType":"OAUTH_CLIENT_CREDENTIALS","AuthParameters":{"OAuthParameters":{)"
    R"("AuthorizationEndpoint":"https://auth.example.com/token","HttpMethod":"POST",)"
    R"("ClientParameters":{"ClientID":"id","ClientSecret":"first"}}}})";

class ConnectionAuthTest : public ::testing::Test {
 protected:
  struct Attempt {
    std::string secret;  // the ClientSecret it was asked to try
    std::function<void(Status)> done;
  };
  ApiOptions Options() {
    ApiOptions o = Fixture::DefaultOptions();
    o.authorize_connection = [this](const json::Value& conn, std::function<void(Status)> done) {
      const json::Value* secret =
          conn.FindPath("AuthParameters.OAuthParameters.ClientParameters.ClientSecret");
      std::lock_guard<std::mutex> lock(mu_);
      attempts_.push_back({secret ? secret->as_string() : "", std::move(done)});
    };
    return o;
  }
  Attempt Take(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_.at(i);
  }
  size_t Attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_.size();
  }
  json::Value Describe() {
    return BodyOf(Call(*f_.api, "DescribeConnection", R"({"Name":"crm"})"));
  }
  // The state once it is no longer `from` (the result is saved on the API's control thread).
  std::string StateAfter(const std::string& from) {
    std::string s;
    for (int i = 0; i < 200; ++i) {
      s = Describe().Find("ConnectionState")->as_string();
      if (s != from) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return s;
  }

  std::mutex mu_;
  std::vector<Attempt> attempts_;  // guarded by mu_
  Fixture f_{Options()};
};

TEST_F(ConnectionAuthTest, GoodCredentialsAuthorize) {
  json::Value c = BodyOf(Call(*f_.api, "CreateConnection", kOAuth));
  EXPECT_EQ(c.Find("ConnectionState")->as_string(), "AUTHORIZING");
  ASSERT_EQ(Attempts(), 1u);
  EXPECT_EQ(Take(0).secret, "first");
  Take(0).done(Status::Ok());
  EXPECT_EQ(StateAfter("AUTHORIZING"), "AUTHORIZED");
  EXPECT_NE(Describe().Find("LastAuthorizedTime"), nullptr);
  // Other types need no exchange.
  json::Value k = BodyOf(Call(
      *f_.api, "CreateConnection",
      R"({"Name":"k","AuthorizationType":"API_KEY","AuthParameters":{"ApiKeyAuthParameters":{"ApiKeyName":"a","ApiKeyValue":"b"}}})"));
  EXPECT_EQ(k.Find("ConnectionState")->as_string(), "AUTHORIZED");
  EXPECT_EQ(Attempts(), 1u);
}

TEST_F(ConnectionAuthTest, RefusedCredentialsDeauthorizeWithTheReasonUntilUpdated) {
  BodyOf(Call(*f_.api, "CreateConnection", kOAuth));
  Take(0).done(Status::Unavailable("token endpoint answered 401"));
  EXPECT_EQ(StateAfter("AUTHORIZING"), "DEAUTHORIZED");
  EXPECT_EQ(Describe().Find("StateReason")->as_string(),
            "Authorization failed: token endpoint answered 401");
  // New credentials: tried again; the reason goes.
  json::Value u = BodyOf(Call(
      *f_.api, "UpdateConnection",
      R"({"Name":"crm","AuthParameters":{"OAuthParameters":{"ClientParameters":{"ClientID":"id","ClientSecret":"second"}}}})"));
  EXPECT_EQ(u.Find("ConnectionState")->as_string(), "AUTHORIZING");
  ASSERT_EQ(Attempts(), 2u);
  EXPECT_EQ(Take(1).secret, "second");
  EXPECT_EQ(Describe().Find("StateReason"), nullptr);
  Take(1).done(Status::Ok());
  EXPECT_EQ(StateAfter("AUTHORIZING"), "AUTHORIZED");
}

TEST_F(ConnectionAuthTest, AStaleResultDoesNotOverrideANewerAttempt) {
  BodyOf(Call(*f_.api, "CreateConnection", kOAuth));
  BodyOf(Call(
      *f_.api, "UpdateConnection",
      R"({"Name":"crm","AuthParameters":{"OAuthParameters":{"ClientParameters":{"ClientID":"id","ClientSecret":"second"}}}})"));
  ASSERT_EQ(Attempts(), 2u);
  Take(0).done(Status::Unavailable("old secret refused"));  // the first attempt answers late
  Take(1).done(Status::Ok());
  EXPECT_EQ(StateAfter("AUTHORIZING"), "AUTHORIZED");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(Describe().Find("ConnectionState")->as_string(), "AUTHORIZED");
}

TEST_F(ConnectionAuthTest, AnAuthorizationARestartInterruptedIsTriedAgain) {
  BodyOf(Call(*f_.api, "CreateConnection", kOAuth));
  ASSERT_EQ(Attempts(), 1u);
  f_.Restart();  // the first attempt never answered
  ASSERT_EQ(Attempts(), 2u);
  EXPECT_EQ(Describe().Find("ConnectionState")->as_string(), "AUTHORIZING");
  Take(1).done(Status::Ok());
  EXPECT_EQ(StateAfter("AUTHORIZING"), "AUTHORIZED");
}

// Issue 16: with ApiOptions::check_endpoint (the server's: https unless private targets are
// allowed), a plain-http InvocationEndpoint or OAuth AuthorizationEndpoint is refused when saved.
TEST(EndpointCheckTest, PlainHttpEndpointsAreRefusedWhenSaved) {
  ApiOptions o = Fixture::DefaultOptions();
  o.check_endpoint = [](const std::string& url, std::string_view what) {
    return url.starts_with("https://") ? Status::Ok()
                                       : Status::InvalidArgument(std::string(what) + " must be https");
  };
  Fixture f{o};
  std::string http_oauth = kOAuth;
  http_oauth.replace(http_oauth.find("https://"), 8, "http://");
  http::Response r = Call(*f.api, "CreateConnection", http_oauth);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("ValidationException"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("AuthorizationEndpoint must be https"), std::string::npos) << r.body;
  json::Value c = BodyOf(Call(*f.api, "CreateConnection", kOAuth));
  const std::string conn = c.Find("ConnectionArn")->as_string();
  r = Call(*f.api, "UpdateConnection",
           R"({"Name":"crm","AuthParameters":{"OAuthParameters":{"AuthorizationEndpoint":"http://a/t"}}})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call(*f.api, "CreateApiDestination",
           R"({"Name":"d","ConnectionArn":")" + conn +
               R"(","InvocationEndpoint":"http://crm.example.com/x","HttpMethod":"POST"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("InvocationEndpoint must be https"), std::string::npos) << r.body;
  r = Call(*f.api, "CreateApiDestination",
           R"({"Name":"d","ConnectionArn":")" + conn +
               R"(","InvocationEndpoint":"https://crm.example.com/x","HttpMethod":"POST"})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call(*f.api, "UpdateApiDestination", R"({"Name":"d","InvocationEndpoint":"http://crm.example.com/y"})");
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace cxbridge::api
