// Retention for claim-check blobs: delete what no event needs any more.
//
// A blob may be deleted only when no event that references it is still undelivered or archived;
// the caller knows that (pending deliveries, archives) and answers through `is_referenced`. A
// grace period (`older_than`) protects blobs written moments ago whose event is not yet logged:
// the claim check writes the blob before the event is appended, so a young blob with no reference
// is normal. Pick `older_than` well above the accept path's worst case (minutes, not seconds).
// Thread-safety: Sweep may run on any thread, concurrently with Puts and Gets on the same store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "blob/blob_store.h"
#include "common/clock.h"

namespace cxbridge::blob {

struct SweepStats {
  uint64_t scanned = 0;          // blobs listed
  uint64_t kept_young = 0;       // inside the grace period (not asked about)
  uint64_t kept_referenced = 0;  // is_referenced said yes
  uint64_t deleted = 0;
  uint64_t deleted_bytes = 0;
  uint64_t errors = 0;           // reference check or delete failed: the blob was kept
};

// Whether an undelivered or archived event still references the blob. An error keeps the blob
// (fail safe). A lambda returning plain bool converts.
using IsReferenced = std::function<Result<bool>(std::string_view sha256)>;

// Deletes every blob older than `older_than` (by its write time) that is not referenced. Listing
// errors abort the sweep (returned); per-blob errors are counted and the sweep goes on.
Result<SweepStats> Sweep(BlobStore& store, const IsReferenced& is_referenced,
                         std::chrono::milliseconds older_than, const Clock& clock);

}  // namespace cxbridge::blob
