// Membership and balancing between real "nodes" (own connections, one process) on a real
// nats-server: shares even out as nodes join, and a crashed node's partitions are taken over.
#include "cluster/balancer.h"

#include <gtest/gtest.h>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

constexpr int kPartitions = 8;
constexpr int64_t kLeaseMs = 3000;  // generous: KV calls on a loaded CI machine

struct Node {
  // What on_partition writes: declared first, so it outlives everything that may call it.
  std::mutex mu;
  std::set<int> running;  // partitions this node runs (from on_partition)
  std::unique_ptr<Connection> conn;
  std::unique_ptr<JetStream> js;
  std::unique_ptr<KeyValue> leases_kv, nodes_kv;
  std::unique_ptr<Leases> leases;
  std::unique_ptr<Balancer> balancer;
  ~Node() {
    if (balancer) balancer->Stop();  // before its Leases, which call back into it
    if (leases) leases->Stop();
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return running.size();
  }
};

bool WaitFor(const std::function<bool()>& pred, int64_t timeout_ms) {
  const int64_t deadline = SystemClock().SteadyMs() + timeout_ms;
  while (SystemClock().SteadyMs() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

class BalancerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
  }
  std::unique_ptr<Node> Start(const std::string& id) {
    auto n = std::make_unique<Node>();
    auto conn = Connection::Connect(nats_->settings());
    EXPECT_TRUE(conn.ok());
    n->conn = std::move(*conn);
    auto js = JetStream::Create(*n->conn, 450);
    EXPECT_TRUE(js.ok());
    n->js = std::move(*js);
    auto l = KeyValue::Ensure(*n->js, KvSpec{"leases", 1, 0, 1, -1});
    auto m = KeyValue::Ensure(*n->js, KvSpec{"nodes", 1, 15000, 1, -1});
    EXPECT_TRUE(l.ok() && m.ok());
    n->leases_kv = std::move(*l);
    n->nodes_kv = std::move(*m);
    n->leases =
        std::make_unique<Leases>(*n->leases_kv, SystemClock(), Leases::Options{id, kLeaseMs, 900});
    EXPECT_TRUE(n->leases->Start().ok());
    Balancer::Options bo;
    bo.partitions = kPartitions;
    bo.heartbeat_ms = 300;
    bo.dead_after_ms = 1500;
    bo.rebalance_ms = 200;
    Node* raw = n.get();
    n->balancer = std::make_unique<Balancer>(*n->nodes_kv, *n->leases, SystemClock(), bo,
                                             [raw](int p, bool held) {
                                               std::lock_guard<std::mutex> lock(raw->mu);
                                               if (held)
                                                 raw->running.insert(p);
                                               else
                                                 raw->running.erase(p);
                                             });
    EXPECT_TRUE(n->balancer->Start().ok());
    return n;
  }
  std::unique_ptr<testing::NatsCluster> nats_;
};

TEST_F(BalancerTest, SharesEvenOutAndACrashedNodesPartitionsAreTakenOver) {
  auto a = Start("node-a");
  ASSERT_TRUE(WaitFor([&] { return a->count() == kPartitions; }, 10000)) << a->count();
  auto b = Start("node-b");
  ASSERT_TRUE(WaitFor([&] { return a->count() == 4 && b->count() == 4; }, 15000))
      << "a " << a->count() << " b " << b->count();
  // Never both running one partition.
  {
    std::lock_guard<std::mutex> la(a->mu), lb(b->mu);
    for (int p : a->running) EXPECT_EQ(b->running.count(p), 0u) << p;
  }
  auto c = Start("node-c");
  ASSERT_TRUE(WaitFor(
      [&] {
        return a->count() + b->count() + c->count() == kPartitions && a->count() <= 3 &&
               b->count() <= 3 && c->count() <= 3;
      },
      15000))
      << a->count() << "/" << b->count() << "/" << c->count();
  // C crashes: its partitions move to A and B after the lease time.
  const int64_t crashed = SystemClock().SteadyMs();
  c->balancer->Halt();
  c->leases->Halt();
  ASSERT_TRUE(WaitFor([&] { return a->count() + b->count() == kPartitions; }, 15000))
      << a->count() << "/" << b->count();
  EXPECT_GE(SystemClock().SteadyMs() - crashed, kLeaseMs - 900);
  // B leaves cleanly: A runs everything.
  b->balancer->Stop();
  b->leases->Stop();
  EXPECT_TRUE(WaitFor([&] { return a->count() == kPartitions; }, 15000)) << a->count();
}

}  // namespace
}  // namespace cxbridge::cluster
