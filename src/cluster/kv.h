// KeyValue: a JetStream KV bucket with revisions (compare-and-set) and watches, over cnats'
// kvStore. The bucket's stream (KV_<bucket>) is created or updated to the given spec, so replicas
// and TTL follow the configuration.
//
// Keys: [-/_=.a-zA-Z0-9]+ with no leading or trailing '.' (EscapeKey makes any string one).
// Revisions: a key's revision is the stream sequence of its latest value; Update(key, v, rev)
// succeeds only while `rev` is still the latest (CAS), else FailedPrecondition.
// Thread-safety: a KeyValue is safe from any thread; a KvWatcher is read by one thread at a time
// (Stop may be called from another).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/client.h"
#include "common/status.h"

namespace cxbridge::cluster {

struct KvSpec {
  std::string bucket;
  int history = 1;     // values kept per key (1..64)
  int64_t ttl_ms = 0;  // entries older than this disappear; 0: never
  int replicas = 1;
  int64_t max_bytes = -1;
};

struct KvEntry {
  enum class Op { kPut, kDelete, kPurge };
  std::string key, value;
  uint64_t revision = 0;
  int64_t created_ms = 0;  // server time of this revision
  uint64_t delta = 0;      // in a watch: how many newer revisions of the bucket exist
  Op op = Op::kPut;
};

class KvWatcher;

class KeyValue {
 public:
  // Creates the bucket or brings it to `spec`; then binds to it.
  static Result<std::unique_ptr<KeyValue>> Ensure(JetStream& js, const KvSpec& spec);
  // Binds to an existing bucket (NotFound when absent).
  static Result<std::unique_ptr<KeyValue>> Open(JetStream& js, const std::string& bucket);
  ~KeyValue();
  KeyValue(const KeyValue&) = delete;
  KeyValue& operator=(const KeyValue&) = delete;

  const std::string& bucket() const { return bucket_; }
  // The stream behind the bucket ("KV_<bucket>") and a key's subject in it.
  std::string stream() const { return "KV_" + bucket_; }
  std::string Subject(const std::string& key) const { return "$KV." + bucket_ + "." + key; }

  // The latest value; NotFound when the key is absent or its latest revision is a delete.
  Result<KvEntry> Get(const std::string& key);
  // Writes only when the key is absent (or deleted): AlreadyExists otherwise. Returns the revision.
  Result<uint64_t> Create(const std::string& key, std::string_view value);
  // CAS: writes only when `last_revision` is still the key's latest. FailedPrecondition otherwise.
  Result<uint64_t> Update(const std::string& key, std::string_view value, uint64_t last_revision);
  Result<uint64_t> Put(const std::string& key, std::string_view value);
  // Leaves a delete marker (watchers see it). With last_revision > 0, only while it is the latest.
  Status Delete(const std::string& key, uint64_t last_revision = 0);
  // Every key with a current value (not deleted). Empty bucket: an empty list.
  Result<std::vector<std::string>> Keys();
  // Every current entry, in one pass (a watcher over the initial values).
  Result<std::vector<KvEntry>> List(int64_t timeout_ms);
  // Watches `pattern` ("*" / ">" wildcards as NATS subjects; ">" for all). First the current
  // values, then kInitialDone, then every change as it happens.
  Result<std::unique_ptr<KvWatcher>> Watch(const std::string& pattern);

  kvStore* raw() const { return kv_; }
  JetStream& jetstream() const { return js_; }

 private:
  KeyValue(JetStream& js, kvStore* kv, std::string bucket)
      : js_(js), kv_(kv), bucket_(std::move(bucket)) {}
  JetStream& js_;
  kvStore* kv_ = nullptr;
  std::string bucket_;
};

struct WatchEvent {
  enum Kind {
    kEntry,        // `entry` is a current value (first) or a change (after kInitialDone)
    kInitialDone,  // every value present when the watch began has been given
    kTimeout,      // nothing within the timeout
  };
  Kind kind = kTimeout;
  KvEntry entry;
};

class KvWatcher {
 public:
  explicit KvWatcher(kvWatcher* w) : w_(w) {}
  ~KvWatcher();
  KvWatcher(const KvWatcher&) = delete;
  KvWatcher& operator=(const KvWatcher&) = delete;
  // The next event. An error means the watcher is broken (stopped, connection closed): make a
  // new one (it gives the current values again).
  Result<WatchEvent> Next(int64_t timeout_ms);
  void Stop();

 private:
  kvWatcher* w_ = nullptr;
};

// Makes any string a valid KV key token: [A-Za-z0-9_-] kept, everything else as =XX (hex), so
// "bus|rule" → "bus=7Crule". Injective; UnescapeKey reverses it.
std::string EscapeKey(std::string_view s);
std::string UnescapeKey(std::string_view s);

}  // namespace cxbridge::cluster
