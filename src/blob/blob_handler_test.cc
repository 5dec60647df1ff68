#include "blob/blob_handler.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "blob/local_blob_store.h"
#include "blob/test_util.h"

namespace cxbridge::blob {
namespace {

const std::string* HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (http::EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

class BlobHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalBlobStore::Open(dir_.path());
    ASSERT_TRUE(s.ok());
    store_ = std::shared_ptr<LocalBlobStore>(std::move(*s));
    handler_ = std::make_unique<BlobHandler>(store_);
  }
  http::Response Get(std::string path, std::string method = "GET") {
    http::Request req;
    req.method = std::move(method);
    req.path = path;
    req.target = path;
    std::promise<http::Response> p;
    handler_->Handle(std::move(req), [&](http::Response r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  testing::TempDir dir_;
  std::shared_ptr<LocalBlobStore> store_;
  std::unique_ptr<BlobHandler> handler_;
};

TEST_F(BlobHandlerTest, ServesTheBytesWithTheStoredContentType) {
  auto ref = store_->Put(R"({"transcripts":[]})", "application/json");
  ASSERT_TRUE(ref.ok());
  http::Response r = Get("/blobs/" + ref->sha256);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"transcripts":[]})");
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_NE(HeaderOf(r, "ETag"), nullptr);
  EXPECT_EQ(*HeaderOf(r, "ETag"), "\"" + ref->sha256 + "\"");
  EXPECT_EQ(*HeaderOf(r, "X-Content-Type-Options"), "nosniff");

  auto text = store_->Put("hello", "text/plain; charset=utf-8");
  http::Response t = Get("/admin/blobs/" + text->sha256);  // any mount prefix
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.content_type, "text/plain; charset=utf-8");
}

TEST_F(BlobHandlerTest, MissingBlobIs404NeverA5xx) {
  http::Response r = Get("/blobs/" + std::string(64, 'e'));
  EXPECT_EQ(r.status, 404);
}

TEST_F(BlobHandlerTest, MalformedNameIs400) {
  EXPECT_EQ(Get("/blobs/../../etc/passwd").status, 400);
  EXPECT_EQ(Get("/blobs/" + std::string(64, 'E')).status, 400);
  EXPECT_EQ(Get("/blobs/").status, 400);
  EXPECT_EQ(Get("/elsewhere").status, 400);
}

TEST_F(BlobHandlerTest, CorruptBlobIsNeverServed) {
  auto ref = store_->Put("0123456789", "text/plain");
  {
    std::fstream f(store_->PathFor(ref->sha256), std::ios::in | std::ios::out | std::ios::binary);
    f.put('X');
  }
  http::Response r = Get("/blobs/" + ref->sha256);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("0123456789"), std::string::npos);
}

TEST_F(BlobHandlerTest, HeadAndConditionalGet) {
  auto ref = store_->Put("cache me", "text/plain");
  http::Response head = Get("/blobs/" + ref->sha256, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(Get("/blobs/" + ref->sha256, "DELETE").status, 405);

  http::Request req;
  req.method = "GET";
  req.path = "/blobs/" + ref->sha256;
  req.headers.emplace_back("If-None-Match", "\"" + ref->sha256 + "\"");
  EXPECT_EQ(handler_->Serve(req).status, 304);
}

TEST_F(BlobHandlerTest, ShutdownAnswersEveryQueuedRequest) {
  auto ref = store_->Put("many", "text/plain");
  std::atomic<int> answered{0};
  {
    BlobHandler h(store_, BlobHandler::Options{1, 1000});
    for (int i = 0; i < 200; ++i) {
      http::Request req;
      req.method = "GET";
      req.path = "/blobs/" + ref->sha256;
      h.Handle(std::move(req), [&](http::Response r) {
        EXPECT_TRUE(r.status == 200 || r.status == 503);
        ++answered;
      });
    }
  }
  EXPECT_EQ(answered.load(), 200);
}

}  // namespace
}  // namespace cxbridge::blob
