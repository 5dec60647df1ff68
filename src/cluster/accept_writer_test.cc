// AcceptWriter against real nats-server: claims, duplicates over the whole TTL, takeovers of
// pending/expired/deleted claims, unknown outcomes when the server is gone, a full stream.
#include "cluster/accept_writer.h"

#include <gtest/gtest.h>

#include <future>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

class AcceptWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
    Open();
  }
  void Open(int64_t max_bytes = -1) {
    writer_.reset();
    auto c = Connection::Connect(nats_->settings());
    ASSERT_TRUE(c.ok());
    conn_ = std::move(*c);
    auto j = JetStream::Create(*conn_, 1000);
    ASSERT_TRUE(j.ok());
    js_ = std::move(*j);
    settings_.nats = nats_->settings();
    settings_.replicas = 1;
    settings_.partitions = 4;
    settings_.max_bytes = max_bytes;
    ASSERT_TRUE(EnsureTopology(*js_, settings_, 3600'000).ok());
    auto kv = KeyValue::Open(*js_, names_.dedup_bucket);
    ASSERT_TRUE(kv.ok());
    dedup_ = std::move(*kv);
    AcceptWriter::Options wo;
    wo.accept_timeout_ms = 1500;
    wo.attempt_timeout_ms = 400;
    writer_ = std::make_unique<AcceptWriter>(*conn_, *js_, *dedup_, names_, SystemClock(), wo);
    ASSERT_TRUE(writer_->Start().ok());
  }
  AcceptResult Write(const std::string& event_id, const std::string& key,
                     std::vector<int> partitions = {1}) {
    AcceptRequest r;
    r.event_id = event_id;
    r.dedup_key = key;
    for (int p : partitions) r.records.push_back({p, "record of " + event_id});
    std::promise<AcceptResult> done;
    writer_->Write(std::move(r), [&](AcceptResult res) { done.set_value(std::move(res)); });
    return done.get_future().get();
  }
  uint64_t Messages(int partition) {
    auto info = js_->StreamInfo(names_.deliveries_stream, names_.DeliverySubject(partition));
    return info.ok() ? info->subject_messages : 0;
  }
  std::string ClaimState(const std::string& key) {
    auto e = dedup_->Get(AcceptWriter::KeyHash(key));
    return e.ok() ? e->value : "";
  }

  std::unique_ptr<testing::NatsCluster> nats_;
  JetStreamSettings settings_;
  Names names_{"CXB"};
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<JetStream> js_;
  std::unique_ptr<KeyValue> dedup_;
  std::unique_ptr<AcceptWriter> writer_;
};

TEST_F(AcceptWriterTest, UnkeyedEventIsStoredInEachOfItsPartitions) {
  AcceptResult r = Write("e1", "", {0, 3});
  ASSERT_EQ(r.kind, AcceptResult::kStored) << r.error;
  ASSERT_EQ(r.seqs.size(), 2u);
  EXPECT_LT(r.seqs[0], r.seqs[1]);
  EXPECT_EQ(Messages(0), 1u);
  EXPECT_EQ(Messages(3), 1u);
  auto m = js_->GetMessage(names_.deliveries_stream, r.seqs[1]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->subject, "cxb.d.3");
  EXPECT_EQ(m->data, "record of e1");
  EXPECT_EQ(m->Header("Nats-Msg-Id").value_or(""), "e1.3");
}

TEST_F(AcceptWriterTest, SecondCopyOfAKeyIsADuplicateAndWritesNothing) {
  ASSERT_EQ(Write("e1", "src\x1fkey-1").kind, AcceptResult::kStored);
  // Confirmed in the background.
  for (int i = 0; i < 100 && ClaimState("src\x1fkey-1").find("\"s\":\"s\"") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(ClaimState("src\x1fkey-1").find("\"s\":\"s\""), std::string::npos);
  AcceptResult dup = Write("e2", "src\x1fkey-1");
  EXPECT_EQ(dup.kind, AcceptResult::kDuplicate);
  EXPECT_EQ(Messages(1), 1u);
  EXPECT_EQ(Write("e3", "src\x1fkey-2").kind, AcceptResult::kStored)
      << "another key is not affected";
  EXPECT_EQ(writer_->stats().duplicates, 1u);
}

TEST_F(AcceptWriterTest, APendingClaimWhoseCopyNeverLandedIsPublishedNotDropped) {
  // A node claimed the key and died before publishing: the claim stays pending.
  const std::string key = "src\x1flost";
  ASSERT_TRUE(dedup_
                  ->Create(AcceptWriter::KeyHash(key),
                           "{\"e\":\"crashed\",\"x\":" +
                               std::to_string(SystemClock().NowMs() + 3600'000) + ",\"s\":\"p\"}")
                  .ok());
  AcceptResult r = Write("e-retry", key);
  EXPECT_EQ(r.kind, AcceptResult::kStored) << r.error;
  EXPECT_EQ(Messages(1), 1u);
  EXPECT_EQ(writer_->stats().republished_pending, 1u);
  for (int i = 0; i < 100 && ClaimState(key).find("\"s\":\"s\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(ClaimState(key).find("\"s\":\"s\""), std::string::npos)
      << "confirmed by the copy that stored it";
  EXPECT_EQ(Write("e-later", key).kind, AcceptResult::kDuplicate);
}

TEST_F(AcceptWriterTest, APendingClaimWhoseCopyLandedIsADuplicate) {
  // A node claimed, published, and died before confirming (or is still confirming).
  const std::string key = "src\x1flanded";
  const std::string hash = AcceptWriter::KeyHash(key);
  ASSERT_TRUE(dedup_
                  ->Create(hash, "{\"e\":\"first\",\"x\":" +
                                     std::to_string(SystemClock().NowMs() + 3600'000) +
                                     ",\"s\":\"p\"}")
                  .ok());
  PublishOptions o;
  o.msg_id = hash + ".1";
  ASSERT_TRUE(js_->Publish(names_.DeliverySubject(1), "record of first", o).ok());
  AcceptResult r = Write("second", key);
  EXPECT_EQ(r.kind, AcceptResult::kDuplicate) << r.error;
  EXPECT_EQ(Messages(1), 1u);
}

TEST_F(AcceptWriterTest, AnExpiredClaimIsTakenOver) {
  const std::string key = "src\x1fold";
  ASSERT_TRUE(dedup_
                  ->Create(AcceptWriter::KeyHash(key),
                           "{\"e\":\"old\",\"x\":" + std::to_string(SystemClock().NowMs() - 1) +
                               ",\"s\":\"s\"}")
                  .ok());
  AcceptRequest req;
  req.event_id = "new";
  req.dedup_key = key;
  req.records = {{2, "record of new"}};
  std::promise<AcceptResult> done;
  writer_->Write(std::move(req), [&](AcceptResult r) { done.set_value(r); });
  AcceptResult r = done.get_future().get();
  EXPECT_EQ(r.kind, AcceptResult::kStored) << r.error;
  EXPECT_NE(ClaimState(key).find("\"e\":\"new\""), std::string::npos);
}

TEST_F(AcceptWriterTest, ADeletedClaimIsFree) {
  const std::string key = "src\x1fdeleted";
  ASSERT_EQ(Write("a", key).kind, AcceptResult::kStored);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the confirm land
  ASSERT_TRUE(dedup_->Delete(AcceptWriter::KeyHash(key)).ok());
  AcceptResult r = Write("b", key, {2});
  EXPECT_EQ(r.kind, AcceptResult::kStored) << r.error;
}

TEST_F(AcceptWriterTest, NoServerMeansUnknownWithinTheAcceptTimeoutThenHealthyAgain) {
  ASSERT_EQ(Write("before", "").kind, AcceptResult::kStored);
  EXPECT_TRUE(writer_->healthy());
  nats_->Kill(0);
  const int64_t start = SystemClock().SteadyMs();
  AcceptResult r = Write("during", "src\x1fk");
  EXPECT_EQ(r.kind, AcceptResult::kUnknown) << r.error;
  EXPECT_LT(SystemClock().SteadyMs() - start, 4000);
  EXPECT_FALSE(writer_->healthy());
  ASSERT_TRUE(nats_->Restart(0).ok());
  AcceptResult after = Write("after", "src\x1fk2");
  for (int i = 0; i < 20 && after.kind != AcceptResult::kStored; ++i)
    after = Write("after", "src\x1fk2");
  EXPECT_EQ(after.kind, AcceptResult::kStored) << after.error;
  EXPECT_TRUE(writer_->healthy());
}

TEST_F(AcceptWriterTest, AFullStreamRefusesWithoutRetrying) {
  Open(64 * 1024);
  std::string big(40 * 1024, 'x');
  AcceptRequest a;
  a.event_id = "fits";
  a.records = {{0, big}};
  std::promise<AcceptResult> p1;
  writer_->Write(std::move(a), [&](AcceptResult r) { p1.set_value(r); });
  ASSERT_EQ(p1.get_future().get().kind, AcceptResult::kStored);
  AcceptRequest b;
  b.event_id = "too-much";
  b.records = {{0, big}};
  std::promise<AcceptResult> p2;
  const int64_t start = SystemClock().SteadyMs();
  writer_->Write(std::move(b), [&](AcceptResult r) { p2.set_value(r); });
  AcceptResult r = p2.get_future().get();
  EXPECT_EQ(r.kind, AcceptResult::kFailed) << r.error;
  EXPECT_LT(SystemClock().SteadyMs() - start, 1000)
      << "refused at once, not retried to the timeout";
}

}  // namespace
}  // namespace cxbridge::cluster
