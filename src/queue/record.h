// Key layout of the built-in queues' records in the QueueStore (store/queue_store.h; the embedded
// engine keeps them in the `queues` column family), and the
// record encodings. Keys start with a one-letter kind; `name` is the queue name (SQS names hold
// no '\0'):
//   'q' name                      → queue definition: JSON
//   {"attributes":{…},"created":ms,"modified":ms} 'm' name '\0' seq (8 BE)      → MessageRecord
//   (immutable: body, attributes, ids, sent time) 'v' name '\0' seq (8 BE)      → DeliveryState
//   (mutable: receive count, visibility, receipt nonce) 'd' name '\0' dedup id        → DedupRecord
//   (FIFO deduplication window entry) 's'                           → the next message sequence
//   number (8 BE), shared by all queues
// The mutable part is kept apart so a receive rewrites a few bytes, not the body. MessageRecord
// format 2 adds the MD5 digests (computed once at send); format 1 records are still read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxbridge::queue {

inline constexpr char kQueueKey = 'q';
inline constexpr char kMessageKey = 'm';
inline constexpr char kStateKey = 'v';
inline constexpr char kDedupKey = 'd';
inline constexpr char kSeqKey[] = "s";

std::string QueueDefKey(std::string_view name);
std::string MessageKey(char kind, std::string_view name, uint64_t seq);
// The prefix of every key of `kind` for queue `name` ('m', 'v' or 'd').
std::string QueuePrefix(char kind, std::string_view name);
std::string DedupKey(std::string_view name, std::string_view dedup_id);
// Splits a 'm'/'v' key; false if malformed.
bool ParseMessageKey(std::string_view key, std::string* name, uint64_t* seq);

struct MessageRecord {
  std::string message_id;
  std::string body;
  std::string attributes_json;  // MessageAttributes as SQS JSON ({} when none)
  std::string group_id;         // FIFO MessageGroupId
  std::string dedup_id;         // FIFO MessageDeduplicationId
  int64_t sent_ms = 0;
  std::string sender_id;
  // MD5OfMessageBody / MD5OfMessageAttributes, computed once at send and kept with the message
  // (format 2). Records of format 1 lack them: `has_digests` false, the reader computes them.
  bool has_digests = false;
  std::string md5_body;
  std::string md5_attributes;  // "" when the message has no attributes
};
std::string EncodeMessage(const MessageRecord& r);
std::optional<MessageRecord> DecodeMessage(std::string_view v);

struct DeliveryState {
  uint32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  int64_t visible_at_ms = 0;
  uint64_t nonce = 0;  // changes on every receive; part of the receipt handle
};
std::string EncodeState(const DeliveryState& s);
std::optional<DeliveryState> DecodeState(std::string_view v);

struct DedupRecord {
  int64_t expires_ms = 0;
  std::string message_id;
  uint64_t seq = 0;
};
std::string EncodeDedup(const DedupRecord& r);
std::optional<DedupRecord> DecodeDedup(std::string_view v);

}  // namespace cxbridge::queue
