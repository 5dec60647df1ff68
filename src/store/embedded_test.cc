#include "store/embedded.h"

#include "store/blob_refs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unordered_set>

namespace cxbridge::store {
namespace {

class EmbeddedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cxb-embedded-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = Db::Open(dir_, clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(EmbeddedTest, ResourcesPutGetListDelete) {
  EmbeddedResourceStore rs(*db_);
  ASSERT_TRUE(rs.Put("rule", "b", "{\"n\":2}").ok());
  ASSERT_TRUE(rs.Put("rule", "a", "{\"n\":1}").ok());
  ASSERT_TRUE(rs.Put("bus", "x", "{}").ok());
  auto list = rs.List("rule");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ(rs.Get("rule", "b")->value, "{\"n\":2}");
  ASSERT_TRUE(rs.Delete("rule", "a").ok());
  EXPECT_EQ(rs.Get("rule", "a").status().code(), StatusCode::kNotFound);
}

TEST_F(EmbeddedTest, ResourcesWrittenBeforeRevisionsReadAsRevisionOne) {
  // As an older cxbridge left it: bare JSON under kind NUL name, no revision counter.
  rocksdb::WriteBatch wb;
  wb.Put(db_->resources(), std::string("rule\0old", 8), R"({"n":0})");
  ASSERT_TRUE(db_->Write(&wb).ok());
  EmbeddedResourceStore rs(*db_);
  auto e = rs.Get("rule", "old");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->value, R"({"n":0})");
  EXPECT_EQ(e->revision, 1u);
  EXPECT_EQ(rs.List("rule")->at(0).revision, 1u);
  auto next = rs.Put("rule", "old", R"({"n":1})", 1);
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, 1u);
  EXPECT_EQ(rs.Get("rule", "old")->value, R"({"n":1})");
}

TEST_F(EmbeddedTest, ArchiveScanWindowInTimeOrder) {
  EmbeddedArchiveStore as(*db_);
  ASSERT_TRUE(as.Append("a1", 3000, "{\"t\":3}").ok());
  ASSERT_TRUE(as.Append("a1", 1000, "{\"t\":1}").ok());
  ASSERT_TRUE(as.Append("a1", 2000, "{\"t\":2}").ok());
  ASSERT_TRUE(as.Append("a10", 2000, "{\"other\":1}").ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(as.Scan("a1", 1000, 3000, [&](int64_t, std::string_view j) {
                  seen.emplace_back(j);
                  return true;
                }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"{\"t\":1}", "{\"t\":2}"}));
  EXPECT_EQ(*as.Count("a1"), 3u);
  ASSERT_TRUE(as.DeleteBefore("a1", 2500).ok());
  EXPECT_EQ(*as.Count("a1"), 1u);
  EXPECT_EQ(*as.Count("a10"), 1u);
}

TEST_F(EmbeddedTest, DeadLetterMovesDeliveryToDlq) {
  EmbeddedEventLog log(*db_, clock_, {});
  EmbeddedDeliveryQueue ds(*db_, log);
  const RouteId tk{"default", "r", "t"};
  ASSERT_TRUE(ds.RetryAt(tk, 7, DeliveryRecord{2, 1, 2, "x"}).ok());
  ASSERT_TRUE(ds.DeadLetter(tk, 7, DlqEntry{DlqId(5, 7), "{\"a\":1}"}).ok());
  int pending = 0;
  ASSERT_TRUE(ds.ForEachPending([&](auto, auto, auto&) { ++pending; }).ok());
  EXPECT_EQ(pending, 0);
  auto list = ds.ListDlq("", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, DlqId(5, 7));
  EXPECT_TRUE(ds.GetDlq(DlqId(5, 7)).ok());
  EXPECT_EQ(ds.ListDlq(DlqId(5, 7), 10)->size(), 0u);
}

TEST_F(EmbeddedTest, TrimEventsStopsAtPendingAndCutoff) {
  rocksdb::WriteBatch wb;
  for (uint64_t s = 1; s <= 5; ++s) {
    wb.Put(db_->events(), SeqKey(s), EncodeEventRecord({int64_t(s * 1000), "default", "{}"}));
  }
  ASSERT_TRUE(db_->Write(&wb).ok());
  EmbeddedEventLog log(*db_, clock_, {});
  EXPECT_EQ(*log.Trim(4, 2500), 2u);  // seq 1,2 are older than the cutoff
  EXPECT_EQ(log.Read(2).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(log.Read(3).ok());
}

TEST_F(EmbeddedTest, TargetKeyRoundTrip) {
  auto id = RouteId::FromKey(RouteId{"b", "r", "t"}.Key());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, (RouteId{"b", "r", "t"}));
  EXPECT_FALSE(RouteId::FromKey("b\x1fr").has_value());
  std::string_view tk;
  uint64_t seq;
  ASSERT_TRUE(ParseDeliveryKey(DeliveryKey("b\x1fr\x1ft", 42), &tk, &seq));
  EXPECT_EQ(seq, 42u);
}

TEST(BlobRefsTest, FindsPlainEscapedAndManyReferences) {
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  std::unordered_set<std::string> refs;
  ExtractBlobRefs(R"({"detail":{"$ref":{"uri":"file:///x","sha256":")" + a + R"(","size":3}}})", &refs);
  // A DLQ entry keeps its event as an escaped string.
  ExtractBlobRefs(R"({"event":"{\"t\":{\"$ref\":{\"uri\":\"s3://b/k\",\"sha256\":\")" + b +
                      R"(\"}},\"u\":{\"$ref\":{\"sha256\" : \")" + c + R"(\"}}}"})",
                  &refs);
  EXPECT_EQ(refs, (std::unordered_set<std::string>{a, b, c}));
}

TEST(BlobRefsTest, IgnoresWhatIsNotAReference) {
  std::unordered_set<std::string> refs;
  ExtractBlobRefs(R"({"sha256":")" + std::string(64, 'a') + R"("})", &refs);        // no $ref
  ExtractBlobRefs(R"({"$ref":{"sha256":")" + std::string(63, 'a') + R"("}})", &refs);  // too short
  ExtractBlobRefs(R"({"$ref":{"sha256":")" + std::string(65, 'a') + R"("}})", &refs);  // too long
  ExtractBlobRefs(R"({"$ref":{"sha256":")" + std::string(64, 'A') + R"("}})", &refs);  // not lower hex
  ExtractBlobRefs(R"({"$ref":{"sha256":")", &refs);                                     // truncated
  ExtractBlobRefs("$ref", &refs);
  EXPECT_TRUE(refs.empty());
}

TEST_F(EmbeddedTest, CollectBlobRefsScansEventsArchivesAndDeadLetters) {
  const std::string a(64, '1'), b(64, '2'), c(64, '3');
  auto ref = [](const std::string& sha) { return R"({"$ref":{"uri":"u","sha256":")" + sha + R"("}})"; };
  rocksdb::WriteBatch wb;
  wb.Put(db_->events(), SeqKey(1), EncodeEventRecord({1, "default", R"({"detail":)" + ref(a) + "}"}));
  ASSERT_TRUE(db_->Write(&wb).ok());
  EmbeddedArchiveStore as(*db_);
  ASSERT_TRUE(as.Append("arch", 1000, R"({"detail":)" + ref(b) + "}").ok());
  EmbeddedEventLog log(*db_, clock_, {});
  EmbeddedDeliveryQueue ds(*db_, log);
  const RouteId tk{"default", "r", "t"};
  ASSERT_TRUE(ds.RetryAt(tk, 9, DeliveryRecord{1, 1, 2, "x"}).ok());
  ASSERT_TRUE(ds.DeadLetter(tk, 9, DlqEntry{DlqId(5, 9), R"({"event":{"detail":)" + ref(c) + "}}"}).ok());
  auto refs = CollectBlobRefs(*db_);
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  EXPECT_EQ(*refs, (std::unordered_set<std::string>{a, b, c}));
}

}  // namespace
}  // namespace cxbridge::store
