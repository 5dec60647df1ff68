// FakeIntegrations: data actions, Process Automation triggers and their topics, and the
// notification topic catalogue (fake_integrations.h).
#include <algorithm>
#include <cctype>
#include <set>

#include "genesys/fake_integrations.h"

namespace cxbridge::genesys {
namespace {

json::Value Str(std::string s) { return json::Value::String(std::move(s)); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The input names a Velocity template refers to: ${input.X}, $!{input.X}, $input.X, $!input.X.
void InputReferences(const std::string& text, std::set<std::string>* out) {
  for (size_t at = text.find("input."); at != std::string::npos; at = text.find("input.", at + 6)) {
    const bool braced = at >= 2 && text[at - 1] == '{' && (text[at - 2] == '$' || (at >= 3 && text[at - 2] == '!' && text[at - 3] == '$'));
    const bool bare = at >= 1 && (text[at - 1] == '$' || (at >= 2 && text[at - 1] == '!' && text[at - 2] == '$'));
    if (!braced && !bare) continue;
    size_t end = at + 6;
    while (end < text.size() && IsIdentChar(text[end])) ++end;
    if (end > at + 6) out->insert(text.substr(at + 6, end - at - 6));
  }
}

const json::Value* StringAt(const json::Value& v, std::string_view path) {
  const json::Value* f = v.FindPath(path);
  return f != nullptr && f->is_string() && !f->as_string().empty() ? f : nullptr;
}

}  // namespace

FakeIntegrations::Reply FakeIntegrations::Actions(const std::string& method, const Params& q, const json::Value& b) {
  auto& list = created["actions"];
  if (method == "GET") {  // filters: name (partial, any case) and category; nothing else
    std::vector<json::Value> entities;
    auto name = q.find("name");
    auto category = q.find("category");
    for (const auto& a : list) {
      if (name != q.end() && Lower(a.Find("name")->as_string()).find(Lower(name->second)) == std::string::npos) continue;
      if (category != q.end() && a.Find("category")->as_string() != category->second) continue;
      entities.push_back(a);
    }
    return {200, NumberedPage("/api/v2/integrations/actions", entities, q)};
  }
  if (method != "POST") return {405, ErrorBody(405, "method.not.allowed", method + " not allowed")};
  // PostActionInput: category, name, integrationId, config, contract are required.
  for (const char* key : {"category", "name", "integrationId"}) {
    if (StringAt(b, key) == nullptr) return {400, ErrorBody(400, "bad.request", std::string(key) + " is required")};
  }
  if (b.Find("name")->as_string().size() > 256 || b.Find("category")->as_string().size() > 256) {
    return {400, ErrorBody(400, "bad.request", "name and category are at most 256 characters")};
  }
  if (!integrations().count(b.Find("integrationId")->as_string())) {
    return {400, ErrorBody(400, "bad.request", "integration " + b.Find("integrationId")->as_string() + " does not exist")};
  }
  const json::Value* request = b.FindPath("config.request");
  if (request == nullptr || !request->is_object() || StringAt(*request, "requestUrlTemplate") == nullptr ||
      StringAt(*request, "requestType") == nullptr) {
    return {400, ErrorBody(400, "bad.request", "config.request needs requestUrlTemplate and requestType")};
  }
  const json::Value* input = b.FindPath("contract.input.inputSchema");
  const json::Value* output = b.FindPath("contract.output.successSchema");
  if (input == nullptr || !input->is_object() || output == nullptr || !output->is_object()) {
    return {400, ErrorBody(400, "bad.request", "contract.input.inputSchema and contract.output.successSchema are required")};
  }
  // What a template uses must be declared (Architect fills declared inputs only); rawRequest is
  // the whole input. A check of this double's, in the spirit of the contract.
  std::set<std::string> used;
  for (const char* key : {"requestUrlTemplate", "requestTemplate"}) {
    if (const json::Value* t = StringAt(*request, key)) InputReferences(t->as_string(), &used);
  }
  if (const json::Value* h = request->Find("headers"); h != nullptr && h->is_object()) {
    for (const auto& [k, v] : h->members())
      if (v.is_string()) InputReferences(v.as_string(), &used);
  }
  const json::Value* props = input->Find("properties");
  for (const auto& name : used) {
    if (name == "rawRequest") continue;
    if (props == nullptr || !props->is_object() || props->Find(name) == nullptr) {
      return {400, ErrorBody(400, "bad.request", "the request refers to input." + name + ", which the input contract does not declare")};
    }
  }
  json::Value action = b;
  const std::string id = "action-" + std::to_string(list.size() + 1);
  action.Set("id", Str(id));
  action.Set("version", json::Value::Int(1));
  action.Set("selfUri", Str("/api/v2/integrations/actions/" + id));
  list.push_back(action);
  ++writes_;
  return {200, json::Serialize(action)};
}

void FakeIntegrations::SeedTriggers(int n, const std::string& topic) {
  auto& list = created["triggers"];
  for (int k = 0; k < n; ++k) {
    const std::string id = "trigger-" + std::to_string(list.size() + 1);
    list.push_back(json::Value::Object({{"id", Str(id)},
                                        {"name", Str("other trigger " + std::to_string(k))},
                                        {"topicName", Str(topic)},
                                        {"enabled", json::Value::Bool(true)},
                                        {"version", json::Value::Int(1)},
                                        {"target", json::Value::Object({{"type", Str("Workflow")}, {"id", Str("wf-other")}})}}));
  }
}

FakeIntegrations::Reply FakeIntegrations::Triggers(const std::string& method, const Params& q, const json::Value& b) {
  auto& list = created["triggers"];
  if (method == "GET") {  // cursor-paged; topicName (comma-separated) and enabled filter
    std::set<std::string> topics;
    if (auto t = q.find("topicName"); t != q.end()) {
      size_t start = 0;
      while (start <= t->second.size()) {
        size_t comma = t->second.find(',', start);
        if (comma == std::string::npos) comma = t->second.size();
        topics.insert(t->second.substr(start, comma - start));
        start = comma + 1;
      }
    }
    auto enabled = q.find("enabled");
    std::vector<json::Value> entities;
    for (const auto& tr : list) {
      if (!topics.empty() && !topics.count(tr.Find("topicName")->as_string())) continue;
      if (enabled != q.end() && (enabled->second == "true") != tr.Find("enabled")->as_bool()) continue;
      entities.push_back(tr);
    }
    return CursorPage("/api/v2/processautomation/triggers", entities, q);
  }
  if (method != "POST") return {405, ErrorBody(405, "method.not.allowed", method + " not allowed")};
  // CreateTriggerRequest: target, enabled, name, topicName required.
  const json::Value* topic = StringAt(b, "topicName");
  if (topic == nullptr || StringAt(b, "name") == nullptr) {
    return {400, ErrorBody(400, "bad.request", "name and topicName are required")};
  }
  if (std::find(trigger_topics.begin(), trigger_topics.end(), topic->as_string()) == trigger_topics.end()) {
    return {400, ErrorBody(400, "bad.request", "topic " + topic->as_string() + " is not available for triggers")};
  }
  const json::Value* enabled = b.Find("enabled");
  if (enabled == nullptr || !enabled->is_bool()) return {400, ErrorBody(400, "bad.request", "enabled is required")};
  const json::Value* type = StringAt(b, "target.type");
  if (type == nullptr || type->as_string() != "Workflow" || StringAt(b, "target.id") == nullptr) {
    return {400, ErrorBody(400, "bad.request", "target must be {type: Workflow, id}")};
  }
  if (const json::Value* f = b.FindPath("target.workflowTargetSettings.dataFormat")) {
    if (!f->is_string() || (f->as_string() != "Json" && f->as_string() != "TopLevelPrimitives")) {
      return {400, ErrorBody(400, "bad.request", "dataFormat must be Json or TopLevelPrimitives")};
    }
  }
  int64_t ttl = 0, delay = 0;
  const json::Value* ttl_v = b.Find("eventTTLSeconds");
  const json::Value* delay_v = b.Find("delayBySeconds");
  if (ttl_v != nullptr && (!ttl_v->as_int64(&ttl) || ttl < 10)) {
    return {400, ErrorBody(400, "bad.request", "eventTTLSeconds must be at least 10")};
  }
  if (delay_v != nullptr && (!delay_v->as_int64(&delay) || delay < 60 || delay > 900)) {
    return {400, ErrorBody(400, "bad.request", "delayBySeconds must be in 60..900")};
  }
  if (ttl_v != nullptr && delay_v != nullptr) {
    return {400, ErrorBody(400, "bad.request", "only one of eventTTLSeconds or delayBySeconds can be set")};
  }
  json::Value trigger = b;
  const std::string id = "trigger-" + std::to_string(list.size() + 1);
  trigger.Set("id", Str(id));
  trigger.Set("version", json::Value::Int(1));
  trigger.Set("selfUri", Str("/api/v2/processautomation/triggers/" + id));
  list.push_back(trigger);
  ++writes_;
  return {200, json::Serialize(trigger)};
}

FakeIntegrations::Reply FakeIntegrations::AvailableTopics(const Params& q) const {
  bool transports = false;
  if (auto e = q.find("expand"); e != q.end()) transports = e->second.find("transports") != std::string::npos;
  json::Value entities = json::Value::Array();
  for (const auto& [id, list] : available_topics) {
    json::Value t = json::Value::Object({{"id", Str(id)}, {"description", Str("fake topic " + id)}});
    if (transports) {
      json::Value l = json::Value::Array();
      for (const auto& x : list) l.Push(Str(x));
      t.Set("transports", std::move(l));
    }
    entities.Push(std::move(t));
  }
  return {200, json::Serialize(json::Value::Object({{"entities", std::move(entities)}}))};
}

}  // namespace cxbridge::genesys
