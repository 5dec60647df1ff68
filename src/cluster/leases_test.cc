// Leases between two "nodes" (two connections, one process) against a real nats-server.
#include "cluster/leases.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

int64_t Now() { return SystemClock().SteadyMs(); }

bool WaitFor(const std::function<bool()>& pred, int64_t timeout_ms) {
  const int64_t deadline = Now() + timeout_ms;
  while (Now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

struct Node {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<JetStream> js;
  std::unique_ptr<KeyValue> kv;
  std::unique_ptr<Leases> leases;
};

class LeasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
  }
  std::unique_ptr<Node> MakeNode(const std::string& id, int64_t lease_ms = 3000) {
    auto n = std::make_unique<Node>();
    auto c = Connection::Connect(nats_->settings());
    EXPECT_TRUE(c.ok());
    n->conn = std::move(*c);
    const int64_t margin_ms = lease_ms * 3 / 10;
    auto js = JetStream::Create(*n->conn, margin_ms / 2);
    EXPECT_TRUE(js.ok());
    n->js = std::move(*js);
    auto kv = KeyValue::Ensure(*n->js, KvSpec{"leases", 1, 0, 1, -1});
    EXPECT_TRUE(kv.ok()) << kv.status().ToString();
    n->kv = std::move(*kv);
    n->leases =
        std::make_unique<Leases>(*n->kv, SystemClock(), Leases::Options{id, lease_ms, margin_ms});
    EXPECT_TRUE(n->leases->Start().ok());
    return n;
  }
  std::unique_ptr<testing::NatsCluster> nats_;
};

TEST_F(LeasesTest, OneHolderAtATimeAndReleaseHandsOverAtOnce) {
  auto a = MakeNode("a");
  auto b = MakeNode("b");
  std::atomic<int> holders{0}, max_holders{0};
  auto track = [&](bool held) {
    int n = held ? ++holders : --holders;
    int m = max_holders.load();
    while (n > m && !max_holders.compare_exchange_weak(m, n)) {
    }
  };
  a->leases->Want("part.0", track);
  ASSERT_TRUE(WaitFor([&] { return a->leases->Holds("part.0"); }, 6000));
  b->leases->Want("part.0", track);
  // B does not get it while A renews (two lease times).
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));
  EXPECT_FALSE(b->leases->Holds("part.0"));
  EXPECT_TRUE(a->leases->Holds("part.0"));
  EXPECT_EQ(b->leases->Holders()["part.0"], "a");
  // A releases: B takes it without waiting for a lease time.
  const int64_t released = Now();
  a->leases->Unwant("part.0");
  ASSERT_TRUE(WaitFor([&] { return b->leases->Holds("part.0"); }, 6000));
  EXPECT_LT(Now() - released, 2000) << "a released lease is free at once, not after the 3 s lease time";
  EXPECT_FALSE(a->leases->Holds("part.0"));
  EXPECT_EQ(max_holders.load(), 1);
}

TEST_F(LeasesTest, ACrashedHolderIsTakenOverAfterTheLeaseTimeNotBefore) {
  const int64_t lease_ms = 3000;
  auto a = MakeNode("a", lease_ms);
  auto b = MakeNode("b", lease_ms);
  a->leases->Want("source.genesys", [](bool) {});
  ASSERT_TRUE(WaitFor([&] { return a->leases->Holds("source.genesys"); }, 6000));
  std::atomic<int64_t> taken_at{0};
  b->leases->Want("source.genesys", [&](bool held) {
    if (held) taken_at = Now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t crashed = Now();
  a->leases->Halt();  // no release, no more renewals
  ASSERT_TRUE(WaitFor([&] { return taken_at.load() != 0; }, 5000));
  const int64_t waited = taken_at.load() - crashed;
  // The last renewal B saw was at most lease_ms/5 before the crash: B waits at least the rest.
  EXPECT_GE(waited, lease_ms - lease_ms / 5 - 50);
  EXPECT_LT(waited, lease_ms + 2000);
}

TEST_F(LeasesTest, AHolderThatCannotRenewStopsBeforeAnyoneCanTakeOver) {
  const int64_t lease_ms = 3000;
  auto a = MakeNode("a", lease_ms);
  std::atomic<int64_t> lost_at{0};
  a->leases->Want("part.3", [&](bool held) {
    if (!held) lost_at = Now();
  });
  ASSERT_TRUE(WaitFor([&] { return a->leases->Holds("part.3"); }, 6000));
  const int64_t down = Now();
  nats_->Kill(0);  // no renewals get through
  ASSERT_TRUE(WaitFor([&] { return lost_at.load() != 0; }, 5000));
  // It stopped acting within lease_ms − margin of its last successful renewal: before a
  // watcher could have seen lease_ms of silence.
  EXPECT_LT(lost_at.load() - down, lease_ms - 100);
  EXPECT_FALSE(a->leases->Holds("part.3"));
  // Back: it takes the lease again (after lease_ms of silence by its own clock).
  ASSERT_TRUE(nats_->Restart(0).ok());
  EXPECT_TRUE(WaitFor([&] { return a->leases->Holds("part.3"); }, 10000));
}

TEST(NodeIdTest, UniqueAndAValidKeyToken) {
  std::string a = MakeNodeId(), b = MakeNodeId();
  EXPECT_EQ(EscapeKey(a), a);
  EXPECT_NE(a.find(std::to_string(::getpid())), std::string::npos);
  (void)b;
}

}  // namespace
}  // namespace cxbridge::cluster
