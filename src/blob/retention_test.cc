#include "blob/retention.h"

#include <gtest/gtest.h>

#include <set>

#include "blob/local_blob_store.h"
#include "blob/test_util.h"

namespace cxbridge::blob {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;

class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalBlobStore::Open(dir_.path());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  std::string PutAged(const std::string& bytes, hours age) {
    auto ref = store_->Put(bytes, "application/json");
    EXPECT_TRUE(ref.ok());
    fs::path p = store_->PathFor(ref->sha256);
    fs::last_write_time(p, fs::last_write_time(p) - age);
    return ref->sha256;
  }
  testing::TempDir dir_;
  std::unique_ptr<LocalBlobStore> store_;
  FakeClock clock_{SystemClock().NowMs()};
};

TEST_F(SweepTest, DeletesOnlyOldUnreferencedBlobs) {
  std::string referenced = PutAged("referenced", hours(48));
  std::string orphan = PutAged("orphan", hours(48));
  std::string young = PutAged("young", hours(0));
  std::set<std::string> asked;
  auto stats = Sweep(
      *store_,
      [&](std::string_view sha) {
        asked.insert(std::string(sha));
        return sha == referenced;
      },
      hours(24), clock_);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->scanned, 3u);
  EXPECT_EQ(stats->kept_young, 1u);
  EXPECT_EQ(stats->kept_referenced, 1u);
  EXPECT_EQ(stats->deleted, 1u);
  EXPECT_EQ(stats->deleted_bytes, std::string("orphan").size());
  EXPECT_EQ(stats->errors, 0u);
  EXPECT_TRUE(*store_->Exists(referenced));
  EXPECT_TRUE(*store_->Exists(young));
  EXPECT_FALSE(*store_->Exists(orphan));
  // The young blob's event may not be logged yet: it is not even asked about.
  EXPECT_EQ(asked, (std::set<std::string>{referenced, orphan}));
}

TEST_F(SweepTest, AReferenceCheckErrorKeepsTheBlob) {
  std::string a = PutAged("a", hours(48));
  auto stats = Sweep(
      *store_, [](std::string_view) -> Result<bool> { return Status::Unavailable("db busy"); },
      hours(1), clock_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->errors, 1u);
  EXPECT_EQ(stats->deleted, 0u);
  EXPECT_TRUE(*store_->Exists(a));
}

TEST_F(SweepTest, ARepeatedPutRestartsTheGracePeriod) {
  std::string sha = PutAged("popular payload", hours(48));
  // A new event claims the same bytes: the blob must survive until that event is logged.
  ASSERT_TRUE(store_->Put("popular payload", "application/json").ok());
  auto stats = Sweep(*store_, [](std::string_view) { return false; }, hours(1), clock_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->kept_young, 1u);
  EXPECT_TRUE(*store_->Exists(sha));
}

TEST_F(SweepTest, AdvancingTheClockMakesBlobsEligible) {
  std::string sha = PutAged("later", hours(0));
  auto first = Sweep(*store_, [](std::string_view) { return false; }, hours(1), clock_);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->deleted, 0u);
  clock_.AdvanceMs(2 * 3600 * 1000);
  auto second = Sweep(*store_, [](std::string_view) { return false; }, hours(1), clock_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deleted, 1u);
  EXPECT_FALSE(*store_->Exists(sha));
}

}  // namespace
}  // namespace cxbridge::blob
