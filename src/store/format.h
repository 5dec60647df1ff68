// On-disk formats of the embedded store: column families, key layouts and record encodings.
// One header of shared constants (STYLE.md); prose spec in docs/storage.md.
//
// Column families:
//   events      key = seq (8 bytes, big endian)          value = EventRecord
//   dedup       key = idempotency key (source-scoped)    value = expiry ms (8 bytes BE)
//   deliveries  key = target key '\0' seq (8 BE)         value = DeliveryRecord
//   dlq         key = DLQ id ("%013d-%010d" ms, seq)      value = DLQ record (JSON)
//   resources   key = kind '\0' name                     value = JSON text
//   archive     key = archive '\0' time ms (8 BE) seq    value = event JSON
//   queues      the built-in SQS-compatible queues; layout in queue/record.h
//   quarantine  key = id (as dlq)                        value = quarantine record (JSON)
//   default     "next_seq" and other metadata
// A target key is a RouteId's Key(): "bus\x1frule\x1ftarget-id".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/storage.h"

namespace cxbridge::store {

inline constexpr char kCfEvents[] = "events";
inline constexpr char kCfDedup[] = "dedup";
inline constexpr char kCfDeliveries[] = "deliveries";
inline constexpr char kCfDlq[] = "dlq";
inline constexpr char kCfResources[] = "resources";
inline constexpr char kCfArchive[] = "archive";
inline constexpr char kCfQueues[] = "queues";
inline constexpr char kCfQuarantine[] = "quarantine";
inline constexpr char kCfHistory[] = "history";  // delivery history (embedded_history.h)

void PutFixed64BE(std::string* out, uint64_t v);
uint64_t GetFixed64BE(const char* p);
void PutVarString(std::string* out, std::string_view s);            // u32 length + bytes
bool GetVarString(std::string_view* in, std::string_view* out);     // advances `in`

std::string SeqKey(uint64_t seq);
std::string DeliveryKey(std::string_view target_key, uint64_t seq);
// Splits a deliveries key; false if malformed.
bool ParseDeliveryKey(std::string_view key, std::string_view* target_key, uint64_t* seq);

std::string EncodeEventRecord(const EventRecord& r);
std::optional<EventRecord> DecodeEventRecord(std::string_view v);

std::string EncodeDeliveryRecord(const DeliveryRecord& r);
std::optional<DeliveryRecord> DecodeDeliveryRecord(std::string_view v);

}  // namespace cxbridge::store
