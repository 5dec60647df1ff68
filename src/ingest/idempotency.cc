#include "ingest/idempotency.h"

#include "common/encoding.h"
#include "ingest/config_util.h"

namespace cxbridge::ingest {

namespace {

constexpr std::string_view kWhere = "idempotency_key";

json::Value Str(std::string_view s) { return json::Value::String(std::string(s)); }

// The value at a dotted path of `v`, or null.
json::Value At(const json::Value* v, std::string_view dotted) {
  if (v == nullptr) return json::Value::Null();
  const json::Value* f = v->FindPath(dotted);
  return f ? *f : json::Value::Null();
}

json::Value BodyDigest(const json::Value* body) {
  std::string text = body ? json::Serialize(*body) : "null";
  return Str("sha256:" + Sha256Hex(text));
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Result<IdempotencySpec> ParseIdempotencySpec(const json::Value* config) {
  IdempotencySpec spec;
  if (config == nullptr || config->is_null()) return spec;
  if (config->is_bool() && !config->as_bool()) {
    spec.mode = IdempotencySpec::Mode::kNone;
    return spec;
  }
  if (config->is_string()) {
    if (config->as_string() == "none") {
      spec.mode = IdempotencySpec::Mode::kNone;
      return spec;
    }
    if (config->as_string() == "default") return spec;
    auto p = transform::JsonPath::Compile(config->as_string());
    if (!p.ok()) return Status::InvalidArgument("idempotency_key: " + p.status().message());
    spec.mode = IdempotencySpec::Mode::kExplicit;
    spec.paths.push_back(std::move(*p));
    return spec;
  }
  CXB_RETURN_IF_ERROR(CheckKeys(*config, kWhere, {"paths", "path", "header", "headers"}));
  spec.mode = IdempotencySpec::Mode::kExplicit;
  auto add_strings = [&](std::string_view key, bool is_list,
                         auto&& add) -> Status {
    const json::Value* v = config->Find(key);
    if (v == nullptr) return Status::Ok();
    std::vector<const json::Value*> items;
    if (is_list) {
      if (!v->is_array() || v->items().empty()) {
        return Status::InvalidArgument("idempotency_key: '" + std::string(key) +
                                       "' must be a non-empty list of strings");
      }
      for (const auto& i : v->items()) items.push_back(&i);
    } else {
      items.push_back(v);
    }
    for (const json::Value* i : items) {
      if (!i->is_string() || i->as_string().empty()) {
        return Status::InvalidArgument("idempotency_key: '" + std::string(key) +
                                       "' must hold non-empty strings");
      }
      CXB_RETURN_IF_ERROR(add(i->as_string()));
    }
    return Status::Ok();
  };
  auto add_header = [&](const std::string& h) {
    spec.headers.push_back(h);
    return Status::Ok();
  };
  auto add_path = [&](const std::string& text) {
    auto p = transform::JsonPath::Compile(text);
    if (!p.ok()) return Status::InvalidArgument("idempotency_key: " + p.status().message());
    spec.paths.push_back(std::move(*p));
    return Status::Ok();
  };
  CXB_RETURN_IF_ERROR(add_strings("header", false, add_header));
  CXB_RETURN_IF_ERROR(add_strings("headers", true, add_header));
  CXB_RETURN_IF_ERROR(add_strings("path", false, add_path));
  CXB_RETURN_IF_ERROR(add_strings("paths", true, add_path));
  if (spec.paths.empty() && spec.headers.empty()) {
    return Status::InvalidArgument(
        "idempotency_key: give 'paths' and/or 'header' (or the value none to disable dedup)");
  }
  return spec;
}

std::vector<json::Value> GenesysKeyParts(const json::Value& detail, std::string_view pattern) {
  const json::Value* topic = detail.Find("topicName");
  const json::Value* body = detail.Find("eventBody");
  json::Value topic_name = topic ? *topic : json::Value::Null();
  std::vector<json::Value> parts{topic_name};

  // Analytics detail events: one start/end/acw/... per session. eventTime is added for every
  // detail event, not only `attributes` (which genesys.md §4 singles out as repeating): a real
  // duplicate is byte-identical, so eventTime never splits duplicates, and it keeps two distinct
  // events of one session from being merged if Genesys ever sends them.
  if (StartsWith(pattern, "v2.detail.events.conversation.") && body && body->is_object()) {
    for (std::string_view f : {"conversationId", "sessionId", "participantId", "eventTime"}) {
      parts.push_back(At(body, f));
    }
    return parts;
  }
  // Transcription: one final utterance per event; status-only events have no transcripts.
  if (pattern == "v2.conversations.{id}.transcription" && body) {
    const json::Value* transcripts = body->Find("transcripts");
    if (transcripts && transcripts->is_array() && !transcripts->items().empty()) {
      bool all_ids = true;
      for (const json::Value& t : transcripts->items()) {
        json::Value u = At(&t, "utteranceId");
        all_ids = all_ids && u.is_string();
        parts.push_back(std::move(u));
        parts.push_back(At(&t, "isFinal"));
      }
      if (all_ids) return parts;
      parts.resize(1);
    }
  }
  // Audit events: the audit message id.
  if (pattern == "v2.audits.entitytype.{id}.entityid.{id}") {
    json::Value id = At(body, "id");
    if (id.is_string() && !id.as_string().empty()) {
      parts.push_back(std::move(id));
      return parts;
    }
  }
  // Presence and routing status are states: one per change time.
  if (pattern == "v2.users.{id}.presence") {
    json::Value modified = At(body, "modifiedDate");
    if (!modified.is_null()) {
      parts.push_back(std::move(modified));
      parts.push_back(At(body, "presenceDefinition.id"));
      return parts;
    }
  }
  if (pattern == "v2.users.{id}.routingStatus") {
    json::Value start = At(body, "routingStatus.startTime");
    if (!start.is_null()) {
      parts.push_back(std::move(start));
      parts.push_back(At(body, "routingStatus.status"));
      return parts;
    }
  }
  // Inbound "webhook for events" invocations carry their invocation id.
  if (pattern == "v2.integrations.inbound.webhook.{id}.invocation") {
    json::Value inv = At(body, "invocationId");
    if (inv.is_string() && !inv.as_string().empty()) {
      parts.push_back(std::move(inv));
      return parts;
    }
  }
  // Everything else, including conversation snapshots (no sequence number; the same state
  // arrives once per subscribed topic, and the topic name keeps those apart on purpose so a rule
  // on either topic still sees it): the body's digest.
  parts.push_back(BodyDigest(body));
  return parts;
}

std::string FormatIdempotencyKey(std::string_view source_name,
                                 const std::vector<json::Value>& parts) {
  std::vector<json::Value> items;
  items.reserve(parts.size() + 1);
  items.push_back(Str(source_name));
  for (const json::Value& p : parts) items.push_back(p);
  std::string key = json::Serialize(json::Value::Array(std::move(items)));
  if (key.size() <= kMaxIdempotencyKeyBytes) return key;
  std::vector<json::Value> digest{Str(source_name), Str("sha256:" + Sha256Hex(key))};
  return json::Serialize(json::Value::Array(std::move(digest)));
}

}  // namespace cxbridge::ingest
