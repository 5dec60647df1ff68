// FakeIntegrations: listings, dispatch, the Integrations API (integrations, configuration,
// credentials) and the directory. Data actions, triggers and topics: fake_automation.cc.
#include "genesys/fake_integrations.h"

#include <algorithm>
#include <cstdlib>

#include "common/encoding.h"
#include "common/ids.h"
#include "genesys/api_client.h"

namespace cxbridge::genesys {
namespace {

json::Value Str(std::string s) { return json::Value::String(std::move(s)); }

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && FromHex(s[i + 1]) >= 0 && FromHex(s[i + 2]) >= 0) {
      out += static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

int IntParam(const std::map<std::string, std::string>& q, const std::string& name, int def) {
  auto it = q.find(name);
  return it == q.end() ? def : std::atoi(it->second.c_str());
}

constexpr std::string_view kIntegrationTypes[] = {"amazon-eventbridge-source", "custom-rest-actions",
                                                  "purecloud-data-actions", "embedded-client-app", "webhook"};
constexpr std::string_view kCredentialTypes[] = {"basicAuth", "userDefined", "userDefinedOAuth", "pureCloudOAuthClient"};

}  // namespace

FakeIntegrations::FakeIntegrations() {
  // Illustrative tables (see the header): what the topics below are offered on.
  const std::vector<std::string> all = {"Websocket", "EventBridge", "ProcessAutomation"};
  for (const char* suffix : {"acd.end", "acd.start", "acw", "attributes", "customer.end", "customer.start", "flow.end",
                             "flow.start", "user.end", "user.start", "wrapup"}) {
    std::string topic = std::string("v2.detail.events.conversation.{id}.") + suffix;
    available_topics.push_back({topic, all});
    trigger_topics.push_back(topic);
  }
  available_topics.push_back({"v2.detail.events.agent.{id}.state", all});
  trigger_topics.push_back("v2.detail.events.agent.{id}.state");
  available_topics.push_back({"v2.integrations.inbound.webhook.{id}.invocation", {"ProcessAutomation"}});
  trigger_topics.push_back("v2.integrations.inbound.webhook.{id}.invocation");
  available_topics.push_back({"v2.audits.entitytype.{id}.entityid.{id}", {"EventBridge"}});
  available_topics.push_back({"v2.conversations.{id}.transcription", {"Websocket", "EventBridge"}});
  available_topics.push_back({"v2.users.{id}.presence", {"Websocket", "EventBridge"}});
  available_topics.push_back({"v2.users.{id}.routingStatus", {"Websocket"}});
  available_topics.push_back({"v2.routing.queues.{id}.conversations", {"Websocket"}});
}

std::string FakeIntegrations::ErrorBody(int status, const std::string& code, const std::string& message) {
  return json::Serialize(json::Value::Object({{"message", Str(message)},
                                              {"code", Str(code)},
                                              {"status", json::Value::Int(status)},
                                              {"messageParams", json::Value::Object()},
                                              {"contextId", Str(NewUuid4())},
                                              {"details", json::Value::Array()},
                                              {"errors", json::Value::Array()}}));
}

FakeIntegrations::Params FakeIntegrations::ParseQuery(const std::string& query) {
  Params out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string_view part(query.data() + start, amp - start);
    const size_t eq = part.find('=');
    if (!part.empty()) {
      out[PercentDecode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1));
    }
    start = amp + 1;
  }
  return out;
}

std::string FakeIntegrations::NumberedPage(const std::string& path, const std::vector<json::Value>& entities,
                                           const Params& q) {
  const int size = std::clamp(IntParam(q, "pageSize", 25), 1, 100);
  const int number = std::max(1, IntParam(q, "pageNumber", 1));
  const int total = static_cast<int>(entities.size());
  const int pages = std::max(1, (total + size - 1) / size);
  json::Value list = json::Value::Array();
  for (int i = (number - 1) * size; i < std::min(total, number * size); ++i) list.Push(entities[i]);
  auto uri = [&](int n) { return Str(path + "?pageSize=" + std::to_string(size) + "&pageNumber=" + std::to_string(n)); };
  json::Value page = json::Value::Object({{"entities", std::move(list)},
                                          {"pageSize", json::Value::Int(size)},
                                          {"pageNumber", json::Value::Int(number)},
                                          {"total", json::Value::Int(total)},
                                          {"firstUri", uri(1)},
                                          {"selfUri", uri(number)},
                                          {"lastUri", uri(pages)},
                                          {"pageCount", json::Value::Int(pages)}});
  if (number < pages) page.Set("nextUri", uri(number + 1));
  if (number > 1) page.Set("previousUri", uri(number - 1));
  return json::Serialize(page);
}

FakeIntegrations::Reply FakeIntegrations::CursorPage(const std::string& path, const std::vector<json::Value>& entities,
                                                     const Params& q) {
  const int size = IntParam(q, "pageSize", 25);
  if (size < 1 || size > 200) {
    return {400, ErrorBody(400, "bad.request", "pageSize must be between 1 and 200")};
  }
  size_t from = 0;
  if (auto a = q.find("after"); a != q.end()) {
    auto decoded = Base64Decode(a->second);
    if (!decoded || !decoded->starts_with("at:")) return {400, ErrorBody(400, "bad.request", "invalid cursor")};
    from = static_cast<size_t>(std::strtoull(decoded->c_str() + 3, nullptr, 10));
  }
  std::string filters;  // the query's other parameters ride along in nextUri
  for (const auto& [k, v] : q) {
    if (k == "after" || k == "before" || k == "pageSize") continue;
    filters += "&" + UrlEncode(k) + "=" + UrlEncode(v);
  }
  json::Value list = json::Value::Array();
  const size_t end = std::min(entities.size(), from + static_cast<size_t>(size));
  for (size_t i = from; i < end; ++i) list.Push(entities[i]);
  json::Value page = json::Value::Object({{"entities", std::move(list)},
                                          {"selfUri", Str(path + "?pageSize=" + std::to_string(size) + filters)}});
  if (end < entities.size()) {
    page.Set("nextUri", Str(path + "?after=" + UrlEncode(Base64Encode("at:" + std::to_string(end))) +
                            "&pageSize=" + std::to_string(size) + filters));
  }
  return {200, json::Serialize(page)};
}

std::string FakeIntegrations::Render(const Integration& i) const {
  const json::Value* name = i.config.Find("name");
  return json::Serialize(json::Value::Object({
      {"id", Str(i.id)},
      {"name", name ? *name : Str(i.type)},
      {"integrationType", json::Value::Object({{"id", Str(i.type)}})},
      {"intendedState", Str(i.intended_state)},
      {"selfUri", Str("/api/v2/integrations/" + i.id)},
  }));
}

void FakeIntegrations::SeedIntegrations(int n) {
  for (int k = 0; k < n; ++k) {
    Integration i;
    i.id = "int-" + std::to_string(next_++);
    i.type = "embedded-client-app";
    i.config = json::Value::Object({{"name", Str("filler app " + std::to_string(k))}, {"properties", json::Value::Object()},
                                    {"advanced", json::Value::Object()}, {"notes", Str("")},
                                    {"credentials", json::Value::Object()}});
    integrations_[i.id] = std::move(i);
  }
}

bool FakeIntegrations::Handle(const std::string& method, const std::string& path, const std::string& query,
                              const std::string& body, int* status, std::string* out) {
  const Params q = ParseQuery(query);
  auto doc = body.empty() ? Result<json::Value>(json::Value::Object()) : json::Parse(body);
  auto answer = [&](Reply r) {
    *status = r.status;
    *out = std::move(r.body);
    return true;
  };
  const bool writes = method == "POST" || method == "PUT" || method == "PATCH";
  if (writes && (!doc.ok() || !doc->is_object())) {
    if (path.starts_with("/api/v2/integrations") || path.starts_with("/api/v2/processautomation")) {
      return answer({400, ErrorBody(400, "bad.request", "The request body is not a JSON object")});
    }
  }
  const json::Value& b = doc.ok() ? *doc : json::Value::Object();
  if (path == "/api/v2/organizations/me" && method == "GET") {
    return answer({200, std::string("{\"id\":\"") + kOrgId + "\",\"name\":\"Fake Org\",\"thirdPartyOrgName\":\"fakeorg\"}"});
  }
  auto ids_page = [&](const std::vector<std::string>& ids) {
    std::vector<json::Value> entities;
    for (size_t i = 0; i < ids.size(); ++i) {
      entities.push_back(json::Value::Object({{"id", Str(ids[i])}, {"name", Str("n" + std::to_string(i))}}));
    }
    return Reply{200, NumberedPage(path, entities, q)};
  };
  if (method == "GET" && (path == "/api/v2/routing/queues" || path == "/api/v2/users")) {
    return answer(ids_page(path == "/api/v2/users" ? users : queues));
  }
  if (method == "GET" && path.starts_with("/api/v2/groups/") && path.ends_with("/members")) {
    auto g = groups.find(path.substr(15, path.size() - 15 - 8));
    if (g == groups.end()) return answer({404, ErrorBody(404, "not.found", "group not found")});
    return answer(ids_page(g->second));
  }
  if (path == "/api/v2/integrations/credentials") return answer(Credentials(method, q, b));
  if (path == "/api/v2/integrations/actions") return answer(Actions(method, q, b));
  if (path == "/api/v2/processautomation/triggers") return answer(Triggers(method, q, b));
  if (path == "/api/v2/processautomation/triggers/topics" && method == "GET") {
    std::vector<json::Value> topics;
    for (const auto& t : trigger_topics) topics.push_back(Str(t));
    return answer(CursorPage(path, topics, q));
  }
  if (path == "/api/v2/notifications/availabletopics" && method == "GET") return answer(AvailableTopics(q));
  if (path == "/api/v2/integrations" || path.starts_with("/api/v2/integrations/")) {
    Reply r = Integrations(method, path, q, b);
    if (r.status == 0) return false;
    return answer(std::move(r));
  }
  return false;
}

FakeIntegrations::Reply FakeIntegrations::Integrations(const std::string& method, const std::string& path,
                                                       const Params& q, const json::Value& b) {
  const std::string kBase = "/api/v2/integrations";
  if (path == kBase && method == "GET") {
    std::vector<json::Value> entities;
    for (const auto& [id, i] : integrations_) entities.push_back(*json::Parse(Render(i)));
    return {200, NumberedPage(path, entities, q)};
  }
  if (path == kBase && method == "POST") {  // CreateIntegrationRequest
    const json::Value* type = b.FindPath("integrationType.id");
    const json::Value* name = b.Find("name");
    if (type == nullptr || !type->is_string()) return {400, ErrorBody(400, "bad.request", "integrationType.id is required")};
    if (name == nullptr || !name->is_string() || name->as_string().empty()) {
      return {400, ErrorBody(400, "bad.request", "name is required")};
    }
    if (std::find(std::begin(kIntegrationTypes), std::end(kIntegrationTypes), type->as_string()) == std::end(kIntegrationTypes)) {
      return {404, ErrorBody(404, "not.found", "integration type " + type->as_string() + " not found")};
    }
    Integration i;
    i.id = "int-" + std::to_string(next_++);
    i.type = type->as_string();
    i.config = json::Value::Object({{"name", *name}, {"properties", json::Value::Object()},
                                    {"advanced", json::Value::Object()}, {"notes", Str("")},
                                    {"credentials", json::Value::Object()}});
    ++writes_;
    std::string out = Render(i);
    integrations_[i.id] = std::move(i);
    return {200, out};
  }
  if (!path.starts_with(kBase + "/")) return {0, ""};
  const std::string rest = path.substr(kBase.size() + 1);
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string sub = slash == std::string::npos ? "" : rest.substr(slash);
  auto it = integrations_.find(id);
  if (it == integrations_.end()) return {404, ErrorBody(404, "not.found", "integration " + id + " not found")};
  Integration& i = it->second;
  if (sub.empty() && method == "GET") return {200, Render(i)};
  if (sub.empty() && method == "PATCH") {
    const json::Value* st = b.Find("intendedState");
    if (st == nullptr || !st->is_string() ||
        (st->as_string() != "ENABLED" && st->as_string() != "DISABLED" && st->as_string() != "DELETED")) {
      return {400, ErrorBody(400, "bad.request", "intendedState must be ENABLED, DISABLED or DELETED")};
    }
    if (i.intended_state != st->as_string()) ++writes_;
    i.intended_state = st->as_string();
    return {200, Render(i)};
  }
  if (sub == "/config/current" && method == "GET") {  // IntegrationConfiguration
    json::Value c = i.config;
    c.Set("version", json::Value::Int(i.version));
    c.Set("selfUri", Str(path));
    return {200, json::Serialize(c)};
  }
  if (sub == "/config/current" && method == "PUT") {
    int64_t version = 0;
    const json::Value* v = b.Find("version");
    if (v == nullptr || !v->as_int64(&version)) return {400, ErrorBody(400, "bad.request", "version is required")};
    if (version != i.version) {
      return {409, ErrorBody(409, "conflict", "version mismatch: current is " + std::to_string(i.version))};
    }
    const json::Value* name = b.Find("name");
    if (name == nullptr || !name->is_string() || name->as_string().empty()) {
      return {400, ErrorBody(400, "bad.request", "name is required")};
    }
    // credentials: map of CredentialInfo. Its `type` is an object (CredentialType) and the only
    // member an update needs is `id`, of a credential that exists.
    if (const json::Value* creds = b.Find("credentials")) {
      if (!creds->is_object()) return {400, ErrorBody(400, "bad.request", "credentials must be an object")};
      for (const auto& [key, info] : creds->members()) {
        const json::Value* cid = info.Find("id");
        if (!info.is_object() || cid == nullptr || !cid->is_string()) {
          return {400, ErrorBody(400, "bad.request", "credentials." + key + " must be a CredentialInfo with an id")};
        }
        if (const json::Value* t = info.Find("type"); t != nullptr && !t->is_object()) {
          return {400, ErrorBody(400, "bad.request", "credentials." + key + ".type must be a CredentialType object")};
        }
        if (!credential_types_.count(cid->as_string())) {
          return {400, ErrorBody(400, "bad.request", "credential " + cid->as_string() + " does not exist")};
        }
      }
    }
    if (const json::Value* p = b.Find("properties"); p != nullptr && !p->is_object()) {
      return {400, ErrorBody(400, "bad.request", "properties must be an object")};
    }
    json::Value c = b;
    c.Erase("version");
    c.Erase("selfUri");
    c.Erase("id");
    i.config = std::move(c);
    ++i.version;
    ++writes_;
    json::Value answer = i.config;
    answer.Set("version", json::Value::Int(i.version));
    return {200, json::Serialize(answer)};
  }
  return {0, ""};
}

FakeIntegrations::Reply FakeIntegrations::Credentials(const std::string& method, const Params& q, const json::Value& b) {
  auto& list = created["credentials"];
  if (method == "GET") return {200, NumberedPage("/api/v2/integrations/credentials", list, q)};
  if (method != "POST") return {405, ErrorBody(405, "method.not.allowed", method + " not allowed")};
  // Credential: {name, type: CredentialType {name}, credentialFields: map of strings}.
  const json::Value* name = b.Find("name");
  const json::Value* type = b.FindPath("type.name");
  const json::Value* fields = b.Find("credentialFields");
  if (b.Find("type") == nullptr || !b.Find("type")->is_object() || type == nullptr || !type->is_string()) {
    return {400, ErrorBody(400, "bad.request", "type must be a CredentialType object with a name")};
  }
  if (std::find(std::begin(kCredentialTypes), std::end(kCredentialTypes), type->as_string()) == std::end(kCredentialTypes)) {
    return {400, ErrorBody(400, "bad.request", "unknown credential type " + type->as_string())};
  }
  if (fields == nullptr || !fields->is_object() || fields->members().empty()) {
    return {400, ErrorBody(400, "bad.request", "credentialFields are required")};
  }
  for (const auto& [k, v] : fields->members()) {
    if (!v.is_string()) return {400, ErrorBody(400, "bad.request", "credentialFields." + k + " must be a string")};
  }
  if (type->as_string() == "basicAuth" && (!fields->Find("userName") || !fields->Find("password"))) {
    return {400, ErrorBody(400, "bad.request", "basicAuth credentials need userName and password")};
  }
  const std::string id = "cred-" + std::to_string(next_++);
  credential_types_[id] = type->as_string();
  // CredentialInfo: the fields (secrets) are never returned.
  json::Value info = json::Value::Object({{"id", Str(id)},
                                          {"name", name && name->is_string() ? *name : Str("")},
                                          {"type", json::Value::Object({{"name", *type}})},
                                          {"selfUri", Str("/api/v2/integrations/credentials/" + id)}});
  list.push_back(info);
  ++writes_;
  return {200, json::Serialize(info)};
}

}  // namespace cxbridge::genesys
