#include "bus/pipeline.h"

#include <gtest/gtest.h>

#include "store/event_log.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

namespace cxbridge::bus {
namespace {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-pipeline-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = store::Db::Open(dir_, clock_);
    ASSERT_TRUE(db.ok());
    db_ = std::move(db.value());
    log_ = std::make_unique<store::EmbeddedEventLog>(*db_, clock_, store::EmbeddedEventLog::Options{});
    ASSERT_TRUE(log_->Start().ok());
    RuleDef rule;
    rule.name = "r";
    rule.event_pattern = R"({"source":["a"]})";
    TargetDef t;
    t.id = "t";
    t.arn = "file:///dev/null";
    rule.targets.push_back(t);
    ASSERT_TRUE(router_.SetConfigDefinitions({}, {rule}).ok());
    pipeline_ = std::make_unique<Pipeline>(router_, *log_, clock_, metrics_, Pipeline::Options{});
    pipeline_->SetOnStored([this](std::vector<StoredEvent> s) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : s) stored_.push_back(std::move(e));
    });
  }
  void TearDown() override {
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<AcceptResult> Submit(std::vector<IncomingEvent> events) {
    std::promise<std::vector<AcceptResult>> p;
    pipeline_->Submit(std::move(events), [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  // What was handed to delivery once `n` events were (the hand-off follows the sender's answer,
  // on the storage thread, so it may lag Submit's return a little).
  std::vector<StoredEvent> StoredAtLeast(size_t n) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stored_.size() >= n) return stored_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }
  static IncomingEvent Event(std::string source, std::string key = "", std::string bus = "default") {
    IncomingEvent e;
    e.bus = bus;
    e.event_json = R"({"id":"x","source":")" + source + R"("})";
    e.idempotency_key = std::move(key);
    return e;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<store::EmbeddedEventLog> log_;
  prometheus::Registry metrics_;
  Router router_{"123456789012", "us-east-1"};
  std::unique_ptr<Pipeline> pipeline_;
  std::mutex mu_;
  std::vector<StoredEvent> stored_;  // guarded by mu_
};

TEST_F(PipelineTest, StoresMatchedAndUnmatchedHandsBothOverUnmatchedWithoutTargets) {
  auto r = Submit({Event("a"), Event("zzz")});
  EXPECT_EQ(r[0].outcome, AcceptOutcome::kStored);
  EXPECT_EQ(r[1].outcome, AcceptOutcome::kStored);
  auto stored = StoredAtLeast(2);
  ASSERT_EQ(stored.size(), 2u);
  ASSERT_EQ(stored[0].targets.size(), 1u);
  EXPECT_EQ(stored[0].targets[0]->def.id, "t");
  EXPECT_TRUE(stored[1].targets.empty());  // the delivery history records it; nothing to deliver
}

TEST_F(PipelineTest, DuplicatesAreAnsweredAndNotDelivered) {
  EXPECT_EQ(Submit({Event("a", "k")})[0].outcome, AcceptOutcome::kStored);
  EXPECT_EQ(Submit({Event("a", "k")})[0].outcome, AcceptOutcome::kDuplicate);
  EXPECT_EQ(StoredAtLeast(1).size(), 1u);
}

TEST_F(PipelineTest, UnknownBusRejectedStorageFailureUnavailable) {
  EXPECT_EQ(Submit({Event("a", "", "nope")})[0].outcome, AcceptOutcome::kRejected);
  log_->Stop();
  auto r = Submit({Event("a")});
  EXPECT_EQ(r[0].outcome, AcceptOutcome::kUnavailable);
  EXPECT_FALSE(r[0].reason.empty());
}

TEST_F(PipelineTest, NormalizerRewritesBeforeRouting) {
  pipeline_->SetNormalizer([](IncomingEvent* e, std::string*) {
    e->event_json = R"({"id":"x","source":"a"})";
    return true;
  });
  Submit({Event("renamed-by-normalizer")});
  EXPECT_EQ(StoredAtLeast(1).size(), 1u);
}

}  // namespace
}  // namespace cxbridge::bus
