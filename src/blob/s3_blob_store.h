// S3BlobStore: the BlobStore interface on an S3-compatible bucket (AWS S3, MinIO, moto, Ceph).
//
// Objects are addressed path-style: {endpoint}/{bucket}/{prefix}{sha256}. Requests are SigV4
// signed (service "s3", header-signed, x-amz-content-sha256 = the body's hash) with
// aws::SignV4 and sent with the synchronous path of http::HttpClient, each bounded by
// `timeout_ms`. Listing uses ListObjectsV2 (paged with start-after).
//
// Semantics against the interface:
//   Put     always PUTs (an S3 PUT of identical bytes is idempotent, and it refreshes
//           LastModified, which retention's grace period relies on). OK means the endpoint
//           answered 200 to the PUT.
//   Get     verifies the SHA-256 of the body (kCorruption on mismatch).
//   Delete  204/200/404 are all OK.
// Status mapping (one place: StatusFromResponse in the .cc): no response / timeout / 5xx / 429 →
// kUnavailable; 401/403 → kFailedPrecondition (credentials); 404 on a bucket → kFailedPrecondition;
// other answers → kInternal with the status and S3's error code.
//
// Thread-safety: safe from any thread. Blocks the calling thread for up to `timeout_ms` per
// request; never call it from the HttpClient's callback thread (it would wait on itself).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "blob/blob_store.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "http/client.h"

namespace cxbridge::blob {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;    // 3–63 of [a-z0-9.-]
  std::string prefix;    // key prefix, e.g. "cxbridge/blobs/"; only [A-Za-z0-9._/-]
  std::string region = "us-east-1";
  // Static keys (aws::StaticCredentials) or the server's default chain (`credentials: default`).
  std::shared_ptr<const aws::CredentialSource> credentials;
  int64_t timeout_ms = 10'000;
  int list_page_size = 1000;     // ListObjectsV2 max-keys (tests page with small values)
  const Clock* clock = nullptr;  // signing time; nullptr = SystemClock()
};

class S3BlobStore : public BlobStore {
 public:
  // Validates the options (kInvalidArgument names the field). `client` may be shared with other
  // users; nullptr creates one owned by the store. No request is sent here.
  static Result<std::unique_ptr<S3BlobStore>> Create(S3Options options,
                                                     std::shared_ptr<http::HttpClient> client);

  Result<BlobRef> Put(std::string_view bytes, std::string_view content_type) override;
  Result<Blob> Get(std::string_view sha256) override;
  Result<bool> Exists(std::string_view sha256) override;
  Status Delete(std::string_view sha256) override;
  Status ForEach(const std::function<bool(const BlobInfo&)>& fn) override;
  std::string Uri(std::string_view sha256) const override;  // s3://bucket/prefix<sha256>

  // Creates the bucket (setup and tests); OK when we already own it.
  Status CreateBucket();

 private:
  S3BlobStore(S3Options options, std::shared_ptr<http::HttpClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}

  // Signs and sends one request. `path_and_query` starts after the bucket ("/key" or "?list…").
  http::ClientResponse Send(const std::string& method, const std::string& path_and_query,
                            std::string body, std::string content_type);

  const S3Options options_;
  const std::shared_ptr<http::HttpClient> client_;
};

}  // namespace cxbridge::blob
