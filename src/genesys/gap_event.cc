#include "genesys/gap_event.h"

#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::genesys {

bus::IncomingEvent MakeGapEvent(const NotificationsSettings& s, const std::string& channel_id,
                                const std::vector<std::string>& topics, const std::string& reason,
                                int64_t start_ms, int64_t end_ms) {
  using json::Value;
  Value topic_list = Value::Array(), patterns = Value::Array();
  std::set<std::string> seen;
  for (const auto& t : topics) {
    topic_list.Push(Value::String(t));
    std::string p = ingest::TopicPattern(t);
    if (seen.insert(p).second) patterns.Push(Value::String(p));
  }
  const std::string interval = FormatRfc3339Millis(start_ms) + "/" + FormatRfc3339Millis(end_ms);
  // What a consumer runs to fill the gap (README.md, "Backfilling a gap").
  Value queries = Value::Array();
  auto any = [&](std::string_view needle) {
    for (const auto& p : seen)
      if (p.find(needle) != std::string::npos) return true;
    return false;
  };
  if (any("conversation")) queries.Push(Value::String("POST /api/v2/analytics/conversations/details/query"));
  if (any("v2.users.")) queries.Push(Value::String("POST /api/v2/analytics/users/details/query"));
  if (any("v2.routing.queues.") || any("v2.analytics.queues.")) {
    queries.Push(Value::String("POST /api/v2/analytics/queues/observations/query"));
  }
  if (any("v2.audits.")) queries.Push(Value::String("POST /api/v2/audits/query"));
  Value detail = Value::Object({
      {"sourceName", Value::String(s.name)},
      {"channelId", Value::String(channel_id)},
      {"reason", Value::String(reason)},
      {"start", Value::String(FormatRfc3339Millis(start_ms))},
      {"end", Value::String(FormatRfc3339Millis(end_ms))},
      {"startMs", Value::Int(start_ms)},
      {"endMs", Value::Int(end_ms)},
      {"durationMs", Value::Int(end_ms - start_ms)},
      {"topics", std::move(topic_list)},
      {"topicPatterns", std::move(patterns)},
      {"backfill", Value::Object({{"interval", Value::String(interval)}, {"queries", std::move(queries)}})},
  });
  bus::IncomingEvent e;
  e.kind = bus::SourceKind::kGenesysWebSocket;
  e.bus = s.bus;
  e.id = NewUuid4();
  e.source = "cxbridge";
  e.detail_type = "cxbridge.source.gap";
  e.time_ms = end_ms;
  e.idempotency_key = "cxbridge.source.gap:" + s.name + ":" + channel_id + ":" + std::to_string(start_ms);
  Value ev = Value::Object({
      {"version", Value::String("0")},
      {"id", Value::String(e.id)},
      {"detail-type", Value::String(e.detail_type)},
      {"source", Value::String(e.source)},
      {"account", Value::String(s.account)},
      {"time", Value::String(FormatRfc3339(end_ms))},
      {"region", Value::String(s.aws_region)},
      {"resources", Value::Array()},
      {"detail", std::move(detail)},
  });
  e.event_json = json::Serialize(ev);
  return e;
}

}  // namespace cxbridge::genesys
