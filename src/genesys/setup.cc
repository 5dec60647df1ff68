#include "genesys/setup.h"

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>

#include <functional>
#include <future>
#include <regex>
#include <set>

#include "common/secret.h"
#include "config/config.h"
#include "genesys/api_client.h"
#include "genesys/settings.h"
#include "genesys/topics.h"

namespace cxbridge::genesys {
namespace {

constexpr char kEventBridgeType[] = "amazon-eventbridge-source";
constexpr int kMaxConflictRetries = 5;

// What a command needs: the parsed source and a started runtime with an API client.
struct Session {
  NotificationsSettings settings;
  json::Value raw;
  config::Config cfg;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<ApiClient> api;
};

Result<Session> Open(const GenesysCommandArgs& a) {
  if (a.config_path.empty() || a.source.empty()) return Status::InvalidArgument("--config and --source are required");
  auto cfg = config::LoadConfig(a.config_path);
  if (!cfg.ok()) return cfg.status();
  for (const auto& sc : cfg->sources) {
    if (sc.name != a.source) continue;
    if (!IsNotificationsSource(sc.raw)) {
      return Status::InvalidArgument("source " + sc.name + " is not of type genesys-notifications");
    }
    auto s = ParseNotificationsSettings(sc.name, sc.raw, cfg->account, cfg->region);
    if (!s.ok()) return Status(s.status().code(), "source " + sc.name + " (line " + std::to_string(sc.line) + "): " + s.status().message());
    auto id = ResolveSecret(s->client_id);
    if (!id.ok()) return id.status();
    auto secret = ResolveSecret(s->client_secret);
    if (!secret.ok()) return secret.status();
    Session out;
    out.settings = std::move(*s);
    out.raw = sc.raw;
    out.cfg = *cfg;
    out.rt = std::make_unique<Runtime>(SystemClock(), 20);
    out.api = std::make_unique<ApiClient>(*out.rt, out.settings.login_base_url, out.settings.api_base_url, *id,
                                          *secret, out.settings.request_timeout_ms);
    out.rt->Start();
    return out;
  }
  return Status::NotFound("no source named " + a.source + " in " + a.config_path);
}

int RunSync(Runtime& rt, asio::awaitable<int> task) {
  std::promise<int> done;
  asio::co_spawn(rt.io(), std::move(task), [&done](std::exception_ptr e, int code) { done.set_value(e ? 2 : code); });
  return done.get_future().get();
}

std::string Describe(const http::ClientResponse& r) {
  if (r.status == 0) return r.error.empty() ? "no response" : r.error;
  return "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300);
}

asio::awaitable<int> Check(Session& s, std::ostream& out, std::ostream& err) {
  auto token = co_await s.api->AccessToken();
  if (!token.ok()) {
    err << "credentials: " << token.status().message() << "\n";
    co_return 1;
  }
  out << "credentials: ok (" << s.settings.login_base_url << ")\n";
  auto subs = PlanSubscriptions(s.settings.topics, s.settings.ids, s.settings.combine_topics);
  size_t topics = 0;
  for (const auto& sub : subs) topics += sub.topics.size();
  auto packed = PackChannels(subs, s.settings.max_topics_per_channel, s.settings.max_channels);
  if (!packed.ok()) {
    err << "limits: " << packed.status().message() << "\n";
    co_return 1;
  }
  out << "plan: " << topics << " topics in " << subs.size() << " subscriptions on " << packed->size()
      << " channel(s) (limits: " << s.settings.max_topics_per_channel << " per channel, " << s.settings.max_channels
      << " channels)\n";
  auto channel = co_await s.api->CreateChannel();
  if (!channel.ok()) {
    err << "notifications: " << channel.status().message() << "\n";
    co_return 1;
  }
  size_t permitted = 0, rejected = 0;
  for (const auto& chunk : *packed) {
    auto states = co_await s.api->Subscribe(channel->id, chunk);
    if (!states.ok()) {
      err << "subscribe probe: " << states.status().message() << "\n";
      co_return 1;
    }
    for (const auto& st : *states) {
      if (st.permitted) {
        ++permitted;
        continue;
      }
      ++rejected;
      out << "REJECTED " << st.id << ": " << (st.rejection_reason.empty() ? "no reason given" : st.rejection_reason);
      if (!st.missing_permissions.empty()) {
        out << " (missing permissions:";
        for (const auto& p : st.missing_permissions) out << " " << p;
        out << ")";
      }
      out << "\n";
    }
  }
  co_await s.api->Call("DELETE", "/api/v2/notifications/channels/" + channel->id + "/subscriptions", "");
  out << "subscriptions: " << permitted << " permitted, " << rejected << " rejected\n";
  co_return rejected == 0 ? 0 : 1;
}

struct EventBridgeSpec {
  std::string account, region, suffix, name;
  std::vector<std::string> topics;
};

Result<EventBridgeSpec> ResolveSpec(const GenesysCommandArgs& a, const Session& s) {
  const json::Value* eb = s.raw.Find("eventbridge");
  auto get = [&](const std::string& flag, const char* key, std::string def = "") {
    if (!flag.empty()) return flag;
    const json::Value* v = eb != nullptr ? eb->Find(key) : nullptr;
    return v != nullptr && v->is_string() ? v->as_string() : def;
  };
  EventBridgeSpec spec;
  spec.account = get(a.aws_account_id, "aws_account_id");
  spec.region = get(a.aws_region, "aws_region", s.settings.aws_region);
  spec.suffix = get(a.suffix, "suffix");
  spec.name = get(a.name, "name", "cxbridge EventBridge");
  spec.topics = a.topics;
  if (spec.topics.empty() && eb != nullptr && eb->Find("topics") && eb->Find("topics")->is_array()) {
    for (const auto& t : eb->Find("topics")->items())
      if (t.is_string()) spec.topics.push_back(t.as_string());
  }
  if (spec.topics.empty()) {
    std::set<std::string> seen;
    for (const auto& t : s.settings.topics)
      if (seen.insert(t.pattern).second) spec.topics.push_back(t.pattern);
  }
  if (!std::regex_match(spec.account, std::regex("[0-9]{12}"))) {
    return Status::InvalidArgument("an AWS account id (12 digits) is required (--aws-account or eventbridge.aws_account_id)");
  }
  if (!std::regex_match(spec.suffix, std::regex("[A-Za-z0-9._-]{1,64}"))) {
    return Status::InvalidArgument("an event source suffix of 1-64 characters [A-Za-z0-9._-] is required (--suffix or eventbridge.suffix)");
  }
  return spec;
}

json::Value DesiredProperties(const EventBridgeSpec& spec) {
  json::Value filter = json::Value::Array();
  for (const auto& t : spec.topics) filter.Push(json::Value::String(t));
  return json::Value::Object({{"awsAccountId", json::Value::String(spec.account)},
                              {"awsAccountRegion", json::Value::String(spec.region)},
                              {"eventSourceSuffix", json::Value::String(spec.suffix)},
                              {"eventFilter", std::move(filter)}});
}

// True when every desired property has the same value in `current` (Genesys may add others).
bool SameProperties(const json::Value& desired, const json::Value* current) {
  if (current == nullptr || !current->is_object()) return false;
  for (const auto& [k, v] : desired.members()) {
    const json::Value* c = current->Find(k);
    if (c == nullptr || !(json::Serialize(*c) == json::Serialize(v))) return false;
  }
  return true;
}

asio::awaitable<int> SetUpEventBridge(Session& s, const EventBridgeSpec& spec, bool apply, std::ostream& out,
                                      std::ostream& err) {
  auto token = co_await s.api->AccessToken();
  if (!token.ok()) {
    err << "credentials: " << token.status().message() << "\n";
    co_return 1;
  }
  auto org = co_await s.api->Call("GET", "/api/v2/organizations/me", "");
  auto org_doc = json::Parse(org.body);
  const json::Value* org_id = org.status == 200 && org_doc.ok() ? org_doc->Find("id") : nullptr;
  if (org_id == nullptr || !org_id->is_string()) {
    err << "organization: " << Describe(org) << "\n";
    co_return 1;
  }
  // Find the integration by type and name (idempotency: one per name).
  std::string id, state;
  for (int page = 1; page <= 50 && id.empty(); ++page) {
    auto r = co_await s.api->Call("GET", "/api/v2/integrations?pageSize=100&pageNumber=" + std::to_string(page), "");
    auto doc = json::Parse(r.body);
    if (r.status != 200 || !doc.ok()) {
      err << "list integrations: " << Describe(r) << "\n";
      co_return 1;
    }
    const json::Value* entities = doc->Find("entities");
    if (entities == nullptr || !entities->is_array() || entities->items().empty()) break;
    for (const auto& e : entities->items()) {
      const json::Value* type = e.FindPath("integrationType.id");
      const json::Value* name = e.Find("name");
      if (type && type->is_string() && type->as_string() == kEventBridgeType && name && name->is_string() &&
          name->as_string() == spec.name) {
        id = e.Find("id")->as_string();
        if (const json::Value* st = e.Find("intendedState"); st && st->is_string()) state = st->as_string();
      }
    }
    int64_t pages = 1;
    if (const json::Value* pc = doc->Find("pageCount"); pc == nullptr || !pc->as_int64(&pages) || page >= pages) break;
  }
  const json::Value desired = DesiredProperties(spec);
  const char* would = apply ? "" : "would ";
  int changes = 0;
  if (id.empty()) {
    ++changes;
    out << (apply ? "creating" : "would create") << " integration '" << spec.name << "' (" << kEventBridgeType << ")\n";
    if (apply) {
      auto r = co_await s.api->Call("POST", "/api/v2/integrations",
                                    std::string("{\"integrationType\":{\"id\":\"") + kEventBridgeType + "\"}}");
      auto doc = json::Parse(r.body);
      if ((r.status != 200 && r.status != 201) || !doc.ok() || doc->Find("id") == nullptr) {
        err << "create integration: " << Describe(r) << "\n";
        co_return 1;
      }
      id = doc->Find("id")->as_string();
    }
  } else {
    out << "integration '" << spec.name << "' exists (" << id << ", " << state << ")\n";
  }
  // Config: read the version, write when different, retry on 409 (someone else wrote).
  for (int attempt = 0; !id.empty(); ++attempt) {
    auto cur = co_await s.api->Call("GET", "/api/v2/integrations/" + id + "/config/current", "");
    auto doc = json::Parse(cur.body);
    int64_t version = 0;
    if (cur.status != 200 || !doc.ok() || doc->Find("version") == nullptr || !doc->Find("version")->as_int64(&version)) {
      err << "read config: " << Describe(cur) << "\n";
      co_return 1;
    }
    const json::Value* name = doc->Find("name");
    if (SameProperties(desired, doc->Find("properties")) && name && name->is_string() && name->as_string() == spec.name) {
      out << "config up to date (version " << version << ")\n";
      break;
    }
    if (attempt == 0) {
      ++changes;
      out << would << "set config (version " << version << "): " << json::Serialize(desired) << "\n";
    }
    if (!apply) break;
    json::Value body = json::Value::Object({{"name", json::Value::String(spec.name)}, {"version", json::Value::Int(version)},
                                            {"notes", json::Value::String("managed by cxbridge genesys setup-eventbridge")},
                                            {"properties", desired}, {"advanced", json::Value::Object()},
                                            {"credentials", json::Value::Object()}});
    auto put = co_await s.api->Call("PUT", "/api/v2/integrations/" + id + "/config/current", json::Serialize(body));
    if (put.status == 200) break;
    if (put.status == 409 && attempt + 1 < kMaxConflictRetries) {
      out << "config version changed meanwhile (409); retrying\n";
      continue;
    }
    err << "write config: " << Describe(put) << "\n";
    co_return 1;
  }
  if (state != "ENABLED") {
    ++changes;
    out << would << "enable the integration\n";
    if (apply && !id.empty()) {
      auto r = co_await s.api->Call("PATCH", "/api/v2/integrations/" + id, "{\"intendedState\":\"ENABLED\"}");
      if (r.status != 200) {
        err << "enable: " << Describe(r) << "\n";
        co_return 1;
      }
    }
  }
  if (!apply && changes > 0) out << "dry run: nothing changed; run again with --apply\n";
  if (apply && changes == 0) out << "nothing to change\n";
  const std::string src = "aws.partner/genesys.com/cloud/" + org_id->as_string() + "/" + spec.suffix;
  out << "\nAWS side (account " << spec.account << ", region " << spec.region << "):\n"
      << "  aws events create-event-bus --region " << spec.region << " --name " << src << " --event-source-name " << src << "\n"
      << "  aws events put-rule --region " << spec.region << " --event-bus-name " << src
      << " --name cxbridge-genesys --event-pattern '{\"source\":[{\"prefix\":\"aws.partner/genesys.com\"}]}'\n"
      << "  then target the rule at an API destination posting to cxbridge's /webhooks/<source> (an api-key\n"
      << "  connection matching that source's auth), or at an SQS queue cxbridge reads.\n";
  co_return 0;
}


// ---------------------------------------------------------------- setup-trigger

constexpr char kDataActionsType[] = "custom-rest-actions";

// Finds an entity by name in a paged listing (`path` may carry a query already).
asio::awaitable<Result<json::Value>> FindByName(ApiClient& api, const std::string& path, const std::string& name,
                                                const std::function<bool(const json::Value&)>& also) {
  const char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (int page = 1; page <= 50; ++page) {
    auto r = co_await api.Call("GET", path + sep + "pageSize=100&pageNumber=" + std::to_string(page), "");
    auto doc = json::Parse(r.body);
    const json::Value* entities = r.status == 200 && doc.ok() ? doc->Find("entities") : nullptr;
    if (entities == nullptr || !entities->is_array()) co_return Status::Unavailable("GET " + path + ": " + Describe(r));
    for (const auto& e : entities->items()) {
      const json::Value* n = e.Find("name");
      if (n && n->is_string() && n->as_string() == name && (!also || also(e))) co_return e;
    }
    int64_t pages = 1;
    const json::Value* pc = doc->Find("pageCount");
    if (entities->items().empty() || pc == nullptr || !pc->as_int64(&pages) || page >= pages) break;
  }
  co_return json::Value();  // null: not found
}

struct TriggerSpec {
  std::string name, url, header, api_key, topic, workflow_id;
};

asio::awaitable<int> SetUpTrigger(Session& s, const TriggerSpec& t, bool apply, std::ostream& out, std::ostream& err) {
  auto token = co_await s.api->AccessToken();
  if (!token.ok()) {
    err << "credentials: " << token.status().message() << "\n";
    co_return 1;
  }
  const char* would = apply ? "" : "would ";
  int changes = 0;
  auto fail = [&](const std::string& what, const http::ClientResponse& r) {
    err << what << ": " << Describe(r) << "\n";
    return 1;
  };
  // 1. The data actions integration.
  auto found = co_await FindByName(*s.api, "/api/v2/integrations", t.name, [](const json::Value& e) {
    const json::Value* type = e.FindPath("integrationType.id");
    return type && type->is_string() && type->as_string() == kDataActionsType;
  });
  if (!found.ok()) {
    err << found.status().message() << "\n";
    co_return 1;
  }
  std::string integration_id = found->is_null() ? "" : found->Find("id")->as_string();
  std::string state;
  if (!found->is_null() && found->Find("intendedState")) state = found->Find("intendedState")->as_string();
  if (integration_id.empty()) {
    ++changes;
    out << would << "create integration '" << t.name << "' (" << kDataActionsType << ")\n";
    if (apply) {
      auto r = co_await s.api->Call("POST", "/api/v2/integrations",
                                    std::string("{\"integrationType\":{\"id\":\"") + kDataActionsType + "\"}}");
      auto doc = json::Parse(r.body);
      if (r.status != 200 || !doc.ok() || !doc->Find("id")) co_return fail("create integration", r);
      integration_id = doc->Find("id")->as_string();
    }
  } else {
    out << "integration '" << t.name << "' exists (" << integration_id << ", " << state << ")\n";
  }
  // 2. Its credential (the API key) and config.
  if (!integration_id.empty()) {
    auto cur = co_await s.api->Call("GET", "/api/v2/integrations/" + integration_id + "/config/current", "");
    auto doc = json::Parse(cur.body);
    int64_t version = 0;
    if (cur.status != 200 || !doc.ok() || !doc->Find("version") || !doc->Find("version")->as_int64(&version)) {
      co_return fail("read integration config", cur);
    }
    const json::Value* cred = doc->FindPath("credentials.basicAuth.id");
    if (cred != nullptr && cred->is_string()) {
      out << "credential exists (" << cred->as_string() << "); the API key is not compared\n";
    } else {
      ++changes;
      out << would << "create a userDefined credential with the API key and attach it\n";
      if (apply) {
        json::Value body = json::Value::Object(
            {{"name", json::Value::String(t.name + " API key")},
             {"type", json::Value::Object({{"name", json::Value::String("userDefined")}})},
             {"credentialFields", json::Value::Object({{"apiKey", json::Value::String(t.api_key)}})}});
        auto r = co_await s.api->Call("POST", "/api/v2/integrations/credentials", json::Serialize(body));
        auto created = json::Parse(r.body);
        if (r.status != 200 || !created.ok() || !created->Find("id")) co_return fail("create credential", r);
        json::Value config = json::Value::Object(
            {{"name", json::Value::String(t.name)}, {"version", json::Value::Int(version)},
             {"notes", json::Value::String("managed by cxbridge genesys setup-trigger")},
             {"properties", json::Value::Object()}, {"advanced", json::Value::Object()},
             {"credentials", json::Value::Object({{"basicAuth", json::Value::Object({{"id", *created->Find("id")},
                                                                                      {"type", json::Value::String("userDefined")}})}})}});
        auto put = co_await s.api->Call("PUT", "/api/v2/integrations/" + integration_id + "/config/current",
                                        json::Serialize(config));
        if (put.status != 200) co_return fail("attach credential", put);
      }
    }
  }
  // 3. The data action.
  const std::string action_name = t.name + " post";
  std::string action_id;
  if (!integration_id.empty()) {
    auto action = co_await FindByName(*s.api, "/api/v2/integrations/actions?integrationId=" + integration_id, action_name, {});
    if (!action.ok()) {
      err << action.status().message() << "\n";
      co_return 1;
    }
    if (!action->is_null()) {
      action_id = action->Find("id")->as_string();
      out << "data action '" << action_name << "' exists (" << action_id << ")\n";
    }
  }
  if (action_id.empty()) {
    ++changes;
    out << would << "create data action '" << action_name << "': POST " << t.url << " with " << t.header << "\n";
    if (apply) {
      json::Value headers = json::Value::Object({{t.header, json::Value::String("${credentials.apiKey}")},
                                                 {"Content-Type", json::Value::String("application/json")}});
      json::Value body = json::Value::Object({
          {"name", json::Value::String(action_name)},
          {"category", json::Value::String("cxbridge")},
          {"integrationId", json::Value::String(integration_id)},
          {"secure", json::Value::Bool(false)},
          {"contract", json::Value::Object({
              {"input", json::Value::Object({{"inputSchema", json::Value::Object({{"type", json::Value::String("object")},
                                                                                    {"properties", json::Value::Object()},
                                                                                    {"additionalProperties", json::Value::Bool(true)}})}})},
              {"output", json::Value::Object({{"successSchema", json::Value::Object({{"type", json::Value::String("object")},
                                                                                      {"properties", json::Value::Object()}})}})}})},
          {"config", json::Value::Object({
              {"request", json::Value::Object({{"requestUrlTemplate", json::Value::String(t.url)},
                                               {"requestType", json::Value::String("POST")},
                                               {"headers", std::move(headers)},
                                               {"requestTemplate", json::Value::String("${input.rawRequest}")}})},
              {"response", json::Value::Object({{"translationMap", json::Value::Object()},
                                                {"translationMapDefaults", json::Value::Object()},
                                                {"successTemplate", json::Value::String("{}")}})}})},
      });
      auto r = co_await s.api->Call("POST", "/api/v2/integrations/actions", json::Serialize(body));
      auto doc = json::Parse(r.body);
      if (r.status != 200 || !doc.ok() || !doc->Find("id")) co_return fail("create data action", r);
      action_id = doc->Find("id")->as_string();
    }
  }
  if (state != "ENABLED") {
    ++changes;
    out << would << "enable the integration\n";
    if (apply) {
      auto r = co_await s.api->Call("PATCH", "/api/v2/integrations/" + integration_id, "{\"intendedState\":\"ENABLED\"}");
      if (r.status != 200) co_return fail("enable", r);
    }
  }
  // 4. The trigger (needs the workflow that calls the action).
  if (t.workflow_id.empty()) {
    out << "no --workflow-id: create an Architect workflow that calls data action '" << action_name
        << "' with the trigger's event (dataFormat Json) as rawRequest, then run again with --workflow-id\n";
  } else {
    auto trig = co_await FindByName(*s.api, "/api/v2/processautomation/triggers", t.name, {});
    if (!trig.ok()) {
      err << trig.status().message() << "\n";
      co_return 1;
    }
    if (!trig->is_null()) {
      out << "trigger '" << t.name << "' exists (" << trig->Find("id")->as_string() << ")\n";
    } else {
      ++changes;
      out << would << "create trigger '" << t.name << "' on " << t.topic << " → workflow " << t.workflow_id << "\n";
      if (apply) {
        json::Value body = json::Value::Object({
            {"topicName", json::Value::String(t.topic)},
            {"name", json::Value::String(t.name)},
            {"description", json::Value::String("Forwards " + t.topic + " to cxbridge")},
            {"target", json::Value::Object({{"id", json::Value::String(t.workflow_id)},
                                            {"type", json::Value::String("Workflow")},
                                            {"workflowTargetSettings", json::Value::Object({{"dataFormat", json::Value::String("Json")}})}})},
            {"eventTTLSeconds", json::Value::Int(120)},
            {"enabled", json::Value::Bool(true)},
        });
        auto r = co_await s.api->Call("POST", "/api/v2/processautomation/triggers", json::Serialize(body));
        if (r.status != 200 && r.status != 201) co_return fail("create trigger", r);
      }
    }
  }
  if (!apply && changes > 0) out << "dry run: nothing changed; run again with --apply\n";
  if (apply && changes == 0) out << "nothing to change\n";
  co_return 0;
}

}  // namespace

int RunGenesysCheck(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  auto s = Open(a);
  if (!s.ok()) {
    err << s.status().message() << "\n";
    return 2;
  }
  int code = RunSync(*s->rt, Check(*s, out, err));
  s->rt->Stop();
  return code;
}

int RunSetupEventBridge(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  auto s = Open(a);
  if (!s.ok()) {
    err << s.status().message() << "\n";
    return 2;
  }
  auto spec = ResolveSpec(a, *s);
  if (!spec.ok()) {
    err << spec.status().message() << "\n";
    s->rt->Stop();
    return 2;
  }
  int code = RunSync(*s->rt, SetUpEventBridge(*s, *spec, a.apply, out, err));
  s->rt->Stop();
  return code;
}

int RunSetupTrigger(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  if (a.webhook_source.empty() || a.url.empty() || a.topic.empty()) {
    err << "--webhook-source, --url and --topic are required\n";
    return 2;
  }
  auto s = Open(a);
  if (!s.ok()) {
    err << s.status().message() << "\n";
    return 2;
  }
  TriggerSpec t;
  t.name = a.name.empty() ? "cxbridge " + a.webhook_source : a.name;
  t.topic = a.topic;
  t.workflow_id = a.workflow_id;
  std::string base = a.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  t.url = base + "/webhooks/" + a.webhook_source;
  const config::SourceConfig* hook = nullptr;
  for (const auto& sc : s->cfg.sources)
    if (sc.name == a.webhook_source) hook = &sc;
  const json::Value* auth = hook != nullptr ? hook->raw.Find("auth") : nullptr;
  const json::Value* scheme = auth != nullptr ? auth->Find("scheme") : nullptr;
  if (scheme == nullptr || !scheme->is_string() || scheme->as_string() != "api-key" || auth->Find("secret") == nullptr) {
    err << "--webhook-source must name a source with auth {scheme: api-key, secret: ...}\n";
    s->rt->Stop();
    return 2;
  }
  const json::Value* header = auth->Find("header");
  t.header = header != nullptr && header->is_string() ? header->as_string() : "X-API-Key";
  auto key = ResolveSecret(*auth->Find("secret"));
  if (!key.ok()) {
    err << key.status().message() << "\n";
    s->rt->Stop();
    return 2;
  }
  t.api_key = *key;
  int code = RunSync(*s->rt, SetUpTrigger(*s, t, a.apply, out, err));
  s->rt->Stop();
  return code;
}

}  // namespace cxbridge::genesys
