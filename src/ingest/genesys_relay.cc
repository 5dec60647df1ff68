#include "ingest/genesys_relay.h"

#include <array>
#include <vector>

namespace cxbridge::ingest {
namespace {

constexpr std::string_view kId = "{id}";

// A topic family whose {id}s the event body names, in order of appearance.
struct IdFields {
  std::string_view prefix;                // the topic up to and including its first {id}
  std::array<std::string_view, 2> paths;  // dotted paths in eventBody; empty = unused
};

constexpr IdFields kFamilies[] = {
    {"v2.detail.events.conversation.{id}", {"conversationId", ""}},
    {"v2.detail.events.agent.{id}", {"userId", ""}},
    {"v2.conversations.{id}", {"conversationId", ""}},
    {"v2.speechandtextanalytics.conversation.{id}", {"conversationId", ""}},
    {"v2.analytics.conversation.{id}", {"conversationId", ""}},
    {"v2.integrations.inbound.webhook.{id}", {"webhookId", ""}},
    {"v2.audits.entitytype.{id}", {"entityType", "entity.id"}},
};

// A value usable as one topic segment: a non-empty string without dots.
bool Segment(const json::Value* v) {
  return v != nullptr && v->is_string() && !v->as_string().empty() &&
         v->as_string().find('.') == std::string::npos && v->as_string().find(kId) == std::string::npos;
}

}  // namespace

std::string ConcreteTopic(std::string_view topic, const json::Value& body) {
  for (const IdFields& f : kFamilies) {
    if (!topic.starts_with(f.prefix)) continue;
    std::vector<const json::Value*> ids;
    for (std::string_view p : f.paths) {
      if (p.empty()) break;
      const json::Value* v = body.FindPath(p);
      if (!Segment(v)) return std::string(topic);
      ids.push_back(v);
    }
    std::string out;
    size_t k = 0, from = 0;
    for (size_t at = topic.find(kId); at != std::string_view::npos; at = topic.find(kId, from)) {
      out.append(topic.substr(from, at - from));
      out.append(k < ids.size() ? std::string_view(ids[k]->as_string()) : kId);
      ++k;
      from = at + kId.size();
    }
    out.append(topic.substr(from));
    return out;
  }
  return std::string(topic);
}

Status RebuildRelayedFrame(json::Value* frame) {
  json::Value* body = frame->Find("eventBody");
  if (body != nullptr && body->is_string()) {
    auto parsed = json::Parse(body->as_string());
    if (!parsed.ok()) return Status::InvalidArgument("eventBody: the string is not JSON: " + parsed.status().message());
    if (!parsed->is_object()) return Status::InvalidArgument("eventBody: the string must hold a JSON object");
    *body = std::move(*parsed);
  }
  json::Value* topic = frame->Find("topicName");
  if (body != nullptr && body->is_object() && topic != nullptr && topic->is_string() &&
      topic->as_string().find(kId) != std::string::npos) {
    *topic = json::Value::String(ConcreteTopic(topic->as_string(), *body));
  }
  return Status::Ok();
}

}  // namespace cxbridge::ingest
