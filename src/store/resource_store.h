// ResourceStore: durable definitions created through the API (buses, rules, targets, archives,
// connections, API destinations, tags). A small key-value contract: kind + name → JSON text.
// When Put/Delete return OK the change survives a crash (synced write).
// Thread-safety: safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cxbridge::store {

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;
  virtual Status Put(std::string_view kind, std::string_view name, std::string_view value) = 0;
  // NotFound when absent.
  virtual Result<std::string> Get(std::string_view kind, std::string_view name) = 0;
  virtual Status Delete(std::string_view kind, std::string_view name) = 0;
  // All entries of a kind, ordered by name.
  virtual Result<std::vector<std::pair<std::string, std::string>>> List(std::string_view kind) = 0;
};

}  // namespace cxbridge::store
