#include "genesys/metrics.h"

namespace cxbridge::genesys {
namespace {

prometheus::Counter* Counter(prometheus::Registry& r, const char* name, const char* help,
                             const std::map<std::string, std::string>& labels) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Gauge* Gauge(prometheus::Registry& r, const char* name, const char* help,
                         const std::map<std::string, std::string>& labels) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add(labels);
}

void Add(prometheus::Counter* c, uint64_t now, uint64_t before) {
  if (now > before) c->Increment(static_cast<double>(now - before));
}

}  // namespace

SourceMetrics::SourceMetrics(prometheus::Registry& r, const std::string& source) {
  const std::map<std::string, std::string> l = {{"source", source}};
  auto events = [&](const char* outcome) {
    return &prometheus::BuildCounter()
                .Name("cxbridge_genesys_events_total")
                .Help("Notification events by accept outcome")
                .Register(r)
                .Add({{"source", source}, {"outcome", outcome}});
  };
  frames_ = Counter(r, "cxbridge_genesys_frames_total", "WebSocket text frames read", l);
  stored_ = events("stored");
  duplicate_ = events("duplicate");
  rejected_ = events("rejected");
  retried_ = events("retried");
  dropped_ = events("dropped");
  malformed_ = events("malformed");
  connects_ = Counter(r, "cxbridge_genesys_connects_total", "WebSocket connects", l);
  rotations_ = Counter(r, "cxbridge_genesys_rotations_total", "socket_closing rotations", l);
  gaps_ = Counter(r, "cxbridge_genesys_gaps_total", "Gap events emitted", l);
  channels_ = Counter(r, "cxbridge_genesys_channels_created_total", "Notification channels created", l);
  subscribes_ = Counter(r, "cxbridge_genesys_subscribe_calls_total", "Subscription PUTs", l);
  tokens_ = Counter(r, "cxbridge_genesys_tokens_total", "OAuth tokens fetched", l);
  rate_limited_ = Counter(r, "cxbridge_genesys_rate_limited_total", "429 answers waited out", l);
  heartbeats_ = Counter(r, "cxbridge_genesys_heartbeats_total", "Heartbeat frames", l);
  pings_ = Counter(r, "cxbridge_genesys_pings_total", "Pings sent by the watchdog", l);
  pongs_ = Counter(r, "cxbridge_genesys_pongs_total", "Pongs received", l);
  displaced_ = Counter(r, "cxbridge_genesys_subscriptions_displaced_total",
                       "Channels that lost their topics to another channel (another_channel_subscribed)", l);
  open_gaps_ = Gauge(r, "cxbridge_genesys_open_gaps", "Channels without a live subscription now", l);
  topics_rejected_ = Gauge(r, "cxbridge_genesys_topics_rejected", "Subscriptions Genesys rejected", l);
}

void SourceMetrics::Update(const SourceStats& n) {
  const SourceStats& b = last_;
  Add(frames_, n.frames, b.frames);
  Add(stored_, n.events_stored, b.events_stored);
  Add(duplicate_, n.events_duplicate, b.events_duplicate);
  Add(rejected_, n.events_rejected, b.events_rejected);
  Add(retried_, n.events_retried, b.events_retried);
  Add(dropped_, n.events_dropped, b.events_dropped);
  Add(malformed_, n.malformed_frames, b.malformed_frames);
  Add(connects_, n.connects, b.connects);
  Add(rotations_, n.rotations, b.rotations);
  Add(gaps_, n.gaps, b.gaps);
  Add(channels_, n.channels_created, b.channels_created);
  Add(subscribes_, n.subscribe_calls, b.subscribe_calls);
  Add(tokens_, n.tokens_fetched, b.tokens_fetched);
  Add(rate_limited_, n.rate_limited, b.rate_limited);
  Add(heartbeats_, n.heartbeats, b.heartbeats);
  Add(pings_, n.pings_sent, b.pings_sent);
  Add(pongs_, n.pongs, b.pongs);
  Add(displaced_, n.subscriptions_displaced, b.subscriptions_displaced);
  open_gaps_->Set(static_cast<double>(n.open_gaps));
  topics_rejected_->Set(static_cast<double>(n.topics_rejected));
  last_ = n;
}

}  // namespace cxbridge::genesys
