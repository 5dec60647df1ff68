// BlobStore: a content-addressed store for payloads moved out of events by the claim check
// (claim_check.h). A blob is named by the lower-case hex SHA-256 of its bytes, so a Put of the
// same bytes twice stores them once and returns the same reference.
//
// One interface, several backends (STYLE.md "one extension, one place"): local_blob_store.h (a
// folder, the default) and s3_blob_store.h (an S3-compatible bucket). A backend is chosen at
// config time through BlobStoreRegistry (blob_store_registry.h); nothing else names a backend.
//
// Status codes (what the caller does next):
//   kInvalidArgument   the sha256 is not 64 lower-case hex digits; answer 400, do not retry.
//   kNotFound          no blob with that sha256 (Get only; Delete of an absent blob is OK).
//   kCorruption        the stored bytes no longer hash to their name; never serve them.
//   kUnavailable       a remote store did not answer in time or answered 5xx; retry later (503).
//   kFailedPrecondition the remote store refused our credentials or the bucket is missing.
//   kIOError           the OS refused a read or write; a Put's durability is unknown: do not
//                      acknowledge the event that would reference it.
// Thread-safety: every implementation is safe to call from any thread. Calls block (disk or
// network, bounded by the backend's timeout); call them from an I/O or worker thread, never from
// an http::HttpClient callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::blob {

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kDefaultContentType = "application/octet-stream";
inline constexpr size_t kSha256HexLength = 64;

// Where a blob lives and how to check it: the body of a claim-check reference.
struct BlobRef {
  std::string uri;     // backend-specific: file:///…/ab/cd/<sha256> or s3://bucket/prefix<sha256>
  std::string sha256;  // lower-case hex of the bytes
  uint64_t size = 0;   // bytes
  std::string content_type;

  // {"uri":…,"sha256":…,"size":…,"contentType":…}
  json::Value ToJson() const;
  // The inverse; kInvalidArgument names the missing or malformed member.
  static Result<BlobRef> FromJson(const json::Value& v);
  bool operator==(const BlobRef&) const = default;
};

struct Blob {
  std::string bytes;
  std::string content_type;
};

// One stored blob, as listed for retention.
struct BlobInfo {
  std::string sha256;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // wall-clock time of the write (epoch ms)
};

// True for exactly 64 lower-case hex digits (the only names a store accepts).
bool IsSha256Hex(std::string_view s);

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `bytes` under their SHA-256. When this returns OK the blob is durable (local: survives
  // power loss; S3: the endpoint acknowledged the PUT), so an event that references it may be
  // acknowledged. Idempotent: the same bytes give the same BlobRef; the content type of the first
  // Put is kept (content addressing names bytes, not types). An empty content type means
  // kDefaultContentType.
  virtual Result<BlobRef> Put(std::string_view bytes, std::string_view content_type) = 0;

  // The bytes and content type, verified against `sha256` on every read (kCorruption when they
  // do not match; the bytes are never returned then).
  virtual Result<Blob> Get(std::string_view sha256) = 0;

  // Whether a blob of that name is stored (not verified; Get verifies).
  virtual Result<bool> Exists(std::string_view sha256) = 0;

  // Removes the blob. OK when it was already absent (retention may race with itself).
  virtual Status Delete(std::string_view sha256) = 0;

  // Calls `fn` for every stored blob, in no particular order, until it returns false. The store
  // may be modified while this runs (by other threads); `fn` itself should not delete — collect
  // and delete afterwards (retention.h does).
  virtual Status ForEach(const std::function<bool(const BlobInfo&)>& fn) = 0;

  // The uri a BlobRef for `sha256` carries.
  virtual std::string Uri(std::string_view sha256) const = 0;

  // Every blob (ForEach into a vector), for tests and small stores.
  Result<std::vector<BlobInfo>> List();
};

}  // namespace cxbridge::blob
