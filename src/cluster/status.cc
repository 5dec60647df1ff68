#include "cluster/status.h"

#include <map>

#include "cluster/balancer.h"
#include "cluster/kv.h"

namespace cxbridge::cluster {

Result<json::Value> ClusterStatus(JetStream& js, const JetStreamSettings& settings) {
  CXB_RETURN_IF_ERROR(js.CheckEnabled());
  const Names n(settings.prefix);
  json::Value out = json::Value::Object();
  json::Value problems = json::Value::Array();

  // Nodes: their last heartbeats.
  json::Value nodes = json::Value::Array();
  if (auto kv = KeyValue::Open(js, n.nodes_bucket); kv.ok()) {
    auto entries = (*kv)->List(5000);
    if (entries.ok()) {
      for (auto& e : *entries) {
        auto doc = json::Parse(e.value);
        nodes.Push(doc.ok() ? std::move(*doc)
                            : json::Value::Object({{"node", json::Value::String(e.key)}}));
      }
    } else {
      problems.Push(json::Value::String("nodes: " + entries.status().message()));
    }
  } else {
    problems.Push(json::Value::String("nodes bucket: " + kv.status().message()));
  }
  if (nodes.items().empty()) problems.Push(json::Value::String("no cxbridge node is running"));
  out.Set("nodes", std::move(nodes));

  // Streams (the KV buckets are streams too).
  json::Value streams = json::Value::Array();
  for (const std::string& name :
       {n.deliveries_stream, n.dlq_stream, n.quarantine_stream, n.archive_stream, n.queues_stream,
        "KV_" + n.dedup_bucket, "KV_" + n.resources_bucket, "KV_" + n.control_bucket,
        "KV_" + n.leases_bucket, "KV_" + n.nodes_bucket}) {
    auto st = js.StreamInfo(name);
    if (!st.ok()) {
      problems.Push(json::Value::String(name + ": " + st.status().message()));
      continue;
    }
    json::Value s =
        json::Value::Object({{"name", json::Value::String(name)},
                             {"leader", json::Value::String(st->leader)},
                             {"replicas", json::Value::Int(st->replicas)},
                             {"messages", json::Value::Int(static_cast<int64_t>(st->messages))},
                             {"bytes", json::Value::Int(static_cast<int64_t>(st->bytes))}});
    json::Value followers = json::Value::Array();
    for (const auto& f : st->followers) {
      followers.Push(json::Value::Object({{"name", json::Value::String(f.name)},
                                          {"current", json::Value::Bool(f.current)},
                                          {"offline", json::Value::Bool(f.offline)},
                                          {"lag", json::Value::Int(static_cast<int64_t>(f.lag))},
                                          {"active_ms", json::Value::Int(f.active_ms)}}));
      if (f.offline || !f.current) {
        problems.Push(json::Value::String(
            name + ": replica " + f.name +
            (f.offline ? " is offline" : " is behind by " + std::to_string(f.lag))));
      }
    }
    if (st->replicas > 1 && st->leader.empty())
      problems.Push(json::Value::String(name + ": no leader"));
    if (st->replicas > 1 && static_cast<int>(st->followers.size()) + 1 < st->replicas) {
      problems.Push(json::Value::String(name + ": " + std::to_string(st->followers.size() + 1) +
                                        " of " + std::to_string(st->replicas) + " replicas known"));
    }
    s.Set("followers", std::move(followers));
    streams.Push(std::move(s));
  }
  out.Set("streams", std::move(streams));

  // Partitions: owner and messages waiting in each.
  std::map<std::string, std::string> holders;
  if (auto kv = KeyValue::Open(js, n.leases_bucket); kv.ok()) {
    if (auto entries = (*kv)->List(5000); entries.ok()) {
      for (auto& e : *entries) holders[e.key] = e.value;
    }
  }
  json::Value partitions = json::Value::Array();
  for (int p = 0; p < settings.partitions; ++p) {
    auto info = js.StreamInfo(n.deliveries_stream, n.DeliverySubject(p));
    const auto h = holders.find(Balancer::LeaseName(p));
    const std::string owner = h == holders.end() ? "" : h->second;
    if (owner.empty())
      problems.Push(json::Value::String("partition " + std::to_string(p) + " has no owner"));
    partitions.Push(json::Value::Object(
        {{"partition", json::Value::Int(p)},
         {"owner", json::Value::String(owner)},
         {"messages",
          json::Value::Int(info.ok() ? static_cast<int64_t>(info->subject_messages) : -1)}}));
  }
  out.Set("partitions", std::move(partitions));
  out.Set("healthy", json::Value::Bool(problems.items().empty()));
  out.Set("problems", std::move(problems));
  return out;
}

}  // namespace cxbridge::cluster
