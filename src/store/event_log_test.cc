#include "store/event_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "store/embedded.h"
#include "store/format.h"

namespace cxbridge::store {
namespace {

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-eventlog-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    log_.reset();
    db_.reset();
    auto db = Db::Open(dir_, clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    log_ = std::make_unique<EmbeddedEventLog>(*db_, clock_, EmbeddedEventLog::Options{});
    ASSERT_TRUE(log_->Start().ok());
  }
  std::vector<AppendOutcome> AppendSync(std::vector<AppendItem> items) {
    std::promise<std::vector<AppendOutcome>> p;
    log_->Append(std::move(items), [&](std::vector<AppendOutcome> out) { p.set_value(std::move(out)); });
    return p.get_future().get();
  }
  static AppendItem Item(std::string key, std::vector<RouteId> routes = {}) {
    AppendItem i;
    i.bus = "default";
    i.event_json = R"({"id":"x"})";
    i.idempotency_key = std::move(key);
    i.dedup_ttl_ms = 60'000;
    i.routes = std::move(routes);
    return i;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<EmbeddedEventLog> log_;
};

TEST_F(EventLogTest, StoresEventsWithIncreasingSequence) {
  auto out = AppendSync({Item(""), Item("")});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, AppendOutcome::kStored);
  EXPECT_EQ(out[1].seq, out[0].seq + 1);
  auto rec = log_->Read(out[0].seq);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->event_json, R"({"id":"x"})");
}

TEST_F(EventLogTest, DuplicateKeyInSameBatchAndLaterBatch) {
  auto out = AppendSync({Item("k1"), Item("k1")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kStored);
  EXPECT_EQ(out[1].kind, AppendOutcome::kDuplicate);
  out = AppendSync({Item("k1")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kDuplicate);
  EXPECT_EQ(log_->stats().duplicates, 2u);
}

TEST_F(EventLogTest, DedupSurvivesRestartAndSequenceContinues) {
  auto first = AppendSync({Item("k1")});
  Reopen();
  auto out = AppendSync({Item("k1"), Item("k2")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kDuplicate);
  EXPECT_EQ(out[1].kind, AppendOutcome::kStored);
  EXPECT_GT(out[1].seq, first[0].seq);
}

TEST_F(EventLogTest, DedupKeyExpiresAfterTtl) {
  AppendSync({Item("k1")});
  clock_.AdvanceMs(61'000);
  auto out = AppendSync({Item("k1")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kStored);
}

TEST_F(EventLogTest, DeliveriesWrittenAtomicallyWithEvent) {
  auto out = AppendSync({Item("", {RouteId{"default", "r1", "t1"}, RouteId{"default", "r1", "t2"}})});
  EmbeddedDeliveryQueue ds(*db_, *log_);
  int n = 0;
  ASSERT_TRUE(ds.ForEachPending([&](const RouteId&, uint64_t seq, const DeliveryRecord& r) {
                  EXPECT_EQ(seq, out[0].seq);
                  EXPECT_EQ(r.attempts, 0u);
                  ++n;
                }).ok());
  EXPECT_EQ(n, 2);
}

TEST_F(EventLogTest, ConcurrentAppendersShareSyncedWrites) {
  constexpr int kThreads = 16, kPer = 50;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto out = AppendSync({Item("t" + std::to_string(t) + "-" + std::to_string(i))});
        if (out[0].kind == AppendOutcome::kStored) ++stored;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stored.load(), kThreads * kPer);
  // Group commit: fewer synced writes than events.
  EXPECT_LT(log_->stats().batches, static_cast<uint64_t>(kThreads * kPer));
}

TEST_F(EventLogTest, JobsRunInCommitterAndCanTakeSequenceNumbers) {
  std::promise<Status> p;
  uint64_t got = 0;
  log_->Run(CommitJob{[&](CommitContext& ctx) {
                        got = (*ctx.next_seq)++;
                        ctx.batch->Put(db_->events(), SeqKey(got), EncodeEventRecord({1, "default", "{}"}));
                        return Status::Ok();
                      },
                      [&](Status s) { p.set_value(s); }});
  EXPECT_TRUE(p.get_future().get().ok());
  auto out = AppendSync({Item("")});
  EXPECT_EQ(out[0].seq, got + 1);
}

TEST_F(EventLogTest, AppendAfterStopFailsWithoutLoss) {
  log_->Stop();
  auto out = AppendSync({Item("k")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kFailed);
}

TEST_F(EventLogTest, LowDiskRefusesAppendsBeforeTheDiskIsFull) {
  log_.reset();
  db_.reset();
  Db::Options dbo;
  dbo.min_free_bytes = UINT64_MAX;  // no file system has this much free
  auto db = Db::Open(dir_, clock_, dbo);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  log_ = std::make_unique<EmbeddedEventLog>(*db_, clock_, EmbeddedEventLog::Options{});
  ASSERT_TRUE(log_->Start().ok());
  auto out = AppendSync({Item("k")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kFailed);
  EXPECT_NE(out[0].error.find("nearly full"), std::string::npos);
  EXPECT_FALSE(log_->healthy());
  EXPECT_TRUE(log_->low_disk());
  // Work on accepted data needs half the floor; deletes only the database's own reserve.
  rocksdb::WriteBatch put;
  put.Put(db_->deliveries(), "k", "v");
  EXPECT_EQ(db_->Write(&put).code(), StatusCode::kResourceExhausted);
  rocksdb::WriteBatch del;
  del.Delete(db_->deliveries(), "k");
  EXPECT_TRUE(db_->Write(&del).ok());
}

}  // namespace
}  // namespace cxbridge::store
