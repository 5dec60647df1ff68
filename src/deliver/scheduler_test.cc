#include "deliver/scheduler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <random>

#include "blob/local_blob_store.h"
#include "store/embedded.h"

namespace cxbridge::deliver {
namespace {

// A target kind for "test://NAME" whose answers the test scripts per attempt.
struct Script {
  std::mutex mu;
  std::vector<SendResult> answers;  // consumed front to back; kOk once exhausted
  std::vector<std::string> payloads;
  bool hold = false;  // never answer (a hung target)
  bool down = false;  // answer every attempt with a retryable failure
  double fail_ratio = 0;  // random retryable failures
  std::mt19937 rng{42};
  std::vector<std::string> delivered;  // payloads of successful attempts, in order
  std::vector<std::function<void(SendResult)>> held;
};

class ScriptedTarget : public Target {
 public:
  explicit ScriptedTarget(Script* s) : s_(s) {}
  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    SendResult r;
    {
      std::lock_guard<std::mutex> lock(s_->mu);
      s_->payloads.push_back(req.payload);
      if (s_->hold) {
        s_->held.push_back(std::move(done));
        return;
      }
      if (!s_->answers.empty()) {
        r = s_->answers.front();
        s_->answers.erase(s_->answers.begin());
      } else if (s_->down || std::uniform_real_distribution<>(0, 1)(s_->rng) < s_->fail_ratio) {
        r.kind = SendResult::kRetryable;
        r.error_code = "HTTP_503";
      }
      if (r.kind == SendResult::kOk) s_->delivered.push_back(req.payload);
    }
    done(r);
  }
  Script* s_;
};

class ScriptedKind : public TargetKind {
 public:
  explicit ScriptedKind(std::map<std::string, Script*>* scripts) : scripts_(scripts) {}
  std::string_view name() const override { return "test"; }
  bool Handles(const bus::TargetDef& d) const override { return d.arn.starts_with("test://"); }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& d, const TargetEnv&) const override {
    return std::shared_ptr<Target>(std::make_shared<ScriptedTarget>((*scripts_)[d.arn.substr(7)]));
  }
  std::map<std::string, Script*>* scripts_;
};

// A local blob store whose reads and writes wait for the gate to open (a slow S3), or fail as
// unavailable the first `unavailable` times.
class GatedBlobStore : public blob::BlobStore {
 public:
  explicit GatedBlobStore(std::unique_ptr<blob::BlobStore> inner) : inner_(std::move(inner)) {}
  Result<blob::BlobRef> Put(std::string_view bytes, std::string_view type) override {
    if (Wait()) return inner_->Put(bytes, type);
    return Status::Unavailable("blob store unavailable (scripted)");
  }
  Result<blob::Blob> Get(std::string_view sha256) override {
    if (Wait()) return inner_->Get(sha256);
    return Status::Unavailable("blob store unavailable (scripted)");
  }
  Result<bool> Exists(std::string_view sha256) override { return inner_->Exists(sha256); }
  Status Delete(std::string_view sha256) override { return inner_->Delete(sha256); }
  Status ForEach(const std::function<bool(const blob::BlobInfo&)>& fn) override {
    return inner_->ForEach(fn);
  }
  std::string Uri(std::string_view sha256) const override { return inner_->Uri(sha256); }

  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int unavailable = 0;  // set before use

 private:
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    if (unavailable > 0) {
      --unavailable;
      return false;
    }
    cv_.wait(lock, [&] { return open_; });
    return true;
  }
  std::unique_ptr<blob::BlobStore> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int calls_ = 0;
};

SendResult Fail(SendResult::Kind k, std::string code) {
  SendResult r;
  r.kind = k;
  r.error_code = code;
  r.message = "scripted " + code;
  return r;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-sched-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = store::Db::Open(dir_, clock_);
    ASSERT_TRUE(db.ok());
    db_ = std::move(db.value());
    log_ = std::make_unique<store::EmbeddedEventLog>(*db_, clock_, store::EmbeddedEventLog::Options{});
    ASSERT_TRUE(log_->Start().ok());
    ds_ = std::make_unique<store::EmbeddedDeliveryQueue>(*db_, *log_);
    registry_.Add(std::make_unique<ScriptedKind>(&scripts_));
    router_ = std::make_unique<bus::Router>("123456789012", "us-east-1");
  }
  void TearDown() override {
    if (sched_) sched_->Stop(0);
    sched_.reset();
    log_.reset();
    ds_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartScheduler(const std::string& targets_yaml_unused = "") {
    SchedulerOptions o;
    o.backoff_base_ms = 100;
    o.backoff_max_ms = 400;
    TargetEnv env{nullptr, nullptr, &clock_};
    env.blobs = blobs_.get();
    sched_ = std::make_unique<Scheduler>(*ds_, *log_, registry_, env, clock_, metrics_, o);
    sched_->OnTable(router_->table());
    router_->OnChange([this](auto t) { sched_->OnTable(t); });
    ASSERT_TRUE(sched_->Recover().ok());
    sched_->Start();
  }
  void AddRule(const std::string& name, std::vector<std::pair<std::string, std::string>> targets,
               const std::string& retry = "") {
    bus::RuleDef r;
    r.name = name;
    r.event_pattern = R"({"source":["s"]})";
    for (auto& [id, arn] : targets) {
      bus::TargetDef t;
      t.id = id;
      t.arn = arn;
      std::string raw = R"({"Id":")" + id + R"(","Arn":")" + arn + "\"" + retry + "}";
      t.raw = *json::Parse(raw);
      r.targets.push_back(t);
    }
    rules_.push_back(r);
    ASSERT_TRUE(router_->SetConfigDefinitions({}, rules_).ok());
  }
  // Stores one event routed to every matching target and hands it to the scheduler.
  void Ingest(const std::string& id, const std::string& detail = "{}") {
    bus::IncomingEvent e;
    e.event_json = R"({"id":")" + id + R"(","source":"s","detail":)" + detail + "}";
    std::vector<std::shared_ptr<const bus::RouteTarget>> targets;
    ASSERT_TRUE(router_->Route(e, &targets).ok());
    store::AppendItem item;
    item.bus = "default";
    item.event_json = e.event_json;
    for (auto& t : targets) item.routes.push_back(t->id);
    std::promise<std::vector<store::AppendOutcome>> p;
    log_->Append({item}, [&](auto out) { p.set_value(out); });
    auto out = p.get_future().get();
    sched_->Enqueue({bus::StoredEvent{out[0].seq, clock_.NowMs(),
                                      std::make_shared<const std::string>(e.event_json), targets}});
  }
  size_t DlqCount() { return *ds_->CountDlq(); }
  std::unique_ptr<blob::BlobStore> blobs_;  // the server's blob store, when a test sets one
  // Makes the server's blob store a GatedBlobStore over a local one (null if it cannot open).
  GatedBlobStore* UseGatedBlobStore() {
    auto local = blob::LocalBlobStore::Open((dir_ / "blobs").string());
    if (!local.ok()) return nullptr;
    auto gated = std::make_unique<GatedBlobStore>(std::move(*local));
    GatedBlobStore* gate = gated.get();
    blobs_ = std::move(gated);
    return gate;
  }
  size_t Pending() {
    size_t n = 0;
    (void)ds_->ForEachPending([&](auto, auto, auto&) { ++n; });
    return n;
  }
  // Polls (advancing the fake clock) until pred holds or 5 s of real time pass.
  bool Eventually(const std::function<bool()>& pred, int64_t advance_ms = 0) {
    for (int i = 0; i < 500; ++i) {
      if (pred()) return true;
      if (advance_ms) clock_.AdvanceMs(advance_ms);
      sched_->Wake();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<store::EmbeddedEventLog> log_;
  std::unique_ptr<store::EmbeddedDeliveryQueue> ds_;
  TargetRegistry registry_;
  std::map<std::string, Script*> scripts_;
  prometheus::Registry metrics_;
  std::unique_ptr<bus::Router> router_;
  std::vector<bus::RuleDef> rules_;
  std::unique_ptr<Scheduler> sched_;
};

TEST_F(SchedulerTest, DeliversAndDeletesDeliveryRecord) {
  Script a;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] { return Pending() == 0; }));
  std::lock_guard<std::mutex> lock(a.mu);
  ASSERT_EQ(a.payloads.size(), 1u);
  EXPECT_NE(a.payloads[0].find("\"e1\""), std::string::npos);
}

TEST_F(SchedulerTest, RetryThenSuccess) {
  Script a;
  a.answers = {Fail(SendResult::kRetryable, "HTTP_503"), Fail(SendResult::kRetryable, "TIMEOUT")};
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] { return Pending() == 0; }, 500));
  EXPECT_EQ(DlqCount(), 0u);
  std::lock_guard<std::mutex> lock(a.mu);
  EXPECT_EQ(a.payloads.size(), 3u);
}

TEST_F(SchedulerTest, RetryExhaustionGoesToDlqWithCondition) {
  Script a;
  for (int i = 0; i < 10; ++i) a.answers.push_back(Fail(SendResult::kRetryable, "HTTP_500"));
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}}, R"(,"RetryPolicy":{"MaximumRetryAttempts":2})");
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] { return DlqCount() == 1; }, 500));
  auto list = ds_->ListDlq("", 10);
  ASSERT_EQ(list->size(), 1u);
  auto entry = json::Parse((*list)[0].json);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->Find("exhaustedCondition")->as_string(), "MaximumRetryAttempts");
  EXPECT_EQ(entry->Find("errorCode")->as_string(), "HTTP_500");
  EXPECT_EQ(entry->Find("attempts")->number_text(), "3");
  EXPECT_EQ(entry->FindPath("event.id")->as_string(), "e1");
  EXPECT_EQ(Pending(), 0u);
}

TEST_F(SchedulerTest, PermanentFailureDeadLettersAtOnce) {
  Script a;
  a.answers = {Fail(SendResult::kPermanent, "HTTP_400")};
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] { return DlqCount() == 1; }));
  std::lock_guard<std::mutex> lock(a.mu);
  EXPECT_EQ(a.payloads.size(), 1u);
}

TEST_F(SchedulerTest, EventAgeLimitDeadLetters) {
  Script a;
  for (int i = 0; i < 1000; ++i) a.answers.push_back(Fail(SendResult::kRetryable, "HTTP_503"));
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}}, R"(,"RetryPolicy":{"MaximumEventAgeInSeconds":60})");
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] { return DlqCount() == 1; }, 5000));
  auto entry = json::Parse((*ds_->ListDlq("", 1))[0].json);
  EXPECT_EQ(entry->Find("exhaustedCondition")->as_string(), "MaximumEventAgeInSeconds");
}

TEST_F(SchedulerTest, HungTargetDoesNotDelayAnother) {
  Script slow, fast;
  slow.hold = true;
  scripts_["slow"] = &slow;
  scripts_["fast"] = &fast;
  AddRule("r", {{"s", "test://slow"}, {"f", "test://fast"}});
  StartScheduler();
  for (int i = 0; i < 40; ++i) Ingest("e" + std::to_string(i));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(fast.mu);
    return fast.payloads.size() == 40;
  }));
  std::vector<std::function<void(SendResult)>> held;
  {
    std::lock_guard<std::mutex> lock(slow.mu);
    EXPECT_EQ(slow.payloads.size(), 16u);  // its concurrency limit, no more
    slow.hold = false;
    held.swap(slow.held);
  }
  for (auto& d : held) d(SendResult{});
  ASSERT_TRUE(Eventually([&] { return Pending() == 0; }));
}

TEST_F(SchedulerTest, PendingDeliveriesSurviveRestart) {
  Script a;
  a.hold = true;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(a.mu);
    return a.payloads.size() == 1;
  }));
  sched_->Stop(0);
  sched_.reset();
  Script b;
  scripts_["a"] = &b;
  router_ = std::make_unique<bus::Router>("123456789012", "us-east-1");
  ASSERT_TRUE(router_->SetConfigDefinitions({}, rules_).ok());
  StartScheduler();
  ASSERT_TRUE(Eventually([&] { return Pending() == 0; }));
  std::lock_guard<std::mutex> lock(b.mu);
  ASSERT_EQ(b.payloads.size(), 1u);
  EXPECT_NE(b.payloads[0].find("\"e1\""), std::string::npos);
}

TEST_F(SchedulerTest, RemovedTargetDeadLettersPending) {
  Script a;
  a.answers = {Fail(SendResult::kRetryable, "HTTP_503")};
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  Ingest("e1");
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(a.mu);
    return a.payloads.size() == 1;
  }));
  rules_.clear();
  ASSERT_TRUE(router_->SetConfigDefinitions({}, rules_).ok());
  ASSERT_TRUE(Eventually([&] { return DlqCount() == 1; }, 500));
  auto entry = json::Parse((*ds_->ListDlq("", 1))[0].json);
  EXPECT_EQ(entry->Find("errorCode")->as_string(), "TARGET_NOT_FOUND");
}

size_t Delivered(Script& s) {
  std::lock_guard<std::mutex> lock(s.mu);
  return s.delivered.size();
}
size_t Attempts(Script& s) {
  std::lock_guard<std::mutex> lock(s.mu);
  return s.payloads.size();
}

TEST_F(SchedulerTest, RateLimitHoldsDeliveriesWithoutDropping) {
  Script a;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}}, R"(,"RateLimitPerSecond":10)");
  StartScheduler();
  for (int i = 0; i < 25; ++i) Ingest("e" + std::to_string(i));
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == 10; }));  // the burst
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Delivered(a), 10u);  // no more without time passing
  clock_.AdvanceMs(1000);
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == 20; }));
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == 25; }, 200));
  EXPECT_EQ(DlqCount(), 0u);
}

// A target dead for 10 minutes of simulated time: the circuit opens, only probes reach it,
// nothing is lost, and it recovers by itself.
TEST_F(SchedulerTest, DeadTargetForTenMinutesLosesNothingAndRecovers) {
  Script a;
  a.down = true;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}},
          R"(,"CircuitBreaker":{"FailureWindowSeconds":30,"ProbeIntervalSeconds":20})");
  StartScheduler();
  for (int i = 0; i < 50; ++i) Ingest("e" + std::to_string(i));
  const int64_t start = clock_.NowMs();
  auto advance_until = [&](int64_t ms) {
    while (clock_.NowMs() - start < ms) {
      clock_.AdvanceMs(500);
      sched_->Wake();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  // Until the failure window passes, failed deliveries retry at their backoff; then the circuit
  // opens and only one probe per interval reaches the target.
  advance_until(60 * 1000);
  ASSERT_TRUE(Eventually([&] { return sched_->Stats()[0].circuit != "closed"; }));
  const size_t attempts_when_open = Attempts(a);
  advance_until(10 * 60 * 1000);
  EXPECT_LE(Attempts(a) - attempts_when_open, static_cast<size_t>(9 * 60 / 20 + 2));
  auto stats = sched_->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].depth, 50u);
  EXPECT_NE(stats[0].circuit, "closed");
  {
    std::lock_guard<std::mutex> lock(a.mu);
    a.down = false;
  }
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == 50; }, 1000));
  EXPECT_EQ(DlqCount(), 0u);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(sched_->Stats()[0].circuit, "closed");
}

TEST_F(SchedulerTest, FifoOrderPerGroupWithRandomFailures) {
  Script a;
  a.fail_ratio = 0.3;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}}, R"(,"OrderingKey":"$.detail.g","Concurrency":8)");
  StartScheduler();
  constexpr int kGroups = 50, kPer = 6;
  for (int n = 0; n < kPer; ++n) {
    for (int g = 0; g < kGroups; ++g) {
      Ingest("g" + std::to_string(g) + "-" + std::to_string(n), R"({"g":"G)" + std::to_string(g) +
                                                                     R"(","n":)" + std::to_string(n) + "}");
    }
  }
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == kGroups * kPer; }, 200));
  std::map<std::string, int> last;
  std::lock_guard<std::mutex> lock(a.mu);
  for (const auto& p : a.delivered) {
    auto e = json::Parse(p);
    ASSERT_TRUE(e.ok());
    std::string g = e->FindPath("detail.g")->as_string();
    int n = static_cast<int>(e->FindPath("detail.n")->as_double());
    auto it = last.find(g);
    if (it != last.end()) {
      EXPECT_EQ(n, it->second + 1) << "group " << g << " out of order";
    } else {
      EXPECT_EQ(n, 0);
    }
    last[g] = n;
  }
  EXPECT_EQ(last.size(), static_cast<size_t>(kGroups));
}

TEST_F(SchedulerTest, PauseAndResumeByHand) {
  Script a;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}});
  StartScheduler();
  std::string key = store::RouteId{"default", "r", "t"}.Key();
  ASSERT_TRUE(Eventually([&] { return sched_->Stats().size() == 1; }));
  ASSERT_TRUE(sched_->SetPaused(key, true).ok());
  for (int i = 0; i < 5; ++i) Ingest("e" + std::to_string(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Delivered(a), 0u);
  EXPECT_TRUE(sched_->Stats()[0].paused);
  ASSERT_TRUE(sched_->SetPaused(key, false).ok());
  ASSERT_TRUE(Eventually([&] { return Delivered(a) == 5; }));
  EXPECT_EQ(sched_->SetPaused("nope", true).code(), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, BacklogLimitDeadLettersOldest) {
  Script a;
  a.hold = true;
  scripts_["a"] = &a;
  AddRule("r", {{"t", "test://a"}},
          R"(,"Concurrency":1,"MaxBacklog":3,"BacklogPolicy":"dead-letter-oldest")");
  StartScheduler();
  for (int i = 0; i < 6; ++i) Ingest("e" + std::to_string(i));
  ASSERT_TRUE(Eventually([&] { return DlqCount() == 3; }));
  auto entries = ds_->ListDlq("", 10);
  for (auto& e : *entries) {
    EXPECT_EQ(json::Parse(e.json)->Find("errorCode")->as_string(), "BACKLOG_LIMIT");
  }
}

TEST_F(SchedulerTest, TargetClaimCheckSetsLargePayloadsAsideForThatTargetOnly) {
  auto store = blob::LocalBlobStore::Open((dir_ / "blobs").string());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  blobs_ = std::move(*store);
  Script small, large;
  scripts_["small"] = &small;
  scripts_["large"] = &large;
  AddRule("limited", {{"t", "test://small"}}, R"(,"ClaimCheck":{"threshold_bytes":300})");
  AddRule("unlimited", {{"t", "test://large"}});
  StartScheduler();
  const std::string transcript(1000, 'x');
  const std::string big_detail = R"({"transcript":")" + transcript + R"("})";
  Ingest("big", big_detail);
  Ingest("tiny", R"({"n":1})");
  ASSERT_TRUE(Eventually([&] { return Delivered(small) == 2 && Delivered(large) == 2; }));
  std::lock_guard<std::mutex> lock(small.mu);
  const std::string& sent = small.delivered[0].find("\"big\"") != std::string::npos
                                ? small.delivered[0]
                                : small.delivered[1];
  EXPECT_EQ(sent.find(transcript), std::string::npos);
  auto doc = json::Parse(sent);
  ASSERT_TRUE(doc.ok());
  const json::Value* sha = doc->FindPath("detail.$ref.sha256");
  ASSERT_NE(sha, nullptr) << sent;
  auto blob = blobs_->Get(sha->as_string());
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->bytes, big_detail);
  // The small event is sent as it is; the other target gets the whole payload.
  const std::string& other = small.delivered[0].find("\"tiny\"") != std::string::npos
                                 ? small.delivered[0]
                                 : small.delivered[1];
  EXPECT_NE(other.find(R"("detail":{"n":1})"), std::string::npos);
  std::lock_guard<std::mutex> lock2(large.mu);
  EXPECT_TRUE(large.delivered[0].find(transcript) != std::string::npos ||
              large.delivered[1].find(transcript) != std::string::npos);
}

TEST_F(SchedulerTest, ASlowBlobStoreHoldsOnlyTheDeliveriesThatNeedIt) {
  GatedBlobStore* gate = UseGatedBlobStore();
  ASSERT_NE(gate, nullptr);
  Script limited, other;
  scripts_["limited"] = &limited;
  scripts_["other"] = &other;
  AddRule("limited", {{"t", "test://limited"}}, R"(,"ClaimCheck":{"threshold_bytes":300})");
  AddRule("other", {{"t", "test://other"}});
  StartScheduler();
  const std::string big_detail = R"({"transcript":")" + std::string(1000, 'x') + R"("})";
  Ingest("big", big_detail);
  ASSERT_TRUE(
      Eventually([&] { return gate->calls() == 1; }));  // the claim check waits on the store
  Ingest("after", R"({"n":1})");
  // Everything that does not need the blob store goes on, for both targets.
  EXPECT_TRUE(Eventually([&] { return Delivered(other) == 2 && Delivered(limited) == 1; }));
  {
    std::lock_guard<std::mutex> lock(limited.mu);
    EXPECT_NE(limited.delivered[0].find("\"after\""), std::string::npos);
  }
  gate->Open();
  ASSERT_TRUE(Eventually([&] { return Delivered(limited) == 2; }));
  std::lock_guard<std::mutex> lock(limited.mu);
  EXPECT_NE(limited.delivered[1].find("\"$ref\""), std::string::npos);
  EXPECT_EQ(DlqCount(), 0u);
}

TEST_F(SchedulerTest, AnUnavailableBlobStoreDelaysTheDeliveryWithoutDeadLettering) {
  GatedBlobStore* gate = UseGatedBlobStore();
  ASSERT_NE(gate, nullptr);
  gate->unavailable = 2;
  gate->Open();
  Script limited;
  scripts_["limited"] = &limited;
  AddRule("limited", {{"t", "test://limited"}}, R"(,"ClaimCheck":{"threshold_bytes":300})");
  StartScheduler();
  Ingest("big", R"({"transcript":")" + std::string(1000, 'x') + R"("})");
  // Each refusal parks the delivery for 5 s (of the fake clock); the third try writes the blob.
  ASSERT_TRUE(Eventually([&] { return Delivered(limited) == 1; }, 1000));
  EXPECT_EQ(gate->calls(), 3);
  EXPECT_EQ(DlqCount(), 0u);
  std::lock_guard<std::mutex> lock(limited.mu);
  EXPECT_NE(limited.delivered[0].find("\"$ref\""), std::string::npos);
}

}  // namespace
}  // namespace cxbridge::deliver
