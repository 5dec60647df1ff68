// ClusterStatus: what `cxbridge cluster status` shows (docs/cluster.md §12) — the live nodes
// (from their heartbeats), JetStream's health per stream (leader, replicas current or lagging by
// how much, messages, bytes), who owns each partition, and per-partition backlog — read from any
// node with one connection. Thread-safety: a one-shot call.
#pragma once

#include <string>

#include "cluster/client.h"
#include "cluster/topology.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::cluster {

// A JSON object:
//   {"nodes":[{node, partitions:[..], heartbeat_ms, ...}],
//    "streams":[{name, leader, replicas, messages, bytes,
//    followers:[{name,current,offline,lag,active_ms}]}], "partitions":[{partition, owner,
//    messages}], "healthy": bool, "problems": ["…", …]}
// `healthy` is false (with the reasons in `problems`) when a stream has no leader, a replica is
// offline or lagging, or a partition has no owner. A stream that cannot be read is a problem, not
// an error; Unavailable only when JetStream does not answer at all.
Result<json::Value> ClusterStatus(JetStream& js, const JetStreamSettings& settings);

}  // namespace cxbridge::cluster
