// ResourceStore: durable definitions created through the API (buses, rules, targets, archives,
// connections, API destinations, replays, tags). A small key-value contract: kind + name → JSON
// text, with a revision per entry so concurrent writers cannot silently overwrite each other.
//
// Contract: revisions are positive, grow with every Put to the store (whatever its kind) and are
// never reused. Put/Delete with an `expected_revision` other than kAnyRevision succeed only
// when the entry's current revision is that one (absent counts as kNoRevision), else they fail
// with FailedPrecondition ("changed concurrently") and change nothing. When Put/Delete return
// OK the change survives a crash. Cluster mode's KvResources has the same shape.
// Thread-safety: safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::store {

inline constexpr uint64_t kAnyRevision = UINT64_MAX;  // unconditional
inline constexpr uint64_t kNoRevision = 0;            // only if absent (create)

struct ResourceEntry {
  std::string name;
  std::string value;
  uint64_t revision = 0;
};

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;
  // Creates or replaces; the new revision.
  virtual Result<uint64_t> Put(std::string_view kind, std::string_view name, std::string_view value,
                               uint64_t expected_revision = kAnyRevision) = 0;
  // NotFound when absent.
  virtual Result<ResourceEntry> Get(std::string_view kind, std::string_view name) = 0;
  // Deleting an absent entry unconditionally is OK.
  virtual Status Delete(std::string_view kind, std::string_view name,
                        uint64_t expected_revision = kAnyRevision) = 0;
  // All entries of a kind, ordered by name.
  virtual Result<std::vector<ResourceEntry>> List(std::string_view kind) = 0;
};

}  // namespace cxbridge::store
