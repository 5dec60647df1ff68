// The gap event: what a genesys-notifications source records for an interval in which a channel
// had no live, subscribed socket (the WebSocket has no replay), so consumers can backfill it from
// the analytics API (README.md, "Gaps and how to backfill them").
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "genesys/settings.h"

namespace cxbridge::genesys {

// The gap event (an EventBridge event, compact JSON): detail-type "cxbridge.source.gap",
// source "cxbridge", detail {sourceName, channelId, reason, start, end (RFC 3339 ms), startMs,
// endMs, durationMs, topics, topicPatterns, backfill{interval, queries}}.
bus::IncomingEvent MakeGapEvent(const NotificationsSettings& s, const std::string& channel_id,
                                const std::vector<std::string>& topics, const std::string& reason,
                                int64_t start_ms, int64_t end_ms);

}  // namespace cxbridge::genesys
