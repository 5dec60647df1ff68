// API destination targets against real local HTTP servers: the destination and the OAuth token
// endpoint are http::Server instances on loopback (so these tests allow private targets, except
// the one that checks the guard).
#include "deliver/api_destination.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/encoding.h"
#include "deliver/target.h"
#include "http/client.h"
#include "http/server.h"
#include "http/testing/endless_server.h"

namespace cxbridge::deliver {
namespace {

constexpr char kArn[] = "arn:aws:events:us-east-1:123456789012:api-destination/crm/6f1c";
constexpr char kConnArn[] = "arn:aws:events:us-east-1:123456789012:connection/crm-auth/91ab";

json::Value J(const std::string& text) { return json::Parse(text).value(); }

class FakeDirectory : public ApiDestinationDirectory {
 public:
  Result<ApiDestinationDefinition> Find(std::string_view arn) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto d = destinations_.find(std::string(arn));
    if (d == destinations_.end()) return Status::NotFound("none");
    ApiDestinationDefinition out{d->second, nullptr};
    auto c = connections_.find(d->second->Find("ConnectionArn")->as_string());
    if (c != connections_.end()) out.connection = c->second;
    return out;
  }
  void PutDestination(const std::string& arn, json::Value v) {
    std::lock_guard<std::mutex> lock(mu_);
    destinations_[arn] = std::make_shared<const json::Value>(std::move(v));
  }
  void PutConnection(const std::string& arn, json::Value v) {
    std::lock_guard<std::mutex> lock(mu_);
    connections_[arn] = std::make_shared<const json::Value>(std::move(v));
  }
  void Erase(const std::string& arn) {
    std::lock_guard<std::mutex> lock(mu_);
    destinations_.erase(arn);
    connections_.erase(arn);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const json::Value>> destinations_, connections_;
};

// One server plays the destination (any path but /token) and the OAuth token endpoint (/token).
class Peer : public http::Handler {
 public:
  ~Peer() override {
    for (auto& t : threads_) t.join();
  }
  void Handle(http::Request req, http::Respond respond) override {
    std::lock_guard<std::mutex> lock(mu);
    if (req.path == "/token") {
      token_requests.push_back(req);
      int n = static_cast<int>(token_requests.size());
      http::Response r =
          token_status == 200
              ? http::Response::Json(200, R"({"access_token":"t)" + std::to_string(n) +
                                              R"(","token_type":"Bearer","expires_in":)" +
                                              expires_in + "}")
              : http::Response::Json(token_status, R"({"error":"nope"})");
      if (!token_body.empty()) r = http::Response::Json(200, token_body);
      // Answer later, from another thread, so concurrent deliveries pile up behind one fetch.
      threads_.emplace_back([respond, r, delay = token_delay_ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        respond(r);
      });
      return;
    }
    requests.push_back(req);
    arrivals_ms.push_back(SystemClock().SteadyMs());
    auto auth = req.Header("Authorization");
    if (auth && reject_token && *auth == "Bearer " + *reject_token) {
      return respond(http::Response::Json(401, "{}"));
    }
    http::Response r = http::Response::Json(status, "{}");
    if (!retry_after.empty()) r.headers.emplace_back("Retry-After", retry_after);
    respond(r);
  }

  std::mutex mu;
  std::vector<http::Request> requests, token_requests;  // guarded by mu
  std::vector<int64_t> arrivals_ms;                     // guarded by mu
  int status = 200;
  std::string retry_after;
  std::optional<std::string> reject_token;  // the destination answers 401 to this bearer token
  int token_status = 200;
  std::string expires_in = "3600";  // JSON text
  std::string token_body;            // when set, the token endpoint's whole (200) answer
  int token_delay_ms = 0;

 private:
  std::vector<std::thread> threads_;  // guarded by mu
};

class ApiDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions so;
    so.port = 0;
    so.threads = 4;
    server_ = std::make_unique<http::Server>(so, peer_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    env_.http = &client_;
    env_.clock = &SystemClock();
    env_.account = "123456789012";
    env_.region = "us-east-1";
    env_.api_destinations = &dir_;
    env_.allow_private_targets = true;
    RegisterBuiltins(registry_);
    PutDestination("/hooks/*", 300);
  }
  void TearDown() override { server_->Stop(); }

  void PutDestination(const std::string& path, int rate, const std::string& method = "POST") {
    dir_.PutDestination(
        kArn,
        J(R"({"Name":"crm","Arn":")" + std::string(kArn) + R"(","ConnectionArn":")" + kConnArn +
          R"(","InvocationEndpoint":")" + base_ + path + R"(","HttpMethod":")" + method +
          R"(","InvocationRateLimitPerSecond":)" + std::to_string(rate) + R"(,"State":"ACTIVE"})"));
  }
  void PutConnection(const std::string& type, const std::string& auth,
                     const std::string& state = "AUTHORIZED") {
    dir_.PutConnection(kConnArn, J(R"({"Name":"crm-auth","Arn":")" + std::string(kConnArn) +
                                   R"(","AuthorizationType":")" + type + R"(","AuthParameters":)" +
                                   auth + R"(,"State":")" + state + R"("})"));
  }
  void PutOAuth() {
    PutConnection("OAUTH_CLIENT_CREDENTIALS",
                  R"({"OAuthParameters":{"ClientParameters":{"ClientID":"cid",)"
                  R"("ClientSecret":"csecret"},"AuthorizationEndpoint":")" +
                      base_ +
                      R"(/token","HttpMethod":"POST","OAuthHttpParameters":{)"
                      R"("BodyParameters":[{"Key":"scope","Value":"events"}],)"
                      R"("HeaderParameters":[{"Key":"X-Oauth","Value":"h"}]}}})");
  }

  std::shared_ptr<Target> Make(const std::string& raw = "{}", const std::string& arn = kArn) {
    bus::TargetDef def{"t", arn, J(raw), bus::Origin::kApi};
    auto t = registry_.Create(def, env_);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : nullptr;
  }

  static std::future<SendResult> SendAsync(Target& t, const std::string& id,
                                           const std::string& event) {
    auto p = std::make_shared<std::promise<SendResult>>();
    SendRequest req;
    req.event_id = id;
    req.payload = event;
    req.event = std::make_shared<const std::string>(event);
    t.Send(req, [p](SendResult r) { p->set_value(std::move(r)); });
    return p->get_future();
  }
  static SendResult SendOnce(Target& t,
                             const std::string& event = R"({"id":"e1","detail":{"id":"c-1"}})") {
    return SendAsync(t, "e1", event).get();
  }

  Peer peer_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
  http::HttpClient client_;
  FakeDirectory dir_;
  TargetEnv env_;
  TargetRegistry registry_;
};

TEST_F(ApiDestinationTest, ApiKeyConnectionParametersAndEventBridgeHeaders) {
  PutConnection(
      "API_KEY",
      R"({"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"s3cret"},)"
      R"("InvocationHttpParameters":{"HeaderParameters":[{"Key":"X-Tenant","Value":"conn",)"
      R"("IsValueSecret":false}],"QueryStringParameters":[{"Key":"q","Value":"conn"}],)"
      R"("BodyParameters":[{"Key":"added","Value":"yes"}]}})");
  auto t = Make(R"({"HttpParameters":{"PathParameterValues":["$.detail.id"],)"
                R"("HeaderParameters":{"X-Tenant":"target","X-Conv":"$.detail.id"},)"
                R"("QueryStringParameters":{"q":"target","r":"$.detail.id"}}})");
  SendResult r = SendOnce(*t);
  ASSERT_EQ(r.kind, SendResult::kOk) << r.error_code << " " << r.message;
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.requests.size(), 1u);
  const http::Request& req = peer_.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/hooks/c-1");
  EXPECT_EQ(req.query, "r=c-1&q=conn");  // the connection's value wins over the target's
  EXPECT_EQ(req.Header("x-api-key").value_or(""), "s3cret");
  EXPECT_EQ(req.Header("X-Tenant").value_or(""), "conn");
  EXPECT_EQ(req.Header("X-Conv").value_or(""), "c-1");
  EXPECT_EQ(req.Header("User-Agent").value_or(""), "Amazon/EventBridge/ApiDestinations");
  EXPECT_EQ(req.Header("Content-Type").value_or(""), "application/json; charset=utf-8");
  EXPECT_EQ(req.Header("Range").value_or(""), "bytes=0-1048575");
  EXPECT_EQ(req.Header("Accept-Encoding").value_or(""), "gzip,deflate");
  EXPECT_EQ(req.Header("Idempotency-Key").value_or(""), "e1");
  EXPECT_EQ(J(req.body), J(R"({"id":"e1","detail":{"id":"c-1"},"added":"yes"})"));
}

TEST_F(ApiDestinationTest, BasicAuthAndMethod) {
  PutDestination("/basic", 300, "PUT");
  PutConnection("BASIC", R"({"BasicAuthParameters":{"Username":"u","Password":"p:w"}})");
  auto t = Make();
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.requests.size(), 1u);
  EXPECT_EQ(peer_.requests[0].method, "PUT");
  EXPECT_EQ(peer_.requests[0].Header("Authorization").value_or(""),
            "Basic " + Base64Encode("u:p:w"));
}

TEST_F(ApiDestinationTest, OAuthConcurrentDeliveriesShareOneTokenFetch) {
  PutOAuth();
  peer_.token_delay_ms = 200;
  auto t1 = Make();
  auto t2 = Make(R"({"Id":"other"})");  // another rule's target on the same connection
  std::vector<std::future<SendResult>> results;
  for (int i = 0; i < 10; ++i)
    results.push_back(SendAsync(i % 2 ? *t1 : *t2, "e" + std::to_string(i), "{}"));
  for (auto& f : results) EXPECT_EQ(f.get().kind, SendResult::kOk);
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.token_requests.size(), 1u);
  const http::Request& tok = peer_.token_requests[0];
  EXPECT_EQ(tok.method, "POST");
  EXPECT_EQ(tok.Header("Authorization").value_or(""), "Basic " + Base64Encode("cid:csecret"));
  EXPECT_EQ(tok.Header("Content-Type").value_or(""), "application/x-www-form-urlencoded");
  EXPECT_EQ(tok.Header("X-Oauth").value_or(""), "h");
  EXPECT_EQ(tok.body, "grant_type=client_credentials&scope=events");
  ASSERT_EQ(peer_.requests.size(), 10u);
  for (const auto& req : peer_.requests)
    EXPECT_EQ(req.Header("Authorization").value_or(""), "Bearer t1");
}

TEST_F(ApiDestinationTest, OAuthTokenRefreshedOn401AndTheDeliveryResentOnce) {
  PutOAuth();
  auto t = Make();
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);  // token t1
  peer_.reject_token = "t1";                      // the destination revokes t1
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kOk) << r.message;
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_EQ(peer_.token_requests.size(), 2u);
  ASSERT_EQ(peer_.requests.size(), 3u);
  EXPECT_EQ(peer_.requests[1].Header("Authorization").value_or(""), "Bearer t1");
  EXPECT_EQ(peer_.requests[2].Header("Authorization").value_or(""), "Bearer t2");
}

TEST_F(ApiDestinationTest, OAuthSecond401IsPermanent) {
  PutOAuth();
  peer_.status = 401;  // refuses every token
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "HTTP_401");
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_EQ(peer_.requests.size(), 2u);  // the original and the one resend
  EXPECT_EQ(peer_.token_requests.size(), 2u);
}

TEST_F(ApiDestinationTest, OAuthTokenRefreshedAheadOfExpiry) {
  FakeClock clock;
  env_.clock = &clock;
  PutOAuth();
  peer_.expires_in = "100";  // refreshed from 60 s before expiry
  auto t = Make();
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  clock.AdvanceMs(30'000);
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);  // fresh: no fetch
  {
    std::lock_guard<std::mutex> lock(peer_.mu);
    EXPECT_EQ(peer_.token_requests.size(), 1u);
  }
  clock.AdvanceMs(20'000);  // 50 s old, 50 s left: still valid, refreshed in the background
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(peer_.mu);
      if (peer_.token_requests.size() == 2u) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The refreshed token arrives in the background; later deliveries use it.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
    std::lock_guard<std::mutex> lock(peer_.mu);
    if (peer_.requests.back().Header("Authorization").value_or("") == "Bearer t2") break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  }
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_EQ(peer_.requests[2].Header("Authorization").value_or(""), "Bearer t1");  // not held back
}

TEST_F(ApiDestinationTest, OAuthTokenFailureIsRetryable) {
  PutOAuth();
  peer_.token_status = 500;
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "OAUTH_TOKEN");
  EXPECT_NE(r.message.find("HTTP 500"), std::string::npos) << r.message;
  peer_.token_status = 200;
  EXPECT_EQ(SendOnce(*t).kind, SendResult::kOk);  // the next attempt fetches again
}

// The check behind an OAuth connection's AUTHORIZING → AUTHORIZED / DEAUTHORIZED: one real token
// request with the saved credentials; deliveries wait (retry) while it runs.
TEST_F(ApiDestinationTest, AuthorizeConnectionTriesTheCredentialsOnce) {
  PutOAuth();
  auto authorize = [&] {
    std::promise<Status> p;
    AuthorizeConnection(*dir_.Find(kArn)->connection, env_, [&p](Status st) { p.set_value(st); });
    return p.get_future().get();
  };
  EXPECT_TRUE(authorize().ok());
  peer_.token_status = 401;
  Status refused = authorize();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("401"), std::string::npos) << refused.message();
  {
    std::lock_guard<std::mutex> lock(peer_.mu);
    ASSERT_EQ(peer_.token_requests.size(), 2u);
    EXPECT_EQ(peer_.token_requests[0].Header("Authorization").value_or(""),
              "Basic " + Base64Encode("cid:csecret"));
  }
  // Private endpoints are refused by the address guard, as for deliveries; plain http before that.
  env_.allow_private_targets = false;
  EXPECT_EQ(authorize().code(), StatusCode::kInvalidArgument);
  base_ = "https" + base_.substr(4);
  PutOAuth();
  EXPECT_EQ(authorize().code(), StatusCode::kFailedPrecondition);
  base_ = "http" + base_.substr(5);
  env_.allow_private_targets = true;
  // Other types have nothing to try.
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  EXPECT_TRUE(authorize().ok());
  // While authorizing, deliveries wait rather than fail.
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})",
                "AUTHORIZING");
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "CONNECTION_AUTHORIZING");
}

TEST_F(ApiDestinationTest, DeletedDestinationAndDeauthorizedConnectionArePermanent) {
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})",
                "DEAUTHORIZED");
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "CONNECTION_DEAUTHORIZED");
  EXPECT_NE(r.message.find("crm-auth is DEAUTHORIZED"), std::string::npos) << r.message;

  dir_.Erase(kConnArn);
  r = SendOnce(*t);
  EXPECT_EQ(r.error_code, "NO_RESOURCE");
  EXPECT_NE(r.message.find("connection " + std::string(kConnArn)), std::string::npos) << r.message;

  dir_.Erase(kArn);
  r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "NO_RESOURCE");
  EXPECT_EQ(r.message, "API destination " + std::string(kArn) + " does not exist");
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.requests.empty());
}

TEST_F(ApiDestinationTest, UpdatesAreSeenByTheNextAttempt) {
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v1"}})");
  auto t = Make();
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  PutDestination("/moved", 300);
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v2"}})");
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.requests.size(), 2u);
  EXPECT_EQ(peer_.requests[0].path, "/hooks/*");
  EXPECT_EQ(peer_.requests[1].path, "/moved");
  EXPECT_EQ(peer_.requests[1].Header("k").value_or(""), "v2");
}

TEST_F(ApiDestinationTest, RetryableAnswersAndRetryAfter) {
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  auto t = Make();
  peer_.status = 429;
  peer_.retry_after = "7";
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.retry_after_ms, 7000);
  peer_.status = 503;
  peer_.retry_after.clear();
  EXPECT_EQ(SendOnce(*t).kind, SendResult::kRetryable);
  peer_.status = 404;
  EXPECT_EQ(SendOnce(*t).kind, SendResult::kPermanent);
}

TEST_F(ApiDestinationTest, TimeoutIsRetryable) {
  PutDestination("/slow", 300);
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  // The destination never answers within the target's 0.2 s timeout.
  auto t = Make(R"({"Http":{"TimeoutSeconds":0.2}})");
  class Slow : public http::Handler {
   public:
    void Handle(http::Request, http::Respond respond) override {
      std::lock_guard<std::mutex> lock(mu);
      pending.push_back(std::move(respond));
    }
    std::mutex mu;
    std::vector<http::Respond> pending;  // guarded by mu
  } slow;
  http::ServerOptions so;
  so.port = 0;
  http::Server slow_server(so, slow);
  ASSERT_TRUE(slow_server.Start().ok());
  dir_.PutDestination(
      kArn,
      J(R"({"Name":"crm","Arn":")" + std::string(kArn) + R"(","ConnectionArn":")" + kConnArn +
        R"(","InvocationEndpoint":"http://127.0.0.1:)" + std::to_string(slow_server.port()) +
        R"(/slow","HttpMethod":"POST","InvocationRateLimitPerSecond":300,"State":"ACTIVE"})"));
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "TIMEOUT");
  {
    std::lock_guard<std::mutex> lock(slow.mu);
    for (auto& p : slow.pending) p(http::Response::Json(200, "{}"));
  }
  slow_server.Stop();
  // The responders hold their sessions; release them while the server's io_context still exists.
  slow.pending.clear();
}

// One bucket per destination, shared by every target that sends to it; over the limit the
// deliveries wait (all succeed), they are not failed.
TEST_F(ApiDestinationTest, RateLimitIsSharedByTargetsAndWaits) {
  PutDestination("/rl", 20);
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  auto a = Make();
  auto b = Make(R"({"Id":"b"})");
  const int64_t start = SystemClock().SteadyMs();
  std::vector<std::future<SendResult>> results;
  for (int i = 0; i < 40; ++i)
    results.push_back(SendAsync(i % 2 ? *a : *b, "e" + std::to_string(i), "{}"));
  for (auto& f : results) EXPECT_EQ(f.get().kind, SendResult::kOk);
  const int64_t elapsed = SystemClock().SteadyMs() - start;
  EXPECT_GE(elapsed, 900);  // burst 20, then 20 more at 20/s ≈ 1 s
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.arrivals_ms.size(), 40u);
  // No 500 ms window saw more than the burst plus what the rate refills in it (+1 for rounding).
  for (size_t i = 0; i < peer_.arrivals_ms.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < peer_.arrivals_ms.size(); ++j) {
      if (peer_.arrivals_ms[j] - peer_.arrivals_ms[i] < 500) ++in_window;
    }
    EXPECT_LE(in_window, 20u + 10u + 1u);
  }
}

TEST_F(ApiDestinationTest, WaitingDeliveriesAreAnsweredWhenTheTargetGoes) {
  PutDestination("/rl", 1);
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  auto t = Make();
  auto first = SendAsync(*t, "e0", "{}");
  auto second = SendAsync(*t, "e1", "{}");  // waits a second for its token
  EXPECT_EQ(first.get().kind, SendResult::kOk);
  t.reset();
  SendResult r = second.get();
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "SHUTDOWN");
}

TEST_F(ApiDestinationTest, AddressGuardRefusesLoopbackUnlessAllowed) {
  env_.allow_private_targets = false;
  base_ = "https" + base_.substr(4);  // plain http is refused before any address (below)
  PutDestination("/hooks/*", 300);
  PutOAuth();
  auto t = Make();
  SendResult r = SendOnce(*t);  // the token endpoint is on loopback too
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "ADDRESS_REFUSED");
  EXPECT_NE(r.message.find("127.0.0.1 is loopback"), std::string::npos) << r.message;
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  r = SendOnce(*t);
  EXPECT_EQ(r.error_code, "ADDRESS_REFUSED");
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.requests.empty());
  EXPECT_TRUE(peer_.token_requests.empty());
}

// Issue 16: HttpParameters `$.…` values come from event data; a CR/LF/NUL in one used to reach
// libcurl, which sends header lines as given (an injected header or a split request).
TEST_F(ApiDestinationTest, LineBreakFromTheEventInAHeaderIsDeadLetteredUnsent) {
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  auto t = Make(R"({"HttpParameters":{"HeaderParameters":{"X-Conv":"$.detail.id"}}})");
  for (const std::string& event :
       {std::string(R"({"detail":{"id":"c-1\r\nX-Injected: yes"}})"),
        std::string(R"({"detail":{"id":"c-1\nHost: evil"}})"),
        std::string(R"({"detail":{"id":"c\u0000"}})")}) {
    SendResult r = SendOnce(*t, event);
    EXPECT_EQ(r.kind, SendResult::kPermanent) << event;
    EXPECT_EQ(r.error_code, "HEADER_VALUE") << event;
    EXPECT_NE(r.message.find("X-Conv"), std::string::npos) << r.message;
  }
  EXPECT_EQ(SendOnce(*t, R"({"detail":{"id":"c-2"}})").kind, SendResult::kOk);
  std::lock_guard<std::mutex> lock(peer_.mu);
  ASSERT_EQ(peer_.requests.size(), 1u);  // only the clean one was sent
  EXPECT_EQ(peer_.requests[0].Header("X-Conv").value_or(""), "c-2");
}

TEST_F(ApiDestinationTest, HttpTargetRefusesALineBreakFromTheEventToo) {
  auto t = Make(R"({"HttpParameters":{"HeaderParameters":{"X-Conv":"$.detail.id"}}})",
                base_ + "/plain");
  SendResult r = SendOnce(*t, R"({"detail":{"id":"a\r\nX-Injected: yes"}})");
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "HEADER_VALUE");
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.requests.empty());
}

// A destination that streams its answer without end: the attempt stops at 1 MiB, permanent.
TEST_F(ApiDestinationTest, AnswerThatNeverEndsIsAbortedAtTheCap) {
  http::testing::EndlessServer endless;
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  dir_.PutDestination(kArn, J(R"({"Name":"crm","Arn":")" + std::string(kArn) +
                              R"(","ConnectionArn":")" + kConnArn + R"(","InvocationEndpoint":")" +
                              endless.url("/forever") + R"(","HttpMethod":"POST","State":"ACTIVE"})"));
  auto t = Make(R"({"Http":{"TimeoutSeconds":60}})");
  const int64_t start = SystemClock().SteadyMs();
  SendResult r = SendOnce(*t);
  EXPECT_LT(SystemClock().SteadyMs() - start, 10'000);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "RESPONSE_TOO_LARGE");
  EXPECT_NE(r.message.find("1048576"), std::string::npos) << r.message;
  // The plain http target kind the same way.
  auto h = Make(R"({"Http":{"TimeoutSeconds":60}})", endless.url("/forever"));
  r = SendOnce(*h);
  EXPECT_EQ(r.error_code, "RESPONSE_TOO_LARGE");
}

// The OAuth token endpoint is capped the same way: the delivery retries later (OAUTH_TOKEN).
TEST_F(ApiDestinationTest, TokenEndpointThatNeverEndsIsAbortedAtTheCap) {
  http::testing::EndlessServer endless;
  PutConnection("OAUTH_CLIENT_CREDENTIALS",
                R"({"OAuthParameters":{"ClientParameters":{"ClientID":"c","ClientSecret":"s"},)"
                R"("AuthorizationEndpoint":")" + endless.url("/token") + R"(","HttpMethod":"POST"}})");
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "OAUTH_TOKEN");
  EXPECT_NE(r.message.find("exceeds the limit"), std::string::npos) << r.message;
}

// An absurd expires_in (1e300 seconds) used to overflow int64 milliseconds (undefined; on x86
// the token counted as expired at once, so every delivery fetched a new one).
TEST_F(ApiDestinationTest, HugeExpiresInIsClampedAndTheTokenKept) {
  PutOAuth();
  peer_.expires_in = "1e300";
  auto t = Make();
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  ASSERT_EQ(SendOnce(*t).kind, SendResult::kOk);
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_EQ(peer_.token_requests.size(), 1u);
}

TEST_F(ApiDestinationTest, AccessTokenWithALineBreakIsRefused) {
  PutOAuth();
  peer_.token_body = R"({"access_token":"t\r\nX-Injected: yes","expires_in":3600})";
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "OAUTH_TOKEN");
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.requests.empty());
}

TEST_F(ApiDestinationTest, PlainHttpEndpointsNeedPrivateTargetsAllowed) {
  env_.allow_private_targets = false;
  PutConnection("API_KEY", R"({"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}})");
  auto t = Make();
  SendResult r = SendOnce(*t);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "INSECURE_ENDPOINT");
  EXPECT_NE(r.message.find("must be an https:// URL"), std::string::npos) << r.message;
  // PutTargets refuses it where the destination is known.
  Status st = registry_.Validate(bus::TargetDef{"t", kArn, J("{}"), bus::Origin::kApi}, env_);
  EXPECT_FALSE(st.ok());
  // An OAuth connection's token endpoint likewise (the destination itself is https here).
  base_ = "https" + base_.substr(4);
  PutDestination("/hooks/*", 300);
  base_ = "http" + base_.substr(5);
  PutOAuth();
  r = SendOnce(*t);
  EXPECT_EQ(r.error_code, "INSECURE_ENDPOINT");
  EXPECT_NE(r.message.find("AuthorizationEndpoint"), std::string::npos) << r.message;
  std::promise<Status> authorized;
  AuthorizeConnection(*dir_.Find(kArn)->connection, env_,
                      [&authorized](Status s) { authorized.set_value(s); });
  EXPECT_FALSE(authorized.get_future().get().ok());
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.requests.empty());
  EXPECT_TRUE(peer_.token_requests.empty());
}

TEST_F(ApiDestinationTest, OAuthTokenCachesAreBounded) {
  OAuthTokenCaches caches;
  std::shared_ptr<OAuthTokens> first;
  for (size_t i = 0; i < OAuthTokenCaches::kMaxEntries + 50; ++i) {
    json::Value conn = J(R"({"Arn":"arn:aws:events:us-east-1:123456789012:connection/c/)" +
                         std::to_string(i) + R"(","AuthParameters":{"OAuthParameters":{}}})");
    auto tokens = caches.For(conn, env_);
    if (i == 0) first = tokens;
    EXPECT_EQ(caches.For(conn, env_), tokens);  // a hit is the same cache
  }
  EXPECT_EQ(caches.size(), OAuthTokenCaches::kMaxEntries);
  json::Value again = J(R"({"Arn":"arn:aws:events:us-east-1:123456789012:connection/c/0",)"
                        R"("AuthParameters":{"OAuthParameters":{}}})");
  EXPECT_NE(caches.For(again, env_), first);  // the oldest was evicted
  EXPECT_EQ(caches.size(), OAuthTokenCaches::kMaxEntries);
}

TEST_F(ApiDestinationTest, KindHandlesOnlyOurAccountAndRegion) {
  bus::TargetDef ours{"t", kArn, J("{}")};
  bus::TargetDef other{"t", "arn:aws:events:eu-west-1:999999999999:api-destination/crm/1", J("{}")};
  TargetEnv env = env_;
  auto t = registry_.Create(other, env);
  EXPECT_FALSE(t.ok());
  EXPECT_TRUE(registry_.Create(ours, env).ok());
  bus::TargetDef bad{"t", "arn:aws:events:us-east-1:123456789012:api-destination/crm", J("{}")};
  EXPECT_FALSE(registry_.Validate(bad, env).ok());
}

TEST_F(ApiDestinationTest, SavingChecksPathParametersAgainstTheDestination) {
  PutDestination("/c/*/e/*", 300);
  bus::TargetDef one{"t", kArn, J(R"({"HttpParameters":{"PathParameterValues":["a"]}})")};
  Status st = registry_.Validate(one, env_);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("2 path wildcard(s)"), std::string::npos) << st.message();
  bus::TargetDef two{"t", kArn,
                     J(R"({"HttpParameters":{"PathParameterValues":["a","$.detail.id"]}})")};
  EXPECT_TRUE(registry_.Validate(two, env_).ok());
  // Unknown destinations (e.g. a config-file target checked before the API loads) pass.
  bus::TargetDef unknown{"t", std::string(kArn) + "x",
                         J(R"({"HttpParameters":{"PathParameterValues":["a"]}})")};
  EXPECT_TRUE(registry_.Validate(unknown, env_).ok());
}

}  // namespace
}  // namespace cxbridge::deliver
