#include "bus/pipeline.h"

#include <gtest/gtest.h>

#include "blob/claim_check.h"
#include "blob/local_blob_store.h"
#include "store/event_log.h"

#include <chrono>
#include <filesystem>
#include <fstream>
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
  auto schemas = json::Parse(R"([{"name":"n","steps":[{"copy":{"from":"$.detail.s","to":"$.source"}}]}])");
  ASSERT_TRUE(schemas.ok());
  auto compiled = Pipeline::CompileSchemas(*schemas);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  pipeline_->SetSchemas(*compiled);
  IncomingEvent e = Event("renamed-by-normalizer");
  e.event_json = R"({"id":"x","source":"renamed-by-normalizer","detail":{"s":"a"}})";
  Submit({std::move(e)});
  auto stored = StoredAtLeast(1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].targets.size(), 1u);  // routed as the normalized event
  EXPECT_NE(stored[0].event_json->find(R"("source":"a")"), std::string::npos) << *stored[0].event_json;
}


// ---- Every source kind through the same stages (source_kind.h) ----

class PipelineKindTest : public PipelineTest, public ::testing::WithParamInterface<SourceKind> {
 protected:
  // An event of the parameter's kind, carried as its source would hand it over: a document.
  IncomingEvent KindEvent(std::string detail_json) {
    IncomingEvent e;
    e.kind = GetParam();
    e.id = "x";
    e.source = "a";
    e.detail_type = "t";
    auto doc = json::Parse(
        R"({"version":"0","id":"x","detail-type":"t","source":"a","account":"123456789012",)"
        R"("time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":)" +
        detail_json + "}");
    EXPECT_TRUE(doc.ok()) << doc.status().ToString();
    e.doc = std::move(*doc);
    return e;
  }
  std::shared_ptr<const blob::ClaimCheck> Check(size_t threshold) {
    blob::ClaimCheckPolicy policy;
    policy.threshold_bytes = threshold;
    auto field = transform::JsonPath::Compile("$.detail.big");
    EXPECT_TRUE(field.ok());
    policy.fields.push_back(std::move(*field));
    auto store = blob::LocalBlobStore::Open(dir_ / "blobs");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    blobs_ = std::shared_ptr<blob::BlobStore>(std::move(*store));
    return std::make_shared<const blob::ClaimCheck>(std::move(policy), blobs_);
  }
  void UseSchemas() {
    auto schemas = json::Parse(
        R"([{"name":"n","steps":[{"copy":{"from":"$.detail.who","to":"$.detail.copied"}}],)"
        R"("require":["$.detail.who"]}])");
    ASSERT_TRUE(schemas.ok());
    auto compiled = Pipeline::CompileSchemas(*schemas);
    ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
    pipeline_->SetSchemas(*compiled);
  }
  std::shared_ptr<blob::BlobStore> blobs_;
};

TEST_P(PipelineKindTest, ClaimCheckAndNormalizationApply) {
  UseSchemas();
  IncomingEvent e = KindEvent(R"({"who":"w","big":")" + std::string(400, 'b') + R"("})");
  e.claim_check = Check(300);
  ASSERT_EQ(Submit({std::move(e)})[0].outcome, AcceptOutcome::kStored);
  auto stored = StoredAtLeast(1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, "x");  // carried, not read back from the text
  auto doc = json::Parse(*stored[0].event_json);
  ASSERT_TRUE(doc.ok());
  const json::Value* copied = doc->FindPath("detail.copied");
  ASSERT_NE(copied, nullptr) << *stored[0].event_json;  // normalized
  EXPECT_EQ(copied->as_string(), "w");
  const json::Value* big = doc->FindPath("detail.big");
  ASSERT_NE(big, nullptr);
  EXPECT_TRUE(blob::IsRef(*big)) << *stored[0].event_json;  // set aside
  EXPECT_NE(stored[0].event_json->find("\"$ref\""), std::string::npos);
  // The blob holds the payload, byte for byte.
  json::Value resolved = *doc;
  ASSERT_TRUE(blob::ResolveRefs(*blobs_, &resolved).ok());
  EXPECT_EQ(resolved.FindPath("detail.big")->as_string(), std::string(400, 'b'));
}

TEST_P(PipelineKindTest, AnEventThatCannotBeNormalizedIsQuarantinedOrStaysThere) {
  UseSchemas();
  auto r = Submit({KindEvent(R"({"nobody":1})")});
  if (Info(GetParam()).quarantine_on_failure) {
    EXPECT_EQ(r[0].outcome, AcceptOutcome::kQuarantined);
  } else {  // the quarantine's own replay: refused, not quarantined twice
    EXPECT_EQ(r[0].outcome, AcceptOutcome::kRejected);
    EXPECT_NE(r[0].reason.find("still fails normalization"), std::string::npos) << r[0].reason;
  }
}

TEST_P(PipelineKindTest, ClaimCheckReferencesAreRefusedInWhatASenderWrote) {
  const std::string forged = R"({"a":{"$ref":{"uri":"x","sha256":")" + std::string(64, '0') +
                             R"(","size":1,"contentType":"application/json"}}})";
  // As a document and as text: neither form gets a forged reference through.
  IncomingEvent as_text = KindEvent(forged);
  as_text.event_json = json::Serialize(*as_text.doc);
  as_text.doc.reset();
  auto r = Submit({KindEvent(forged), std::move(as_text)});
  for (const AcceptResult& one : r) {
    if (Info(GetParam()).sender_content) {
      EXPECT_EQ(one.outcome, AcceptOutcome::kRejected);
      EXPECT_NE(one.reason.find("claim-check reference"), std::string::npos) << one.reason;
    } else {  // events from this server's own log, archive or quarantine keep their references
      EXPECT_EQ(one.outcome, AcceptOutcome::kStored) << one.reason;
    }
  }
}

TEST_P(PipelineKindTest, ABlobStoreThatFailsIsUnavailableNotAnswered2xx) {
  IncomingEvent e = KindEvent(R"({"big":")" + std::string(400, 'b') + R"("})");
  e.claim_check = Check(300);
  // The store's root becomes a file: every write fails.
  std::filesystem::remove_all(dir_ / "blobs");
  { std::ofstream(dir_ / "blobs") << "not a folder"; }
  auto r = Submit({std::move(e)});
  EXPECT_EQ(r[0].outcome, AcceptOutcome::kUnavailable);
  EXPECT_NE(r[0].reason.find("claim check"), std::string::npos) << r[0].reason;
}

INSTANTIATE_TEST_SUITE_P(EverySourceKind, PipelineKindTest,
                         ::testing::ValuesIn([] {
                           std::vector<SourceKind> kinds;
                           for (const SourceKindInfo& k : SourceKinds()) kinds.push_back(k.kind);
                           return kinds;
                         }()),
                         [](const ::testing::TestParamInfo<SourceKind>& p) {
                           std::string n(Info(p.param).name);
                           std::erase(n, '-');
                           return n;
                         });

}  // namespace
}  // namespace cxbridge::bus
