// PartitionOwner against a real nats-server: replay, live tail, markers that a second owner
// sees, dead letters, purge below the floor.
#include "cluster/partition_owner.h"

#include <gtest/gtest.h>

#include <atomic>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

std::string Accept(const std::string& id, std::vector<std::string> routes) {
  AcceptRecordData r;
  r.ingest_ms = 1000;
  r.bus = "default";
  r.event_json = "{\"id\":\"" + id + "\"}";
  for (auto& route : routes) r.deliveries.push_back({route, "", 0, 1000, 0, "", 0});
  return EncodeAcceptRecord(r);
}

bool WaitFor(const std::function<bool()>& pred, int64_t timeout_ms) {
  const int64_t deadline = SystemClock().SteadyMs() + timeout_ms;
  while (SystemClock().SteadyMs() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class PartitionOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
    auto c = Connection::Connect(nats_->settings());
    ASSERT_TRUE(c.ok());
    conn_ = std::move(*c);
    auto j = JetStream::Create(*conn_);
    ASSERT_TRUE(j.ok());
    js_ = std::move(*j);
    JetStreamSettings s;
    s.nats = nats_->settings();
    s.replicas = 1;
    s.partitions = 2;
    ASSERT_TRUE(EnsureTopology(*js_, s, 3600'000).ok());
    auto p = AsyncPublisher::Create(*conn_, {});
    ASSERT_TRUE(p.ok());
    pub_ = std::move(*p);
  }
  uint64_t Publish(const std::string& body) {
    auto r = js_->Publish(names_.DeliverySubject(1), body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->seq : 0;
  }
  std::unique_ptr<PartitionOwner> Own() {
    PartitionOwner::Options o;
    o.purge_every_ms = 100;
    auto owner = std::make_unique<PartitionOwner>(*js_, *pub_, names_, 1, SystemClock(), o);
    EXPECT_TRUE(owner->Start([this] { ++new_events_; }).ok());
    return owner;
  }
  std::unique_ptr<testing::NatsCluster> nats_;
  Names names_{"CXB"};
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<JetStream> js_;
  std::unique_ptr<AsyncPublisher> pub_;
  std::atomic<int> new_events_{0};
};

TEST_F(PartitionOwnerTest, EmptyPartitionStartsAtOnceAndFollowsTheTail) {
  auto owner = Own();
  EXPECT_EQ(owner->pending_count(), 0u);
  Publish(Accept("e1", {"a", "b"}));
  ASSERT_TRUE(WaitFor([&] { return owner->pending_count() == 2; }, 3000));
  // on_new runs just after the state took the record in.
  EXPECT_TRUE(WaitFor([&] { return new_events_.load() >= 1; }, 3000));
}

TEST_F(PartitionOwnerTest, OutcomesReachTheNextOwnerThroughMarkers) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 50; ++i) seqs.push_back(Publish(Accept("e" + std::to_string(i), {"a", "b"})));
  auto first = Own();
  EXPECT_EQ(first->pending_count(), 100u);
  for (int i = 0; i < 50; ++i) first->Complete(seqs[i], 0);
  first->Reschedule(seqs[7], 1, 2, 99999, "HTTP_503");
  auto dlq = first->DeadLetter(seqs[8], 1, R"({"errorCode":"HTTP_400"})");
  ASSERT_TRUE(dlq.ok()) << dlq.status().ToString();
  EXPECT_EQ(first->pending_count(), 49u);
  ASSERT_TRUE(WaitFor([&] { return first->stats().markers_written > 0; }, 2000));
  first->Stop();  // the lease moves on
  ASSERT_TRUE(pub_->Drain(5000).ok());

  auto second = Own();
  EXPECT_EQ(second->pending_count(), 49u);
  second->WithPending([&](const auto& pending) {
    EXPECT_EQ(pending.count({seqs[0], 0}), 0u);
    EXPECT_EQ(pending.count({seqs[8], 1}), 0u) << "dead-lettered";
    EXPECT_EQ(pending.at({seqs[7], 1}).delivery.attempts, 2u);
    EXPECT_EQ(pending.at({seqs[7], 1}).delivery.last_error, "HTTP_503");
  });
  auto entry = js_->GetMessage(names_.dlq_stream, *dlq);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->data, R"({"errorCode":"HTTP_400"})");
}

TEST_F(PartitionOwnerTest, PurgesBelowTheFloorAndKeepsWhatIsPending) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 20; ++i) seqs.push_back(Publish(Accept("e" + std::to_string(i), {"a"})));
  auto owner = Own();
  for (int i = 0; i < 10; ++i) owner->Complete(seqs[i], 0);
  ASSERT_TRUE(WaitFor([&] { return owner->stats().purges > 0; }, 3000));
  EXPECT_EQ(js_->GetMessage(names_.deliveries_stream, seqs[9]).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(js_->GetMessage(names_.deliveries_stream, seqs[10]).ok());
  EXPECT_EQ(owner->pending_count(), 10u);
}

TEST_F(PartitionOwnerTest, ADamagedMessageIsSkippedNotFatal) {
  Publish(Accept("e1", {"a"}));
  Publish("not a record");
  Publish(Accept("e2", {"a"}));
  auto owner = Own();
  EXPECT_EQ(owner->pending_count(), 2u);
  EXPECT_EQ(owner->stats().corrupt, 1u);
}

}  // namespace
}  // namespace cxbridge::cluster
