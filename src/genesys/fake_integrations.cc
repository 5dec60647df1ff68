#include "genesys/fake_integrations.h"

#include <algorithm>
#include <cstdlib>

#include "common/ids.h"

namespace cxbridge::genesys {

std::string FakeIntegrations::Render(const Integration& i) const {
  const json::Value* name = i.config.Find("name");
  return json::Serialize(json::Value::Object({
      {"id", json::Value::String(i.id)},
      {"name", name ? *name : json::Value::String(i.type)},
      {"integrationType", json::Value::Object({{"id", json::Value::String(i.type)}})},
      {"intendedState", json::Value::String(i.intended_state)},
  }));
}

std::string FakeIntegrations::Page(const std::vector<std::string>& ids, const std::string& query) {
  auto param = [&](const std::string& name, int def) {
    size_t at = query.find(name + "=");
    return at == std::string::npos ? def : std::max(1, std::atoi(query.c_str() + at + name.size() + 1));
  };
  const int size = param("pageSize", 25), number = param("pageNumber", 1);
  const int count = static_cast<int>(ids.size());
  const int pages = count == 0 ? 0 : (count + size - 1) / size;
  std::string entities;
  for (int i = (number - 1) * size; i < std::min(count, number * size); ++i) {
    entities += (entities.empty() ? "" : ",") + std::string("{\"id\":\"") + ids[i] + "\",\"name\":\"n" +
                std::to_string(i) + "\"}";
  }
  return "{\"entities\":[" + entities + "],\"pageSize\":" + std::to_string(size) + ",\"pageNumber\":" +
         std::to_string(number) + ",\"total\":" + std::to_string(count) + ",\"pageCount\":" + std::to_string(pages) + "}";
}

bool FakeIntegrations::Handle(const std::string& method, const std::string& path, const std::string& query,
                              const std::string& body, int* status, std::string* out) {
  auto error = [&](int st, const std::string& msg) {
    *status = st;
    *out = "{\"message\":" + json::Quote(msg) + ",\"status\":" + std::to_string(st) + "}";
    return true;
  };
  if (path == "/api/v2/organizations/me" && method == "GET") {
    *status = 200;
    *out = std::string("{\"id\":\"") + kOrgId + "\",\"name\":\"Fake Org\",\"thirdPartyOrgName\":\"fakeorg\"}";
    return true;
  }
  if (method == "GET" && (path == "/api/v2/routing/queues" || path == "/api/v2/users")) {
    *status = 200;
    *out = Page(path == "/api/v2/users" ? users : queues, query);
    return true;
  }
  if (method == "GET" && path.starts_with("/api/v2/groups/") && path.ends_with("/members")) {
    auto g = groups.find(path.substr(15, path.size() - 15 - 8));
    if (g == groups.end()) return error(404, "group not found");
    *status = 200;
    *out = Page(g->second, query);
    return true;
  }
  // Credentials, data actions and triggers: created as posted, listed by name.
  const std::map<std::string, std::string> kCreated = {{"/api/v2/integrations/credentials", "credentials"},
                                                       {"/api/v2/integrations/actions", "actions"},
                                                       {"/api/v2/processautomation/triggers", "triggers"}};
  if (auto k = kCreated.find(path); k != kCreated.end()) {
    auto& list = created[k->second];
    if (method == "GET") {
      std::string entities;
      for (const auto& e : list) {
        const json::Value* integ = e.Find("integrationId");
        const size_t at = query.find("integrationId=");
        if (at != std::string::npos && integ && query.compare(at + 14, integ->as_string().size(), integ->as_string()) != 0) {
          continue;
        }
        entities += (entities.empty() ? "" : ",") + json::Serialize(e);
      }
      *status = 200;
      *out = "{\"entities\":[" + entities + "],\"pageNumber\":1,\"pageCount\":1}";
      return true;
    }
    if (method == "POST") {
      auto doc = json::Parse(body);
      if (!doc.ok() || !doc->is_object()) return error(400, "body is not a JSON object");
      if (doc->Find("name") == nullptr) return error(400, "name is required");
      json::Value e = *doc;
      e.Set("id", json::Value::String(k->second + "-" + std::to_string(list.size() + 1)));
      if (k->second == "credentials") e.Erase("credentialFields");  // secrets are never returned
      list.push_back(e);
      ++writes_;
      *status = 200;
      *out = json::Serialize(e);
      return true;
    }
  }
  const std::string kBase = "/api/v2/integrations";
  if (path == kBase && method == "GET") {
    std::string entities;
    for (const auto& [id, i] : integrations_) entities += (entities.empty() ? "" : ",") + Render(i);
    *status = 200;
    *out = "{\"entities\":[" + entities + "],\"pageNumber\":1,\"pageCount\":1,\"total\":" +
           std::to_string(integrations_.size()) + "}";
    return true;
  }
  auto doc = body.empty() ? Result<json::Value>(json::Value::Object()) : json::Parse(body);
  if (!doc.ok()) return error(400, "body is not JSON");
  if (path == kBase && method == "POST") {
    const json::Value* type = doc->FindPath("integrationType.id");
    if (type == nullptr || !type->is_string()) return error(400, "integrationType.id is required");
    Integration i;
    i.id = "int-" + std::to_string(next_++);
    i.type = type->as_string();
    i.config = json::Value::Object({{"name", json::Value::String(i.type)}, {"properties", json::Value::Object()},
                                    {"advanced", json::Value::Object()}, {"notes", json::Value::String("")},
                                    {"credentials", json::Value::Object()}});
    ++writes_;
    *status = 200;
    *out = Render(i);
    integrations_[i.id] = std::move(i);
    return true;
  }
  if (!path.starts_with(kBase + "/")) return false;
  std::string rest = path.substr(kBase.size() + 1);
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string sub = slash == std::string::npos ? "" : rest.substr(slash);
  auto it = integrations_.find(id);
  if (it == integrations_.end()) return error(404, "integration " + id + " not found");
  Integration& i = it->second;
  if (sub.empty() && method == "PATCH") {
    const json::Value* st = doc->Find("intendedState");
    if (st == nullptr || !st->is_string()) return error(400, "intendedState is required");
    if (i.intended_state != st->as_string()) ++writes_;
    i.intended_state = st->as_string();
    *status = 200;
    *out = Render(i);
    return true;
  }
  if (sub == "/config/current" && method == "GET") {
    json::Value c = i.config;
    c.Set("version", json::Value::Int(i.version));
    *status = 200;
    *out = json::Serialize(c);
    return true;
  }
  if (sub == "/config/current" && method == "PUT") {
    int64_t version = 0;
    const json::Value* v = doc->Find("version");
    if (v == nullptr || !v->as_int64(&version) || version != i.version) {
      return error(409, "version mismatch: current is " + std::to_string(i.version));
    }
    json::Value c = *doc;
    c.Erase("version");
    i.config = std::move(c);
    ++i.version;
    ++writes_;
    json::Value answer = i.config;
    answer.Set("version", json::Value::Int(i.version));
    *status = 200;
    *out = json::Serialize(answer);
    return true;
  }
  return false;
}

}  // namespace cxbridge::genesys
