// A failed fsync at ingest, deterministically: the real webhook endpoint, accept pipeline and
// embedded engine, with the fault-injecting wrapper (store/fault_injecting.h) between the
// pipeline and the log. While the sync fails the sender gets 503 + Retry-After, never a 2xx;
// its retries after recovery store every event exactly once — nothing acknowledged is lost.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <future>
#include <map>
#include <unistd.h>

#include "bus/pipeline.h"
#include "bus/router.h"
#include "common/json.h"
#include "ingest/webhook.h"
#include "store/fault_injecting.h"
#include "store/testing/engines.h"

namespace cxbridge::ingest {
namespace {

class AcceptFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-accept-fault-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    bus::RuleDef rule;
    rule.name = "r";
    rule.event_pattern = R"({"detail":{"kind":["order"]}})";
    bus::TargetDef t;
    t.id = "t";
    t.arn = "file:///dev/null";
    rule.targets.push_back(t);
    ASSERT_TRUE(router_.SetConfigDefinitions({}, {rule}).ok());
    Start();
  }
  void TearDown() override {
    Stop();
    std::filesystem::remove_all(dir_);
  }
  // The server's accept path over the (faultable) engine.
  void Start() {
    engine_ = std::make_unique<Engine>(clock_, dir_);
    ASSERT_TRUE(engine_->Open().ok());
    metrics_ = std::make_unique<prometheus::Registry>();
    pipeline_ = std::make_unique<bus::Pipeline>(router_, engine_->log(), clock_, *metrics_, bus::Pipeline::Options{});
    webhooks_ = std::make_unique<WebhookHandler>(*pipeline_, clock_, *metrics_);
    config::SourceConfig src;
    src.name = "orders";
    auto raw = json::Parse(R"({"auth":{"scheme":"none"},"idempotency_key":{"paths":["$.id"]}})");
    ASSERT_TRUE(raw.ok());
    src.raw = std::move(*raw);
    ASSERT_TRUE(webhooks_->Configure({src}, "123456789012", "us-east-1", {"default"}).ok());
  }
  void Stop() {
    webhooks_.reset();
    pipeline_.reset();
    engine_.reset();
  }
  http::Response Post(const std::string& id) {
    http::Request req;
    req.method = "POST";
    req.path = req.target = "/webhooks/orders";
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = R"({"id":")" + id + R"(","kind":"order"})";
    std::promise<http::Response> p;
    auto f = p.get_future();
    webhooks_->Handle(std::move(req), [&p](http::Response r) { p.set_value(std::move(r)); });
    return f.get();
  }
  static std::string Header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  // How many stored events carry each order id, and how many deliveries are pending.
  std::map<std::string, int> StoredIds() {
    std::map<std::string, int> ids;
    EXPECT_TRUE(engine_->log()
                    .ReadFrom(0,
                              [&](uint64_t, const store::EventRecord& r) {
                                auto doc = json::Parse(r.event_json);
                                const json::Value* d = doc.ok() ? doc->Find("detail") : nullptr;
                                const json::Value* id = d ? d->Find("id") : nullptr;
                                ++ids[id && id->is_string() ? id->as_string() : "?"];
                                return true;
                              })
                    .ok());
    return ids;
  }
  size_t PendingDeliveries() {
    size_t n = 0;
    EXPECT_TRUE(engine_->deliveries().ForEachPending([&](auto&, auto, auto&) { ++n; }).ok());
    return n;
  }

  using Engine = store::testing::FaultInjectingEngine<store::testing::EmbeddedEngine>;
  FakeClock clock_;
  std::string dir_;
  bus::Router router_{"123456789012", "us-east-1"};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<prometheus::Registry> metrics_;
  std::unique_ptr<bus::Pipeline> pipeline_;
  std::unique_ptr<WebhookHandler> webhooks_;
};

TEST_F(AcceptFaultTest, FailedFsyncAnswers503AndLosesNothing) {
  EXPECT_EQ(Post("o-1").status, 202);

  engine_->faults()->Set(store::Faults::kFailSync);
  http::Response failed = Post("o-2");
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(Header(failed, "Retry-After"), "1");
  EXPECT_FALSE(engine_->log().healthy());
  // Until storage recovers, every request is refused the same way (nothing acknowledged).
  EXPECT_EQ(Post("o-3").status, 503);
  EXPECT_EQ(Post("o-2").status, 503);

  engine_->faults()->Heal();
  // The senders retry. o-2's bytes reached the engine before its sync failed, so its retry is
  // caught by its idempotency key (200); o-3 was refused before any write, so it is stored now.
  EXPECT_EQ(Post("o-2").status, 200);
  EXPECT_EQ(Post("o-3").status, 202);
  EXPECT_EQ(Post("o-1").status, 200);  // a late duplicate of an acknowledged event

  // After a restart: every event once, with one delivery each.
  Stop();
  Start();
  EXPECT_EQ(StoredIds(), (std::map<std::string, int>{{"o-1", 1}, {"o-2", 1}, {"o-3", 1}}));
  EXPECT_EQ(PendingDeliveries(), 3u);
}

TEST_F(AcceptFaultTest, FullDiskAnswers503AndWritesNothing) {
  engine_->faults()->Set(store::Faults::kDiskFull);
  http::Response r = Post("o-1");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(Header(r, "Retry-After"), "1");
  EXPECT_TRUE(engine_->log().low_disk());
  EXPECT_TRUE(StoredIds().empty());
  engine_->faults()->Heal();
  EXPECT_EQ(Post("o-1").status, 202);
  EXPECT_EQ(StoredIds(), (std::map<std::string, int>{{"o-1", 1}}));
}

}  // namespace
}  // namespace cxbridge::ingest
