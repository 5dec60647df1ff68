#include "store/format.h"

#include <cstdio>

namespace cxbridge::store {

void PutFixed64BE(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutVarString(std::string* out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((n >> (i * 8)) & 0xff));
  out->append(s);
}

bool GetVarString(std::string_view* in, std::string_view* out) {
  if (in->size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>((*in)[i]);
  if (in->size() - 4 < n) return false;
  *out = in->substr(4, n);
  in->remove_prefix(4 + n);
  return true;
}

std::string SeqKey(uint64_t seq) {
  std::string k;
  PutFixed64BE(&k, seq);
  return k;
}

std::string DeliveryKey(std::string_view target_key, uint64_t seq) {
  std::string k(target_key);
  k.push_back('\0');
  PutFixed64BE(&k, seq);
  return k;
}

bool ParseDeliveryKey(std::string_view key, std::string_view* target_key, uint64_t* seq) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') return false;
  *target_key = key.substr(0, key.size() - 9);
  *seq = GetFixed64BE(key.data() + key.size() - 8);
  return true;
}

std::string EncodeEventRecord(const EventRecord& r) {
  std::string v;
  v.reserve(16 + r.bus.size() + r.event_json.size());
  PutFixed64BE(&v, static_cast<uint64_t>(r.ingest_ms));
  PutVarString(&v, r.bus);
  PutVarString(&v, r.event_json);
  return v;
}

std::optional<EventRecord> DecodeEventRecord(std::string_view v) {
  if (v.size() < 8) return std::nullopt;
  EventRecord r;
  r.ingest_ms = static_cast<int64_t>(GetFixed64BE(v.data()));
  v.remove_prefix(8);
  std::string_view bus, json;
  if (!GetVarString(&v, &bus) || !GetVarString(&v, &json)) return std::nullopt;
  r.bus = bus;
  r.event_json = json;
  return r;
}

std::string EncodeDeliveryRecord(const DeliveryRecord& r) {
  std::string v;
  PutFixed64BE(&v, r.attempts);
  PutFixed64BE(&v, static_cast<uint64_t>(r.first_ms));
  PutFixed64BE(&v, static_cast<uint64_t>(r.next_due_ms));
  PutVarString(&v, r.last_error);
  return v;
}

std::optional<DeliveryRecord> DecodeDeliveryRecord(std::string_view v) {
  if (v.size() < 24) return std::nullopt;
  DeliveryRecord r;
  r.attempts = static_cast<uint32_t>(GetFixed64BE(v.data()));
  r.first_ms = static_cast<int64_t>(GetFixed64BE(v.data() + 8));
  r.next_due_ms = static_cast<int64_t>(GetFixed64BE(v.data() + 16));
  v.remove_prefix(24);
  std::string_view err;
  if (!GetVarString(&v, &err)) return std::nullopt;
  r.last_error = err;
  return r;
}

std::string DlqId(int64_t ms, uint64_t seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%013lld-%010llu", static_cast<long long>(ms),
                static_cast<unsigned long long>(seq));
  return buf;
}

}  // namespace cxbridge::store
