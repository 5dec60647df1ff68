#include "blob/retention.h"

#include <vector>

namespace cxbridge::blob {

Result<SweepStats> Sweep(BlobStore& store, const IsReferenced& is_referenced,
                         std::chrono::milliseconds older_than, const Clock& clock) {
  SweepStats stats;
  const int64_t cutoff_ms = clock.NowMs() - older_than.count();
  // List first, delete after: a store need not support deletion while it is being listed.
  std::vector<BlobInfo> old;
  Status listed = store.ForEach([&](const BlobInfo& info) {
    ++stats.scanned;
    if (info.modified_ms > cutoff_ms) {
      ++stats.kept_young;
    } else {
      old.push_back(info);
    }
    return true;
  });
  if (!listed.ok()) return listed;
  for (const BlobInfo& info : old) {
    Result<bool> referenced = is_referenced(info.sha256);
    if (!referenced.ok()) {
      ++stats.errors;
      continue;
    }
    if (*referenced) {
      ++stats.kept_referenced;
      continue;
    }
    if (!store.Delete(info.sha256).ok()) {
      ++stats.errors;
      continue;
    }
    ++stats.deleted;
    stats.deleted_bytes += info.size;
  }
  return stats;
}

}  // namespace cxbridge::blob
