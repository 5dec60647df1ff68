// QueueStore: the records of the built-in SQS-compatible queues (queue/), as an ordered key-value
// store with atomic batches. The queue module owns the key layout (queue/record.h) and keeps its
// index in memory; the engine keeps the records.
//
// Contract: Write applies a QueueWrite atomically (all or nothing) and in call order; it survives
// a process crash when it returns OK, and power loss once a later Sync() returns OK (one sync may
// serve concurrent callers) — or at once with WriteSynced. Scan sees every record written before
// it was called, in key order (bytewise). Get answers NotFound for an absent key.
// Thread-safety: safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::store {

// Changes to apply together.
class QueueWrite {
 public:
  struct Op {
    enum Kind { kPut, kDelete, kDeleteRange } kind;
    std::string a;  // key (kDeleteRange: from, inclusive)
    std::string b;  // value (kDeleteRange: to, exclusive)
  };
  void Put(std::string key, std::string value) { ops_.push_back({Op::kPut, std::move(key), std::move(value)}); }
  void Delete(std::string key) { ops_.push_back({Op::kDelete, std::move(key), {}}); }
  void DeleteRange(std::string from, std::string to) {
    ops_.push_back({Op::kDeleteRange, std::move(from), std::move(to)});
  }
  // What the write is for, so an engine short of space keeps room for what drains it
  // (docs/storage.md "Full disk"): new data from outside (SendMessage) is refused first, work on
  // accepted data (a rule target's delivery) later, and state that only overwrites itself or
  // deletes (receives, deletes) last.
  enum class Purpose { kNewData, kInternal, kRelease };
  void set_purpose(Purpose p) { purpose_ = p; }
  Purpose purpose() const { return purpose_; }

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  Purpose purpose_ = Purpose::kInternal;
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;
  virtual Status Write(const QueueWrite& w) = 0;
  virtual Status WriteSynced(const QueueWrite& w) = 0;
  // Every earlier Write survives power loss once this returns OK.
  virtual Status Sync() = 0;
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Records whose key starts with `prefix`, in key order, until fn returns false.
  virtual Status Scan(std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
};

}  // namespace cxbridge::store
