// KvResources against real nats-server: CAS between two nodes, names of any text, and a write
// through one node seen by the other's LastRevision within the ~1 s the issue allows.
#include "cluster/kv_resources.h"

#include <gtest/gtest.h>

#include "cluster/testing/nats_cluster.h"
#include "common/clock.h"

namespace cxbridge::cluster {
namespace {

struct Node {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<JetStream> js;
  std::unique_ptr<KeyValue> kv;
  std::unique_ptr<KvResources> res;
};

class KvResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v nats-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "nats-server is not installed";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
    a_ = MakeNode();
    b_ = MakeNode();
  }
  std::unique_ptr<Node> MakeNode() {
    auto n = std::make_unique<Node>();
    auto c = Connection::Connect(nats_->settings());
    EXPECT_TRUE(c.ok());
    n->conn = std::move(*c);
    auto js = JetStream::Create(*n->conn);
    EXPECT_TRUE(js.ok());
    n->js = std::move(*js);
    auto kv = KeyValue::Ensure(*n->js, KvSpec{"cxb-resources", 5, 0, 1, -1});
    EXPECT_TRUE(kv.ok());
    n->kv = std::move(*kv);
    n->res = std::make_unique<KvResources>(*n->kv);
    EXPECT_TRUE(n->res->Start().ok());
    return n;
  }
  std::unique_ptr<testing::NatsCluster> nats_;
  std::unique_ptr<Node> a_, b_;
};

TEST_F(KvResourcesTest, PutGetListDeleteWithNamesOfAnyText) {
  auto r1 = a_->res->Put("api.rule", "default|conv ends", R"({"Name":"conv ends"})");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(a_->res->Put("api.rule", "default|b.rule", "{}").ok());
  ASSERT_TRUE(a_->res->Put("api.eventbus", "default", "{}").ok());
  auto g = b_->res->Get("api.rule", "default|conv ends");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->value, R"({"Name":"conv ends"})");
  EXPECT_EQ(g->revision, *r1);
  auto rules = b_->res->List("api.rule");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].name, "default|b.rule");
  EXPECT_EQ((*rules)[1].name, "default|conv ends");
  ASSERT_TRUE(b_->res->Delete("api.rule", "default|b.rule").ok());
  EXPECT_EQ(a_->res->Get("api.rule", "default|b.rule").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(a_->res->List("api.rule")->size(), 1u);
  EXPECT_TRUE(a_->res->List("api.archive")->empty());
}

TEST_F(KvResourcesTest, ConcurrentWritersCannotSilentlyOverwriteEachOther) {
  auto created = a_->res->Put("api.rule", "r", "v1", kNoResourceRevision);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(b_->res->Put("api.rule", "r", "v1'", kNoResourceRevision).status().code(),
            StatusCode::kFailedPrecondition);
  // Both read revision `created`; A writes first; B's write, based on what it read, is refused.
  ASSERT_TRUE(a_->res->Put("api.rule", "r", "A's change", *created).ok());
  auto lost = b_->res->Put("api.rule", "r", "B's change", *created);
  ASSERT_EQ(lost.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(lost.status().message().find("changed concurrently"), std::string::npos);
  EXPECT_EQ(b_->res->Get("api.rule", "r")->value, "A's change");
  EXPECT_EQ(b_->res->Delete("api.rule", "r", *created).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(b_->res->Delete("api.rule", "r", b_->res->Get("api.rule", "r")->revision).ok());
}

TEST_F(KvResourcesTest, AWriteOnOneNodeMovesTheOthersLastRevisionWithinASecond) {
  const uint64_t before = b_->res->LastRevision();
  const int64_t start = SystemClock().SteadyMs();
  auto r = a_->res->Put("api.rule", "new", "{}");
  ASSERT_TRUE(r.ok());
  const uint64_t seen = b_->res->WaitChanged(before, 1000);
  EXPECT_GE(seen, *r);
  EXPECT_LT(SystemClock().SteadyMs() - start, 1000);
  // Deletes move it too.
  const uint64_t now = b_->res->LastRevision();
  ASSERT_TRUE(a_->res->Delete("api.rule", "new").ok());
  EXPECT_GT(b_->res->WaitChanged(now, 1000), now);
  // A node that starts later sees what exists.
  auto c = MakeNode();
  EXPECT_GE(c->res->LastRevision(), *r);
}

}  // namespace
}  // namespace cxbridge::cluster
