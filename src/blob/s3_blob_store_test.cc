// S3BlobStore against a real moto_server (an S3-compatible endpoint) on a free loopback port.
#include "blob/s3_blob_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "blob/claim_check.h"
#include "blob/retention.h"
#include "blob/test_util.h"
#include "common/encoding.h"
#include "http/testing/moto_server.h"

namespace cxbridge::blob {
namespace {

namespace fs = std::filesystem;
using ::cxbridge::moto_testing::FreeLoopbackPort;
using ::cxbridge::moto_testing::MotoServer;

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CXB_REQUIRE_MOTO();
    // One bucket per test: tests do not see each other's blobs.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string bucket = "cxb-";
    for (char c : name) bucket.push_back(static_cast<char>(std::tolower(c)));
    bucket = bucket.substr(0, 63);
    client_ = std::make_shared<http::HttpClient>();
    store_ = Make(bucket, "cx/blobs/");
    ASSERT_TRUE(store_->CreateBucket().ok());
    ASSERT_TRUE(store_->CreateBucket().ok());  // idempotent
  }
  std::shared_ptr<S3BlobStore> Make(const std::string& bucket, const std::string& prefix,
                                    int page = 1000) {
    S3Options o;
    o.endpoint = MotoServer::Get()->endpoint();
    o.bucket = bucket;
    o.prefix = prefix;
    o.credentials =
        aws::StaticCredentials({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""});
    o.timeout_ms = 10'000;
    o.list_page_size = page;
    auto s = S3BlobStore::Create(o, client_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::shared_ptr<S3BlobStore>(std::move(*s));
  }
  // A signed PUT of arbitrary bytes under a blob's key (to corrupt it behind the store's back).
  int RawPut(const std::string& key, const std::string& body) {
    http::ClientRequest req;
    req.method = "PUT";
    req.url = MotoServer::Get()->endpoint() + "/" + bucket() + "/" + key;
    req.headers = {{"x-amz-content-sha256", Sha256Hex(body)}};
    aws::SignInput in;
    in.method = "PUT";
    in.url = req.url;
    in.headers = req.headers;
    in.body = body;
    in.region = "us-east-1";
    in.service = "s3";
    in.now_ms = SystemClock().NowMs();
    for (auto& h : aws::SignV4(in, {"AKIDEXAMPLE", "secret", ""})) req.headers.push_back(h);
    req.body = body;
    return client_->SendSync(req).status;
  }
  std::string bucket() const { return store_->Uri("").substr(5, store_->Uri("").find('/', 5) - 5); }

  std::shared_ptr<http::HttpClient> client_;
  std::shared_ptr<S3BlobStore> store_;
};

TEST_F(S3BlobStoreTest, PutGetRoundTrip) {
  std::string bytes = R"({"transcripts":["é",1.50]})";
  auto ref = store_->Put(bytes, "application/json");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->sha256, Sha256Hex(bytes));
  EXPECT_EQ(ref->uri, "s3://" + bucket() + "/cx/blobs/" + ref->sha256);
  auto blob = store_->Get(ref->sha256);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->bytes, bytes);
  EXPECT_EQ(blob->content_type, "application/json");
  EXPECT_TRUE(*store_->Exists(ref->sha256));
}

TEST_F(S3BlobStoreTest, PutIsIdempotent) {
  auto a = store_->Put("same", "text/plain");
  auto b = store_->Put("same", "text/plain");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(S3BlobStoreTest, TamperedObjectIsCorruptionOnRead) {
  auto ref = store_->Put("original bytes", "text/plain");
  ASSERT_TRUE(ref.ok());
  ASSERT_EQ(RawPut("cx/blobs/" + ref->sha256, "tampered bytes"), 200);
  auto blob = store_->Get(ref->sha256);
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.status().code(), StatusCode::kCorruption) << blob.status().ToString();
}

TEST_F(S3BlobStoreTest, MissingBlobAndMissingBucket) {
  EXPECT_EQ(store_->Get(std::string(64, 'c')).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*store_->Exists(std::string(64, 'c')));
  EXPECT_TRUE(store_->Delete(std::string(64, 'c')).ok());
  auto nobucket = Make("cxb-no-such-bucket", "");
  EXPECT_EQ(nobucket->Get(std::string(64, 'c')).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(nobucket->Put("x", "").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(S3BlobStoreTest, DeleteRemoves) {
  auto ref = store_->Put("bye", "text/plain");
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(store_->Delete(ref->sha256).ok());
  EXPECT_FALSE(*store_->Exists(ref->sha256));
  EXPECT_EQ(store_->Get(ref->sha256).status().code(), StatusCode::kNotFound);
}

TEST_F(S3BlobStoreTest, ForEachPagesAndSkipsForeignKeys) {
  auto paged = Make(bucket(), "cx/blobs/", 3);
  std::set<std::string> want;
  for (int i = 0; i < 7; ++i) {
    auto ref = paged->Put("blob " + std::to_string(i), "text/plain");
    ASSERT_TRUE(ref.ok());
    want.insert(ref->sha256);
  }
  ASSERT_EQ(RawPut("cx/blobs/not-a-blob", "x"), 200);
  ASSERT_EQ(RawPut("elsewhere/" + *want.begin(), "x"), 200);
  std::set<std::string> got;
  ASSERT_TRUE(paged->ForEach([&](const BlobInfo& info) {
    got.insert(info.sha256);
    EXPECT_GT(info.modified_ms, 1'600'000'000'000);
    EXPECT_GT(info.size, 0u);
    return true;
  }).ok());
  EXPECT_EQ(got, want);
}

TEST_F(S3BlobStoreTest, ClaimCheckLargestGenesysSampleAndFiveMegabytes) {
  std::ifstream f(testing::SharedDir() / "genesys" /
                  "eb-v2.conversations.transcription.largest-observed-real-anonymized.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto sample = json::Parse(ss.str());
  ASSERT_TRUE(sample.ok());
  ClaimCheckPolicy policy;
  policy.threshold_bytes = 4096;
  policy.fields.push_back(*transform::JsonPath::Compile("$.detail.eventBody.transcripts"));
  ClaimCheck cc(policy, store_);
  json::Value e = *sample;
  std::string original = json::Serialize(e);
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->refs.size(), 1u);
  EXPECT_TRUE(out->refs[0].uri.starts_with("s3://"));
  ASSERT_TRUE(cc.Resolve(&e).ok());
  EXPECT_EQ(json::Serialize(e), original);

  // 5 MB through the whole-detail policy.
  std::string words;
  while (words.size() < 5 * 1024 * 1024) words += R"({"word":"astonish","confidence":0.958},)";
  words.pop_back();
  auto big = json::Parse(R"({"version":"0","source":"s","detail":{"transcripts":[)" + words + "]}}");
  ASSERT_TRUE(big.ok());
  std::string big_original = json::Serialize(*big);
  ClaimCheck whole(ClaimCheckPolicy{}, store_);
  auto out2 = whole.Apply(&*big);
  ASSERT_TRUE(out2.ok()) << out2.status().ToString();
  ASSERT_EQ(out2->refs.size(), 1u);
  EXPECT_GT(out2->refs[0].size, 5u * 1024 * 1024);
  ASSERT_TRUE(whole.Resolve(&*big).ok());
  EXPECT_EQ(json::Serialize(*big), big_original);
}

TEST_F(S3BlobStoreTest, SweepKeepsReferencedBlobs) {
  auto keep = store_->Put("keep", "text/plain");
  auto drop = store_->Put("drop", "text/plain");
  ASSERT_TRUE(keep.ok() && drop.ok());
  FakeClock later(SystemClock().NowMs() + 3'600'000);
  auto stats = Sweep(*store_, [&](std::string_view sha) { return sha == keep->sha256; },
                     std::chrono::minutes(30), later);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->deleted, 1u);
  EXPECT_EQ(stats->kept_referenced, 1u);
  EXPECT_TRUE(*store_->Exists(keep->sha256));
  EXPECT_FALSE(*store_->Exists(drop->sha256));
}

TEST_F(S3BlobStoreTest, FromConfigWithSecretSpecs) {
  ::setenv("CXB_BLOB_TEST_KEY", "AKIDEXAMPLE", 1);
  ::setenv("CXB_BLOB_TEST_SECRET", "secret", 1);
  BlobStoreRegistry registry;
  RegisterBuiltins(&registry);
  StoreContext ctx;
  ctx.http_client = client_;
  auto cfg = json::Parse(R"({"type":"s3","endpoint":")" + MotoServer::Get()->endpoint() +
                         R"(","bucket":")" + bucket() +
                         R"(","prefix":"cfg/","region":"us-east-1",
      "access_key_id":{"env":"CXB_BLOB_TEST_KEY"},"secret_access_key":{"env":"CXB_BLOB_TEST_SECRET"},
      "timeout_ms":5000})");
  ASSERT_TRUE(cfg.ok());
  auto store = registry.Create(*cfg, ctx);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto ref = (*store)->Put("from config", "text/plain");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->uri, "s3://" + bucket() + "/cfg/" + ref->sha256);

  auto missing_secret = registry.Create(
      *json::Parse(R"({"type":"s3","endpoint":"http://x","bucket":"abc","access_key_id":"a",
                       "secret_access_key":{"env":"CXB_BLOB_TEST_UNSET_VAR"}})"),
      ctx);
  ASSERT_FALSE(missing_secret.ok());
  EXPECT_TRUE(missing_secret.status().message().starts_with("store.secret_access_key: "))
      << missing_secret.status().message();
}

TEST_F(S3BlobStoreTest, FromConfigWithTheDefaultCredentialChain) {
  BlobStoreRegistry registry;
  RegisterBuiltins(&registry);
  auto cfg =
      json::Parse(R"({"type":"s3","endpoint":")" + MotoServer::Get()->endpoint() +
                  R"(","bucket":")" + bucket() + R"(","prefix":"chain/","credentials":"default"})");
  ASSERT_TRUE(cfg.ok());
  StoreContext ctx;
  ctx.http_client = client_;
  // No chain where the server offers none.
  auto refused = registry.Create(*cfg, ctx);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("credentials: default"), std::string::npos);

  // A chain that finds keys in its environment signs the store's requests.
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIDCHAIN"},
                                            {"AWS_SECRET_ACCESS_KEY", "chain-secret"},
                                            {"AWS_EC2_METADATA_DISABLED", "true"},
                                            {"HOME", "/nonexistent"}};
  aws::DefaultCredentialChain::Options o;
  o.getenv = [&env](const std::string& n) -> std::optional<std::string> {
    auto it = env.find(n);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  http::HttpClient chain_client;
  aws::DefaultCredentialChain chain(chain_client, SystemClock(), o);
  ASSERT_TRUE(chain.Start().ok());
  ctx.default_credentials = [&chain] {
    return std::shared_ptr<const aws::CredentialSource>(
        std::shared_ptr<const aws::CredentialSource>(), &chain);
  };
  auto store = registry.Create(*cfg, ctx);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto ref = (*store)->Put("signed by the chain", "text/plain");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ((*store)->Get(ref->sha256)->bytes, "signed by the chain");

  // A chain with nothing to offer: the store is unavailable (retried later), and says why.
  env.erase("AWS_ACCESS_KEY_ID");
  aws::DefaultCredentialChain empty(chain_client, SystemClock(), o);
  (void)empty.Start();
  ctx.default_credentials = [&empty] {
    return std::shared_ptr<const aws::CredentialSource>(
        std::shared_ptr<const aws::CredentialSource>(), &empty);
  };
  auto unsigned_store = registry.Create(*cfg, ctx);
  ASSERT_TRUE(unsigned_store.ok());
  auto put = (*unsigned_store)->Put("never sent", "text/plain");
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(put.status().message().find("no AWS credentials"), std::string::npos)
      << put.status().message();
}

TEST(S3BlobStoreOptionsTest, InvalidOptionsAreRejected) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:1";
  o.bucket = "bucket";
  o.credentials = aws::StaticCredentials({"a", "b", ""});
  EXPECT_TRUE(S3BlobStore::Create(o, nullptr).ok());
  auto bad = [&](auto mutate) {
    S3Options c = o;
    mutate(c);
    return S3BlobStore::Create(c, nullptr).status().code();
  };
  EXPECT_EQ(bad([](S3Options& c) { c.endpoint = "ftp://x"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](S3Options& c) { c.bucket = "Upper"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](S3Options& c) { c.prefix = "a b/"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](S3Options& c) { c.credentials.reset(); }), StatusCode::kInvalidArgument);
}

TEST(S3BlobStoreOptionsTest, UnreachableEndpointIsUnavailableWithinTheTimeout) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  o.bucket = "bucket";
  o.credentials = aws::StaticCredentials({"a", "b", ""});
  o.timeout_ms = 2000;
  auto store = S3BlobStore::Create(o, nullptr);
  ASSERT_TRUE(store.ok());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ((*store)->Put("x", "").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Get(std::string(64, 'a')).status().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace cxbridge::blob
