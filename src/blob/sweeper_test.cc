#include "blob/sweeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "blob/local_blob_store.h"
#include "blob/test_util.h"

namespace cxbridge::blob {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

class SweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalBlobStore::Open(dir_.path());
    ASSERT_TRUE(s.ok());
    store_ = std::shared_ptr<LocalBlobStore>(std::move(*s));
  }
  std::string PutAged(const std::string& bytes, hours age) {
    auto ref = store_->Put(bytes, "application/json");
    EXPECT_TRUE(ref.ok());
    fs::path p = store_->PathFor(ref->sha256);
    fs::last_write_time(p, fs::last_write_time(p) - age);
    return ref->sha256;
  }
  testing::TempDir dir_;
  std::shared_ptr<LocalBlobStore> store_;
  FakeClock clock_{SystemClock().NowMs()};
};

TEST_F(SweeperTest, CollectsReferencesOncePerSweepAndDeletesTheRest) {
  std::string kept = PutAged("kept", hours(48));
  std::string orphan = PutAged("orphan", hours(48));
  std::string young = PutAged("young", hours(0));
  int collected = 0;
  Sweeper sw(
      store_,
      [&]() -> Result<std::unordered_set<std::string>> {
        ++collected;
        return std::unordered_set<std::string>{kept};
      },
      SweeperOptions{}, clock_);
  auto stats = sw.RunOnce();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(collected, 1);
  EXPECT_EQ(stats->deleted, 1u);
  EXPECT_TRUE(*store_->Exists(kept));
  EXPECT_TRUE(*store_->Exists(young));
  EXPECT_FALSE(*store_->Exists(orphan));
}

TEST_F(SweeperTest, NoReferenceScanWhenEveryBlobIsYoung) {
  std::string young = PutAged("young", hours(1));
  int collected = 0;
  Sweeper sw(
      store_,
      [&]() -> Result<std::unordered_set<std::string>> {
        ++collected;
        return std::unordered_set<std::string>{};
      },
      SweeperOptions{}, clock_);
  auto stats = sw.RunOnce();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->kept_young, 1u);
  EXPECT_EQ(collected, 0);  // the (full-database) reference scan is skipped
  EXPECT_TRUE(*store_->Exists(young));
}

TEST_F(SweeperTest, AFailedReferenceScanKeepsEveryBlob) {
  std::string old = PutAged("old", hours(48));
  Sweeper sw(
      store_, []() -> Result<std::unordered_set<std::string>> { return Status::IOError("disk"); },
      SweeperOptions{}, clock_);
  auto stats = sw.RunOnce();
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("kept every blob"), std::string::npos);
  EXPECT_TRUE(*store_->Exists(old));
}

TEST_F(SweeperTest, BackgroundThreadSweepsEveryIntervalAndStops) {
  std::string orphan = PutAged("orphan", hours(48));
  std::atomic<int> collected{0};
  SweeperOptions o;
  o.interval = std::chrono::seconds(1);
  Sweeper sw(
      store_,
      [&]() -> Result<std::unordered_set<std::string>> {
        ++collected;
        return std::unordered_set<std::string>{};
      },
      o, clock_);
  sw.Start();
  for (int i = 0; i < 100 && *store_->Exists(orphan); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(*store_->Exists(orphan));
  sw.Stop();
  EXPECT_GE(collected.load(), 1);
}

TEST(SplitRetentionTest, DefaultsOverridesAndErrors) {
  json::Value store;
  SweeperOptions o;
  auto cfg = json::Parse(R"({"type":"local","path":"/x"})");
  ASSERT_TRUE(SplitRetention(*cfg, &store, &o).ok());
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.interval, std::chrono::seconds(3600));
  EXPECT_EQ(o.grace, std::chrono::seconds(86400));
  EXPECT_EQ(json::Serialize(store), R"({"type":"local","path":"/x"})");

  cfg = json::Parse(R"({"type":"local","retention":{"enabled":false,"interval_seconds":60,"grace_seconds":600}})");
  ASSERT_TRUE(SplitRetention(*cfg, &store, &o).ok());
  EXPECT_FALSE(o.enabled);
  EXPECT_EQ(o.interval, std::chrono::seconds(60));
  EXPECT_EQ(o.grace, std::chrono::seconds(600));
  EXPECT_EQ(json::Serialize(store), R"({"type":"local"})");

  for (const char* bad : {R"({"retention":1})", R"({"retention":{"grace_seconds":10}})",
                          R"({"retention":{"interval_seconds":1.5}})", R"({"retention":{"enabled":"yes"}})",
                          R"({"retention":{"every":1}})"}) {
    cfg = json::Parse(bad);
    EXPECT_EQ(SplitRetention(*cfg, &store, &o).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace cxbridge::blob
