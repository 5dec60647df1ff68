#include "blob/local_blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "blob/blob_store_registry.h"
#include "blob/test_util.h"
#include "common/encoding.h"

namespace cxbridge::blob {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalBlobStore::Open(dir_.path() / "blobs");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  testing::TempDir dir_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, PutGetRoundTrip) {
  std::string bytes = R"({"transcripts":[1,2,3]})";
  auto ref = store_->Put(bytes, "application/json");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->sha256, Sha256Hex(bytes));
  EXPECT_EQ(ref->size, bytes.size());
  EXPECT_EQ(ref->content_type, "application/json");
  EXPECT_EQ(ref->uri, "file://" + store_->PathFor(ref->sha256).string());
  auto blob = store_->Get(ref->sha256);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->bytes, bytes);
  EXPECT_EQ(blob->content_type, "application/json");
}

TEST_F(LocalBlobStoreTest, BinaryAndEmptyBlobsRoundTrip) {
  std::string binary("\0\x01\xff\n\r", 5);
  for (const std::string& bytes : {binary, std::string()}) {
    auto ref = store_->Put(bytes, "");
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    auto blob = store_->Get(ref->sha256);
    ASSERT_TRUE(blob.ok());
    EXPECT_EQ(blob->bytes, bytes);
    EXPECT_EQ(blob->content_type, kDefaultContentType);
  }
}

TEST_F(LocalBlobStoreTest, LayoutIsTwoLevelsOfTwoHexDigits) {
  auto ref = store_->Put("layout", "text/plain");
  ASSERT_TRUE(ref.ok());
  const std::string& h = ref->sha256;
  fs::path expected = dir_.path() / "blobs" / h.substr(0, 2) / h.substr(2, 2) / h;
  EXPECT_TRUE(fs::exists(expected));
  EXPECT_TRUE(fs::exists(expected.string() + ".type"));
  EXPECT_EQ(store_->PathFor(h), expected);
}

TEST_F(LocalBlobStoreTest, PermissionsAreOwnerOnly) {
  ::umask(0);  // the store must not rely on the process umask
  auto ref = store_->Put("secret transcript", "application/json");
  ::umask(022);
  ASSERT_TRUE(ref.ok());
  fs::path file = store_->PathFor(ref->sha256);
  EXPECT_EQ(ModeOf(file), 0600u);
  EXPECT_EQ(ModeOf(file.string() + ".type"), 0600u);
  EXPECT_EQ(ModeOf(file.parent_path()), 0700u);
  EXPECT_EQ(ModeOf(file.parent_path().parent_path()), 0700u);
  EXPECT_EQ(ModeOf(dir_.path() / "blobs"), 0700u);
}

TEST_F(LocalBlobStoreTest, OpenTightensAnExistingRoot) {
  fs::path root = dir_.path() / "open";
  fs::create_directories(root);
  ::chmod(root.c_str(), 0755);
  ASSERT_TRUE(LocalBlobStore::Open(root).ok());
  EXPECT_EQ(ModeOf(root), 0700u);
}

TEST_F(LocalBlobStoreTest, PutIsIdempotentAndKeepsTheFirstContentType) {
  auto a = store_->Put("same bytes", "application/json");
  auto b = store_->Put("same bytes", "text/plain");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_EQ(b->content_type, "application/json");
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(LocalBlobStoreTest, PutRepairsATruncatedFile) {
  auto ref = store_->Put("0123456789", "text/plain");
  ASSERT_TRUE(ref.ok());
  fs::resize_file(store_->PathFor(ref->sha256), 3);
  ASSERT_TRUE(store_->Put("0123456789", "text/plain").ok());
  auto blob = store_->Get(ref->sha256);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->bytes, "0123456789");
}

TEST_F(LocalBlobStoreTest, CorruptedFileIsCorruptionOnRead) {
  auto ref = store_->Put(R"({"a":"hello"})", "application/json");
  ASSERT_TRUE(ref.ok());
  {
    // Same size, one byte flipped: only the hash can tell.
    std::fstream f(store_->PathFor(ref->sha256), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(7);
    f.put('j');
  }
  auto blob = store_->Get(ref->sha256);
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.status().code(), StatusCode::kCorruption) << blob.status().ToString();
}

TEST_F(LocalBlobStoreTest, MissingBlobIsNotFound) {
  auto blob = store_->Get(std::string(64, 'a'));
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.status().code(), StatusCode::kNotFound);
  auto exists = store_->Exists(std::string(64, 'a'));
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_F(LocalBlobStoreTest, MalformedNamesAreRejected) {
  for (std::string bad : {std::string("../../etc/passwd"), std::string(64, 'A'),
                          std::string(63, 'a'), std::string(64, 'g'), std::string()}) {
    EXPECT_EQ(store_->Get(bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(bad).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Exists(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(LocalBlobStoreTest, DeleteRemovesAndIsIdempotent) {
  auto ref = store_->Put("to delete", "text/plain");
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(*store_->Exists(ref->sha256));
  EXPECT_TRUE(store_->Delete(ref->sha256).ok());
  EXPECT_FALSE(*store_->Exists(ref->sha256));
  EXPECT_FALSE(fs::exists(store_->PathFor(ref->sha256).string() + ".type"));
  EXPECT_TRUE(store_->Delete(ref->sha256).ok());
  EXPECT_EQ(store_->Get(ref->sha256).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalBlobStoreTest, ForEachListsOnlyBlobs) {
  std::set<std::string> want;
  for (int i = 0; i < 20; ++i) {
    auto ref = store_->Put("blob " + std::to_string(i), "text/plain");
    ASSERT_TRUE(ref.ok());
    want.insert(ref->sha256);
  }
  // Leftovers that are not blobs: a temp file, a stray file, a stray folder.
  fs::path some = store_->PathFor(*want.begin()).parent_path();
  std::ofstream(some / ".tmp-abandoned") << "x";
  std::ofstream(store_->root() / "README") << "x";
  fs::create_directories(store_->root() / "zz");
  std::set<std::string> got;
  ASSERT_TRUE(store_->ForEach([&](const BlobInfo& info) {
    got.insert(info.sha256);
    EXPECT_GT(info.modified_ms, 1'600'000'000'000);
    return true;
  }).ok());
  EXPECT_EQ(got, want);
  int seen = 0;
  ASSERT_TRUE(store_->ForEach([&](const BlobInfo&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
}

TEST_F(LocalBlobStoreTest, RegistryBuildsLocalStoreUnderDataDir) {
  BlobStoreRegistry registry;
  RegisterBuiltins(&registry);
  StoreContext ctx;
  ctx.data_dir = dir_.path() / "data";
  auto store = registry.Create(json::Value(), ctx);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto ref = (*store)->Put("x", "text/plain");
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(ref->uri.find((dir_.path() / "data" / "blobs").string()) != std::string::npos);

  auto explicit_path = registry.Create(
      *json::Parse(R"({"type":"local","path":")" + (dir_.path() / "elsewhere").string() + "\"}"),
      ctx);
  ASSERT_TRUE(explicit_path.ok());
  EXPECT_TRUE(fs::exists(dir_.path() / "elsewhere"));
}

TEST_F(LocalBlobStoreTest, RegistryErrorsNameTheKey) {
  BlobStoreRegistry registry;
  RegisterBuiltins(&registry);
  StoreContext ctx;
  auto unknown_type = registry.Create(*json::Parse(R"({"type":"gcs"})"), ctx);
  EXPECT_EQ(unknown_type.status().message(),
            "store.type: unknown blob store type 'gcs' (known: local, s3)");
  auto unknown_key = registry.Create(*json::Parse(R"({"type":"local","pth":"/x"})"), ctx);
  EXPECT_EQ(unknown_key.status().message(), "store: unknown key 'pth' (did you mean 'path'?)");
  auto no_dir = registry.Create(*json::Parse(R"({"type":"local"})"), ctx);
  EXPECT_EQ(no_dir.status().message(), "store.path: required when the server has no data_dir");
}

}  // namespace
}  // namespace cxbridge::blob
