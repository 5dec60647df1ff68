#include "blob/blob_handler.h"

#include "common/thread_name.h"

namespace cxbridge::blob {
namespace {

http::Response ServiceUnavailable(std::string_view message) {
  http::Response r = http::Response::Error(503, "ServiceUnavailable", message);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

BlobHandler::BlobHandler(std::shared_ptr<BlobStore> store, Options options)
    : store_(std::move(store)), options_(options) {
  size_t n = options_.workers == 0 ? 1 : options_.workers;
  for (size_t i = 0; i < n; ++i)
    workers_.emplace_back([this] {
      SetThreadName("cxb-blob-read");
      WorkerLoop();
    });
}

BlobHandler::~BlobHandler() {
  std::deque<Job> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.swap(queue_);
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  for (Job& job : left) job.respond(ServiceUnavailable("shutting down"));
}

void BlobHandler::Handle(http::Request req, http::Respond respond) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(Job{std::move(req), std::move(respond)});
      cv_.notify_one();
      return;
    }
  }
  respond(ServiceUnavailable("too many blob reads in progress"));
}

void BlobHandler::WorkerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.respond(Serve(job.req));
  }
}

http::Response BlobHandler::Serve(const http::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    http::Response r = http::Response::Error(405, "MethodNotAllowed", "use GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = req.path;
  size_t at = path.rfind("/blobs/");
  std::string_view name = at == std::string_view::npos ? std::string_view() : path.substr(at + 7);
  if (!IsSha256Hex(name)) {
    return http::Response::Error(400, "InvalidBlobName",
                                 "a blob is named by 64 lower-case hex digits: /blobs/<sha256>");
  }
  std::string etag = "\"" + std::string(name) + "\"";
  Result<Blob> blob = store_->Get(name);
  if (!blob.ok()) {
    switch (blob.status().code()) {
      case StatusCode::kNotFound:
      case StatusCode::kInvalidArgument:
        return http::Response::Error(404, "NotFound", "no blob " + std::string(name));
      case StatusCode::kUnavailable:
        return ServiceUnavailable(blob.status().message());
      case StatusCode::kCorruption:
        return http::Response::Error(500, "BlobCorrupted",
                                     "blob " + std::string(name) + " failed hash verification");
      default:
        return http::Response::Error(500, "InternalError", blob.status().message());
    }
  }
  http::Response r;
  r.status = 200;
  r.content_type = blob->content_type;
  r.headers.emplace_back("ETag", etag);
  // Content-addressed: the bytes behind a name never change.
  r.headers.emplace_back("Cache-Control", "private, max-age=31536000, immutable");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (std::optional<std::string_view> inm = req.Header("If-None-Match");
      inm && (*inm == etag || *inm == "*")) {
    r.status = 304;
    return r;
  }
  if (req.method == "GET") r.body = std::move(blob->bytes);
  return r;
}

}  // namespace cxbridge::blob
