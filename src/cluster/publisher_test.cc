// AsyncPublisher against a real nats-server: pipelined publishes, duplicates, CAS, timeouts.
#include "cluster/publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
    auto c = Connection::Connect(nats_->settings());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
    auto j = JetStream::Create(*conn_);
    ASSERT_TRUE(j.ok());
    js_ = std::move(*j);
    StreamSpec s;
    s.name = "T";
    s.subjects = {"t.>"};
    ASSERT_TRUE(js_->EnsureStream(s).ok());
  }
  std::unique_ptr<testing::NatsCluster> nats_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<JetStream> js_;
};

TEST_F(PublisherTest, ManyInFlightEachCompletedOnceInOrderOfSequence) {
  auto pub = AsyncPublisher::Create(*conn_, {});
  ASSERT_TRUE(pub.ok());
  constexpr int kN = 2000;
  std::mutex mu;
  std::vector<uint64_t> seq(kN, 0);
  std::atomic<int> done{0}, failed{0};
  for (int i = 0; i < kN; ++i) {
    PublishOptions o;
    o.msg_id = "m" + std::to_string(i);
    (*pub)->Publish("t.a", "payload " + std::to_string(i), o, [&, i](Result<PubAck> r) {
      if (r.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        seq[i] = r->seq;
      } else {
        failed++;
      }
      done++;
    });
  }
  ASSERT_TRUE((*pub)->Drain(20000).ok());
  EXPECT_EQ(done.load(), kN);
  EXPECT_EQ(failed.load(), 0);
  for (int i = 1; i < kN; ++i)
    EXPECT_LT(seq[i - 1], seq[i]) << "one connection keeps publish order";
  EXPECT_EQ(js_->StreamInfo("T")->messages, static_cast<uint64_t>(kN));
}

TEST_F(PublisherTest, RepublishedMsgIdIsADuplicate) {
  auto pub = AsyncPublisher::Create(*conn_, {});
  ASSERT_TRUE(pub.ok());
  std::promise<Result<PubAck>> a, b;
  PublishOptions o;
  o.msg_id = "same";
  (*pub)->Publish("t.a", "x", o, [&](Result<PubAck> r) { a.set_value(r); });
  auto ra = a.get_future().get();
  (*pub)->Publish("t.a", "x", o, [&](Result<PubAck> r) { b.set_value(r); });
  auto rb = b.get_future().get();
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_FALSE(ra->duplicate);
  EXPECT_TRUE(rb->duplicate);
  EXPECT_EQ(ra->seq, rb->seq);
}

TEST_F(PublisherTest, LostCompareAndSetIsFailedPrecondition) {
  auto pub = AsyncPublisher::Create(*conn_, {});
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE(js_->Publish("t.k", "first").ok());
  std::promise<Result<PubAck>> p;
  PublishOptions o;
  o.expect_last_subject_seq = 0;
  (*pub)->Publish("t.k", "second", o, [&](Result<PubAck> r) { p.set_value(r); });
  auto r = p.get_future().get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
}

TEST_F(PublisherTest, NoServerMeansUnavailableWithinTheTimeout) {
  AsyncPublisher::Options po;
  po.timeout_ms = 400;
  auto pub = AsyncPublisher::Create(*conn_, po);
  ASSERT_TRUE(pub.ok());
  nats_->Kill(0);
  std::promise<Result<PubAck>> p;
  auto start = std::chrono::steady_clock::now();
  (*pub)->Publish("t.a", "into the void", {}, [&](Result<PubAck> r) { p.set_value(r); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a timeout must complete it";
  auto r = f.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ((*pub)->pending(), 0u);
}

TEST_F(PublisherTest, DestroyingFailsWhatIsStillPending) {
  std::atomic<int> failed{0};
  {
    AsyncPublisher::Options po;
    po.timeout_ms = 60000;
    auto pub = AsyncPublisher::Create(*conn_, po);
    ASSERT_TRUE(pub.ok());
    nats_->Kill(0);
    for (int i = 0; i < 10; ++i) {
      (*pub)->Publish("t.a", "x", {}, [&](Result<PubAck> r) {
        if (!r.ok()) failed++;
      });
    }
  }
  EXPECT_EQ(failed.load(), 10);
}

}  // namespace
}  // namespace cxbridge::cluster

namespace cxbridge::cluster {
namespace {

// Regression: cnats 3.4's js_PublishAsyncGetPendingList crashes on a context that never
// published asynchronously; the destructor must not ask then.
TEST_F(PublisherTest, DestroyingAPublisherThatNeverPublishedDoesNotCrash) {
  auto pub = AsyncPublisher::Create(*conn_, {});
  ASSERT_TRUE(pub.ok());
  pub->reset();
}

}  // namespace
}  // namespace cxbridge::cluster
