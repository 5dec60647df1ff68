// The storage contract suite: what every storage engine must do (storage.h, resource_store.h,
// archive_store.h), as typed tests. Instantiate it for an engine type (testing/engines.h says
// what an engine provides):
//   INSTANTIATE_TYPED_TEST_SUITE_P(Mine, StorageContract, ::testing::Types<MyEngine>);
// and, for a wrapper with Faults, StorageFaultContract too. storage_contract_test.cc runs both
// for the embedded engine and for the fault-injecting wrapper around it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/clock.h"
#include "store/fault_injecting.h"
#include "store/queue_store.h"
#include "store/storage.h"

namespace cxbridge::store::testing {

template <typename Engine>
class StorageContractBase : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-contract-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    for (char& c : dir_) {
      if (c == '<' || c == '>' || c == ',' || c == ' ') c = '_';
    }
    std::filesystem::remove_all(dir_);
    engine_ = std::make_unique<Engine>(clock_, dir_);
    ASSERT_TRUE(engine_->Open().ok());
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Restart() {
    engine_->Close();
    ASSERT_TRUE(engine_->Open().ok());
  }

  std::vector<AppendOutcome> Append(std::vector<AppendItem> items) {
    std::promise<std::vector<AppendOutcome>> p;
    auto f = p.get_future();
    engine_->log().Append(std::move(items), [&p](std::vector<AppendOutcome> out) { p.set_value(std::move(out)); });
    return f.get();
  }
  static AppendItem Item(std::string key, std::string id = "e", std::vector<RouteId> routes = {}) {
    AppendItem i;
    i.bus = "default";
    i.event_id = id;
    i.event_json = R"({"id":")" + id + R"("})";
    i.idempotency_key = std::move(key);
    i.dedup_ttl_ms = 60'000;
    i.routes = std::move(routes);
    return i;
  }
  // Every stored event's id field, in seq order.
  std::vector<std::string> StoredJson() {
    std::vector<std::string> out;
    EXPECT_TRUE(engine_->log()
                    .ReadFrom(0,
                              [&](uint64_t, const EventRecord& r) {
                                out.push_back(r.event_json);
                                return true;
                              })
                    .ok());
    return out;
  }
  std::vector<std::pair<RouteId, uint64_t>> Pending() {
    std::vector<std::pair<RouteId, uint64_t>> out;
    EXPECT_TRUE(engine_->deliveries()
                    .ForEachPending([&](const RouteId& r, uint64_t seq, const DeliveryRecord&) {
                      out.emplace_back(r, seq);
                    })
                    .ok());
    std::sort(out.begin(), out.end());
    return out;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

template <typename Engine>
class StorageContract : public StorageContractBase<Engine> {};
TYPED_TEST_SUITE_P(StorageContract);

// --- EventLog ---

TYPED_TEST_P(StorageContract, AppendAnswersOncePerItemInOrderWithGrowingSequences) {
  auto out = this->Append({this->Item("", "a"), this->Item("", "b"), this->Item("", "c")});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) EXPECT_EQ(o.kind, AppendOutcome::kStored);
  EXPECT_LT(out[0].seq, out[1].seq);
  EXPECT_LT(out[1].seq, out[2].seq);
  auto rec = this->engine_->log().Read(out[1].seq);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->event_json, R"({"id":"b"})");
  EXPECT_EQ(rec->bus, "default");
  EXPECT_EQ(this->engine_->log().Read(out[2].seq + 1000).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StorageContract, StoredEventSurvivesRestartAndSequencesAreNeverReused) {
  auto first = this->Append({this->Item("k1", "a")});
  ASSERT_EQ(first[0].kind, AppendOutcome::kStored);
  this->Restart();
  auto rec = this->engine_->log().Read(first[0].seq);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->event_json, R"({"id":"a"})");
  auto next = this->Append({this->Item("", "b")});
  EXPECT_GT(next[0].seq, first[0].seq);
}

TYPED_TEST_P(StorageContract, DuplicateKeysWriteNothingWithinABatchLaterAndAfterRestart) {
  auto out = this->Append({this->Item("k1", "a"), this->Item("k1", "a2")});
  EXPECT_EQ(out[0].kind, AppendOutcome::kStored);
  EXPECT_EQ(out[1].kind, AppendOutcome::kDuplicate);
  EXPECT_EQ(this->Append({this->Item("k1", "a3")})[0].kind, AppendOutcome::kDuplicate);
  this->Restart();
  EXPECT_EQ(this->Append({this->Item("k1", "a4")})[0].kind, AppendOutcome::kDuplicate);
  EXPECT_EQ(this->StoredJson(), (std::vector<std::string>{R"({"id":"a"})"}));
}

TYPED_TEST_P(StorageContract, DedupClaimExpiresAfterItsTtl) {
  EXPECT_EQ(this->Append({this->Item("k1", "a")})[0].kind, AppendOutcome::kStored);
  this->clock_.AdvanceMs(59'000);
  EXPECT_EQ(this->Append({this->Item("k1", "b")})[0].kind, AppendOutcome::kDuplicate);
  this->clock_.AdvanceMs(2'000);
  EXPECT_EQ(this->Append({this->Item("k1", "c")})[0].kind, AppendOutcome::kStored);
}

TYPED_TEST_P(StorageContract, AppendCreatesOneDeliveryPerRoute) {
  const RouteId r1{"default", "r", "t1"}, r2{"default", "r", "t2"};
  auto out = this->Append({this->Item("", "a", {r1, r2}), this->Item("", "b")});
  auto pending = this->Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0], std::make_pair(r1, out[0].seq));
  EXPECT_EQ(pending[1], std::make_pair(r2, out[0].seq));
  auto ev = this->engine_->deliveries().GetEvent(out[0].seq);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->event_json, R"({"id":"a"})");
}

TYPED_TEST_P(StorageContract, QuarantinedItemIsKeptInTheQuarantineNotTheLog) {
  AppendItem q = this->Item("kq", "q", {RouteId{"default", "r", "t"}});
  q.quarantine_id = DlqId(this->clock_.NowMs(), 0) + "-x";
  q.quarantine_record = R"({"reason":"no rule set","event":{"id":"q"}})";
  auto out = this->Append({q});
  EXPECT_EQ(out[0].kind, AppendOutcome::kQuarantined);
  EXPECT_TRUE(this->StoredJson().empty());
  EXPECT_TRUE(this->Pending().empty());
  auto list = this->engine_->deliveries().ListQuarantine("", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, q.quarantine_id);
  EXPECT_EQ(this->engine_->deliveries().GetQuarantine(q.quarantine_id)->json, q.quarantine_record);
  // Its key is claimed all the same.
  EXPECT_EQ(this->Append({this->Item("kq", "q")})[0].kind, AppendOutcome::kDuplicate);
  ASSERT_TRUE(this->engine_->deliveries().DeleteQuarantine(q.quarantine_id).ok());
  EXPECT_EQ(this->engine_->deliveries().GetQuarantine(q.quarantine_id).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StorageContract, ConcurrentAppendsShareDurableWrites) {
  constexpr int kThreads = 8, kPer = 40;
  const uint64_t before = this->engine_->log().stats().batches;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto out = this->Append({this->Item("t" + std::to_string(t) + "-" + std::to_string(i))});
        if (out[0].kind == AppendOutcome::kStored) {
          ++stored;
          std::lock_guard<std::mutex> lock(mu);
          seqs.insert(out[0].seq);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stored.load(), kThreads * kPer);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPer));  // no sequence given twice
  EXPECT_LT(this->engine_->log().stats().batches - before, static_cast<uint64_t>(kThreads * kPer));
  EXPECT_TRUE(this->engine_->log().healthy());
}

TYPED_TEST_P(StorageContract, TrimDeletesOnlyOldEventsBelowTheFloor) {
  auto a = this->Append({this->Item("", "a")});
  this->clock_.AdvanceMs(10'000);
  auto b = this->Append({this->Item("", "b"), this->Item("", "c")});
  // Floor below c: a (old) goes, b (new) stays.
  auto n = this->engine_->log().Trim(b[1].seq, this->clock_.NowMs() - 5'000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(this->engine_->log().Read(a[0].seq).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(this->engine_->log().Read(b[0].seq).ok());
  EXPECT_TRUE(this->engine_->log().Read(b[1].seq).ok());
}

// --- DedupStore ---

TYPED_TEST_P(StorageContract, DedupClaimIsFirstOnceAndSharedWithTheLog) {
  auto& d = this->engine_->dedup();
  EXPECT_EQ(*d.Claim("src/k1", 60'000), DedupStore::kFirst);
  EXPECT_EQ(*d.Claim("src/k1", 60'000), DedupStore::kDuplicate);
  // The log's claims and DedupStore's are the same claims.
  EXPECT_EQ(this->Append({this->Item("src/k1")})[0].kind, AppendOutcome::kDuplicate);
  EXPECT_EQ(this->Append({this->Item("src/k2")})[0].kind, AppendOutcome::kStored);
  EXPECT_EQ(*d.Claim("src/k2", 60'000), DedupStore::kDuplicate);
  this->Restart();
  EXPECT_EQ(*this->engine_->dedup().Claim("src/k1", 60'000), DedupStore::kDuplicate);
  this->clock_.AdvanceMs(61'000);
  EXPECT_EQ(*this->engine_->dedup().Claim("src/k1", 60'000), DedupStore::kFirst);
}

TYPED_TEST_P(StorageContract, ConcurrentClaimsOfOneKeyHaveExactlyOneFirst) {
  std::atomic<int> first{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = this->engine_->dedup().Claim("race", 60'000);
      if (r.ok() && *r == DedupStore::kFirst) ++first;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(first.load(), 1);
}

// --- DeliveryQueue ---

TYPED_TEST_P(StorageContract, AckRetryAtAndDeadLetterChangeThePendingSet) {
  const RouteId r1{"default", "r", "t1"}, r2{"default", "r", "t2"}, r3{"b2", "r", "t3"};
  auto out = this->Append({this->Item("", "a", {r1, r2, r3})});
  const uint64_t seq = out[0].seq;
  auto& q = this->engine_->deliveries();
  ASSERT_TRUE(q.Ack(r1, seq).ok());
  ASSERT_TRUE(q.RetryAt(r2, seq, DeliveryRecord{3, 100, 5000, "HTTP_503: busy"}).ok());
  const std::string id = DlqId(this->clock_.NowMs(), seq) + "-1";
  ASSERT_TRUE(q.DeadLetter(r3, seq, DlqEntry{id, R"({"id":")" + id + R"(","event":{"id":"a"}})"}).ok());
  this->Restart();
  auto& q2 = this->engine_->deliveries();
  std::vector<std::pair<RouteId, DeliveryRecord>> pending;
  ASSERT_TRUE(q2.ForEachPending([&](const RouteId& r, uint64_t s, const DeliveryRecord& d) {
                  EXPECT_EQ(s, seq);
                  pending.emplace_back(r, d);
                }).ok());
  // A lost Ack may repeat a delivery, but r3's dead letter is durable and removed it.
  for (const auto& [r, d] : pending) EXPECT_NE(r, r3);
  bool saw_r2 = false;
  for (const auto& [r, d] : pending) {
    if (r == r2) {
      saw_r2 = true;
      EXPECT_EQ(d.attempts, 3u);
      EXPECT_EQ(d.next_due_ms, 5000);
      EXPECT_EQ(d.last_error, "HTTP_503: busy");
    }
  }
  EXPECT_TRUE(saw_r2);
  EXPECT_EQ(*q2.CountDlq(), 1u);
  auto got = q2.GetDlq(id);
  ASSERT_TRUE(got.ok());
  EXPECT_NE(got->json.find(R"("event":{"id":"a"})"), std::string::npos);
  EXPECT_EQ(q2.GetDlq("nope").status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StorageContract, DeadLettersListInIdOrderPageByPage) {
  auto& q = this->engine_->deliveries();
  const RouteId r{"default", "r", "t"};
  std::vector<std::string> ids;
  for (uint64_t s = 1; s <= 5; ++s) {
    ids.push_back(DlqId(1000 + static_cast<int64_t>(s), s));
    ASSERT_TRUE(q.DeadLetter(r, s, DlqEntry{ids.back(), "{}"}).ok());
  }
  auto page1 = q.ListDlq("", 2);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].id, ids[0]);
  auto page2 = q.ListDlq(page1->back().id, 10);
  ASSERT_EQ(page2->size(), 3u);
  EXPECT_EQ((*page2)[2].id, ids[4]);
  EXPECT_EQ(*q.CountDlq(), 5u);
}

TYPED_TEST_P(StorageContract, EnqueueRedrivesADeadLetterInOneDurableWrite) {
  const RouteId r{"default", "r", "t"};
  auto out = this->Append({this->Item("", "a", {r})});
  auto& q = this->engine_->deliveries();
  const std::string id = DlqId(this->clock_.NowMs(), out[0].seq);
  ASSERT_TRUE(q.DeadLetter(r, out[0].seq, DlqEntry{id, "{}"}).ok());
  EXPECT_TRUE(this->Pending().empty());
  auto seq = q.Enqueue(r, "default", R"({"id":"a"})", this->clock_.NowMs(), id);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_GT(*seq, out[0].seq);
  this->Restart();
  EXPECT_EQ(this->Pending(), (std::vector<std::pair<RouteId, uint64_t>>{{r, *seq}}));
  EXPECT_EQ(*this->engine_->deliveries().CountDlq(), 0u);
  EXPECT_EQ(this->engine_->deliveries().GetEvent(*seq)->event_json, R"({"id":"a"})");
  // A plain enqueue (no dead letter to remove): the console's redeliver.
  auto again = this->engine_->deliveries().Enqueue(r, "default", R"({"id":"b"})", this->clock_.NowMs(), "");
  ASSERT_TRUE(again.ok());
  EXPECT_GT(*again, *seq);
  // Sequence numbers are shared with the log's appends.
  EXPECT_GT(this->Append({this->Item("", "c")})[0].seq, *again);
}

// --- ResourceStore ---

TYPED_TEST_P(StorageContract, ResourcesPutGetListDeleteAcrossRestart) {
  auto& rs = this->engine_->resources();
  ASSERT_TRUE(rs.Put("rule", "b", R"({"n":2})").ok());
  ASSERT_TRUE(rs.Put("rule", "a", R"({"n":1})").ok());
  ASSERT_TRUE(rs.Put("bus", "x", "{}").ok());
  this->Restart();
  auto& rs2 = this->engine_->resources();
  auto list = rs2.List("rule");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[1].value, R"({"n":2})");
  EXPECT_EQ(rs2.Get("rule", "b")->value, R"({"n":2})");
  ASSERT_TRUE(rs2.Delete("rule", "a").ok());
  EXPECT_EQ(rs2.Get("rule", "a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(rs2.Delete("rule", "never").ok());
  EXPECT_EQ(rs2.List("rule")->size(), 1u);
}

TYPED_TEST_P(StorageContract, ResourceRevisionsStopConcurrentOverwrites) {
  auto& rs = this->engine_->resources();
  auto r1 = rs.Put("rule", "a", "v1", kNoRevision);  // create
  ASSERT_TRUE(r1.ok());
  EXPECT_GT(*r1, 0u);
  EXPECT_EQ(rs.Put("rule", "a", "again", kNoRevision).status().code(), StatusCode::kFailedPrecondition);
  // Two writers read revision r1; the first wins, the second is told, and nothing is lost.
  auto r2 = rs.Put("rule", "a", "writer 1", *r1);
  ASSERT_TRUE(r2.ok());
  EXPECT_GT(*r2, *r1);
  EXPECT_EQ(rs.Put("rule", "a", "writer 2", *r1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(rs.Get("rule", "a")->value, "writer 1");
  EXPECT_EQ(rs.Get("rule", "a")->revision, *r2);
  EXPECT_EQ(rs.Delete("rule", "a", *r1).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(rs.Get("rule", "a").ok());
  // Revisions grow across kinds and restarts.
  auto other = rs.Put("bus", "b", "{}");
  EXPECT_GT(*other, *r2);
  this->Restart();
  auto& rs2 = this->engine_->resources();
  EXPECT_EQ(rs2.Get("rule", "a")->revision, *r2);
  auto r3 = rs2.Put("rule", "a", "v3", *r2);
  ASSERT_TRUE(r3.ok());
  EXPECT_GT(*r3, *other);
  ASSERT_TRUE(rs2.Delete("rule", "a", *r3).ok());
  EXPECT_TRUE(rs2.Put("rule", "a", "re-created", kNoRevision).ok());
}

TYPED_TEST_P(StorageContract, ConcurrentCreatesOfOneResourceHaveOneWinner) {
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (this->engine_->resources().Put("rule", "x", std::to_string(t), kNoRevision).ok()) ++won;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), 1);
}

// --- ArchiveStore ---

TYPED_TEST_P(StorageContract, ArchiveScansAWindowInTimeOrder) {
  auto& as = this->engine_->archives();
  ASSERT_TRUE(as.Append("a1", 3000, R"({"t":3})").ok());
  ASSERT_TRUE(as.Append("a1", 1000, R"({"t":1})").ok());
  ASSERT_TRUE(as.Append("a1", 2000, R"({"t":2})").ok());
  ASSERT_TRUE(as.Append("a10", 2000, R"({"other":1})").ok());
  this->Restart();
  auto& as2 = this->engine_->archives();
  std::vector<std::string> seen;
  ASSERT_TRUE(as2.Scan("a1", 1000, 3000, [&](int64_t, std::string_view j) {
                   seen.emplace_back(j);
                   return true;
                 }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({"t":1})", R"({"t":2})"}));
  EXPECT_EQ(*as2.Count("a1"), 3u);
  ASSERT_TRUE(as2.DeleteBefore("a1", 2500).ok());
  EXPECT_EQ(*as2.Count("a1"), 1u);
  EXPECT_EQ(*as2.Count("a10"), 1u);
  ASSERT_TRUE(as2.DeleteBefore("a1", INT64_MAX).ok());
  EXPECT_EQ(*as2.Count("a1"), 0u);
}

// --- QueueStore ---

TYPED_TEST_P(StorageContract, QueueWritesApplyTogetherAndScanInKeyOrderAcrossRestart) {
  auto& qs = this->engine_->queues();
  QueueWrite w;
  w.Put("mq/b", "2");
  w.Put("mq/a", "1");
  w.Put("mr/a", "other queue");
  w.Put("s", "seq");
  ASSERT_TRUE(qs.Write(w).ok());
  ASSERT_TRUE(qs.Sync().ok());
  QueueWrite w2;
  w2.Delete("s");
  w2.Put("mq/c", "3");
  ASSERT_TRUE(qs.WriteSynced(w2).ok());
  this->Restart();
  auto& qs2 = this->engine_->queues();
  std::vector<std::string> seen;
  ASSERT_TRUE(qs2.Scan(std::string("mq/"), [&](std::string_view k, std::string_view v) {
                   seen.push_back(std::string(k.substr(3)) + "=" + std::string(v));
                   return true;
                 }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2", "c=3"}));
  EXPECT_EQ(qs2.Get("s").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*qs2.Get(std::string("mr/a", 4)), "other queue");
  QueueWrite purge;
  purge.DeleteRange(std::string("mq/"), std::string("mq0"));
  ASSERT_TRUE(qs2.WriteSynced(purge).ok());
  size_t left = 0;
  ASSERT_TRUE(qs2.Scan("m", [&](std::string_view, std::string_view) { return ++left, true; }).ok());
  EXPECT_EQ(left, 1u);
}

REGISTER_TYPED_TEST_SUITE_P(StorageContract, AppendAnswersOncePerItemInOrderWithGrowingSequences,
                            StoredEventSurvivesRestartAndSequencesAreNeverReused,
                            DuplicateKeysWriteNothingWithinABatchLaterAndAfterRestart,
                            DedupClaimExpiresAfterItsTtl, AppendCreatesOneDeliveryPerRoute,
                            QuarantinedItemIsKeptInTheQuarantineNotTheLog, ConcurrentAppendsShareDurableWrites,
                            TrimDeletesOnlyOldEventsBelowTheFloor, DedupClaimIsFirstOnceAndSharedWithTheLog,
                            ConcurrentClaimsOfOneKeyHaveExactlyOneFirst,
                            AckRetryAtAndDeadLetterChangeThePendingSet, DeadLettersListInIdOrderPageByPage,
                            EnqueueRedrivesADeadLetterInOneDurableWrite, ResourcesPutGetListDeleteAcrossRestart,
                            ResourceRevisionsStopConcurrentOverwrites, ConcurrentCreatesOfOneResourceHaveOneWinner,
                            ArchiveScansAWindowInTimeOrder, QueueWritesApplyTogetherAndScanInKeyOrderAcrossRestart);

// --- Under faults (engines with Faults) ---

template <typename Engine>
class StorageFaultContract : public StorageContractBase<Engine> {
 protected:
  Faults& faults() { return *this->engine_->faults(); }
};
TYPED_TEST_SUITE_P(StorageFaultContract);

// A failed fsync: nothing is acknowledged, the log refuses until it recovers, and the senders'
// retries then store every event exactly once — nothing lost, nothing doubled (keyed events).
TYPED_TEST_P(StorageFaultContract, FailedSyncAcknowledgesNothingAndTheRetriesLoseNothing) {
  auto ok = this->Append({this->Item("k0", "before")});
  ASSERT_EQ(ok[0].kind, AppendOutcome::kStored);
  this->faults().Set(Faults::kFailSync);
  auto failed = this->Append({this->Item("k1", "e1"), this->Item("k2", "e2")});
  for (const auto& o : failed) {
    EXPECT_EQ(o.kind, AppendOutcome::kFailed);
    EXPECT_FALSE(o.error.empty());
  }
  EXPECT_FALSE(this->engine_->log().healthy());
  // Until it recovers, appends fail without writing.
  auto refused = this->Append({this->Item("k3", "e3")});
  EXPECT_EQ(refused[0].kind, AppendOutcome::kFailed);
  this->faults().Heal();
  EXPECT_TRUE(this->engine_->log().healthy());
  // The senders retry (same keys): each event is stored or reported a duplicate of the copy
  // whose bytes landed — either way exactly one copy exists.
  auto retried = this->Append({this->Item("k1", "e1"), this->Item("k2", "e2"), this->Item("k3", "e3")});
  for (const auto& o : retried) {
    EXPECT_TRUE(o.kind == AppendOutcome::kStored || o.kind == AppendOutcome::kDuplicate) << o.kind;
  }
  this->Restart();
  auto stored = this->StoredJson();
  std::multiset<std::string> ids(stored.begin(), stored.end());
  for (const char* id : {"before", "e1", "e2", "e3"}) {
    EXPECT_EQ(ids.count(R"({"id":")" + std::string(id) + R"("})"), 1u) << id;
  }
}

TYPED_TEST_P(StorageFaultContract, FullDiskFailsFastWritesNothingAndRecovers) {
  this->faults().Set(Faults::kDiskFull);
  auto out = this->Append({this->Item("k1", "e1", {RouteId{"default", "r", "t"}})});
  EXPECT_EQ(out[0].kind, AppendOutcome::kFailed);
  EXPECT_TRUE(this->engine_->log().low_disk());
  EXPECT_FALSE(this->engine_->log().healthy());
  EXPECT_FALSE(this->engine_->resources().Put("rule", "a", "{}").ok());
  EXPECT_FALSE(this->engine_->archives().Append("a", 1, "{}").ok());
  EXPECT_FALSE(this->engine_->dedup().Claim("k9", 1000).ok());
  QueueWrite w;
  w.Put("q1", "x");
  EXPECT_FALSE(this->engine_->queues().Write(w).ok());
  EXPECT_EQ(this->engine_->queues().Get("q1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(this->StoredJson().empty());
  EXPECT_TRUE(this->Pending().empty());
  EXPECT_EQ(this->engine_->resources().Get("rule", "a").status().code(), StatusCode::kNotFound);
  this->faults().Heal();
  EXPECT_TRUE(this->engine_->log().healthy());
  EXPECT_EQ(this->Append({this->Item("k1", "e1")})[0].kind, AppendOutcome::kStored);  // not claimed before
}

TYPED_TEST_P(StorageFaultContract, SlowSyncDelaysAnswersAndGroupsTheAppendsThatWait) {
  this->faults().Set(Faults::kSlowSync, 40);
  const uint64_t before = this->engine_->log().stats().batches;
  const auto start = std::chrono::steady_clock::now();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        if (this->Append({this->Item("s" + std::to_string(t) + "-" + std::to_string(i))})[0].kind ==
            AppendOutcome::kStored) {
          ++stored;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(stored.load(), kThreads * 3);
  EXPECT_GE(ms, 3 * 40);  // each sender waited for three slow syncs at least
  // 24 appends, each write held 40 ms: the ones that waited shared the next write.
  EXPECT_LT(this->engine_->log().stats().batches - before, static_cast<uint64_t>(kThreads * 3));
  EXPECT_TRUE(this->engine_->log().healthy());
}

TYPED_TEST_P(StorageFaultContract, FailedSyncOfADeadLetterKeepsTheDelivery) {
  const RouteId r{"default", "r", "t"};
  auto out = this->Append({this->Item("", "a", {r})});
  this->faults().Set(Faults::kDiskFull);
  EXPECT_FALSE(this->engine_->deliveries().DeadLetter(r, out[0].seq, DlqEntry{DlqId(1, out[0].seq), "{}"}).ok());
  this->faults().Heal();
  // The delivery is still pending (the scheduler retries the dead-lettering later).
  EXPECT_EQ(this->Pending(), (std::vector<std::pair<RouteId, uint64_t>>{{r, out[0].seq}}));
  EXPECT_EQ(*this->engine_->deliveries().CountDlq(), 0u);
}

REGISTER_TYPED_TEST_SUITE_P(StorageFaultContract, FailedSyncAcknowledgesNothingAndTheRetriesLoseNothing,
                            FullDiskFailsFastWritesNothingAndRecovers,
                            SlowSyncDelaysAnswersAndGroupsTheAppendsThatWait,
                            FailedSyncOfADeadLetterKeepsTheDelivery);

}  // namespace cxbridge::store::testing
