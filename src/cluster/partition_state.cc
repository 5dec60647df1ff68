#include "cluster/partition_state.h"

namespace cxbridge::cluster {

Status PartitionState::Apply(uint64_t seq, std::string_view body) {
  if (seq > last_seq_) last_seq_ = seq;
  auto kind = PeekRecordKind(body);
  if (!kind.ok()) return kind.status();
  if (*kind == RecordKind::kAccept) {
    auto r = DecodeAcceptRecord(body);
    if (!r.ok()) return r.status();
    auto ev = std::make_shared<PartitionEvent>();
    ev->seq = seq;
    ev->ingest_ms = r->ingest_ms;
    ev->bus = std::move(r->bus);
    ev->event_json = std::make_shared<const std::string>(std::move(r->event_json));
    for (uint32_t i = 0; i < r->deliveries.size(); ++i) {
      PendingDelivery d;
      d.event = ev;
      d.index = i;
      d.delivery = std::move(r->deliveries[i]);
      pending_.emplace(Key{seq, i}, std::move(d));
    }
    return Status::Ok();
  }
  auto m = DecodeMarker(body);
  if (!m.ok()) return m.status();
  for (const auto& e : *m) {
    if (e.kind == MarkerEntry::kDone) {
      Done(e.seq, e.index);
    } else {
      Retry(e.seq, e.index, e.attempts, e.due_ms, e.last_error);
    }
  }
  return Status::Ok();
}

void PartitionState::Done(uint64_t seq, uint32_t index) { pending_.erase(Key{seq, index}); }

void PartitionState::Retry(uint64_t seq, uint32_t index, uint32_t attempts, int64_t due_ms,
                           std::string_view last_error) {
  auto it = pending_.find(Key{seq, index});
  if (it == pending_.end()) return;
  // Markers of one owner come in order; a stale one from a previous owner must not undo
  // progress: attempts only grow.
  if (attempts < it->second.delivery.attempts) return;
  it->second.delivery.attempts = attempts;
  it->second.delivery.due_ms = due_ms;
  it->second.delivery.last_error = std::string(last_error);
}

uint64_t PartitionState::Floor() const {
  return pending_.empty() ? last_seq_ + 1 : pending_.begin()->first.first;
}

}  // namespace cxbridge::cluster
