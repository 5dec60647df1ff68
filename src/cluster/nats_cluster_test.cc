// Three real nats-server processes: R3 streams, a killed stream leader, catch-up on restart.
#include "cluster/testing/nats_cluster.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/accept_writer.h"
#include "cluster/client.h"
#include "cluster/kv.h"
#include "cluster/topology.h"

namespace cxbridge::cluster {
namespace {

TEST(NatsClusterTest, R3StreamSurvivesItsLeaderAndCatchesUp) {
  if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster nats;  // three servers
  ASSERT_TRUE(nats.Start().ok());
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn);
  ASSERT_TRUE(js.ok());
  StreamSpec s;
  s.name = "R3";
  s.subjects = {"r3.>"};
  s.replicas = 3;
  // Creating an R3 stream right after the cluster formed may need a retry while peers register.
  Result<StreamState> st = Status::Unavailable("");
  for (int i = 0; i < 50 && !st.ok(); ++i) {
    st = (*js)->EnsureStream(s);
    if (!st.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE((*js)->Publish("r3.a", "before " + std::to_string(i)).ok());

  auto info = (*js)->StreamInfo("R3");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->replicas, 3);
  int leader = nats.IndexOf(info->leader);
  ASSERT_GE(leader, 0) << "leader '" << info->leader << "'";
  EXPECT_EQ(info->followers.size(), 2u);

  nats.Kill(leader);
  // Publishing resumes on the two survivors after an election (seconds); each attempt keeps its
  // MsgId, so a timed-out publish that did land is not stored twice.
  int stored = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < 20 && std::chrono::steady_clock::now() < deadline;) {
    PublishOptions o;
    o.msg_id = "after-" + std::to_string(i);
    o.timeout_ms = 1000;
    auto r = (*js)->Publish("r3.a", "after " + std::to_string(i), o);
    if (r.ok()) {
      ++stored;
      ++i;
    } else {
      ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
    }
  }
  EXPECT_EQ(stored, 20);
  auto during = (*js)->StreamInfo("R3");
  ASSERT_TRUE(during.ok());
  EXPECT_NE(during->leader, info->leader);
  EXPECT_EQ(during->messages, 40u);

  ASSERT_TRUE(nats.Restart(leader).ok());
  // The restarted server catches up: every replica current, no lag.
  bool caught_up = false;
  for (int i = 0; i < 100 && !caught_up; ++i) {
    auto now = (*js)->StreamInfo("R3");
    if (now.ok() && now->followers.size() == 2) {
      caught_up = true;
      for (const auto& f : now->followers)
        caught_up = caught_up && f.current && !f.offline && f.lag == 0;
    }
    if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(caught_up);

  // KV on R3, through the same cluster.
  Result<std::unique_ptr<KeyValue>> kv = Status::Unavailable("");
  for (int i = 0; i < 50 && !kv.ok(); ++i) {
    kv = KeyValue::Ensure(**js, KvSpec{"leases", 1, 0, 3, -1});
    if (!kv.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  EXPECT_TRUE((*kv)->Create("part.0", "node-a").ok());
  EXPECT_EQ((*kv)->Create("part.0", "node-b").status().code(), StatusCode::kAlreadyExists);

  // Cluster mode's whole topology on R3.
  JetStreamSettings settings;
  settings.nats = nats.settings();
  settings.replicas = 3;
  ASSERT_TRUE(CheckServers(settings.nats, 2000).ok());
  Status topo = Status::Unavailable("");
  for (int i = 0; i < 20 && !topo.ok(); ++i) {
    topo = EnsureTopology(**js, settings, 3600'000);
    if (!topo.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(topo.ok()) << topo.ToString();
  auto deliveries = (*js)->StreamInfo(Names(settings.prefix).deliveries_stream);
  ASSERT_TRUE(deliveries.ok());
  EXPECT_EQ(deliveries->replicas, 3);
}

// Writes through the accept path while the deliveries stream's leader is SIGKILLed: every write
// answered "stored" is in the stream after the election, and no event is stored twice (the
// retries of timed-out publishes keep their MsgIds).
TEST(NatsClusterTest, AcceptWritesSurviveTheStreamLeadersDeathWithoutDoubles) {
  if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster nats;
  ASSERT_TRUE(nats.Start().ok());
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn, 1000);
  ASSERT_TRUE(js.ok());
  JetStreamSettings settings;
  settings.nats = nats.settings();
  settings.replicas = 3;
  settings.partitions = 4;
  Status topo = Status::Unavailable("");
  for (int i = 0; i < 30 && !topo.ok(); ++i) {
    topo = EnsureTopology(**js, settings, 3600'000);
    if (!topo.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(topo.ok()) << topo.ToString();
  Names names(settings.prefix);
  auto dedup = KeyValue::Open(**js, names.dedup_bucket);
  ASSERT_TRUE(dedup.ok());
  AcceptWriter::Options wo;
  wo.accept_timeout_ms = 20000;  // longer than an election (~5-6 s here)
  wo.attempt_timeout_ms = 1000;
  AcceptWriter writer(**conn, **js, **dedup, names, SystemClock(), wo);
  ASSERT_TRUE(writer.Start().ok());

  std::mutex mu;
  std::vector<AcceptResult> results;
  std::vector<std::string> ids;
  std::atomic<int> answered{0};
  constexpr int kEvents = 300;
  auto leader_info = (*js)->StreamInfo(names.deliveries_stream);
  ASSERT_TRUE(leader_info.ok());
  const int leader = nats.IndexOf(leader_info->leader);
  ASSERT_GE(leader, 0);
  for (int i = 0; i < kEvents; ++i) {
    if (i == kEvents / 3) nats.Kill(leader);
    AcceptRequest r;
    r.event_id = "ev-" + std::to_string(i);
    r.dedup_key = i % 2 ? "src\x1fkey-" + std::to_string(i) : "";
    r.records = {{i % 4, "body " + std::to_string(i)}};
    writer.Write(std::move(r), [&, id = "ev-" + std::to_string(i)](AcceptResult res) {
      std::lock_guard<std::mutex> lock(mu);
      results.push_back(res);
      ids.push_back(id);
      answered++;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 400 && answered.load() < kEvents; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(answered.load(), kEvents);
  int stored = 0, unknown = 0;
  std::set<uint64_t> seqs;
  for (const auto& r : results) {
    if (r.kind == AcceptResult::kStored) {
      ++stored;
      seqs.insert(r.seqs[0]);
    } else {
      EXPECT_EQ(r.kind, AcceptResult::kUnknown) << r.error;
      ++unknown;
    }
  }
  std::printf("accept during a leader kill: %d stored, %d unknown, %llu publish retries\n", stored,
              unknown, static_cast<unsigned long long>(writer.stats().publish_retries));
  EXPECT_GT(stored, kEvents / 2);
  // Every stored event is in the stream; nothing is there twice.
  auto info = (*js)->StreamInfo(names.deliveries_stream);
  ASSERT_TRUE(info.ok());
  EXPECT_GE(info->messages, static_cast<uint64_t>(stored));
  EXPECT_LE(info->messages, static_cast<uint64_t>(kEvents));
  std::set<std::string> bodies;
  for (uint64_t seq : seqs) {
    auto m = (*js)->GetMessage(names.deliveries_stream, seq);
    ASSERT_TRUE(m.ok()) << "stored event at seq " << seq << " is gone: " << m.status().ToString();
  }
  for (uint64_t seq = info->first_seq; seq <= info->last_seq; ++seq) {
    auto m = (*js)->GetMessage(names.deliveries_stream, seq);
    if (m.ok()) EXPECT_TRUE(bodies.insert(m->data).second) << "stored twice: " << m->data;
  }
  writer.Stop();
}

}  // namespace
}  // namespace cxbridge::cluster
