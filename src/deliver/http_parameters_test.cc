#include "deliver/http_parameters.h"

#include <gtest/gtest.h>

#include <future>

#include "deliver/target.h"
#include "http/client.h"
#include "http/server.h"

namespace cxbridge::deliver {
namespace {

json::Value J(const std::string& text) { return json::Parse(text).value(); }

Result<HttpParameters> P(const std::string& text) {
  json::Value v = J(text);
  return HttpParameters::Parse(&v);
}

const json::Value kEvent =
    J(R"({"id":"e1","source":"genesys","detail":{"id":"conv/1 x","n":42,"ok":true,)"
      R"("o":{"a":1},"tenant":"acme"}})");

TEST(HttpParametersTest, AbsentIsEmpty) {
  auto p = HttpParameters::Parse(nullptr);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_path_values());
  EXPECT_FALSE(p->dynamic());
  EXPECT_EQ(p->FillPath("https://x.example/a/*", nullptr).value(), "https://x.example/a/*");
}

TEST(HttpParametersTest, PathWildcardsAreFilledInOrderAndEncoded) {
  auto p = P(R"({"PathParameterValues":["$.detail.id","v 2","$.detail.n"]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->dynamic());
  EXPECT_EQ(p->FillPath("https://api.example.com/c/*/v/*/n/*?q=*", &kEvent).value(),
            "https://api.example.com/c/conv%2F1%20x/v/v%202/n/42?q=*");
}

TEST(HttpParametersTest, WildcardCountMustMatch) {
  auto p = P(R"({"PathParameterValues":["a"]})");
  ASSERT_TRUE(p.ok());
  auto r = p->FillPath("https://api.example.com/*/*", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "has 2 path wildcard(s) but HttpParameters.PathParameterValues has 1"),
            std::string::npos);
  EXPECT_FALSE(
      p->FillPath("https://*.example.com/x", nullptr).ok());  // a host `*` is not a path wildcard
  EXPECT_EQ(CountPathWildcards("https://*.example.com/a/*?b=*#*"), 1u);
}

TEST(HttpParametersTest, HeaderAndQueryValuesStaticOrFromTheEvent) {
  auto p = P(
      R"({"HeaderParameters":{"X-Tenant":"$.detail.tenant","X-Static":"fixed $5","X-Obj":"$.detail.o",)"
      R"("X-Missing":"$.detail.nope"},"QueryStringParameters":{"ok":"$.detail.ok","src":"$.source"}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  HttpPairs h = p->Headers(&kEvent);
  HttpPairs want = {
      {"X-Tenant", "acme"}, {"X-Static", "fixed $5"}, {"X-Obj", R"({"a":1})"}, {"X-Missing", ""}};
  EXPECT_EQ(h, want);
  EXPECT_EQ(AppendQuery("https://x.example/p", p->Query(&kEvent)),
            "https://x.example/p?ok=true&src=genesys");
}

TEST(HttpParametersTest, AppendQueryKeepsExistingQueryAndFragment) {
  EXPECT_EQ(AppendQuery("https://x/p?a=1#frag", {{"b c", "d&e"}}),
            "https://x/p?a=1&b%20c=d%26e#frag");
  EXPECT_EQ(AppendQuery("https://x/p?", {{"b", "1"}}), "https://x/p?b=1");
  EXPECT_EQ(AppendQuery("https://x/p", {}), "https://x/p");
}

TEST(HttpParametersTest, SetHeaderReplacesCaseInsensitively) {
  HttpPairs h = {{"content-type", "a"}, {"X", "1"}};
  SetHeader(&h, "Content-Type", "b");
  HttpPairs want = {{"X", "1"}, {"Content-Type", "b"}};
  EXPECT_EQ(h, want);
}

TEST(HttpParametersTest, ValidationFollowsAwsConstraints) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {R"([])", "HttpParameters must be an object"},
      {R"({"PathParameterValues":"a"})",
       "HttpParameters.PathParameterValues must be a list of strings"},
      {R"({"PathParameterValues":["ok","  "]})",
       "HttpParameters.PathParameterValues.2 must be one line and not blank"},
      {R"({"PathParameterValues":["a\nb"]})",
       "HttpParameters.PathParameterValues.1 must be one line and not blank"},
      {R"({"PathParameterValues":[1]})", "HttpParameters.PathParameterValues.1 must be a string"},
      {R"({"HeaderParameters":{"Bad Name":"x"}})",
       "HttpParameters.HeaderParameters.Bad Name: a header name may only hold"},
      {R"({"HeaderParameters":{"X":"\t"}})",
       "HttpParameters.HeaderParameters.X: a header value must be printable ASCII"},
      {R"({"HeaderParameters":{"X":"caf\u00e9"}})", "a header value must be printable ASCII"},
      {R"({"HeaderParameters":{"X":1}})", "HttpParameters.HeaderParameters.X must be a string"},
      {R"({"QueryStringParameters":{"k":"a\u0001"}})",
       "HttpParameters.QueryStringParameters.k: a query value"},
      {R"({"QueryStringParameters":{"k":"$.detail..x"}})",
       "HttpParameters.QueryStringParameters.k: "},
      {R"({"HeaderParameters":{"X":"$.detail[*]"}})", "must name one value (no *)"},
      {R"({"Other":{}})", "HttpParameters has no member Other"},
  };
  for (const auto& c : cases) {
    auto p = P(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_NE(p.status().message().find(c.error), std::string::npos)
        << c.json << " → " << p.status().message();
  }
  EXPECT_FALSE(P(R"({"HeaderParameters":{"X":")" + std::string(513, 'a') + "\"}}").ok());
  EXPECT_TRUE(P(R"({"HeaderParameters":{"X":")" + std::string(512, 'a') + "\"}}").ok());
  // AWS's HeaderKey class holds the range + , - . (so a comma is accepted, as AWS does).
  EXPECT_TRUE(P(R"({"HeaderParameters":{"a,b!#$%&'*+-.^_`|~9":"v"}})").ok());
  // LF and CR are allowed in query values by AWS's pattern.
  EXPECT_TRUE(P(R"({"QueryStringParameters":{"k":"a\nb"}})").ok());
}

// --- the http target with HttpParameters and the address guard ---

class Recorder : public http::Handler {
 public:
  void Handle(http::Request req, http::Respond respond) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(req);
    }
    respond(http::Response::Json(200, "{}"));
  }
  std::mutex mu;
  std::vector<http::Request> requests;
};

SendResult SendOnce(Target& t, const std::string& event) {
  std::promise<SendResult> p;
  SendRequest req;
  req.event_id = "e1";
  req.payload = event;
  req.event = std::make_shared<const std::string>(event);
  t.Send(req, [&p](SendResult r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

TEST(HttpTargetTest, HttpParametersAppliedToAnHttpTarget) {
  Recorder rec;
  http::ServerOptions so;
  so.port = 0;
  http::Server server(so, rec);
  ASSERT_TRUE(server.Start().ok());
  http::HttpClient client;
  TargetEnv env{&client, nullptr, &SystemClock(), "123456789012", "us-east-1"};
  TargetRegistry reg;
  RegisterBuiltins(reg);
  bus::TargetDef def{"t", "http://127.0.0.1:" + std::to_string(server.port()) + "/conv/*/events",
                     J(R"({
      "Http": {"Headers": {"X-Tenant": "config", "X-Keep": "k"}},
      "HttpParameters": {"PathParameterValues": ["$.detail.tenant"],
                         "HeaderParameters": {"x-tenant": "$.detail.tenant"},
                         "QueryStringParameters": {"n": "$.detail.n"}}})"),
                     bus::Origin::kConfig};  // a config-file target: loopback allowed
  auto t = reg.Create(def, env);
  ASSERT_TRUE(t.ok()) << t.status().message();
  SendResult r = SendOnce(**t, json::Serialize(kEvent));
  EXPECT_EQ(r.kind, SendResult::kOk) << r.message;
  std::lock_guard<std::mutex> lock(rec.mu);
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].path, "/conv/acme/events");
  EXPECT_EQ(rec.requests[0].query, "n=42");
  EXPECT_EQ(rec.requests[0].Header("X-Tenant").value_or(""), "acme");
  EXPECT_EQ(rec.requests[0].Header("X-Keep").value_or(""), "k");
  server.Stop();
}

TEST(HttpTargetTest, SavingRefusesBadHttpParameters) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv env;
  bus::TargetDef wrong_count{"t", "https://crm.example.com/a/*/b/*",
                             J(R"({"HttpParameters":{"PathParameterValues":["x"]}})")};
  Status st = reg.Validate(wrong_count, env);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("2 path wildcard(s)"), std::string::npos) << st.message();
  bus::TargetDef bad_header{"t", "https://crm.example.com/",
                            J(R"({"HttpParameters":{"HeaderParameters":{"a b":"x"}}})")};
  EXPECT_FALSE(reg.Validate(bad_header, env).ok());
  bus::TargetDef fine{"t", "https://crm.example.com/a/*",
                      J(R"({"HttpParameters":{"PathParameterValues":["$.id"]}})")};
  EXPECT_TRUE(reg.Validate(fine, env).ok());
}

// Config-file targets are the operator's and may reach loopback; API-saved ones are refused
// unless private targets are allowed.
TEST(HttpTargetTest, AddressGuardAppliesToApiSavedTargetsOnly) {
  Recorder rec;
  http::ServerOptions so;
  so.port = 0;
  http::Server server(so, rec);
  ASSERT_TRUE(server.Start().ok());
  http::HttpClient client;
  TargetEnv env{&client, nullptr, &SystemClock(), "123456789012", "us-east-1"};
  TargetRegistry reg;
  RegisterBuiltins(reg);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/x";
  bus::TargetDef from_config{"t", url, J("{}"), bus::Origin::kConfig};
  bus::TargetDef from_api{"t", url, J("{}"), bus::Origin::kApi};
  EXPECT_EQ(SendOnce(*reg.Create(from_config, env).value(), "{}").kind, SendResult::kOk);
  SendResult refused = SendOnce(*reg.Create(from_api, env).value(), "{}");
  EXPECT_EQ(refused.kind, SendResult::kPermanent);
  EXPECT_EQ(refused.error_code, "ADDRESS_REFUSED");
  EXPECT_NE(refused.message.find("127.0.0.1 is loopback"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("allow_private_targets"), std::string::npos) << refused.message;
  env.allow_private_targets = true;
  EXPECT_EQ(SendOnce(*reg.Create(from_api, env).value(), "{}").kind, SendResult::kOk);
  server.Stop();
}

}  // namespace
}  // namespace cxbridge::deliver
