// Archives and replays: the managed rule, StartReplay's checks, and the engine driven by hand.
#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "api/operations.h"
#include "api/replay_engine.h"
#include "common/ids.h"

namespace cxbridge::api {
namespace {

using testing::BodyOf;
using testing::Call;
using testing::ErrorMessage;
using testing::ErrorType;
using testing::Fixture;

constexpr const char* kBusArn = "arn:aws:events:us-east-1:123456789012:event-bus/b";
constexpr const char* kArchiveArn = "arn:aws:events:us-east-1:123456789012:archive/a1";

std::string Event(const std::string& id, int64_t ms) {
  return R"({"version":"0","id":")" + id + R"(","detail-type":"d","source":"s","account":"123456789012","time":")" +
         FormatRfc3339(ms) + R"(","region":"us-east-1","resources":[],"detail":{}})";
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Ok("CreateEventBus", R"({"Name":"b"})");
    Ok("CreateArchive", std::string(R"({"ArchiveName":"a1","EventSourceArn":")") + kBusArn +
                            R"(","EventPattern":"{\"source\":[\"s\"]}","RetentionDays":7})");
  }
  json::Value Ok(std::string_view op, const std::string& body) {
    http::Response r = Call(*f.api, op, body);
    EXPECT_EQ(r.status, 200) << op << " " << r.body;
    return BodyOf(r);
  }
  http::Response Do(std::string_view op, const std::string& body) { return Call(*f.api, op, body); }
  std::string StartBody(const std::string& name, int64_t start_s, int64_t end_s, const std::string& extra = "") {
    return R"({"ReplayName":")" + name + R"(","EventSourceArn":")" + kArchiveArn + R"(","EventStartTime":)" +
           std::to_string(start_s) + R"(,"EventEndTime":)" + std::to_string(end_s) + R"(,"Destination":{"Arn":")" +
           kBusArn + "\"" + extra + "}}";
  }
  Fixture f;
};

TEST_F(ReplayTest, ArchiveIsAManagedRule) {
  std::lock_guard<std::mutex> lock(f.sink.mu);
  ASSERT_EQ(f.sink.rules.size(), 1u);
  const bus::RuleDef& r = f.sink.rules[0];
  EXPECT_EQ(r.name, "Events-Archive-a1");
  EXPECT_EQ(r.bus, "b");
  EXPECT_EQ(r.event_pattern, R"({"source":["s"],"replay-name":[{"exists":false}]})");
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].arn, kArchiveArn);
  EXPECT_FALSE(r.managed_by.empty());
}

TEST_F(ReplayTest, ArchiveRulePatternWithoutPattern) {
  EXPECT_EQ(ArchiveRulePattern(""), R"({"replay-name":[{"exists":false}]})");
}

TEST_F(ReplayTest, ManagedRuleCannotBeDeletedDirectly) {
  http::Response r = Do("DeleteRule", R"({"Name":"Events-Archive-a1","EventBusName":"b"})");
  EXPECT_EQ(ErrorType(r), "ManagedRuleException");
}

TEST_F(ReplayTest, ArchiveErrors) {
  http::Response r = Do("CreateArchive", std::string(R"({"ArchiveName":"a1","EventSourceArn":")") + kBusArn + "\"}");
  EXPECT_EQ(ErrorType(r), "ResourceAlreadyExistsException");
  EXPECT_EQ(ErrorMessage(r), "Archive a1 already exists.");
  r = Do("CreateArchive", R"({"ArchiveName":"x","EventSourceArn":"arn:aws:events:us-east-1:123456789012:event-bus/nope"})");
  EXPECT_EQ(ErrorMessage(r), "Event bus nope does not exist.");
  r = Do("DescribeArchive", R"({"ArchiveName":"zz"})");
  EXPECT_EQ(ErrorMessage(r), "Archive zz does not exist.");
  r = Do("UpdateArchive", R"({"ArchiveName":"zz"})");
  EXPECT_EQ(ErrorMessage(r), "At least one of EventPattern, RetentionDays or Description must be provided.");
  r = Do("DeleteArchive", R"({"ArchiveName":"zz"})");
  EXPECT_EQ(ErrorType(r), "ResourceNotFoundException");
  r = Do("ListArchives", R"({"EventSourceArn":"arn:aws:events:us-east-1:123456789012:event-bus/nope"})");
  EXPECT_EQ(ErrorMessage(r), "Event bus nope does not exist.");
}

TEST_F(ReplayTest, DescribeUpdateDeleteArchive) {
  f.archives.Append("a1", 1000, Event("e1", 1000)).ok();
  json::Value d = Ok("DescribeArchive", R"({"ArchiveName":"a1"})");
  EXPECT_EQ(d.Find("EventCount")->number_text(), "1");
  EXPECT_EQ(d.Find("RetentionDays")->number_text(), "7");
  EXPECT_EQ(d.Find("State")->as_string(), "ENABLED");
  Ok("UpdateArchive", R"({"ArchiveName":"a1","RetentionDays":0,"EventPattern":"{\"source\":[\"t\"]}"})");
  {
    std::lock_guard<std::mutex> lock(f.sink.mu);
    EXPECT_EQ(f.sink.rules[0].event_pattern, R"({"source":["t"],"replay-name":[{"exists":false}]})");
  }
  EXPECT_EQ(Ok("ListArchives", "{}").Find("Archives")->items().size(), 1u);
  Ok("DeleteArchive", R"({"ArchiveName":"a1"})");
  std::lock_guard<std::mutex> lock(f.sink.mu);
  EXPECT_TRUE(f.sink.rules.empty());
  EXPECT_EQ(*f.archives.Count("a1"), 0u);
}

TEST_F(ReplayTest, RetentionDropsOldEvents) {
  const int64_t now = f.clock.NowMs();
  f.archives.Append("a1", now - 8 * 86'400'000LL, Event("old", now - 8 * 86'400'000LL)).ok();
  f.archives.Append("a1", now - 1000, Event("new", now - 1000)).ok();
  f.api->RunRetentionOnce();
  EXPECT_EQ(*f.archives.Count("a1"), 1u);  // RetentionDays 7
}

TEST_F(ReplayTest, StartReplayChecks) {
  http::Response r = Do("StartReplay", StartBody("r", 100, 100));
  EXPECT_EQ(ErrorMessage(r), "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.");
  r = Do("StartReplay", R"({"ReplayName":"r","EventSourceArn":"arn:aws:events:us-east-1:123456789012:archive/zz","EventStartTime":1,"EventEndTime":2,"Destination":{"Arn":")" +
                            std::string(kBusArn) + "\"}}");
  EXPECT_EQ(ErrorMessage(r), "Parameter EventSourceArn is not valid. Reason: Archive zz does not exist.");
  r = Do("StartReplay", R"({"ReplayName":"r","EventSourceArn":")" + std::string(kArchiveArn) +
                            R"(","EventStartTime":1,"EventEndTime":2,"Destination":{"Arn":"arn:aws:events:us-east-1:123456789012:event-bus/nope"}})");
  EXPECT_EQ(ErrorMessage(r), "Event bus nope does not exist.");
  r = Do("StartReplay", R"({"ReplayName":"r","EventSourceArn":")" + std::string(kArchiveArn) +
                            R"(","EventStartTime":1,"EventEndTime":2,"Destination":{"Arn":"arn:aws:events:us-east-1:123456789012:event-bus/default"}})");
  EXPECT_EQ(ErrorMessage(r), "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
  Ok("StartReplay", StartBody("r", 1, 2));
  r = Do("StartReplay", StartBody("r", 1, 2));
  EXPECT_EQ(ErrorMessage(r), "Replay r already exists.");
  r = Do("DescribeReplay", R"({"ReplayName":"zz"})");
  EXPECT_EQ(ErrorMessage(r), "Replay zz does not exist.");
}

TEST_F(ReplayTest, AtMostTenConcurrentReplays) {
  for (int i = 0; i < 10; ++i) Ok("StartReplay", StartBody("r" + std::to_string(i), 1, 2));
  http::Response r = Do("StartReplay", StartBody("r10", 1, 2));
  EXPECT_EQ(ErrorType(r), "LimitExceededException");
  EXPECT_EQ(ErrorMessage(r), "The requested resource exceeds the maximum number allowed.");
  EXPECT_EQ(Ok("ListReplays", R"({"State":"STARTING"})").Find("Replays")->items().size(), 10u);
}

TEST_F(ReplayTest, ReplayReinjectsWindowWithReplayName) {
  const int64_t t0 = 1'704'067'200'000;
  for (int i = 0; i < 250; ++i) f.archives.Append("a1", t0 + i * 1000, Event("e" + std::to_string(i), t0 + i * 1000)).ok();
  f.archives.Append("a1", t0 + 400'000, Event("late", t0 + 400'000)).ok();  // outside the window
  Ok("StartReplay", StartBody("rp1", t0 / 1000, t0 / 1000 + 300,
                              R"(,"FilterArns":["arn:aws:events:us-east-1:123456789012:rule/b/r1"])"));
  EXPECT_EQ(Ok("DescribeReplay", R"({"ReplayName":"rp1"})").Find("State")->as_string(), "STARTING");
  ASSERT_TRUE(f.api->RunReplaysOnce());  // 100 events
  json::Value d = Ok("DescribeReplay", R"({"ReplayName":"rp1"})");
  EXPECT_EQ(d.Find("State")->as_string(), "RUNNING");
  EXPECT_EQ(d.Find("EventLastReplayedTime")->number_text(), std::to_string(t0 / 1000 + 99));
  while (f.api->RunReplaysOnce()) {
  }
  f.clock.AdvanceMs(5000);
  d = Ok("DescribeReplay", R"({"ReplayName":"rp1"})");
  EXPECT_EQ(d.Find("State")->as_string(), "COMPLETED");
  EXPECT_EQ(d.Find("EventLastReplayedTime")->number_text(), std::to_string(t0 / 1000 + 249));
  std::lock_guard<std::mutex> lock(f.sink.mu);
  ASSERT_EQ(f.sink.events.size(), 250u);
  const bus::IncomingEvent& ev = f.sink.events[7];
  EXPECT_EQ(ev.id, "e7");
  EXPECT_EQ(ev.bus, "b");
  EXPECT_EQ(ev.replay_name, "rp1");
  EXPECT_EQ(ev.only_rules, std::vector<std::string>{"r1"});
  EXPECT_NE(ev.event_json.find(R"("region":"us-east-1","replay-name":"rp1","resources":[])"), std::string::npos)
      << ev.event_json;
}

TEST_F(ReplayTest, CancelReplay) {
  const int64_t t0 = 1'704'067'200'000;
  for (int i = 0; i < 300; ++i) f.archives.Append("a1", t0 + i, Event("e", t0 + i)).ok();
  Ok("StartReplay", StartBody("rp", t0 / 1000, t0 / 1000 + 10));
  f.api->RunReplaysOnce();
  json::Value c = Ok("CancelReplay", R"({"ReplayName":"rp"})");
  EXPECT_EQ(c.Find("State")->as_string(), "CANCELLING");
  EXPECT_EQ(Ok("DescribeReplay", R"({"ReplayName":"rp"})").Find("State")->as_string(), "CANCELLING");
  EXPECT_FALSE(f.api->RunReplaysOnce());
  EXPECT_EQ(Ok("DescribeReplay", R"({"ReplayName":"rp"})").Find("State")->as_string(), "CANCELLED");
  http::Response r = Do("CancelReplay", R"({"ReplayName":"rp"})");
  EXPECT_EQ(ErrorType(r), "IllegalStatusException");
  std::lock_guard<std::mutex> lock(f.sink.mu);
  EXPECT_EQ(f.sink.events.size(), 100u);
}

TEST_F(ReplayTest, EventsAtTheSameMillisecondAcrossBatches) {
  const int64_t t0 = 1'704'067'200'000;
  for (int i = 0; i < 150; ++i) f.archives.Append("a1", t0, Event("same" + std::to_string(i), t0)).ok();
  Ok("StartReplay", StartBody("rp", t0 / 1000, t0 / 1000 + 1));
  while (f.api->RunReplaysOnce()) {
  }
  std::lock_guard<std::mutex> lock(f.sink.mu);
  EXPECT_EQ(f.sink.events.size(), 150u);
}

TEST_F(ReplayTest, StoreUnavailableRetriesThenFails) {
  const int64_t t0 = 1'704'067'200'000;
  f.archives.Append("a1", t0, Event("e", t0)).ok();
  f.sink.next_outcome = bus::AcceptOutcome::kUnavailable;
  Ok("StartReplay", StartBody("rp", t0 / 1000, t0 / 1000 + 1));
  int turns = 0;
  while (f.api->RunReplaysOnce()) ++turns;
  EXPECT_GE(turns, 5);
  json::Value d = Ok("DescribeReplay", R"({"ReplayName":"rp"})");
  EXPECT_EQ(d.Find("State")->as_string(), "FAILED");
  EXPECT_NE(d.Find("StateReason"), nullptr);
}

TEST_F(ReplayTest, RunningReplayResumesAfterRestart) {
  const int64_t t0 = 1'704'067'200'000;
  for (int i = 0; i < 150; ++i) f.archives.Append("a1", t0 + i * 10, Event("e", t0 + i * 10)).ok();
  Ok("StartReplay", StartBody("rp", t0 / 1000, t0 / 1000 + 10));
  f.api->RunReplaysOnce();
  f.Restart();
  while (f.api->RunReplaysOnce()) {
  }
  EXPECT_EQ(Ok("DescribeReplay", R"({"ReplayName":"rp"})").Find("State")->as_string(), "COMPLETED");
  std::lock_guard<std::mutex> lock(f.sink.mu);
  EXPECT_GE(f.sink.events.size(), 150u);  // at-least-once across the restart
}

TEST(ReplayEngineTest, ThreadRunsJobsAndStopsCleanly) {
  testing::MemArchiveStore archives;
  testing::RecordingSink sink;
  FakeClock clock;
  for (int i = 0; i < 500; ++i) archives.Append("a", i, Event("e", i)).ok();
  std::mutex mu;
  std::condition_variable cv;
  std::string final_state;
  ReplayEngine engine(archives, sink, clock, [&](const ReplayProgress& p) {
    std::lock_guard<std::mutex> lock(mu);
    if (p.state != "RUNNING") final_state = p.state;
    cv.notify_all();
  });
  engine.StartThread();
  ReplayJob job;
  job.name = "j";
  job.archive = "a";
  job.bus = "default";
  job.start_ms = 0;
  job.end_ms = 1000;
  engine.Add(job);
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !final_state.empty(); }));
  }
  EXPECT_EQ(final_state, "COMPLETED");
  engine.Stop();
  std::lock_guard<std::mutex> lock(sink.mu);
  EXPECT_EQ(sink.events.size(), 500u);
}

}  // namespace
}  // namespace cxbridge::api
