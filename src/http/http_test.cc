#include <gtest/gtest.h>

#include <thread>

#include "http/client.h"
#include "http/server.h"

namespace cxbridge::http {
namespace {

// Echoes the body; answers from another thread to exercise cross-thread responses.
class EchoHandler : public Handler {
 public:
  void Handle(Request req, Respond respond) override {
    std::thread([req = std::move(req), respond = std::move(respond)] {
      Response r = Response::Json(200, req.body);
      r.headers.emplace_back("X-Path", req.path);
      r.headers.emplace_back("X-Query", req.query);
      respond(std::move(r));
    }).detach();
  }
};

TEST(HttpTest, ServerAndClientRoundTrip) {
  EchoHandler h;
  ServerOptions o;
  o.port = 0;
  o.max_body_bytes = 1024;
  Server server(o, h);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client;
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  auto r = client.SendSync({"POST", base + "/a/b?x=1", {{"Content-Type", "application/json"}}, "{\"k\":1}", 2000});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"k\":1}");
  ASSERT_NE(r.Header("x-path"), nullptr);
  EXPECT_EQ(*r.Header("x-path"), "/a/b");
  EXPECT_EQ(*r.Header("x-query"), "x=1");
  server.Stop();
}

TEST(HttpTest, BodyOverLimitIs413) {
  EchoHandler h;
  ServerOptions o;
  o.port = 0;
  o.max_body_bytes = 100;
  Server server(o, h);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client;
  auto r = client.SendSync({"POST", "http://127.0.0.1:" + std::to_string(server.port()) + "/",
                            {}, std::string(500, 'x'), 2000});
  EXPECT_EQ(r.status, 413);
  server.Stop();
}

TEST(HttpTest, ClientReportsConnectionRefusedAndTimeout) {
  HttpClient client;
  auto r = client.SendSync({"POST", "http://127.0.0.1:1/", {}, "x", 1000});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST(HttpTest, LoopbackDetection) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
}

}  // namespace
}  // namespace cxbridge::http
