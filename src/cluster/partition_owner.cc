#include "cluster/partition_owner.h"

#include <spdlog/spdlog.h>

#include <future>

#include "common/thread_name.h"

namespace cxbridge::cluster {

PartitionOwner::PartitionOwner(JetStream& js, AsyncPublisher& publisher, const Names& names,
                               int partition, Clock& clock, Options options)
    : js_(js),
      publisher_(publisher),
      names_(names),
      partition_(partition),
      subject_(names.DeliverySubject(partition)),
      clock_(clock),
      options_(options) {}

PartitionOwner::~PartitionOwner() { Stop(); }

Status PartitionOwner::Start(std::function<void()> on_new) {
  on_new_ = std::move(on_new);
  // Where the subject ends now: the replay is done once a message with no more pending arrives,
  // or at once when the subject is empty.
  auto info = js_.StreamInfo(names_.deliveries_stream, subject_);
  if (!info.ok()) return info.status();
  auto sub = js_.SubscribeOrdered(names_.deliveries_stream, subject_, 1);
  if (!sub.ok()) return sub.status();
  sub_ = std::move(*sub);
  const int64_t deadline = clock_.SteadyMs() + options_.replay_timeout_ms;
  bool caught_up = info->subject_messages == 0;
  while (!caught_up) {
    if (clock_.SteadyMs() > deadline) {
      return Status::Unavailable("partition " + std::to_string(partition_) +
                                 ": replay did not finish within " +
                                 std::to_string(options_.replay_timeout_ms) + " ms");
    }
    auto m = sub_->Next(1000);
    if (!m.ok()) continue;  // slow server: keep reading until the deadline
    auto md = m->Metadata();
    if (!md.ok()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = state_.Apply(md->stream_seq, m->data());
    if (!st.ok()) {
      ++stats_.corrupt;
      spdlog::error("partition {}: message {} skipped: {}", partition_, md->stream_seq,
                    st.message());
    } else {
      ++stats_.records;
    }
    caught_up = md->num_pending == 0;
  }
  spdlog::info("partition {}: replayed, {} deliveries pending", partition_, pending_count());
  thread_ = std::thread([this] {
    SetThreadName("cxb-part-" + std::to_string(partition_));
    Loop();
  });
  return Status::Ok();
}

void PartitionOwner::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  FlushMarkers();
  sub_.reset();
}

void PartitionOwner::Loop() {
  while (!stopping_.load()) {
    // Short waits only while markers wait to be flushed; otherwise idle cheaply (a marker added
    // meanwhile waits at most this long).
    bool have_markers = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      have_markers = !markers_.empty();
    }
    auto m = sub_->Next(have_markers ? std::max<int64_t>(1, options_.marker_interval_ms) : 50);
    bool added = false;
    if (m.ok()) {
      auto md = m->Metadata();
      if (md.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        const size_t before = state_.size();
        Status st = state_.Apply(md->stream_seq, m->data());
        if (!st.ok()) {
          ++stats_.corrupt;
          spdlog::error("partition {}: message {} skipped: {}", partition_, md->stream_seq,
                        st.message());
        } else {
          ++stats_.records;
          added = state_.size() > before;
        }
      }
    }
    if (added && on_new_) on_new_();
    const int64_t now = clock_.SteadyMs();
    bool flush = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      flush = !markers_.empty() && (markers_.size() >= options_.marker_max_entries ||
                                    now - oldest_marker_ms_ >= options_.marker_interval_ms);
    }
    if (flush) FlushMarkers();
    MaybePurge(now);
  }
}

void PartitionOwner::FlushMarkers() {
  std::vector<MarkerEntry> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(markers_);
    if (!batch.empty()) ++stats_.markers_written;
  }
  if (batch.empty()) return;
  publisher_.Publish(subject_, EncodeMarker(batch), {}, [p = partition_](Result<PubAck> r) {
    if (!r.ok())
      spdlog::warn("partition {}: a marker was not stored ({}); its work may repeat", p,
                   r.status().message());
  });
}

void PartitionOwner::MaybePurge(int64_t now) {
  if (now - last_purge_ms_ < options_.purge_every_ms) return;
  last_purge_ms_ = now;
  uint64_t floor = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    floor = state_.Floor();
    stats_.floor = floor;
  }
  if (floor <= purged_below_ + 1) return;
  Status st = js_.Purge(names_.deliveries_stream, subject_, floor);
  if (st.ok()) {
    purged_below_ = floor - 1;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.purges;
  } else {
    spdlog::debug("partition {}: purge below {}: {}", partition_, floor, st.message());
  }
}

void PartitionOwner::WithPending(
    const std::function<void(const std::map<PartitionState::Key, PendingDelivery>&)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  fn(state_.pending());
}

size_t PartitionOwner::pending_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.size();
}

void PartitionOwner::Complete(uint64_t seq, uint32_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.Done(seq, index);
  if (markers_.empty()) oldest_marker_ms_ = clock_.SteadyMs();
  markers_.push_back({MarkerEntry::kDone, seq, index, 0, 0, ""});
}

void PartitionOwner::Reschedule(uint64_t seq, uint32_t index, uint32_t attempts, int64_t due_ms,
                                const std::string& last_error) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.Retry(seq, index, attempts, due_ms, last_error);
  if (markers_.empty()) oldest_marker_ms_ = clock_.SteadyMs();
  markers_.push_back({MarkerEntry::kRetry, seq, index, attempts, due_ms, last_error});
}

Result<uint64_t> PartitionOwner::DeadLetter(uint64_t seq, uint32_t index,
                                            const std::string& entry_json) {
  PublishOptions o;
  o.msg_id =
      "dlq." + std::to_string(partition_) + "." + std::to_string(seq) + "." + std::to_string(index);
  auto r = js_.Publish(names_.dlq_subject, entry_json, o);
  if (!r.ok()) return r.status();  // not stored for sure: the delivery stays pending
  Complete(seq, index);
  return r->seq;
}

PartitionOwner::Stats PartitionOwner::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace cxbridge::cluster
