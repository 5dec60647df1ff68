// The genesys-notifications source's Prometheus metrics, declared together (STYLE.md). Values
// mirror SourceStats: Update() adds what changed since the previous call (counters) and sets the
// gauges. Labelled by source name.
//   cxbridge_genesys_frames_total                 text frames read (incl. heartbeats, pongs)
//   cxbridge_genesys_events_total{outcome}        stored | duplicate | rejected | retried | dropped | malformed
//   cxbridge_genesys_connects_total               WebSocket connects (incl. rotations)
//   cxbridge_genesys_rotations_total              socket_closing handled with an overlapping socket
//   cxbridge_genesys_gaps_total                   gap events emitted
//   cxbridge_genesys_open_gaps                    channels currently without a live subscription
//   cxbridge_genesys_channels_created_total, cxbridge_genesys_subscribe_calls_total
//   cxbridge_genesys_topics_rejected              distinct subscriptions Genesys rejected
//   cxbridge_genesys_subscriptions_displaced_total  no_longer_subscribed, another_channel_subscribed
//   cxbridge_genesys_tokens_total, cxbridge_genesys_rate_limited_total
//   cxbridge_genesys_heartbeats_total, cxbridge_genesys_pings_total, cxbridge_genesys_pongs_total
// Thread-safety: Update from one thread at a time (the source's I/O thread).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

#include "genesys/source.h"

namespace cxbridge::genesys {

class SourceMetrics {
 public:
  SourceMetrics(prometheus::Registry& registry, const std::string& source);
  void Update(const SourceStats& now);

 private:
  SourceStats last_;
  prometheus::Counter *frames_, *stored_, *duplicate_, *rejected_, *retried_, *dropped_, *malformed_, *connects_,
      *rotations_, *gaps_, *channels_, *subscribes_, *tokens_, *rate_limited_, *heartbeats_, *pings_, *pongs_, *displaced_;
  prometheus::Gauge *open_gaps_, *topics_rejected_;
};

}  // namespace cxbridge::genesys
