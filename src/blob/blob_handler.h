// BlobHandler: serves claim-checked payloads, `GET /blobs/<sha256>` (and HEAD), for operators and
// targets that follow a reference's uri. Mount it behind the admin authentication: blobs hold
// personal data. The handler takes the last path segment after "/blobs/", so it works under any
// mount prefix ("/admin/blobs/<sha256>").
//
// Answers (the one place a store status becomes an HTTP status for blobs):
//   200  the bytes, Content-Type as stored, ETag "<sha256>", immutable caching, nosniff
//   304  If-None-Match names the ETag
//   400  the name is not 64 lower-case hex digits
//   404  no such blob (never a 5xx for a missing blob)
//   405  a method other than GET or HEAD
//   500  the stored bytes fail hash verification (kCorruption; never served)
//   503  the store is unavailable or the handler's queue is full (Retry-After: 1)
// Every answer is computed after the bytes were verified against their hash.
//
// Threading: Handle runs on a server I/O thread and must not block, so reads (disk or S3) run on
// the handler's own worker threads; `respond` is called from a worker. The destructor answers
// queued requests with 503 and joins the workers (no detached work).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "blob/blob_store.h"
#include "http/message.h"

namespace cxbridge::blob {

class BlobHandler : public http::Handler {
 public:
  struct Options {
    size_t workers = 1;
    size_t max_queued = 64;  // requests waiting for a worker; beyond this answer 503
  };

  BlobHandler(std::shared_ptr<BlobStore> store, Options options);
  explicit BlobHandler(std::shared_ptr<BlobStore> store) : BlobHandler(std::move(store), Options{}) {}
  ~BlobHandler() override;

  void Handle(http::Request req, http::Respond respond) override;

  // The answer to one request, synchronously (what a worker runs; exposed for tests).
  http::Response Serve(const http::Request& req);

 private:
  struct Job {
    http::Request req;
    http::Respond respond;
  };
  void WorkerLoop();

  const std::shared_ptr<BlobStore> store_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace cxbridge::blob
