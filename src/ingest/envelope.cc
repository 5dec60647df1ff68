#include "ingest/envelope.h"

#include <array>

#include "common/encoding.h"
#include "common/ids.h"
#include "ingest/config_util.h"
#include "ingest/genesys_relay.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::ingest {

namespace {

constexpr std::array<std::string_view, 10> kEnvelopeFields = {
    "version", "id", "detail-type", "source", "account", "time", "region", "replay-name",
    "resources", "detail"};

bool IsEnvelopeField(std::string_view k) {
  for (std::string_view f : kEnvelopeFields) {
    if (f == k) return true;
  }
  return false;
}

json::Value Str(std::string s) { return json::Value::String(std::move(s)); }

Status Bad(std::string m) { return Status::InvalidArgument(std::move(m)); }

bool IsEventBridgeEvent(const json::Value& body) {
  return body.Find("version") && body.Find("id") && body.Find("detail-type") &&
         body.Find("source") && body.Find("detail");
}

bool IsGenesysFrame(const json::Value& body) {
  const json::Value* topic = body.Find("topicName");
  return topic && topic->is_string() && !topic->as_string().empty() && body.Find("eventBody");
}

// A value fit for a key part or a detail-type: strings as they are, everything else as JSON.
json::Value KeyPart(const json::Value* v) { return v ? *v : json::Value::Null(); }

std::string KeyFor(const EnvelopeOptions& opts, const RequestView& req, const json::Value& detail,
                   Envelope::Kind kind, std::string_view event_id) {
  std::vector<json::Value> parts;
  switch (opts.idempotency.mode) {
    case IdempotencySpec::Mode::kNone:
      return {};
    case IdempotencySpec::Mode::kExplicit: {
      bool any = false;
      for (const std::string& h : opts.idempotency.headers) {
        std::optional<std::string_view> v = req.Header(h);
        any = any || v.has_value();
        parts.push_back(v ? Str(std::string(*v)) : json::Value::Null());
      }
      for (const transform::JsonPath& p : opts.idempotency.paths) {
        const json::Value* v = p.Find(detail);
        any = any || (v != nullptr && !v->is_null());
        parts.push_back(KeyPart(v));
      }
      // Nothing to key on (every part absent): no dedup rather than one key for all such events.
      if (!any) return {};
      break;
    }
    case IdempotencySpec::Mode::kDefault: {
      const json::Value* topic = detail.Find("topicName");
      if (kind != Envelope::Kind::kPlain && topic && topic->is_string() && detail.Find("eventBody")) {
        parts.push_back(Str("genesys"));
        for (json::Value& p : GenesysKeyParts(detail, TopicPattern(topic->as_string()))) {
          parts.push_back(std::move(p));
        }
      } else if (kind == Envelope::Kind::kEventBridge) {
        parts.push_back(Str("eventbridge-id"));
        parts.push_back(Str(std::string(event_id)));
      } else if (opts.key_on_body_digest) {
        parts.push_back(Str("body-sha256"));
        parts.push_back(Str(Sha256Hex(req.body)));
      } else if (auto wid = req.Header("webhook-id"); wid.has_value() && !wid->empty()) {
        parts.push_back(Str("webhook-id"));
        parts.push_back(Str(std::string(*wid)));
      } else {
        return {};
      }
      break;
    }
  }
  return FormatIdempotencyKey(opts.source_name, parts);
}

// The string member `key` of an EventBridge body: present, a non-empty string.
Result<std::string> EnvelopeString(json::Value& body, std::string_view key) {
  json::Value* v = body.Find(key);
  if (v == nullptr || !v->is_string() || v->as_string().empty()) {
    return Bad("EventBridge event field '" + std::string(key) + "' must be a non-empty string");
  }
  return v->as_string();
}

Result<Envelope> FromEventBridge(json::Value body, const EnvelopeOptions& opts, int64_t now_ms,
                                 json::Value* event) {
  Envelope env;
  env.kind = Envelope::Kind::kEventBridge;
  auto version = EnvelopeString(body, "version");
  if (!version.ok()) return version.status();
  auto id = EnvelopeString(body, "id");
  if (!id.ok()) return id.status();
  auto dt = EnvelopeString(body, "detail-type");
  if (!dt.ok()) return dt.status();
  auto src = EnvelopeString(body, "source");
  if (!src.ok()) return src.status();
  if (!body.Find("detail")->is_object()) return Bad("EventBridge event 'detail' must be a JSON object");
  env.id = *id;
  env.detail_type = *dt;
  env.source = *src;
  env.time_ms = now_ms;
  for (std::string_view k : {"account", "region", "replay-name"}) {
    if (const json::Value* v = body.Find(k); v && !v->is_string()) {
      return Bad("EventBridge event field '" + std::string(k) + "' must be a string");
    }
  }
  if (const json::Value* t = body.Find("time")) {
    std::optional<int64_t> ms = t->is_string() ? ParseRfc3339(t->as_string()) : std::nullopt;
    if (!ms.has_value()) return Bad("EventBridge event field 'time' must be an RFC 3339 timestamp");
    env.time_ms = *ms;
  }
  if (const json::Value* r = body.Find("resources")) {
    bool ok = r->is_array();
    for (size_t i = 0; ok && i < r->items().size(); ++i) ok = r->items()[i].is_string();
    if (!ok) return Bad("EventBridge event field 'resources' must be a list of strings");
  }

  json::Value ev = json::Value::Object();
  auto take = [&](std::string_view k, json::Value fallback) {
    json::Value* v = body.Find(k);
    ev.Set(k, v ? std::move(*v) : std::move(fallback));
  };
  take("version", {});
  take("id", {});
  take("detail-type", {});
  take("source", {});
  take("account", Str(opts.account));
  take("time", Str(FormatRfc3339(now_ms)));
  take("region", Str(opts.region));
  if (body.Find("replay-name")) take("replay-name", {});
  take("resources", json::Value::Array());
  take("detail", {});
  // Members EventBridge does not define are kept, after detail. The body's keys are distinct
  // (json::Parse), so they are appended without a search: linear in the body's members.
  for (json::Member& m : body.members()) {
    if (!IsEnvelopeField(m.first)) ev.Append(std::move(m.first), std::move(m.second));
  }
  *event = std::move(ev);
  return env;
}

json::Value Skeleton(const Envelope& env, const EnvelopeOptions& opts, int64_t time_ms) {
  json::Value ev = json::Value::Object();
  ev.Set("version", Str("0"));
  ev.Set("id", Str(env.id));
  ev.Set("detail-type", Str(env.detail_type));
  ev.Set("source", Str(env.source));
  ev.Set("account", Str(opts.account));
  ev.Set("time", Str(FormatRfc3339(time_ms)));
  ev.Set("region", Str(opts.region));
  ev.Set("resources", json::Value::Array());
  return ev;
}

Result<Envelope> FromGenesysFrame(json::Value body, const EnvelopeOptions& opts, int64_t now_ms,
                                  json::Value* event) {
  // A frame relayed by a data action carries its body as a string and maybe its topic as the
  // trigger's pattern (genesys_relay.h).
  const json::Value* relayed_body = body.Find("eventBody");
  const bool relayed = relayed_body != nullptr && relayed_body->is_string();
  CXB_RETURN_IF_ERROR(RebuildRelayedFrame(&body));
  Envelope env;
  env.kind = Envelope::Kind::kGenesysNotification;
  env.relayed = relayed;
  env.id = NewUuid4();
  env.detail_type = TopicPattern(body.Find("topicName")->as_string());
  env.source = opts.event_source.empty() ? std::string(kDefaultGenesysSource) : opts.event_source;
  env.time_ms = now_ms;

  json::Value detail = json::Value::Object();
  static constexpr std::array<std::string_view, 5> kFrameFields = {"topicName", "version",
                                                                   "eventBody", "metadata", "timestamp"};
  for (std::string_view k : kFrameFields) {
    if (json::Value* v = body.Find(k)) detail.Set(k, std::move(*v));
  }
  // A frame relayed with its timestamp (e.g. by a data action) keeps it; a live frame has none.
  json::Value* ts = detail.Find("timestamp");
  std::optional<int64_t> ts_ms =
      ts && ts->is_string() ? ParseRfc3339(ts->as_string()) : std::nullopt;
  if (ts_ms.has_value()) {
    env.time_ms = *ts_ms;
  } else {
    detail.Set("timestamp", Str(FormatRfc3339Millis(now_ms)));
  }
  // The frame's other members follow; the body's keys are distinct (json::Parse), so only the
  // frame fields above can already be in detail: linear in the body's members.
  for (json::Member& m : body.members()) {
    bool frame_field = false;
    for (std::string_view f : kFrameFields) frame_field = frame_field || f == m.first;
    if (!frame_field) detail.Append(std::move(m.first), std::move(m.second));
  }
  json::Value ev = Skeleton(env, opts, env.time_ms);
  ev.Set("detail", std::move(detail));
  *event = std::move(ev);
  return env;
}

Result<Envelope> FromPlain(json::Value body, const EnvelopeOptions& opts, int64_t now_ms,
                           json::Value* event) {
  Envelope env = StartPlainEnvelope(opts, now_ms);
  env.id = NewUuid4();
  const DetailTypeRule& rule = opts.detail_type;
  switch (rule.kind) {
    case DetailTypeRule::Kind::kSourceName:
    case DetailTypeRule::Kind::kConstant:
      break;
    case DetailTypeRule::Kind::kPath: {
      const json::Value* v = rule.path->Find(body);
      const bool absent = v == nullptr || v->is_null() || (v->is_string() && v->as_string().empty());
      if (absent) {
        if (!rule.fallback.has_value()) {
          return Bad("body has no value at detail_type path " + rule.path->text());
        }
        env.detail_type = *rule.fallback;
      } else if (v->is_string()) {
        env.detail_type = v->as_string();
      } else if (v->is_number()) {
        env.detail_type = v->number_text();
      } else {
        return Bad("the value at detail_type path " + rule.path->text() +
                   " must be a string or a number");
      }
      break;
    }
  }
  json::Value ev = Skeleton(env, opts, now_ms);
  ev.Set("detail", std::move(body));
  *event = std::move(ev);
  return env;
}

}  // namespace

Envelope StartPlainEnvelope(const EnvelopeOptions& opts, int64_t now_ms) {
  Envelope env;
  env.kind = Envelope::Kind::kPlain;
  env.source = opts.event_source.empty() ? std::string(kDefaultPlainSource) : opts.event_source;
  env.time_ms = now_ms;
  switch (opts.detail_type.kind) {
    case DetailTypeRule::Kind::kSourceName:
      env.detail_type = opts.source_name.empty() ? std::string("webhook") : opts.source_name;
      break;
    case DetailTypeRule::Kind::kConstant:
      env.detail_type = opts.detail_type.value;
      break;
    case DetailTypeRule::Kind::kPath:
      break;
  }
  return env;
}

std::string_view EnvelopeKindName(Envelope::Kind kind) {
  switch (kind) {
    case Envelope::Kind::kEventBridge: return "eventbridge";
    case Envelope::Kind::kGenesysNotification: return "genesys";
    case Envelope::Kind::kPlain: return "plain";
  }
  return "plain";
}

const std::vector<std::string_view>& EnvelopeKeys() {
  static const std::vector<std::string_view> kKeys = {"name", "event_source", "detail_type",
                                                      "idempotency_key", "recognize"};
  return kKeys;
}

Result<EnvelopeOptions> ParseEnvelopeOptions(const json::Value& config, std::string_view account,
                                             std::string_view region) {
  EnvelopeOptions opts;
  if (!config.is_object()) return Bad("source config must be a mapping");
  if (!account.empty()) opts.account = std::string(account);
  if (!region.empty()) opts.region = std::string(region);
  constexpr std::string_view kWhere = "source";

  auto name = OptionalString(config, "name", kWhere);
  if (!name.ok()) return name.status();
  opts.source_name = name->value_or("");

  auto event_source = OptionalString(config, "event_source", kWhere);
  if (!event_source.ok()) return event_source.status();
  opts.event_source = event_source->value_or("");
  if (opts.event_source.size() > 256) return Bad("source: 'event_source' is longer than 256 characters");

  if (const json::Value* dt = config.Find("detail_type")) {
    DetailTypeRule& rule = opts.detail_type;
    if (dt->is_string()) {  // short form: a constant
      if (dt->as_string().empty()) return Bad("detail_type: must not be empty");
      rule.kind = DetailTypeRule::Kind::kConstant;
      rule.value = dt->as_string();
    } else {
      CXB_RETURN_IF_ERROR(CheckKeys(*dt, "detail_type", {"value", "path", "default"}));
      auto value = OptionalString(*dt, "value", "detail_type");
      if (!value.ok()) return value.status();
      auto path = OptionalString(*dt, "path", "detail_type");
      if (!path.ok()) return path.status();
      auto fallback = OptionalString(*dt, "default", "detail_type");
      if (!fallback.ok()) return fallback.status();
      if (value->has_value() == path->has_value()) {
        return Bad("detail_type: give exactly one of 'value' (a constant) or 'path' (a JSON path)");
      }
      if (value->has_value()) {
        if (fallback->has_value()) return Bad("detail_type: 'default' goes with 'path' only");
        rule.kind = DetailTypeRule::Kind::kConstant;
        rule.value = **value;
      } else {
        auto p = transform::JsonPath::Compile(**path);
        if (!p.ok()) return Bad("detail_type: " + p.status().message());
        rule.kind = DetailTypeRule::Kind::kPath;
        rule.path = std::move(*p);
        rule.fallback = *fallback;
      }
    }
  }

  auto idem = ParseIdempotencySpec(config.Find("idempotency_key"));
  if (!idem.ok()) return idem.status();
  opts.idempotency = std::move(*idem);
  if (const json::Value* auth = config.Find("auth"); auth != nullptr && auth->is_object()) {
    const json::Value* scheme = auth->Find("scheme");
    opts.key_on_body_digest = scheme != nullptr && scheme->is_string() && scheme->as_string() == "hmac";
  }

  if (const json::Value* rec = config.Find("recognize")) {
    if (!rec->is_array()) return Bad("recognize: must be a list (of eventbridge, genesys)");
    opts.recognize_eventbridge = opts.recognize_genesys = false;
    for (const json::Value& r : rec->items()) {
      if (r.is_string() && r.as_string() == "eventbridge") {
        opts.recognize_eventbridge = true;
      } else if (r.is_string() && r.as_string() == "genesys") {
        opts.recognize_genesys = true;
      } else {
        return Bad("recognize: entries must be eventbridge or genesys");
      }
    }
  }
  return opts;
}

Result<Envelope> BuildEnvelopeFromValue(json::Value body, const RequestView& req,
                                        const EnvelopeOptions& opts, int64_t now_ms, json::Value* event_out) {
  if (!body.is_object()) return Bad("body is not a JSON object");
  json::Value event;
  Result<Envelope> env = Status::Internal("unclassified body");
  if (opts.recognize_eventbridge && IsEventBridgeEvent(body)) {
    env = FromEventBridge(std::move(body), opts, now_ms, &event);
  } else if (opts.recognize_genesys && IsGenesysFrame(body)) {
    env = FromGenesysFrame(std::move(body), opts, now_ms, &event);
  } else {
    env = FromPlain(std::move(body), opts, now_ms, &event);
  }
  if (!env.ok()) return env;
  const json::Value* detail = event.Find("detail");
  env->idempotency_key = KeyFor(opts, req, *detail, env->kind, env->id);
  if (event_out != nullptr) {
    *event_out = std::move(event);
  } else {
    env->event_json = json::Serialize(event);
  }
  return env;
}

Result<Envelope> BuildEnvelope(const RequestView& req, const EnvelopeOptions& opts, int64_t now_ms,
                               json::Value* event_out) {
  auto body = json::Parse(req.body);
  if (!body.ok()) {
    const std::string& m = body.status().message();
    return Bad(m.rfind("invalid JSON", 0) == 0 ? m : "invalid JSON: " + m);
  }
  return BuildEnvelopeFromValue(std::move(*body), req, opts, now_ms, event_out);
}

}  // namespace cxbridge::ingest
