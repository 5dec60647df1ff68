// ArchiveStore: events kept by EventBridge archives, for replay. Append is called by the archive
// target (deliveries to an archive ARN); Scan by replays. Keys order by (archive, event time, seq),
// so a replay window is one range scan. Thread-safety: safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cxbridge::store {

class ArchiveStore {
 public:
  virtual ~ArchiveStore() = default;
  // Durable once it returns OK (at-least-once delivery may append an event twice; replays
  // carry the original id, so consumers can drop the repeat).
  virtual Status Append(std::string_view archive, int64_t event_time_ms, std::string_view event_json) = 0;
  // Calls `fn` for each archived event with start_ms <= time < end_ms, in time order, until fn
  // returns false.
  virtual Status Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
                      const std::function<bool(int64_t time_ms, std::string_view event_json)>& fn) = 0;
  // Deletes events older than cutoff_ms (retention), and all of an archive when it is deleted.
  virtual Status DeleteBefore(std::string_view archive, int64_t cutoff_ms) = 0;
  virtual Result<uint64_t> Count(std::string_view archive) = 0;
};

}  // namespace cxbridge::store
