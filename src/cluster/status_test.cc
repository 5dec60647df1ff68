#include "cluster/status.h"

#include <gtest/gtest.h>

#include "cluster/balancer.h"
#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

TEST(ClusterStatusTest, NamesNodesOwnersAndWhatIsWrong) {
  if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster::Options o;
  o.size = 1;
  testing::NatsCluster nats(o);
  ASSERT_TRUE(nats.Start().ok());
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn, 250);
  ASSERT_TRUE(js.ok());
  JetStreamSettings s;
  s.nats = nats.settings();
  s.replicas = 1;
  s.partitions = 2;
  ASSERT_TRUE(EnsureTopology(**js, s, 3600'000).ok());
  Names n(s.prefix);

  // Nobody runs: unhealthy, saying so.
  auto before = ClusterStatus(**js, s);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->Find("healthy")->as_bool());
  const std::string text = json::Serialize(*before);
  EXPECT_NE(text.find("no cxbridge node is running"), std::string::npos) << text;
  EXPECT_NE(text.find("partition 0 has no owner"), std::string::npos) << text;

  // One node holding both partitions, a message waiting in partition 1.
  auto leases_kv = KeyValue::Open(**js, n.leases_bucket);
  auto nodes_kv = KeyValue::Open(**js, n.nodes_bucket);
  ASSERT_TRUE(leases_kv.ok() && nodes_kv.ok());
  Leases leases(**leases_kv, SystemClock(), Leases::Options{"node-1", 2000, 600});
  ASSERT_TRUE(leases.Start().ok());
  Balancer::Options bo;
  bo.partitions = 2;
  bo.info = [] { return std::string(R"({"address":"127.0.0.1:8088"})"); };
  Balancer balancer(**nodes_kv, leases, SystemClock(), bo, [](int, bool) {});
  ASSERT_TRUE(balancer.Start().ok());
  ASSERT_TRUE((*js)->Publish(n.DeliverySubject(1), "x").ok());
  for (int i = 0; i < 100 && balancer.Held().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(balancer.Held().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // a heartbeat naming them
  auto after = ClusterStatus(**js, s);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->Find("healthy")->as_bool()) << json::Serialize(*after);
  const json::Value& node = after->Find("nodes")->items().at(0);
  EXPECT_EQ(node.Find("node")->as_string(), "node-1");
  EXPECT_EQ(node.Find("address")->as_string(), "127.0.0.1:8088");
  const json::Value& p1 = after->Find("partitions")->items().at(1);
  EXPECT_EQ(p1.Find("owner")->as_string(), "node-1");
  int64_t waiting = 0;
  ASSERT_TRUE(p1.Find("messages")->as_int64(&waiting));
  EXPECT_EQ(waiting, 1);
  EXPECT_EQ(after->Find("streams")->items().size(), 10u);
  balancer.Stop();
  leases.Stop();
}

}  // namespace
}  // namespace cxbridge::cluster
