// Start-up checks and the streams/buckets of cluster mode, against real nats-server processes.
#include "cluster/topology.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

bool HaveNatsServer() { return std::system("command -v nats-server >/dev/null 2>&1") == 0; }

json::Value J(const std::string& s) { return *json::Parse(s); }

TEST(JetStreamSettingsTest, DefaultsAndKeys) {
  auto s = ParseJetStreamSettings(
      J(R"({"type":"jetstream","servers":["nats://a:4222"],"dedup_ttl_seconds":60})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->replicas, 3);
  EXPECT_EQ(s->partitions, 16);
  EXPECT_EQ(s->prefix, "CXB");
  EXPECT_EQ(s->lease_ms, 5000);
  auto t = ParseJetStreamSettings(J(
      R"({"type":"jetstream","servers":"a","replicas":1,"partitions":4,"prefix":"Test_1","lease_seconds":3,
           "accept_timeout_ms":2000,"max_bytes":1048576})"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->replicas, 1);
  EXPECT_EQ(t->partitions, 4);
  EXPECT_EQ(t->lease_ms, 3000);
  EXPECT_EQ(t->max_bytes, 1048576);
}

TEST(JetStreamSettingsTest, RefusesWhatCannotWorkNamingTheKey) {
  struct Case {
    const char* json;
    const char* key;
  } cases[] = {
      {R"({"servers":"a","replica":3})", "storage.replica"},
      {R"({"servers":"a","replicas":2})", "storage.replicas"},
      {R"({"servers":"a","partitions":0})", "storage.partitions"},
      {R"({"servers":"a","prefix":"a.b"})", "storage.prefix"},
      {R"({"servers":"a","lease_seconds":1})", "storage.lease_seconds"},
      {R"({"replicas":3})", "storage.servers"},
  };
  for (const auto& c : cases) {
    auto s = ParseJetStreamSettings(J(c.json));
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.status().message().find(c.key), std::string::npos) << s.status().message();
  }
}

TEST(NamesTest, UnderAPrefix) {
  Names n("CXB");
  EXPECT_EQ(n.deliveries_stream, "CXB_DELIVERIES");
  EXPECT_EQ(n.DeliverySubject(7), "cxb.d.7");
  EXPECT_EQ(n.dedup_bucket, "cxb-dedup");
}

// A TCP server that greets like an old NATS server (2.8): no such server is installed here, and
// only its INFO line matters to the check.
class OldServer {
 public:
  OldServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      const char* info =
          "INFO "
          "{\"server_id\":\"OLD\",\"server_name\":\"old\",\"version\":\"2.8.4\",\"jetstream\":true}"
          "\r\n";
      (void)!::write(c, info, std::strlen(info));
      char buf[64];
      (void)!::read(c, buf, sizeof(buf));
      ::close(c);
    });
  }
  ~OldServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_ = -1, port_ = 0;
  std::thread thread_;
};

TEST(CheckServersTest, RefusesAServerOlderThan29SayingItsVersion) {
  OldServer old;
  NatsSettings s;
  s.servers = {"nats://127.0.0.1:" + std::to_string(old.port())};
  Status st = CheckServers(s, 2000);
  ASSERT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("2.8.4"), std::string::npos);
  EXPECT_NE(st.message().find("2.9"), std::string::npos);
}

TEST(CheckServersTest, NothingListeningIsUnavailable) {
  NatsSettings s;
  s.servers = {"nats://127.0.0.1:" + std::to_string(testing::FreePort())};
  EXPECT_EQ(CheckServers(s, 500).code(), StatusCode::kUnavailable);
}

TEST(CheckServersTest, RefusesAServerWithoutJetStreamSayingHowToEnableIt) {
  if (!HaveNatsServer()) GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster::Options o;
  o.size = 1;
  o.jetstream = false;
  testing::NatsCluster nats(o);
  ASSERT_TRUE(nats.Start().ok());
  Status st = CheckServers(nats.settings(), 2000);
  ASSERT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("-js"), std::string::npos) << st.message();
  // And the client-side check says the same through JetStream itself.
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn);
  ASSERT_TRUE(js.ok());
  Status enabled = (*js)->CheckEnabled();
  EXPECT_EQ(enabled.code(), StatusCode::kFailedPrecondition) << enabled.ToString();
}

TEST(EnsureTopologyTest, CreatesEverythingIsIdempotentAndRefusesAnotherPartitionCount) {
  if (!HaveNatsServer()) GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster::Options o;
  o.size = 1;
  testing::NatsCluster nats(o);
  ASSERT_TRUE(nats.Start().ok());
  ASSERT_TRUE(CheckServers(nats.settings(), 2000).ok());
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn);
  ASSERT_TRUE(js.ok());
  JetStreamSettings s;
  s.nats = nats.settings();
  s.replicas = 1;
  s.partitions = 8;
  ASSERT_TRUE(EnsureTopology(**js, s, 3600'000).ok());
  ASSERT_TRUE(EnsureTopology(**js, s, 7200'000).ok()) << "a second node, or a longer TTL";
  Names n(s.prefix);
  for (const auto& stream :
       {n.deliveries_stream, n.dlq_stream, n.quarantine_stream, n.archive_stream, n.queues_stream,
        "KV_" + n.dedup_bucket, "KV_" + n.resources_bucket}) {
    EXPECT_TRUE((*js)->StreamInfo(stream).ok()) << stream;
  }
  EXPECT_TRUE((*js)->Publish(n.DeliverySubject(3), "x").ok());
  s.partitions = 16;
  Status st = EnsureTopology(**js, s, 3600'000);
  ASSERT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("partitions: 8"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("16"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace cxbridge::cluster
