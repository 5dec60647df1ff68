#include "cluster/partition_state.h"

#include <gtest/gtest.h>

#include <future>

#include "cluster/accept_writer.h"
#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

std::string Accept(const std::string& id, std::vector<std::string> routes,
                   const std::string& group = "") {
  AcceptRecordData r;
  r.ingest_ms = 1000;
  r.bus = "default";
  r.event_json = "{\"id\":\"" + id + "\"}";
  for (auto& route : routes) r.deliveries.push_back({route, group, 0, 1000, 0, "", 0});
  return EncodeAcceptRecord(r);
}

TEST(PartitionStateTest, RecordsAddMarkersCompleteAndReschedule) {
  PartitionState s;
  ASSERT_TRUE(s.Apply(10, Accept("e1", {"a", "b"})).ok());
  ASSERT_TRUE(s.Apply(11, Accept("e2", {"a"})).ok());
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.Floor(), 10u);
  ASSERT_TRUE(s.Apply(12, EncodeMarker({{MarkerEntry::kDone, 10, 0, 0, 0, ""},
                                        {MarkerEntry::kRetry, 10, 1, 2, 5000, "HTTP_503: busy"}}))
                  .ok());
  EXPECT_EQ(s.size(), 2u);
  const PendingDelivery& b = s.pending().at({10, 1});
  EXPECT_EQ(b.delivery.route, "b");
  EXPECT_EQ(b.delivery.attempts, 2u);
  EXPECT_EQ(b.delivery.due_ms, 5000);
  EXPECT_EQ(b.delivery.last_error, "HTTP_503: busy");
  EXPECT_EQ(*b.event->event_json, "{\"id\":\"e1\"}");
  EXPECT_EQ(b.order(), 10u);
  ASSERT_TRUE(s.Apply(13, EncodeMarker({{MarkerEntry::kDone, 10, 1, 0, 0, ""}})).ok());
  EXPECT_EQ(s.Floor(), 11u);
  s.Done(11, 0);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.Floor(), 14u) << "nothing pending: everything up to the last message may go";
}

TEST(PartitionStateTest, StaleAndUnknownMarkersChangeNothing) {
  PartitionState s;
  ASSERT_TRUE(s.Apply(5, Accept("e", {"a"})).ok());
  s.Retry(5, 0, 3, 9000, "TIMEOUT");
  ASSERT_TRUE(s.Apply(6, EncodeMarker({{MarkerEntry::kRetry, 5, 0, 1, 100, "old"},
                                       {MarkerEntry::kDone, 4, 0, 0, 0, ""},
                                       {MarkerEntry::kRetry, 99, 7, 1, 1, "x"}}))
                  .ok());
  EXPECT_EQ(s.pending().at({5, 0}).delivery.attempts, 3u);
  EXPECT_EQ(s.pending().at({5, 0}).delivery.last_error, "TIMEOUT");
  EXPECT_FALSE(s.Apply(7, "garbage").ok());
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.last_seq(), 7u);
}

TEST(PartitionStateTest, CarriedOverDeliveriesKeepTheirOrder) {
  PartitionState s;
  AcceptRecordData carried;
  carried.bus = "default";
  carried.event_json = "{}";
  carried.deliveries.push_back({"fifo", "g1", 7, 100, 200, "HTTP_500", 3});
  ASSERT_TRUE(s.Apply(40, EncodeAcceptRecord(carried)).ok());
  EXPECT_EQ(s.pending().at({40, 0}).order(), 3u);
}

// The owner's replay, for real: records through the AcceptWriter, markers published, then the
// partition's subject read from the start with an ordered consumer and folded.
TEST(PartitionReplayTest, ReplayingASubjectRebuildsExactlyThePendingSet) {
  if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster::Options o;
  o.size = 1;
  testing::NatsCluster nats(o);
  ASSERT_TRUE(nats.Start().ok());
  auto conn = Connection::Connect(nats.settings());
  ASSERT_TRUE(conn.ok());
  auto js = JetStream::Create(**conn, 1000);
  ASSERT_TRUE(js.ok());
  JetStreamSettings settings;
  settings.nats = nats.settings();
  settings.replicas = 1;
  settings.partitions = 2;
  ASSERT_TRUE(EnsureTopology(**js, settings, 3600'000).ok());
  Names names(settings.prefix);
  auto dedup = KeyValue::Open(**js, names.dedup_bucket);
  ASSERT_TRUE(dedup.ok());
  AcceptWriter writer(**conn, **js, **dedup, names, SystemClock(), {});
  ASSERT_TRUE(writer.Start().ok());
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 200; ++i) {
    AcceptRequest r;
    r.event_id = "e" + std::to_string(i);
    r.records = {{1, Accept(r.event_id, {"a", "b"})}};
    std::promise<AcceptResult> p;
    writer.Write(std::move(r), [&](AcceptResult res) { p.set_value(res); });
    AcceptResult res = p.get_future().get();
    ASSERT_EQ(res.kind, AcceptResult::kStored) << res.error;
    seqs.push_back(res.seqs[0]);
  }
  // The previous owner completed route a of every even event and retried b of event 1.
  std::vector<MarkerEntry> marks;
  for (int i = 0; i < 200; i += 2) marks.push_back({MarkerEntry::kDone, seqs[i], 0, 0, 0, ""});
  marks.push_back({MarkerEntry::kRetry, seqs[1], 1, 4, 123456, "HTTP_502"});
  ASSERT_TRUE((*js)->Publish(names.DeliverySubject(1), EncodeMarker(marks)).ok());
  // A record in the other partition is not this owner's.
  ASSERT_TRUE((*js)->Publish(names.DeliverySubject(0), Accept("other", {"a"})).ok());

  auto sub = (*js)->SubscribeOrdered(names.deliveries_stream, names.DeliverySubject(1), 1);
  ASSERT_TRUE(sub.ok());
  PartitionState state;
  for (;;) {
    auto m = (*sub)->Next(2000);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    auto md = m->Metadata();
    ASSERT_TRUE(md.ok());
    ASSERT_TRUE(state.Apply(md->stream_seq, m->data()).ok());
    if (md->num_pending == 0) break;  // caught up with the subject
  }
  EXPECT_EQ(state.size(), 300u);  // 400 deliveries − 100 done
  EXPECT_EQ(state.pending().count({seqs[0], 0}), 0u);
  EXPECT_EQ(state.pending().count({seqs[0], 1}), 1u);
  EXPECT_EQ(state.pending().at({seqs[1], 1}).delivery.attempts, 4u);
  EXPECT_EQ(state.Floor(), seqs[0]);
  // Purging below the floor keeps every pending record; a second owner's replay gives the same.
  state.Done(seqs[0], 1);
  ASSERT_TRUE((*js)->Purge(names.deliveries_stream, names.DeliverySubject(1), state.Floor()).ok());
  EXPECT_EQ((*js)->GetMessage(names.deliveries_stream, seqs[0]).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE((*js)->GetMessage(names.deliveries_stream, seqs[1]).ok());
  writer.Stop();
}

}  // namespace
}  // namespace cxbridge::cluster
