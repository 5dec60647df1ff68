#include "cluster/kv.h"

#include <cstring>

namespace cxbridge::cluster {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

KvEntry ToEntry(kvEntry* e) {
  KvEntry out;
  out.key = kvEntry_Key(e);
  const void* v = kvEntry_Value(e);
  out.value.assign(static_cast<const char*>(v), static_cast<size_t>(kvEntry_ValueLen(e)));
  out.revision = kvEntry_Revision(e);
  out.created_ms = kvEntry_Created(e) / kNsPerMs;
  out.delta = kvEntry_Delta(e);
  switch (kvEntry_Operation(e)) {
    case kvOp_Delete:
      out.op = KvEntry::Op::kDelete;
      break;
    case kvOp_Purge:
      out.op = KvEntry::Op::kPurge;
      break;
    default:
      out.op = KvEntry::Op::kPut;
  }
  kvEntry_Destroy(e);
  return out;
}

}  // namespace

Result<std::unique_ptr<KeyValue>> KeyValue::Ensure(JetStream& js, const KvSpec& spec) {
  // The bucket's stream as cnats' js_CreateKeyValue makes it (subjects $KV.<b>.>, one value per
  // key per history slot, rollups for purge, direct gets), but created-or-updated by us so a
  // changed replicas/TTL/history is applied to an existing bucket.
  StreamSpec s;
  s.name = "KV_" + spec.bucket;
  s.subjects = {"$KV." + spec.bucket + ".>"};
  s.replicas = spec.replicas;
  s.max_msgs_per_subject = spec.history;
  s.max_age_ms = spec.ttl_ms;
  s.max_bytes = spec.max_bytes;
  s.duplicates_ms = spec.ttl_ms > 0 && spec.ttl_ms < 120'000 ? spec.ttl_ms : 120'000;
  s.discard_new = true;
  s.allow_rollup = true;
  s.allow_direct = true;
  s.deny_delete = true;
  auto st = js.EnsureStream(s);
  if (!st.ok()) return st.status();
  return Open(js, spec.bucket);
}

Result<std::unique_ptr<KeyValue>> KeyValue::Open(JetStream& js, const std::string& bucket) {
  kvStore* kv = nullptr;
  natsStatus s = js_KeyValue(&kv, js.raw(), bucket.c_str());
  if (s != NATS_OK) return FromNats(s, "key-value bucket " + bucket);
  return std::unique_ptr<KeyValue>(new KeyValue(js, kv, bucket));
}

KeyValue::~KeyValue() {
  if (kv_) kvStore_Destroy(kv_);
}

Result<KvEntry> KeyValue::Get(const std::string& key) {
  kvEntry* e = nullptr;
  natsStatus s = kvStore_Get(&e, kv_, key.c_str());
  if (s != NATS_OK) return FromNats(s, "get " + bucket_ + "/" + key);
  return ToEntry(e);
}

Result<uint64_t> KeyValue::Create(const std::string& key, std::string_view value) {
  uint64_t rev = 0;
  natsStatus s =
      kvStore_Create(&rev, kv_, key.c_str(), value.data(), static_cast<int>(value.size()));
  if (s == NATS_OK) return rev;
  Status st = FromNats(s, "create " + bucket_ + "/" + key);
  // cnats reports an existing key as a JetStream "wrong last sequence" error.
  if (st.code() == StatusCode::kFailedPrecondition ||
      std::strstr(st.message().c_str(), "wrong last sequence")) {
    return Status::AlreadyExists(bucket_ + "/" + key + " exists");
  }
  return st;
}

Result<uint64_t> KeyValue::Update(const std::string& key, std::string_view value,
                                  uint64_t last_revision) {
  uint64_t rev = 0;
  natsStatus s = kvStore_Update(&rev, kv_, key.c_str(), value.data(),
                                static_cast<int>(value.size()), last_revision);
  if (s == NATS_OK) return rev;
  Status st = FromNats(s, "update " + bucket_ + "/" + key);
  if (st.code() == StatusCode::kFailedPrecondition ||
      std::strstr(st.message().c_str(), "wrong last sequence")) {
    return Status::FailedPrecondition(bucket_ + "/" + key + " changed since revision " +
                                      std::to_string(last_revision));
  }
  return st;
}

Result<uint64_t> KeyValue::Put(const std::string& key, std::string_view value) {
  uint64_t rev = 0;
  natsStatus s = kvStore_Put(&rev, kv_, key.c_str(), value.data(), static_cast<int>(value.size()));
  if (s != NATS_OK) return FromNats(s, "put " + bucket_ + "/" + key);
  return rev;
}

Status KeyValue::Delete(const std::string& key, uint64_t last_revision) {
  if (last_revision == 0)
    return FromNats(kvStore_Delete(kv_, key.c_str()), "delete " + bucket_ + "/" + key);
  // cnats 3.4 has no conditional delete: publish the delete marker ourselves, as kvStore_Delete
  // does, with the CAS header.
  PublishOptions o;
  o.headers = {{"KV-Operation", "DEL"}};
  o.expect_last_subject_seq = last_revision;
  auto r = js_.Publish(Subject(key), "", o);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(bucket_ + "/" + key + " changed since revision " +
                                        std::to_string(last_revision));
    }
    return r.status();
  }
  return Status::Ok();
}

Result<std::vector<std::string>> KeyValue::Keys() {
  kvKeysList list{nullptr, 0};
  natsStatus s = kvStore_Keys(&list, kv_, nullptr);
  std::vector<std::string> out;
  if (s == NATS_NOT_FOUND) return out;  // no keys
  if (s != NATS_OK) return FromNats(s, "keys of " + bucket_);
  for (int i = 0; i < list.Count; ++i) out.emplace_back(list.Keys[i]);
  kvKeysList_Destroy(&list);
  return out;
}

Result<std::vector<KvEntry>> KeyValue::List(int64_t timeout_ms) {
  auto w = Watch(">");
  if (!w.ok()) return w.status();
  std::vector<KvEntry> out;
  for (;;) {
    auto e = (*w)->Next(timeout_ms);
    if (!e.ok()) return e.status();
    if (e->kind == WatchEvent::kTimeout)
      return Status::Unavailable("listing " + bucket_ + " timed out");
    if (e->kind == WatchEvent::kInitialDone) break;
    if (e->entry.op == KvEntry::Op::kPut) out.push_back(std::move(e->entry));
  }
  return out;
}

Result<std::unique_ptr<KvWatcher>> KeyValue::Watch(const std::string& pattern) {
  kvWatcher* w = nullptr;
  natsStatus s = kvStore_Watch(&w, kv_, pattern.c_str(), nullptr);
  if (s != NATS_OK) return FromNats(s, "watch " + bucket_ + "/" + pattern);
  return std::make_unique<KvWatcher>(w);
}

KvWatcher::~KvWatcher() {
  if (w_) kvWatcher_Destroy(w_);
}

Result<WatchEvent> KvWatcher::Next(int64_t timeout_ms) {
  kvEntry* e = nullptr;
  natsStatus s = kvWatcher_Next(&e, w_, timeout_ms);
  WatchEvent out;
  if (s == NATS_TIMEOUT) return out;
  if (s != NATS_OK) return FromNats(s, "watch");
  if (e == nullptr) {
    out.kind = WatchEvent::kInitialDone;
    return out;
  }
  out.kind = WatchEvent::kEntry;
  out.entry = ToEntry(e);
  return out;
}

void KvWatcher::Stop() { kvWatcher_Stop(w_); }

std::string EscapeKey(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('=');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (out.empty()) out = "=";  // the empty string (a key token must not be empty)
  return out;
}

std::string UnescapeKey(std::string_view s) {
  if (s == "=") return "";
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=' && i + 2 < s.size()) {
      int h = hex(s[i + 1]), l = hex(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace cxbridge::cluster
