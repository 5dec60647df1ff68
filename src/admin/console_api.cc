#include "admin/console_api.h"

#include <charconv>
#include <set>

#include "pattern/pattern.h"

namespace cxbridge::admin {
namespace {

constexpr size_t kMaxEventsPerPage = 500;
constexpr size_t kMaxPlaygroundEvents = 500;

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && FromHex(s[i + 1]) >= 0 && FromHex(s[i + 2]) >= 0) {
      out += static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

int64_t ToInt(const std::string& s, int64_t fallback) {
  int64_t v = fallback;
  if (!s.empty()) std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

json::Value Str(std::string_view s) { return json::Value::String(std::string(s)); }

json::Value Summary(const store::EventHistory& h) {
  json::Value rules = json::Value::Array();
  std::set<std::string> seen;
  for (const auto& r : h.event.routes) {
    if (seen.insert(r.rule).second) rules.Push(Str(r.rule));
  }
  return json::Value::Object({{"id", Str(h.event.id)},
                              {"seq", json::Value::Int(static_cast<int64_t>(h.event.seq))},
                              {"timeMs", json::Value::Int(h.event.time_ms)},
                              {"source", Str(h.event.source)},
                              {"detailType", Str(h.event.detail_type)},
                              {"bus", Str(h.event.bus)},
                              {"rules", std::move(rules)},
                              {"state", Str(h.state)}});
}

json::Value AttemptJson(const store::HistoryAttempt& a) {
  json::Value o = json::Value::Object({{"number", json::Value::Int(a.number)},
                                       {"timeMs", json::Value::Int(a.time_ms)},
                                       {"outcome", Str(a.outcome)}});
  if (a.http_status) o.Set("status", json::Value::Int(a.http_status));
  if (!a.code.empty()) o.Set("code", Str(a.code));
  if (!a.message.empty()) o.Set("message", Str(a.message));
  if (a.latency_ms >= 0) o.Set("latencyMs", json::Value::Int(a.latency_ms));
  if (a.next_retry_ms) o.Set("nextRetryMs", json::Value::Int(a.next_retry_ms));
  return o;
}

http::Response Bad(std::string_view message) { return http::Response::Error(400, "BadRequest", message); }

}  // namespace

std::string QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    if (Decode(kv.substr(0, eq)) == name) return eq == std::string_view::npos ? "" : Decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

bool ConsoleApi::Handle(const http::Request& req, const http::Respond& respond) {
  const std::string_view path = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (path.starts_with("/admin/api/") && post) {
    if (!deps_.api) {
      respond(http::Response::Error(404, "NotFound", "the EventBridge API is not enabled"));
      return true;
    }
    deps_.api(std::string(path.substr(11)), req.body, respond);
    return true;
  }
  std::optional<http::Response> r;
  if (path == "/admin/overview" && get) {
    r = Overview();
  } else if (path == "/admin/events" && get) {
    r = Events(req);
  } else if (path.starts_with("/admin/events/")) {
    std::string_view rest = path.substr(14);
    if (get && rest.find('/') == std::string_view::npos) {
      r = Event(Decode(rest));
    } else if (post && rest.ends_with("/redeliver")) {
      r = Redeliver(Decode(rest.substr(0, rest.size() - 10)), req);
    } else if (post && rest.ends_with("/replay")) {
      r = Replay(Decode(rest.substr(0, rest.size() - 7)));
    }
  } else if (path == "/admin/rules" && get) {
    r = Rules();
  } else if (path == "/admin/test-pattern" && post) {
    r = TestPattern(req);
  }
  if (!r) return false;
  respond(std::move(*r));
  return true;
}

http::Response ConsoleApi::Overview() {
  json::Value out = json::Value::Object();
  out.Set("now", json::Value::Int(deps_.clock ? deps_.clock->NowMs() : 0));
  out.Set("series", deps_.rates ? deps_.rates->Series() : json::Value::Object());
  std::map<std::string, deliver::HistoryRecorder::Latency> latencies;
  if (deps_.recorder) latencies = deps_.recorder->Latencies();
  json::Value targets = json::Value::Array();
  if (deps_.scheduler) {
    for (const auto& s : deps_.scheduler->Stats()) {
      json::Value o = json::Value::Object({{"bus", Str(s.bus)},
                                           {"rule", Str(s.rule)},
                                           {"target", Str(s.target)},
                                           {"arn", Str(s.arn)},
                                           {"depth", json::Value::Int(static_cast<int64_t>(s.depth))},
                                           {"inFlight", json::Value::Int(s.in_flight)},
                                           {"circuit", Str(s.circuit)},
                                           {"paused", json::Value::Bool(s.paused)}});
      if (auto it = latencies.find(s.key); it != latencies.end() && it->second.samples > 0) {
        o.Set("p50Ms", json::Value::Double(it->second.p50_ms));
        o.Set("p99Ms", json::Value::Double(it->second.p99_ms));
        o.Set("latencySamples", json::Value::Int(static_cast<int64_t>(it->second.samples)));
      }
      targets.Push(std::move(o));
    }
  }
  out.Set("targets", std::move(targets));
  out.Set("sources", deps_.sources ? deps_.sources() : json::Value::Array());
  return http::Response::Json(200, json::Serialize(out));
}

http::Response ConsoleApi::Events(const http::Request& req) {
  if (!deps_.history) return http::Response::Error(404, "NotFound", "no delivery history");
  store::HistoryQuery q;
  q.source = QueryValue(req.query, "source");
  q.detail_type_prefix = QueryValue(req.query, "detailType");
  q.rule = QueryValue(req.query, "rule");
  q.state = QueryValue(req.query, "state");
  if (q.state.empty()) q.state = QueryValue(req.query, "outcome");
  q.from_ms = ToInt(QueryValue(req.query, "from"), 0);
  q.to_ms = ToInt(QueryValue(req.query, "to"), q.to_ms);
  q.after_seq = static_cast<uint64_t>(ToInt(QueryValue(req.query, "after"), 0));
  q.limit = static_cast<size_t>(std::clamp<int64_t>(ToInt(QueryValue(req.query, "limit"), 100), 1, kMaxEventsPerPage));
  if (!q.state.empty() && q.state != "delivered" && q.state != "pending" && q.state != "dead-lettered" &&
      q.state != "unmatched") {
    return Bad("state must be delivered, pending, dead-lettered or unmatched");
  }
  auto found = deps_.history->Find(q);
  if (!found.ok()) return http::Response::Error(503, "Unavailable", found.status().message());
  json::Value events = json::Value::Array();
  for (const auto& h : *found) events.Push(Summary(h));
  json::Value out = json::Value::Object({{"events", std::move(events)},
                                         {"truncated", json::Value::Bool(found->size() >= q.limit)}});
  return http::Response::Json(200, json::Serialize(out));
}

std::optional<std::string> ConsoleApi::EventJson(const store::EventHistory& h) {
  if (!deps_.event_json) return std::nullopt;
  return deps_.event_json(h.event.seq);
}

http::Response ConsoleApi::Event(std::string_view id) {
  if (!deps_.history) return http::Response::Error(404, "NotFound", "no delivery history");
  auto h = deps_.history->Get(id);
  if (!h.ok()) {
    if (h.status().code() == StatusCode::kNotFound) {
      return http::Response::Error(404, "NotFound",
                                   "no event " + std::string(id) +
                                       " in the delivery history (unknown, or older than the event retention)");
    }
    return http::Response::Error(503, "Unavailable", h.status().message());
  }
  json::Value out = Summary(*h);
  json::Value event = json::Value::Null();
  if (auto text = EventJson(*h)) {
    auto parsed = json::Parse(*text);
    if (parsed.ok()) event = std::move(*parsed);
  }
  out.Set("event", std::move(event));
  json::Value targets = json::Value::Array();
  for (const auto& t : h->targets) {
    json::Value attempts = json::Value::Array();
    for (const auto& a : t.attempts) attempts.Push(AttemptJson(a));
    targets.Push(json::Value::Object({{"rule", Str(t.route.rule)},
                                      {"target", Str(t.route.target)},
                                      {"arn", Str(t.route.arn)},
                                      {"state", Str(t.state)},
                                      {"attemptsOmitted", json::Value::Int(t.omitted)},
                                      {"attempts", std::move(attempts)}}));
  }
  out.Set("targets", std::move(targets));
  return http::Response::Json(200, json::Serialize(out));
}

http::Response ConsoleApi::Redeliver(std::string_view id, const http::Request& req) {
  auto body = json::Parse(req.body);
  const json::Value* rule = body.ok() ? body->Find("rule") : nullptr;
  const json::Value* target = body.ok() ? body->Find("target") : nullptr;
  if (!rule || !target || !rule->is_string() || !target->is_string()) {
    return Bad("body needs \"rule\" and \"target\" (and optionally \"bus\")");
  }
  std::string bus = "default";
  if (const json::Value* b = body->Find("bus"); b && b->is_string()) bus = b->as_string();
  auto h = deps_.history ? deps_.history->Get(id) : Result<store::EventHistory>(Status::NotFound("no history"));
  if (!h.ok()) return http::Response::Error(404, "NotFound", h.status().message());
  auto text = EventJson(*h);
  if (!text) return http::Response::Error(409, "Gone", "the event is no longer in the event log (retention)");
  if (!deps_.redeliver) return http::Response::Error(404, "NotFound", "redelivery is not available");
  Status st = deps_.redeliver(bus, rule->as_string(), target->as_string(), *text);
  if (!st.ok()) {
    return http::Response::Error(st.code() == StatusCode::kNotFound ? 404 : 503,
                                 st.code() == StatusCode::kNotFound ? "NotFound" : "Unavailable", st.message());
  }
  return http::Response::Json(200, "{\"status\":\"redelivering\",\"message\":" +
                                       json::Quote("Delivering event " + std::string(id) + " to " +
                                                   rule->as_string() + "/" + target->as_string() + " again.") +
                                       "}");
}

http::Response ConsoleApi::Replay(std::string_view id) {
  auto h = deps_.history ? deps_.history->Get(id) : Result<store::EventHistory>(Status::NotFound("no history"));
  if (!h.ok()) return http::Response::Error(404, "NotFound", h.status().message());
  auto text = EventJson(*h);
  if (!text) return http::Response::Error(409, "Gone", "the event is no longer in the event log (retention)");
  if (!deps_.replay) return http::Response::Error(404, "NotFound", "replay is not available");
  Status st = deps_.replay(h->event.bus, *text);
  if (!st.ok()) return http::Response::Error(503, "Unavailable", st.message());
  return http::Response::Json(200, "{\"status\":\"replayed\",\"message\":" +
                                       json::Quote("Event " + std::string(id) +
                                                   " was routed again through the current rules of bus " +
                                                   h->event.bus + ".") +
                                       "}");
}

http::Response ConsoleApi::Rules() {
  json::Value rules = json::Value::Array();
  if (deps_.router) {
    auto table = deps_.router->table();
    for (const auto& [bus_name, bus] : table->buses) {
      for (const auto& [name, rule] : bus->rules) {
        const bus::RuleDef& d = rule.def;
        json::Value targets = json::Value::Array();
        for (const auto& t : d.targets) targets.Push(t.raw);
        json::Value o = json::Value::Object({{"bus", Str(bus_name)},
                                             {"name", Str(d.name)},
                                             {"arn", Str(rule.arn)},
                                             {"origin", Str(d.origin == bus::Origin::kConfig ? "config" : "api")},
                                             {"state", Str(d.state)},
                                             {"description", Str(d.description)},
                                             {"eventPattern", Str(d.event_pattern)},
                                             {"scheduleExpression", Str(d.schedule_expression)},
                                             {"managedBy", Str(d.managed_by)},
                                             {"targets", std::move(targets)}});
        rules.Push(std::move(o));
      }
    }
  }
  return http::Response::Json(200, "{\"rules\":" + json::Serialize(rules) + "}");
}

http::Response ConsoleApi::TestPattern(const http::Request& req) {
  auto body = json::Parse(req.body);
  const json::Value* pattern = body.ok() ? body->Find("pattern") : nullptr;
  if (!pattern || !(pattern->is_string() || pattern->is_object())) {
    return Bad("body needs \"pattern\" (the event pattern, as JSON text or an object)");
  }
  const std::string text = pattern->is_string() ? pattern->as_string() : json::Serialize(*pattern);
  int64_t limit = 200;
  if (const json::Value* l = body->Find("limit"); l && l->is_number()) l->as_int64(&limit);
  store::HistoryQuery q;
  q.limit = static_cast<size_t>(std::clamp<int64_t>(limit, 1, kMaxPlaygroundEvents));
  auto recent = deps_.history ? deps_.history->Find(q) : Result<std::vector<store::EventHistory>>(std::vector<store::EventHistory>{});
  if (!recent.ok()) return http::Response::Error(503, "Unavailable", recent.status().message());
  // The pattern's own errors come first, with the texts EventBridge gives (also with no events).
  auto valid = pattern::TestEventPattern(text, "{\"id\":\"x\",\"source\":\"x\",\"detail-type\":\"x\",\"detail\":{}}");
  if (!valid.ok()) return http::Response::Error(400, "InvalidEventPatternException", valid.status().message());
  json::Value matched = json::Value::Array();
  int64_t tested = 0;
  for (const auto& h : *recent) {
    auto ev = EventJson(h);
    if (!ev) continue;
    ++tested;
    auto m = pattern::TestEventPattern(text, *ev);
    if (m.ok() && *m) {
      matched.Push(json::Value::Object({{"id", Str(h.event.id)},
                                       {"timeMs", json::Value::Int(h.event.time_ms)},
                                       {"source", Str(h.event.source)},
                                       {"detailType", Str(h.event.detail_type)}}));
    }
  }
  json::Value out = json::Value::Object({{"tested", json::Value::Int(tested)}, {"matched", std::move(matched)}});
  return http::Response::Json(200, json::Serialize(out));
}

}  // namespace cxbridge::admin
