// NotificationSource: the `genesys-notifications` source. It keeps Genesys Cloud notification
// channels open for weeks and turns every notification frame into an event on the accept path
// (EventSink: route, dedup, durable log), exactly like a webhook body.
//
// Per channel (topics are packed ≤ max_topics_per_channel, ≤ max_channels channels):
//   create channel → open the WebSocket → PUT subscriptions (rejected topics are logged with the
//   missing permissions; the rest continue) → read frames. Upkeep, all timed by the Clock:
//   * OAuth token refreshed before expiry; after a refresh each channel is resubscribed so it is
//     bound to a live token.
//   * resubscribe (PUT) `resubscribe_before` ahead of the channel's 24 h expiry.
//   * `v2.system.socket_closing`: a new socket to the same channel is connected before the old
//     one is closed; the old one is drained, so no frame is lost.
//   * watchdog: no frame for `ping_after` → {"message":"ping"}; no answer within `pong_timeout`
//     → the socket is dead.
//   * a dead/closed socket, `v2.system.no_longer_subscribed`, `v2.system.token_revoked` or a
//     vanished channel open a gap; reconnect (with jittered exponential backoff, recreating the
//     channel when it is gone) closes it. no_longer_subscribed logs its reason; with reason
//     another_channel_subscribed (another channel of the same OAuth client took the topics) the
//     resubscription backs off, doubling per displacement in a row, instead of taking them back
//     at once. Every gap is submitted as its own event
//     (detail-type `cxbridge.source.gap`, see MakeGapEvent) so consumers can backfill from the
//     Genesys analytics API (README.md).
// Events the sink could not store (kUnavailable) are resubmitted with backoff, bounded by
// kMaxRetryEvents; what is dropped beyond that is counted and logged (the WebSocket has no replay).
//
// Threading: one Runtime I/O thread per source runs every coroutine; sink completions arrive on
// storage threads and only touch the mutex-guarded retry queue and atomic counters.
// Start/Stop from one controlling thread; stats() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "common/clock.h"
#include "common/status.h"
#include "genesys/gap_event.h"
#include "genesys/settings.h"
#include "genesys/topics.h"

namespace prometheus {
class Registry;
}

namespace cxbridge::genesys {

// Turns one notification frame ({topicName, version, eventBody, metadata}, already parsed) into
// the EventBridge event the accept path stores (ingest's envelope: see factory.h). Called on the
// I/O thread; implementations must be safe to call from one thread at a time.
class FrameEnveloper {
 public:
  virtual ~FrameEnveloper() = default;
  virtual Result<bus::IncomingEvent> Envelope(json::Value frame, int64_t now_ms) const = 0;
};

struct SourceStats {
  uint64_t frames = 0;          // every text frame read
  uint64_t heartbeats = 0;
  uint64_t pongs = 0;
  uint64_t pings_sent = 0;
  uint64_t events_submitted = 0;  // data frames handed to the sink (first submission)
  uint64_t events_stored = 0;
  uint64_t events_duplicate = 0;
  uint64_t events_rejected = 0;   // sink said kRejected (e.g. unknown bus)
  uint64_t events_retried = 0;    // resubmissions after kUnavailable
  uint64_t events_dropped = 0;    // retry queue full or shut down with events unstored
  uint64_t malformed_frames = 0;
  uint64_t channels_created = 0;
  uint64_t subscribe_calls = 0;
  uint64_t topics_rejected = 0;   // distinct subscriptions Genesys rejected (logged once each)
  uint64_t connects = 0;          // successful WebSocket connects (incl. rotations)
  uint64_t rotations = 0;         // socket_closing handled with an overlapping socket
  uint64_t gaps = 0;              // gap events emitted
  uint64_t tokens_fetched = 0;
  uint64_t rate_limited = 0;      // 429s waited out
  uint64_t open_gaps = 0;         // channels currently without a live subscription
  uint64_t subscriptions_displaced = 0;  // no_longer_subscribed with reason another_channel_subscribed
};

class NotificationSource {
 public:
  static constexpr size_t kMaxRetryEvents = 10'000;

  NotificationSource(NotificationsSettings settings, std::unique_ptr<FrameEnveloper> enveloper,
                     bus::EventSink& sink, Clock& clock);
  ~NotificationSource();  // Stop()

  // Publishes the metrics of metrics.h into `registry` (which must outlive the source). Call
  // before Start.
  void ExportMetrics(prometheus::Registry& registry);

  // Resolves the OAuth secrets, plans subscriptions and channels (config errors are returned
  // here) and starts the I/O thread. Network trouble is not an error: it is retried in the
  // background and visible in stats() and the logs.
  Status Start();
  // Closes the sockets, stops the thread and waits (≤ 10 s) for submitted events' outcomes.
  void Stop();

  const std::string& name() const;
  // The channels' planned subscriptions (after Start).
  std::vector<std::vector<Subscription>> plan() const;
  SourceStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxbridge::genesys
