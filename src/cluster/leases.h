// Leases: which node holds what (a delivery partition, a Genesys source, a replay), kept in a KV
// bucket (`<prefix>-leases`, one key per lease, value = the holder's node id). docs/cluster.md §5.
//
//   acquire  Create when free; Update with the last revision seen when that holder's renewals
//            stopped for lease_ms (takeover)
//   renew    Update with our own revision every lease_ms / 5
//   release  conditional Delete (others may then Create at once)
//
// Expiry is judged by each observer's own monotonic clock, never by comparing clocks across
// machines: a lease is free for us once we have *seen* no change to it for lease_ms. Its holder
// stops acting (on_change(false)) once lease_ms − margin has passed since it *sent* its last
// successful renewal — before anyone can have taken over, since a renewal is seen after it is
// sent. A holder that loses a CAS (someone took the lease) stops at once.
//
// Threading: one thread (cxb-leases) watches the bucket and runs the timers; `on_change` runs on
// it and must return only once the holder has stopped (false) or is ready (true). Other methods
// are safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cluster/kv.h"
#include "common/clock.h"
#include "common/status.h"

namespace cxbridge::cluster {

class Leases {
 public:
  struct Options {
    std::string node_id;       // unique per process (MakeNodeId)
    int64_t lease_ms = 5000;   // storage.lease_seconds
    int64_t margin_ms = 1000;  // the holder stops this much before others may take over
  };
  using OnChange = std::function<void(bool held)>;

  // `kv` must be opened through a JetStream whose request timeout is at most margin_ms / 2
  // (JetStream::Create's override), so a call stuck on an unreachable server cannot hold the
  // thread past a holder's deadline. Start refuses otherwise.
  Leases(KeyValue& kv, Clock& clock, Options options);
  ~Leases();  // Stop()

  Status Start();
  // Releases every held lease (each holder told first), then stops the thread.
  void Stop();
  // Stops the thread without releasing or telling anyone, as a crash would (tests; a node that
  // must stop at once). Others take over after lease_ms.
  void Halt();

  // Hold `name` whenever it is free (now, or after its holder's lease lapses). Once per name
  // (until Unwant).
  void Want(const std::string& name, OnChange on_change);
  // Stop wanting `name`; released (on_change(false) first) if held.
  void Unwant(const std::string& name);

  bool Holds(const std::string& name) const;
  // Every lease seen in the bucket: name → holder node id (free leases are absent).
  std::map<std::string, std::string> Holders() const;
  const std::string& node_id() const { return options_.node_id; }

 private:
  struct Seen {
    std::string holder;
    uint64_t revision = 0;
    int64_t seen_ms = 0;  // our steady clock when we saw this revision
  };
  struct Wanted {
    OnChange on_change;  // replaced by Want under mu_; copied under mu_ before a call
    bool held = false;   // written on the lease thread under mu_; read by Holds
    uint64_t revision = 0;
    int64_t last_ok_send_ms = 0;  // when the last successful create/renewal was sent
    int64_t last_try_ms = 0;
  };
  void Loop();
  void Tick(int64_t now);
  void Apply(const KvEntry& e, int64_t now);
  void Lose(const std::string& name, Wanted& w, const char* why);

  KeyValue& kv_;
  Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::map<std::string, Seen> seen_;      // guarded by mu_
  std::map<std::string, Wanted> wanted_;  // guarded by mu_ (on_change called without it)
  std::set<std::string> unwanted_;        // to release on the lease thread; guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// "<host>-<pid>-<random>": unique per process, readable in `cxbridge cluster status`.
std::string MakeNodeId();

}  // namespace cxbridge::cluster
