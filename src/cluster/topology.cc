#include "cluster/topology.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <thread>

#include "cluster/server_info.h"
#include "common/clock.h"

namespace cxbridge::cluster {
namespace {

Status Bad(const std::string& key, const std::string& what) {
  return Status::InvalidArgument("storage." + key + ": " + what);
}

Result<int64_t> Int(const json::Value& v, const std::string& key, int64_t lo, int64_t hi) {
  int64_t n = 0;
  if (!v.is_number() || !v.as_int64(&n) || n < lo || n > hi) {
    return Bad(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<JetStreamSettings> ParseJetStreamSettings(const json::Value& storage) {
  static const std::set<std::string> kNats = {"servers",
                                              "user",
                                              "password",
                                              "token",
                                              "creds",
                                              "nkey",
                                              "nkey_seed_file",
                                              "tls",
                                              "name",
                                              "connect_timeout_ms",
                                              "request_timeout_ms"};
  static const std::set<std::string> kEngine = {
      "replicas",          "prefix",    "partitions",           "lease_seconds",
      "accept_timeout_ms", "max_bytes", "start_timeout_seconds"};
  static const std::set<std::string> kShared = {"type", "data_dir", "dedup_ttl_seconds",
                                                "event_retention_seconds", "min_free_disk_bytes"};
  if (!storage.is_object()) return Status::InvalidArgument("storage: expected a mapping");
  for (const auto& [k, v] : storage.members()) {
    if (!kNats.count(k) && !kEngine.count(k) && !kShared.count(k)) {
      return Bad(
          k,
          "unknown key for type jetstream (servers, user, password, token, creds, nkey, "
          "nkey_seed_file, tls, replicas, prefix, partitions, lease_seconds, accept_timeout_ms, "
          "max_bytes, start_timeout_seconds, ...)");
    }
  }
  JetStreamSettings out;
  auto nats = ParseNatsSettings(storage);
  if (!nats.ok()) return nats.status();
  out.nats = std::move(*nats);
  if (const json::Value* v = storage.Find("replicas")) {
    auto n = Int(*v, "replicas", 1, 5);
    if (!n.ok()) return n.status();
    if (*n != 1 && *n != 3 && *n != 5) {
      return Bad("replicas",
                 "expected 1, 3 or 5 (an even count tolerates no more failures than one less)");
    }
    out.replicas = static_cast<int>(*n);
  }
  if (const json::Value* v = storage.Find("prefix")) {
    if (!v->is_string() || v->as_string().empty() || v->as_string().size() > 32) {
      return Bad("prefix", "expected 1 to 32 letters, digits or '_'");
    }
    for (char c : v->as_string()) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        return Bad("prefix", "expected 1 to 32 letters, digits or '_'");
      }
    }
    out.prefix = v->as_string();
  }
  if (const json::Value* v = storage.Find("partitions")) {
    auto n = Int(*v, "partitions", 1, 1024);
    if (!n.ok()) return n.status();
    out.partitions = static_cast<int>(*n);
  }
  if (const json::Value* v = storage.Find("lease_seconds")) {
    auto n = Int(*v, "lease_seconds", 2, 300);
    if (!n.ok()) return n.status();
    out.lease_ms = *n * 1000;
  }
  if (const json::Value* v = storage.Find("accept_timeout_ms")) {
    auto n = Int(*v, "accept_timeout_ms", 500, 120000);
    if (!n.ok()) return n.status();
    out.accept_timeout_ms = *n;
  }
  if (const json::Value* v = storage.Find("max_bytes")) {
    auto n = Int(*v, "max_bytes", 0, INT64_MAX);
    if (!n.ok()) return n.status();
    out.max_bytes = *n == 0 ? -1 : *n;
  }
  if (const json::Value* v = storage.Find("start_timeout_seconds")) {
    auto n = Int(*v, "start_timeout_seconds", 0, 3600);
    if (!n.ok()) return n.status();
    out.connect_timeout_ms = *n * 1000;
  }
  return out;
}

Names::Names(const std::string& prefix) {
  const std::string p = Lower(prefix);
  deliveries_stream = prefix + "_DELIVERIES";
  dlq_stream = prefix + "_DLQ";
  quarantine_stream = prefix + "_QUARANTINE";
  archive_stream = prefix + "_ARCHIVE";
  queues_stream = prefix + "_QUEUES";
  delivery_subject_prefix = p + ".d.";
  dlq_subject = p + ".dlq";
  quarantine_subject = p + ".quarantine";
  archive_subject_prefix = p + ".a.";
  queue_subject_prefix = p + ".q.";
  dedup_bucket = p + "-dedup";
  resources_bucket = p + "-resources";
  control_bucket = p + "-control";
  leases_bucket = p + "-leases";
  nodes_bucket = p + "-nodes";
}

Status CheckServers(const NatsSettings& nats, int64_t timeout_ms) {
  int reachable = 0;
  std::string last_error;
  for (const auto& url : nats.servers) {
    auto parsed = ParseServerUrl(url);
    if (!parsed.ok()) return parsed.status();
    auto info = ProbeServerInfo(parsed->host, parsed->port, timeout_ms);
    if (!info.ok()) {
      last_error = info.status().message();
      continue;
    }
    ++reachable;
    const std::string who = parsed->url + " (" +
                            (info->server_name.empty() ? info->server_id : info->server_name) + ")";
    if (!info->AtLeast(2, 9)) {
      return Status::FailedPrecondition("NATS server " + who + " is version " + info->version +
                                        "; cluster mode needs nats-server 2.9 or newer");
    }
    if (!info->jetstream) {
      return Status::FailedPrecondition(
          "NATS server " + who +
          " runs without JetStream: start it with -js, or add a jetstream {} block "
          "to its configuration");
    }
  }
  if (reachable == 0) {
    return Status::Unavailable("no NATS server of " + nats.Describe() + " answered: " + last_error);
  }
  return Status::Ok();
}

Status EnsureTopology(JetStream& js, const JetStreamSettings& s, int64_t max_dedup_ttl_ms) {
  const Names n(s.prefix);
  auto stream = [&](const std::string& name, std::vector<std::string> subjects, int64_t max_bytes,
                    bool discard_new) -> Status {
    StreamSpec spec;
    spec.name = name;
    spec.subjects = std::move(subjects);
    spec.replicas = s.replicas;
    spec.max_bytes = max_bytes;
    spec.discard_new = discard_new;
    spec.allow_direct = true;
    auto st = js.EnsureStream(spec);
    if (!st.ok())
      return Status(st.status().code(), "stream " + name + ": " + st.status().message());
    return Status::Ok();
  };
  CXB_RETURN_IF_ERROR(
      stream(n.deliveries_stream, {n.delivery_subject_prefix + "*"}, s.max_bytes, true));
  CXB_RETURN_IF_ERROR(stream(n.dlq_stream, {n.dlq_subject}, -1, true));
  CXB_RETURN_IF_ERROR(stream(n.quarantine_stream, {n.quarantine_subject}, -1, true));
  CXB_RETURN_IF_ERROR(stream(n.archive_stream, {n.archive_subject_prefix + "*"}, -1, true));
  CXB_RETURN_IF_ERROR(stream(n.queues_stream, {n.queue_subject_prefix + "*"}, -1, true));
  auto bucket = [&](const std::string& name, int history, int64_t ttl_ms) -> Status {
    auto kv = KeyValue::Ensure(js, KvSpec{name, history, ttl_ms, s.replicas, -1});
    if (!kv.ok())
      return Status(kv.status().code(), "bucket " + name + ": " + kv.status().message());
    return Status::Ok();
  };
  CXB_RETURN_IF_ERROR(bucket(n.dedup_bucket, 1, max_dedup_ttl_ms));
  CXB_RETURN_IF_ERROR(bucket(n.resources_bucket, 5, 0));
  CXB_RETURN_IF_ERROR(bucket(n.control_bucket, 1, 0));
  CXB_RETURN_IF_ERROR(bucket(n.leases_bucket, 1, 0));
  CXB_RETURN_IF_ERROR(bucket(n.nodes_bucket, 1, 15'000));

  // The cluster's format: recorded by the first node, checked by every later one.
  auto control = KeyValue::Open(js, n.control_bucket);
  if (!control.ok()) return control.status();
  json::Value meta = json::Value::Object({{"format", json::Value::Int(kFormatVersion)},
                                          {"partitions", json::Value::Int(s.partitions)},
                                          {"created_ms", json::Value::Int(SystemClock().NowMs())}});
  auto created = (*control)->Create("meta", json::Serialize(meta));
  if (created.ok()) return Status::Ok();
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  auto existing = (*control)->Get("meta");
  if (!existing.ok()) return existing.status();
  auto doc = json::Parse(existing->value);
  int64_t format = 0, partitions = 0;
  const json::Value* f = doc.ok() ? doc->Find("format") : nullptr;
  const json::Value* p = doc.ok() ? doc->Find("partitions") : nullptr;
  if (f == nullptr || p == nullptr || !f->as_int64(&format) || !p->as_int64(&partitions)) {
    return Status::Corruption("the cluster's format record (" + n.control_bucket +
                              "/meta) does not decode: " + existing->value);
  }
  if (format > kFormatVersion) {
    return Status::FailedPrecondition("this cluster was created by a newer cxbridge (format " +
                                      std::to_string(format) + "; this one understands up to " +
                                      std::to_string(kFormatVersion) + "): upgrade this node");
  }
  if (partitions != s.partitions) {
    return Status::FailedPrecondition(
        "this cluster was created with storage.partitions: " + std::to_string(partitions) +
        ", this node is configured with " + std::to_string(s.partitions) + "; set it to " +
        std::to_string(partitions) + " (the partition count cannot change while data exists)");
  }
  return Status::Ok();
}

}  // namespace cxbridge::cluster
