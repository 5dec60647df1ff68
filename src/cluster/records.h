// The messages of a delivery partition's subject (`<prefix>.d.<p>`), docs/cluster.md §4:
//
//   accept record  an accepted event with its deliveries in this partition (one per route):
//                  'A' 0x01 | ingest_ms (varint) | bus (str) | n (varint) | n × delivery | event
//                  (str) delivery: route (str) | group (str) | attempts (varint) | first_ms
//                  (varint)
//                            | due_ms (varint, 0 = at once) | last_error (str) | order_seq (varint,
//                              0 = this message's own stream sequence; set when carried over)
//   marker         progress on earlier records, batched:
//                  'M' 0x01 | n (varint) | n × entry
//                  entry: kind (1 done, 2 retry) | seq (varint) | index (varint)
//                         [retry: attempts (varint) | due_ms (varint) | last_error (str)]
// str = varint length + bytes. Integers are unsigned LEB128 varints (times are ms since the
// epoch, never negative). The second byte is the format version: a reader refuses versions it
// does not know (Corruption), so an old node never misreads a new record.
//
// Decoding is bounded: every length is checked against what remains, counts against a limit, so
// a damaged message is Corruption, never a crash or a huge allocation.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::cluster {

inline constexpr char kAcceptRecordTag = 'A';
inline constexpr char kMarkerTag = 'M';
inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kMaxDeliveriesPerRecord = 1024;
inline constexpr size_t kMaxMarkerEntries = 65536;

struct RecordDelivery {
  std::string route;  // the route's identity, encoded by the caller
  std::string group;  // ordering group ("" unordered)
  uint32_t attempts = 0;
  int64_t first_ms = 0;
  int64_t due_ms = 0;
  std::string last_error;
  uint64_t order_seq = 0;
  bool operator==(const RecordDelivery&) const = default;
};

struct AcceptRecordData {
  int64_t ingest_ms = 0;
  std::string bus;
  std::vector<RecordDelivery> deliveries;
  std::string event_json;
  bool operator==(const AcceptRecordData&) const = default;
};

struct MarkerEntry {
  enum Kind : uint8_t { kDone = 1, kRetry = 2 };
  Kind kind = kDone;
  uint64_t seq = 0;        // the accept record's stream sequence
  uint32_t index = 0;      // which of its deliveries
  uint32_t attempts = 0;   // kRetry
  int64_t due_ms = 0;      // kRetry
  std::string last_error;  // kRetry
  bool operator==(const MarkerEntry&) const = default;
};

enum class RecordKind { kAccept, kMarker };

std::string EncodeAcceptRecord(const AcceptRecordData& r);
std::string EncodeMarker(const std::vector<MarkerEntry>& entries);
// Which kind a message body is; Corruption for anything else (or an unknown version).
Result<RecordKind> PeekRecordKind(std::string_view body);
Result<AcceptRecordData> DecodeAcceptRecord(std::string_view body);
Result<std::vector<MarkerEntry>> DecodeMarker(std::string_view body);

}  // namespace cxbridge::cluster
