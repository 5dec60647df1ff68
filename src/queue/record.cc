#include "queue/record.h"

#include "store/format.h"

namespace cxbridge::queue {

using store::GetFixed64BE;
using store::GetVarString;
using store::PutFixed64BE;
using store::PutVarString;

std::string QueueDefKey(std::string_view name) {
  std::string k(1, kQueueKey);
  k.append(name);
  return k;
}

std::string QueuePrefix(char kind, std::string_view name) {
  std::string k(1, kind);
  k.append(name);
  k.push_back('\0');
  return k;
}

std::string MessageKey(char kind, std::string_view name, uint64_t seq) {
  std::string k = QueuePrefix(kind, name);
  PutFixed64BE(&k, seq);
  return k;
}

std::string DedupKey(std::string_view name, std::string_view dedup_id) {
  std::string k = QueuePrefix(kDedupKey, name);
  k.append(dedup_id);
  return k;
}

bool ParseMessageKey(std::string_view key, std::string* name, uint64_t* seq) {
  if (key.size() < 1 + 1 + 8) return false;
  size_t nul = key.find('\0', 1);
  if (nul == std::string_view::npos || key.size() != nul + 1 + 8) return false;
  *name = std::string(key.substr(1, nul - 1));
  *seq = GetFixed64BE(key.data() + nul + 1);
  return true;
}

std::string EncodeMessage(const MessageRecord& r) {
  std::string v;
  v.push_back(r.has_digests ? 2 : 1);  // format version
  PutFixed64BE(&v, static_cast<uint64_t>(r.sent_ms));
  PutVarString(&v, r.message_id);
  PutVarString(&v, r.group_id);
  PutVarString(&v, r.dedup_id);
  PutVarString(&v, r.sender_id);
  PutVarString(&v, r.attributes_json);
  PutVarString(&v, r.body);
  if (r.has_digests) {
    PutVarString(&v, r.md5_body);
    PutVarString(&v, r.md5_attributes);
  }
  return v;
}

std::optional<MessageRecord> DecodeMessage(std::string_view v) {
  if (v.size() < 9 || (v[0] != 1 && v[0] != 2)) return std::nullopt;
  MessageRecord r;
  r.has_digests = v[0] == 2;
  r.sent_ms = static_cast<int64_t>(GetFixed64BE(v.data() + 1));
  v.remove_prefix(9);
  std::string_view id, group, dedup, sender, attrs, body, md5_body, md5_attributes;
  if (!GetVarString(&v, &id) || !GetVarString(&v, &group) || !GetVarString(&v, &dedup) ||
      !GetVarString(&v, &sender) || !GetVarString(&v, &attrs) || !GetVarString(&v, &body)) {
    return std::nullopt;
  }
  if (r.has_digests && (!GetVarString(&v, &md5_body) || !GetVarString(&v, &md5_attributes))) {
    return std::nullopt;
  }
  r.message_id = id;
  r.group_id = group;
  r.dedup_id = dedup;
  r.sender_id = sender;
  r.attributes_json = attrs;
  r.body = body;
  r.md5_body = md5_body;
  r.md5_attributes = md5_attributes;
  return r;
}

std::string EncodeState(const DeliveryState& s) {
  std::string v;
  PutFixed64BE(&v, s.receive_count);
  PutFixed64BE(&v, static_cast<uint64_t>(s.first_receive_ms));
  PutFixed64BE(&v, static_cast<uint64_t>(s.visible_at_ms));
  PutFixed64BE(&v, s.nonce);
  return v;
}

std::optional<DeliveryState> DecodeState(std::string_view v) {
  if (v.size() != 32) return std::nullopt;
  DeliveryState s;
  s.receive_count = static_cast<uint32_t>(GetFixed64BE(v.data()));
  s.first_receive_ms = static_cast<int64_t>(GetFixed64BE(v.data() + 8));
  s.visible_at_ms = static_cast<int64_t>(GetFixed64BE(v.data() + 16));
  s.nonce = GetFixed64BE(v.data() + 24);
  return s;
}

std::string EncodeDedup(const DedupRecord& r) {
  std::string v;
  PutFixed64BE(&v, static_cast<uint64_t>(r.expires_ms));
  PutFixed64BE(&v, r.seq);
  v.append(r.message_id);
  return v;
}

std::optional<DedupRecord> DecodeDedup(std::string_view v) {
  if (v.size() < 16) return std::nullopt;
  DedupRecord r;
  r.expires_ms = static_cast<int64_t>(GetFixed64BE(v.data()));
  r.seq = GetFixed64BE(v.data() + 8);
  r.message_id = v.substr(16);
  return r;
}

}  // namespace cxbridge::queue
