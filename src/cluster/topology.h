// Topology: the streams and KV buckets cluster mode keeps its state in (docs/cluster.md §2), their
// names under a prefix, and the start-up that creates or checks them — refusing, with a reason a
// user can act on, a server older than 2.9, a server or account without JetStream, and a cluster
// created with another partition count or format.
//
// Thread-safety: JetStreamSettings and Names are plain values; EnsureTopology is a one-shot call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/client.h"
#include "cluster/kv.h"
#include "cluster/nats_settings.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::cluster {

// The `storage:` block of `type: jetstream` (docs/configuration.md, docs/cluster.md §11).
struct JetStreamSettings {
  NatsSettings nats;
  int replicas = 3;            // 1, 3 or 5
  std::string prefix = "CXB";  // stream names; subjects and buckets use it lower-cased
  int partitions = 16;         // fixed when the cluster is first created
  int64_t lease_ms = 5000;
  int64_t accept_timeout_ms = 10000;  // a publish unresolved this long answers 503
  int64_t max_bytes = -1;             // the deliveries stream's cap (-1: none; Discard new → 503)
  int64_t connect_timeout_ms = 30000;  // at start: keep trying this long, then refuse
};

// Reads the jetstream keys of a `storage:` block (NATS options via ParseNatsSettings). Keys it
// knows: type, servers, user, password, token, creds, nkey, nkey_seed_file, tls, name,
// connect_timeout_ms, request_timeout_ms, replicas, prefix, partitions, lease_seconds,
// accept_timeout_ms, max_bytes, start_timeout_seconds — and the engine-independent ones
// (data_dir, dedup_ttl_seconds, event_retention_seconds, min_free_disk_bytes), which it leaves
// to the config module. Any other key is an error naming it.
Result<JetStreamSettings> ParseJetStreamSettings(const json::Value& storage);

// Names of everything under one prefix.
struct Names {
  explicit Names(const std::string& prefix);
  std::string deliveries_stream, dlq_stream, quarantine_stream, archive_stream, queues_stream;
  std::string delivery_subject_prefix;  // "<p>.d." + partition
  std::string dlq_subject, quarantine_subject, archive_subject_prefix, queue_subject_prefix;
  std::string dedup_bucket, resources_bucket, control_bucket, leases_bucket, nodes_bucket;
  std::string DeliverySubject(int partition) const {
    return delivery_subject_prefix + std::to_string(partition);
  }
};

// The cluster's format, kept in the control bucket under "meta" when first created.
inline constexpr int kFormatVersion = 1;

// Probes every configured server's INFO: OK when at least one answers; FailedPrecondition when
// any reachable server is older than 2.9 or runs without JetStream (naming it); Unavailable
// when none answers within timeout_ms.
Status CheckServers(const NatsSettings& nats, int64_t timeout_ms);

// Creates (or brings to the configured replicas and limits) every stream and bucket, then checks
// or records the cluster's format: partitions and kFormatVersion. FailedPrecondition when the
// cluster was created with another partition count or a newer format (both values named).
// `max_dedup_ttl_ms`: the longest idempotency TTL any source uses (the dedup bucket's MaxAge).
Status EnsureTopology(JetStream& js, const JetStreamSettings& s, int64_t max_dedup_ttl_ms);

}  // namespace cxbridge::cluster
