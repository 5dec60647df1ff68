#include "bus/scheduled_rules.h"

#include <gtest/gtest.h>

#include "store/event_log.h"
#include <prometheus/registry.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bus/pipeline.h"
#include "common/ids.h"
#include "common/json.h"

namespace cxbridge::bus {
namespace {

// Scheduled rules fire through a real Pipeline and event log; the clock is a FakeClock.
class ScheduledRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-scheduled-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = store::Db::Open(dir_, clock_);
    ASSERT_TRUE(db.ok());
    db_ = std::move(db.value());
    log_ = std::make_unique<store::EmbeddedEventLog>(*db_, clock_, store::EmbeddedEventLog::Options{});
    ASSERT_TRUE(log_->Start().ok());
    pipeline_ = std::make_unique<Pipeline>(router_, *log_, clock_, metrics_, Pipeline::Options{});
    pipeline_->SetOnStored([this](std::vector<StoredEvent> s) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : s) stored_.push_back(std::move(e));
    });
    scheduled_ = std::make_unique<ScheduledRules>(*pipeline_, clock_, "123456789012", "us-east-1");
    router_.OnChange([this](auto t) { scheduled_->OnTable(t); });
  }
  void TearDown() override {
    scheduled_.reset();
    pipeline_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The stored events once `n` have been handed to delivery (after the sink's answer).
  std::vector<StoredEvent> Stored(size_t n) {
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
  static RuleDef Rule(std::string name, std::string schedule, std::string pattern = "") {
    RuleDef r;
    r.name = std::move(name);
    r.schedule_expression = std::move(schedule);
    r.event_pattern = std::move(pattern);
    TargetDef t;
    t.id = "t";
    t.arn = "file:///dev/null";
    r.targets.push_back(t);
    return r;
  }

  FakeClock clock_{*ParseRfc3339("2026-11-28T10:00:30Z")};
  std::filesystem::path dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<store::EmbeddedEventLog> log_;
  prometheus::Registry metrics_;
  Router router_{"123456789012", "us-east-1"};
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<ScheduledRules> scheduled_;
  std::mutex mu_;
  std::vector<StoredEvent> stored_;  // guarded by mu_
};

TEST_F(ScheduledRulesTest, CronRuleFiresItsOwnTargetsWithTheScheduledEvent) {
  // A pattern rule that would match everything from aws.events must not get the scheduled event.
  ASSERT_TRUE(router_
                  .SetConfigDefinitions({}, {Rule("every-minute", "cron(* * * * ? *)"),
                                             Rule("greedy", "", R"({"source":["aws.events"]})")})
                  .ok());
  EXPECT_EQ(scheduled_->NextDueMs(), *ParseRfc3339("2026-11-28T10:01:00Z"));
  EXPECT_EQ(scheduled_->RunDue(), 0u);  // not yet
  clock_.SetMs(*ParseRfc3339("2026-11-28T10:01:02Z"));
  EXPECT_EQ(scheduled_->RunDue(), 1u);
  auto stored = Stored(1);
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_EQ(stored[0].targets.size(), 1u);
  EXPECT_EQ(stored[0].targets[0]->rule, "every-minute");
  auto ev = json::Parse(*stored[0].event_json);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->Find("source")->as_string(), "aws.events");
  EXPECT_EQ(ev->Find("detail-type")->as_string(), "Scheduled Event");
  EXPECT_EQ(ev->Find("time")->as_string(), "2026-11-28T10:01:00Z");
  EXPECT_EQ(ev->Find("account")->as_string(), "123456789012");
  EXPECT_EQ(json::Serialize(*ev->Find("resources")),
            R"(["arn:aws:events:us-east-1:123456789012:rule/every-minute"])");
  EXPECT_EQ(json::Serialize(*ev->Find("detail")), "{}");
  EXPECT_EQ(scheduled_->NextDueMs(), *ParseRfc3339("2026-11-28T10:02:00Z"));
}

TEST_F(ScheduledRulesTest, RatesCountFromFirstSightingAndMissedFiringsAreNotMadeUp) {
  ASSERT_TRUE(router_.SetConfigDefinitions({}, {Rule("five", "rate(5 minutes)")}).ok());
  const int64_t seen = clock_.NowMs();
  EXPECT_EQ(scheduled_->NextDueMs(), seen + 300'000);
  clock_.SetMs(seen + 300'000);
  EXPECT_EQ(scheduled_->RunDue(), 1u);
  // Down for an hour: one firing when it comes back, then every 5 minutes from then.
  clock_.SetMs(seen + 3'900'000);
  EXPECT_EQ(scheduled_->RunDue(), 1u);
  EXPECT_EQ(Stored(2).size(), 2u);
  EXPECT_EQ(scheduled_->NextDueMs(), seen + 3'900'000 + 300'000);
  // An unrelated change keeps the schedule; disabling the rule drops it.
  RuleDef other = Rule("other", "", R"({"source":["x"]})");
  ASSERT_TRUE(router_.SetConfigDefinitions({}, {Rule("five", "rate(5 minutes)"), other}).ok());
  EXPECT_EQ(scheduled_->NextDueMs(), seen + 3'900'000 + 300'000);
  RuleDef off = Rule("five", "rate(5 minutes)");
  off.state = "DISABLED";
  ASSERT_TRUE(router_.SetConfigDefinitions({}, {off}).ok());
  EXPECT_EQ(scheduled_->NextDueMs(), -1);
}

TEST_F(ScheduledRulesTest, TheThreadFiresOnTheRealClock) {
  ScheduledRules real(*pipeline_, SystemClock(), "123456789012", "us-east-1");
  ASSERT_TRUE(router_.SetConfigDefinitions({}, {Rule("fast", "rate(1 minute)")}).ok());
  real.OnTable(router_.table());
  const int64_t due = real.NextDueMs();
  EXPECT_GT(due, SystemClock().NowMs() + 50'000);  // a minute from now, not sooner
  real.Start();
  real.Stop();  // stops promptly although the next firing is a minute away
  EXPECT_TRUE(Stored(0).empty());
}

}  // namespace
}  // namespace cxbridge::bus
