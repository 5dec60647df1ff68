// KeyValue against a real nats-server.
#include "cluster/kv.h"

#include <gtest/gtest.h>

#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

class KvTest : public ::testing::Test {
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
    auto kv = KeyValue::Ensure(*js_, KvSpec{"res", 5, 0, 1, -1});
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(*kv);
  }
  std::unique_ptr<testing::NatsCluster> nats_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<JetStream> js_;
  std::unique_ptr<KeyValue> kv_;
};

TEST_F(KvTest, CreateIsIfAbsent) {
  auto r1 = kv_->Create("a", "1");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto r2 = kv_->Create("a", "2");
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kAlreadyExists) << r2.status().ToString();
  auto e = kv_->Get("a");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->value, "1");
  EXPECT_EQ(e->revision, *r1);
  EXPECT_GT(e->created_ms, 0);
}

TEST_F(KvTest, UpdateIsCompareAndSetOnTheRevision) {
  uint64_t rev = *kv_->Create("rule", "v1");
  auto r2 = kv_->Update("rule", "v2", rev);
  ASSERT_TRUE(r2.ok());
  // A second writer still holding the first revision loses: no silent overwrite.
  auto lost = kv_->Update("rule", "v2'", rev);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), StatusCode::kFailedPrecondition) << lost.status().ToString();
  EXPECT_EQ(kv_->Get("rule")->value, "v2");
}

TEST_F(KvTest, DeleteLeavesAMarkerAndCreateWorksAgain) {
  uint64_t rev = *kv_->Create("k", "v");
  ASSERT_TRUE(kv_->Delete("k").ok());
  EXPECT_EQ(kv_->Get("k").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(kv_->Create("k", "again").ok()) << "a deleted key can be created again";
  (void)rev;
}

TEST_F(KvTest, ConditionalDelete) {
  uint64_t rev = *kv_->Create("lease", "node-a");
  uint64_t rev2 = *kv_->Update("lease", "node-b", rev);
  Status stale = kv_->Delete("lease", rev);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_TRUE(kv_->Delete("lease", rev2).ok());
  EXPECT_EQ(kv_->Get("lease").status().code(), StatusCode::kNotFound);
}

TEST_F(KvTest, KeysAndListSkipDeleted) {
  EXPECT_TRUE(kv_->Keys()->empty());
  ASSERT_TRUE(kv_->Put("x", "1").ok());
  ASSERT_TRUE(kv_->Put("y", "2").ok());
  ASSERT_TRUE(kv_->Put("z", "3").ok());
  ASSERT_TRUE(kv_->Delete("y").ok());
  auto keys = kv_->Keys();
  ASSERT_TRUE(keys.ok());
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, (std::vector<std::string>{"x", "z"}));
  auto all = kv_->List(2000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(KvTest, WatchGivesCurrentValuesThenTheMarkerThenChanges) {
  ASSERT_TRUE(kv_->Put("api.rule.a", "1").ok());
  auto w = kv_->Watch("api.rule.>");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto first = (*w)->Next(2000);
  ASSERT_TRUE(first.ok() && first->kind == WatchEvent::kEntry);
  EXPECT_EQ(first->entry.key, "api.rule.a");
  auto marker = (*w)->Next(2000);
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(marker->kind, WatchEvent::kInitialDone);
  ASSERT_TRUE(kv_->Put("api.other", "ignored").ok());
  ASSERT_TRUE(kv_->Put("api.rule.b", "2").ok());
  ASSERT_TRUE(kv_->Delete("api.rule.a").ok());
  auto b = (*w)->Next(2000);
  ASSERT_TRUE(b.ok() && b->kind == WatchEvent::kEntry);
  EXPECT_EQ(b->entry.key, "api.rule.b");
  EXPECT_EQ(b->entry.value, "2");
  auto del = (*w)->Next(2000);
  ASSERT_TRUE(del.ok() && del->kind == WatchEvent::kEntry);
  EXPECT_EQ(del->entry.key, "api.rule.a");
  EXPECT_EQ(del->entry.op, KvEntry::Op::kDelete);
  auto quiet = (*w)->Next(100);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->kind, WatchEvent::kTimeout);
}

TEST_F(KvTest, EnsureAppliesANewTtlToAnExistingBucket) {
  auto again = KeyValue::Ensure(*js_, KvSpec{"res", 5, 60'000, 1, -1});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto info = js_->StreamInfo("KV_res");
  ASSERT_TRUE(info.ok());
}

TEST_F(KvTest, EntriesExpireWithTheBucketTtl) {
  auto kv = KeyValue::Ensure(*js_, KvSpec{"short", 1, 1000, 1, -1});
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  ASSERT_TRUE((*kv)->Create("claim", "x").ok());
  EXPECT_EQ((*kv)->Create("claim", "y").status().code(), StatusCode::kAlreadyExists);
  // Poll (bounded) until JetStream's MaxAge removes it.
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = (*kv)->Get("claim").status().code() == StatusCode::kNotFound;
  }
  EXPECT_TRUE(gone);
  EXPECT_TRUE((*kv)->Create("claim", "z").ok());
}

TEST(KvKeyTest, EscapeIsInjectiveAndReversible) {
  for (std::string s :
       {"", "default|my-rule", "a.b c", "=", "==41", "x/y", "ünï", "Events-Archive-x_1"}) {
    std::string e = EscapeKey(s);
    for (char c : e) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '=')
          << e;
    }
    EXPECT_EQ(UnescapeKey(e), s);
  }
  EXPECT_NE(EscapeKey("a|b"), EscapeKey("a=7Cb"));
  EXPECT_EQ(EscapeKey("default|r1"), "default=7Cr1");
}

}  // namespace
}  // namespace cxbridge::cluster
