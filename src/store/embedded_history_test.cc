#include "store/embedded_history.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cxbridge::store {
namespace {

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cxb-history-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = Db::Open(dir_.string(), clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    store_ = std::make_unique<EmbeddedHistoryStore>(*db_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  static HistoryEvent Event(uint64_t seq, std::string id, int64_t time_ms, std::vector<HistoryRoute> routes,
                            std::string source = "crm", std::string dt = "v2.detail.x") {
    return HistoryEvent{seq, std::move(id), std::move(source), std::move(dt), "default", time_ms, std::move(routes)};
  }
  static HistoryAttempt Attempt(uint64_t seq, std::string rule, std::string target, uint32_t n, std::string outcome,
                                int status = 0, std::string code = "") {
    HistoryAttempt a;
    a.seq = seq;
    a.rule = std::move(rule);
    a.target = std::move(target);
    a.number = n;
    a.time_ms = 1000 + n;
    a.outcome = std::move(outcome);
    a.http_status = status;
    a.code = std::move(code);
    a.latency_ms = 12;
    if (a.outcome == "retry") a.next_retry_ms = 5000 + n;
    return a;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<EmbeddedHistoryStore> store_;
};

TEST_F(HistoryTest, EventWithRulesAndEveryAttemptPerTarget) {
  ASSERT_TRUE(store_->Write({Event(7, "ev-7", 100, {{"r1", "crm", "https://crm"}, {"r2", "log", "file:///x"}})},
                            {}).ok());
  ASSERT_TRUE(store_->Write({}, {Attempt(7, "r1", "crm", 1, "retry", 503, "HTTP_503"),
                                 Attempt(7, "r2", "log", 1, "delivered"),
                                 Attempt(7, "r1", "crm", 2, "delivered", 200)}).ok());
  auto h = store_->Get("ev-7");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->event.source, "crm");
  EXPECT_EQ(h->state, "delivered");
  ASSERT_EQ(h->targets.size(), 2u);
  EXPECT_EQ(h->targets[0].route.target, "crm");
  ASSERT_EQ(h->targets[0].attempts.size(), 2u);
  EXPECT_EQ(h->targets[0].attempts[0].outcome, "retry");
  EXPECT_EQ(h->targets[0].attempts[0].http_status, 503);
  EXPECT_EQ(h->targets[0].attempts[0].code, "HTTP_503");
  EXPECT_EQ(h->targets[0].attempts[0].next_retry_ms, 5001);
  EXPECT_EQ(h->targets[0].attempts[0].latency_ms, 12);
  EXPECT_EQ(h->targets[0].state, "delivered");
  EXPECT_EQ(h->targets[1].state, "delivered");
  EXPECT_EQ(store_->Get("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(HistoryTest, StatesPendingDeadLetteredUnmatched) {
  ASSERT_TRUE(store_->Write({Event(1, "a", 1, {{"r", "t", ""}}), Event(2, "b", 2, {{"r", "t", ""}}),
                             Event(3, "c", 3, {})},
                            {Attempt(1, "r", "t", 1, "retry"), Attempt(2, "r", "t", 1, "dead-lettered", 400, "HTTP_400")})
                  .ok());
  EXPECT_EQ(store_->Get("a")->state, "pending");
  EXPECT_EQ(store_->Get("b")->state, "dead-lettered");
  EXPECT_EQ(store_->Get("c")->state, "unmatched");
}

TEST_F(HistoryTest, AttemptsAreBoundedFirstAndLatestKept) {
  ASSERT_TRUE(store_->Write({Event(1, "a", 1, {{"r", "t", ""}})}, {}).ok());
  for (uint32_t n = 1; n <= 60; ++n) {
    std::string long_message(5000, 'x');
    auto a = Attempt(1, "r", "t", n, "retry", 500, "HTTP_500");
    a.message = long_message;
    ASSERT_TRUE(store_->Write({}, {a}).ok());
  }
  auto h = store_->Get("a");
  ASSERT_TRUE(h.ok());
  const auto& at = h->targets.at(0).attempts;
  ASSERT_EQ(at.size(), kFirstAttemptsKept + kLatestAttemptsKept);
  EXPECT_EQ(at[0].number, 1u);
  EXPECT_EQ(at[2].number, 3u);
  EXPECT_EQ(at[3].number, 60u - kLatestAttemptsKept + 1);
  EXPECT_EQ(at.back().number, 60u);
  EXPECT_EQ(h->targets[0].omitted, 60u - at.size());
  EXPECT_LE(at[0].message.size(), kMaxMessageBytes + 4);
}

TEST_F(HistoryTest, FindNewestFirstWithFilters) {
  std::vector<HistoryEvent> evs;
  for (uint64_t i = 1; i <= 10; ++i) {
    evs.push_back(Event(i, "e" + std::to_string(i), static_cast<int64_t>(i * 100), {{i % 2 ? "odd" : "even", "t", ""}},
                        i <= 5 ? "crm" : "genesys", i % 3 ? "v2.users" : "v2.conversations"));
  }
  ASSERT_TRUE(store_->Write(evs, {Attempt(4, "even", "t", 1, "delivered")}).ok());
  HistoryQuery q;
  q.limit = 3;
  auto r = store_->Find(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].event.id, "e10");
  EXPECT_EQ((*r)[2].event.id, "e8");
  q = HistoryQuery{};
  q.source = "crm";
  q.detail_type_prefix = "v2.c";
  r = store_->Find(q);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].event.id, "e3");
  q = HistoryQuery{};
  q.rule = "even";
  q.state = "delivered";
  r = store_->Find(q);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].event.id, "e4");
  q = HistoryQuery{};
  q.from_ms = 300;
  q.to_ms = 500;
  r = store_->Find(q);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].event.id, "e5");
  q = HistoryQuery{};
  q.after_seq = 8;
  r = store_->Find(q);
  ASSERT_EQ(r->size(), 2u);
}

TEST_F(HistoryTest, RetentionForgetsOlderEventsAndTheirAttempts) {
  ASSERT_TRUE(store_->Write({Event(1, "old", 100, {{"r", "t", ""}}), Event(2, "new", 900, {{"r", "t", ""}})},
                            {Attempt(1, "r", "t", 1, "delivered"), Attempt(2, "r", "t", 1, "delivered")})
                  .ok());
  ASSERT_TRUE(store_->DeleteBefore(500).ok());
  EXPECT_EQ(store_->Get("old").status().code(), StatusCode::kNotFound);
  auto h = store_->Get("new");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->targets[0].attempts.size(), 1u);
  auto all = store_->Find(HistoryQuery{});
  EXPECT_EQ(all->size(), 1u);
}

}  // namespace
}  // namespace cxbridge::store
