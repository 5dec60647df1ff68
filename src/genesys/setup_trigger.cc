// `cxbridge genesys setup-trigger`: the Process Automation path without AWS (docs/genesys.md,
// path 3). Genesys side, idempotent by name, dry run unless --apply:
//   1. the trigger's topic must be one Process Automation offers (GET …/triggers/topics);
//   2. a "Web Services Data Actions" integration (custom-rest-actions) named `name`;
//   3. its credential: type userDefined, field apiKey = the webhook source's API key, attached as
//      config.credentials.basicAuth = {id} (CredentialInfo; what the Terraform provider sends);
//   4. the data action `<name> post`, with two declared string inputs a workflow can fill,
//      topicName and eventBody, POSTing {"topicName", "version":"2", "eventBody"} to
//      <url>/webhooks/<source> with `<header>: <prefix>${credentials.apiKey}`;
//   5. the integration enabled;
//   6. with --workflow-id, the trigger on the topic (target Workflow, dataFormat Json), found
//      again by name through every cursor page.
// The Architect workflow in between is the user's to publish; --workflow-yaml writes one for
// Archy that does exactly the one step needed (ArchyWorkflowYaml).
#include <fstream>

#include "common/secret.h"
#include "genesys/setup_internal.h"

namespace cxbridge::genesys {
namespace {

using setup::Describe;
using setup::Session;

constexpr char kDataActionsType[] = "custom-rest-actions";
constexpr char kCredentialField[] = "apiKey";
constexpr int kMaxConflictRetries = 5;

struct TriggerSpec {
  std::string name, url, header, prefix, api_key, topic, workflow_id, workflow_yaml;
  std::string action_name() const { return name + " post"; }
};

json::Value Str(std::string s) { return json::Value::String(std::move(s)); }

// The data action's request body (a Velocity template): both inputs are strings, escaped for JSON.
constexpr char kRequestTemplate[] =
    R"tmpl({"topicName":"$esc.jsonString(${input.topicName})","version":"2","eventBody":"$esc.jsonString(${input.eventBody})"})tmpl";

// POST /api/v2/integrations/actions (PostActionInput): category is the integration's name (as
// Architect lists actions under it), a contract with declared inputs, and the request config.
json::Value DataActionBody(const TriggerSpec& t, const std::string& integration_id) {
  auto string_prop = [](const char* description) {
    return json::Value::Object({{"type", Str("string")}, {"description", Str(description)}});
  };
  json::Value input = json::Value::Object({
      {"$schema", Str("http://json-schema.org/draft-04/schema#")},
      {"title", Str("cxbridge relay")},
      {"description", Str("A Genesys notification for cxbridge")},
      {"type", Str("object")},
      {"required", json::Value::Array({Str("topicName"), Str("eventBody")})},
      {"properties", json::Value::Object({
          {"topicName", string_prop("The trigger's topic, e.g. v2.detail.events.conversation.{id}.customer.end")},
          {"eventBody", string_prop("The event body as JSON text: ToString(Flow.jsonData)")},
      })},
      {"additionalProperties", json::Value::Bool(false)},
  });
  json::Value output = json::Value::Object({
      {"$schema", Str("http://json-schema.org/draft-04/schema#")},
      {"type", Str("object")},
      {"properties", json::Value::Object({{"status", json::Value::Object({{"type", Str("string")}})},
                                          {"id", json::Value::Object({{"type", Str("string")}})}})},
      {"additionalProperties", json::Value::Bool(true)},
  });
  json::Value headers = json::Value::Object({{t.header, Str(t.prefix + "${credentials." + kCredentialField + "}")},
                                             {"Content-Type", Str("application/json")}});
  return json::Value::Object({
      {"name", Str(t.action_name())},
      {"category", Str(t.name)},
      {"integrationId", Str(integration_id)},
      {"secure", json::Value::Bool(false)},
      {"contract", json::Value::Object({{"input", json::Value::Object({{"inputSchema", std::move(input)}})},
                                        {"output", json::Value::Object({{"successSchema", std::move(output)}})}})},
      {"config", json::Value::Object({
          {"request", json::Value::Object({{"requestUrlTemplate", Str(t.url)},
                                           {"requestType", Str("POST")},
                                           {"headers", std::move(headers)},
                                           {"requestTemplate", Str(kRequestTemplate)}})},
          {"response", json::Value::Object({{"translationMap", json::Value::Object()},
                                            {"translationMapDefaults", json::Value::Object()},
                                            {"successTemplate", Str("${rawResult}")}})},
      })},
  });
}

}  // namespace

// An Archy workflow (the YAML format of Genesys's published workflow exports): input variable
// Flow.jsonData (what a trigger with dataFormat Json fills), one Call Data Action step passing
// the trigger's topic and ToString(Flow.jsonData), then End Workflow. Scalars are written as
// JSON strings, which YAML reads as double-quoted scalars.
std::string ArchyWorkflowYaml(const std::string& integration, const std::string& action, const std::string& topic) {
  const auto q = [](const std::string& s) { return json::Quote(s); };
  const std::string end = "                  actions:\n"
                          "                    - endWorkflow:\n"
                          "                        name: End Workflow\n"
                          "                        exitReason:\n"
                          "                          noValue: true\n";
  return "workflow:\n"
         "  name: " + q(action + " workflow") + "\n"
         "  description: " + q("Relays " + topic + " events to cxbridge (cxbridge genesys setup-trigger)") + "\n"
         "  division: Home\n"
         "  startUpRef: \"/workflow/states/state[Relay_10]\"\n"
         "  defaultLanguage: en-us\n"
         "  supportedLanguages:\n"
         "    en-us:\n"
         "      none: true\n"
         "  variables:\n"
         "    - jsonVariable:\n"
         "        name: Flow.jsonData\n"
         "        initialValue:\n"
         "          noValue: true\n"
         "        isInput: true\n"
         "        isOutput: false\n"
         "  settingsErrorHandling:\n"
         "    errorHandling:\n"
         "      endWorkflow:\n"
         "        none: true\n"
         "  states:\n"
         "    - state:\n"
         "        name: Relay\n"
         "        refId: Relay_10\n"
         "        actions:\n"
         "          - callData:\n"
         "              name: Post to cxbridge\n"
         "              timeout:\n"
         "                lit:\n"
         "                  minutes: 1\n"
         "              category:\n"
         "                " + q(integration) + ":\n"
         "                  dataAction:\n"
         "                    " + q(action) + ":\n"
         "                      inputs:\n"
         "                        topicName:\n"
         "                          lit: " + q(topic) + "\n"
         "                        eventBody:\n"
         "                          exp: ToString(Flow.jsonData)\n"
         "              outputs:\n"
         "                success:\n" + end +
         "                failure:\n" + end +
         "                timeout:\n" + end;
}

namespace {

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
  // 0. The topic must be one the org's triggers can listen to (checked before any write).
  auto offered = co_await setup::FindInCursorPages(*s.api, "/api/v2/processautomation/triggers/topics",
                                                   [&](const json::Value& e) { return e.is_string() && e.as_string() == t.topic; });
  if (!offered.ok()) {
    err << "trigger topics: " << offered.status().message() << "\n";
    co_return 1;
  }
  if (offered->is_null()) {
    err << "topic " << t.topic << " is not offered to Process Automation triggers in this org "
        << "(GET /api/v2/processautomation/triggers/topics); use its {id} pattern\n";
    co_return 1;
  }
  // 1. The data actions integration, by type and name through every page.
  auto found = co_await setup::FindIntegration(*s.api, kDataActionsType, t.name);
  if (!found.ok()) {
    err << "list integrations: " << found.status().message() << "\n";
    co_return 1;
  }
  std::string integration_id = found->id, state = found->state;
  if (!integration_id.empty()) {
    out << "integration '" << t.name << "' exists (" << integration_id << ", " << state << ")\n";
  } else {
    ++changes;
    out << would << "create integration '" << t.name << "' (" << kDataActionsType << ")\n";
    if (apply) {
      auto r = co_await s.api->Call("POST", "/api/v2/integrations", setup::CreateIntegrationBody(kDataActionsType, t.name));
      auto doc = json::Parse(r.body);
      if ((r.status != 200 && r.status != 201) || !doc.ok() || !doc->Find("id")) co_return fail("create integration", r);
      integration_id = doc->Find("id")->as_string();
    }
  }
  // 2. Its credential (the API key), attached as credentials.basicAuth = {id}.
  for (int attempt = 0; !integration_id.empty(); ++attempt) {
    auto cur = co_await s.api->Call("GET", "/api/v2/integrations/" + integration_id + "/config/current", "");
    auto doc = json::Parse(cur.body);
    int64_t version = 0;
    if (cur.status != 200 || !doc.ok() || !doc->Find("version") || !doc->Find("version")->as_int64(&version)) {
      co_return fail("read integration config", cur);
    }
    const json::Value* cred = doc->FindPath("credentials.basicAuth.id");
    if (cred != nullptr && cred->is_string()) {
      out << "credential attached (" << cred->as_string() << "); its API key is not readable, so not compared\n";
      break;
    }
    if (attempt == 0) {
      ++changes;
      out << would << "create a userDefined credential holding the API key (field " << kCredentialField
          << ") and attach it\n";
    }
    if (!apply) break;
    json::Value body = json::Value::Object(
        {{"name", Str(t.name + " API key")},
         {"type", json::Value::Object({{"name", Str("userDefined")}})},
         {"credentialFields", json::Value::Object({{kCredentialField, Str(t.api_key)}})}});
    auto r = co_await s.api->Call("POST", "/api/v2/integrations/credentials", json::Serialize(body));
    auto created = json::Parse(r.body);
    if ((r.status != 200 && r.status != 201) || !created.ok() || !created->Find("id")) co_return fail("create credential", r);
    json::Value config = *doc;
    config.Set("name", Str(t.name));
    config.Set("notes", Str("managed by cxbridge genesys setup-trigger"));
    config.Set("credentials", json::Value::Object({{"basicAuth", json::Value::Object({{"id", *created->Find("id")}})}}));
    auto put = co_await s.api->Call("PUT", "/api/v2/integrations/" + integration_id + "/config/current",
                                    json::Serialize(config));
    if (put.status == 200) break;
    if (put.status == 409 && attempt + 1 < kMaxConflictRetries) {
      out << "config version changed meanwhile (409); retrying\n";
      continue;
    }
    co_return fail("attach credential", put);
  }
  // 3. The data action, by name and integration (the listing filters by name, not integration).
  std::string action_id;
  if (!integration_id.empty()) {
    auto action = co_await setup::FindInPages(
        *s.api, "/api/v2/integrations/actions?name=" + UrlEncode(t.action_name()), [&](const json::Value& e) {
          const json::Value* n = e.Find("name");
          const json::Value* i = e.Find("integrationId");
          return n && n->is_string() && n->as_string() == t.action_name() && i && i->is_string() &&
                 i->as_string() == integration_id;
        });
    if (!action.ok()) {
      err << "list data actions: " << action.status().message() << "\n";
      co_return 1;
    }
    if (!action->is_null()) {
      action_id = action->Find("id") && action->Find("id")->is_string() ? action->Find("id")->as_string() : "?";
      out << "data action '" << t.action_name() << "' exists (" << action_id << ")\n";
      const json::Value* url = action->FindPath("config.request.requestUrlTemplate");
      if (url != nullptr && url->is_string() && url->as_string() != t.url) {
        out << "  note: it posts to " << url->as_string() << ", not " << t.url
            << "; edit or delete it in Genesys to change that\n";
      }
    }
  }
  if (action_id.empty()) {
    ++changes;
    out << would << "create data action '" << t.action_name() << "': POST " << t.url << " with " << t.header
        << ", inputs topicName and eventBody (strings)\n";
    if (apply) {
      auto r = co_await s.api->Call("POST", "/api/v2/integrations/actions",
                                    json::Serialize(DataActionBody(t, integration_id)));
      auto doc = json::Parse(r.body);
      if ((r.status != 200 && r.status != 201) || !doc.ok() || !doc->Find("id")) co_return fail("create data action", r);
      action_id = doc->Find("id")->as_string();
    }
  }
  // 4. Enabled.
  if (state != "ENABLED") {
    ++changes;
    out << would << "enable the integration\n";
    if (apply) {
      auto r = co_await s.api->Call("PATCH", "/api/v2/integrations/" + integration_id, "{\"intendedState\":\"ENABLED\"}");
      if (r.status != 200) co_return fail("enable", r);
    }
  }
  // 5. The workflow: the user's to publish (Archy or Architect).
  if (!t.workflow_yaml.empty()) {
    std::ofstream f(t.workflow_yaml);
    f << ArchyWorkflowYaml(t.name, t.action_name(), t.topic);
    if (!f) {
      err << "cannot write " << t.workflow_yaml << "\n";
      co_return 1;
    }
    out << "wrote the workflow for Archy to " << t.workflow_yaml << " (archy publish --file " << t.workflow_yaml << ")\n";
  }
  // 6. The trigger, found by name among the topic's triggers (cursor-paged).
  if (t.workflow_id.empty()) {
    out << "no --workflow-id: publish a workflow with input variable Flow.jsonData (JSON) that calls data action '"
        << t.action_name() << "' with topicName = \"" << t.topic << "\" and eventBody = ToString(Flow.jsonData)"
        << (t.workflow_yaml.empty() ? " (--workflow-yaml FILE writes one for Archy)" : "")
        << ", then run again with --workflow-id\n";
  } else {
    auto trig = co_await setup::FindInCursorPages(
        *s.api, "/api/v2/processautomation/triggers?topicName=" + UrlEncode(t.topic), [&](const json::Value& e) {
          const json::Value* n = e.Find("name");
          return n && n->is_string() && n->as_string() == t.name;
        });
    if (!trig.ok()) {
      err << "list triggers: " << trig.status().message() << "\n";
      co_return 1;
    }
    if (!trig->is_null()) {
      const json::Value* id = trig->Find("id");
      out << "trigger '" << t.name << "' exists (" << (id && id->is_string() ? id->as_string() : "?") << ")\n";
    } else {
      ++changes;
      out << would << "create trigger '" << t.name << "' on " << t.topic << " → workflow " << t.workflow_id << "\n";
      if (apply) {
        json::Value body = json::Value::Object({
            {"topicName", Str(t.topic)},
            {"name", Str(t.name)},
            {"description", Str("Forwards " + t.topic + " to cxbridge")},
            {"target", json::Value::Object({{"id", Str(t.workflow_id)},
                                            {"type", Str("Workflow")},
                                            {"workflowTargetSettings", json::Value::Object({{"dataFormat", Str("Json")}})}})},
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

int RunSetupTrigger(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  if (a.webhook_source.empty() || a.url.empty() || a.topic.empty()) {
    err << "--webhook-source, --url and --topic are required\n";
    return 2;
  }
  auto s = setup::Open(a);
  if (!s.ok()) {
    err << s.status().message() << "\n";
    return 2;
  }
  TriggerSpec t;
  t.name = a.name.empty() ? "cxbridge " + a.webhook_source : a.name;
  t.topic = a.topic;
  t.workflow_id = a.workflow_id;
  t.workflow_yaml = a.workflow_yaml;
  std::string base = a.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  t.url = base + "/webhooks/" + a.webhook_source;
  const config::SourceConfig* hook = nullptr;
  for (const auto& sc : s->cfg.sources)
    if (sc.name == a.webhook_source) hook = &sc;
  const json::Value* auth = hook != nullptr ? hook->raw.Find("auth") : nullptr;
  const json::Value* scheme = auth != nullptr ? auth->Find("scheme") : nullptr;
  const json::Value* secret = auth != nullptr ? auth->Find("secret") : nullptr;
  if (secret == nullptr && auth != nullptr) {  // secrets: [current, previous] — the first is current
    const json::Value* list = auth->Find("secrets");
    if (list != nullptr && list->is_array() && !list->items().empty()) secret = &list->items()[0];
  }
  if (scheme == nullptr || !scheme->is_string() || scheme->as_string() != "api-key" || secret == nullptr) {
    err << "--webhook-source must name a source with auth {scheme: api-key, secret: ...} (the data action's "
           "credential holds that key; docs/genesys.md, path 3)\n";
    s->rt->Stop();
    return 2;
  }
  const json::Value* header = auth->Find("header");
  t.header = header != nullptr && header->is_string() ? header->as_string() : "X-API-Key";
  const json::Value* prefix = auth->Find("prefix");
  t.prefix = prefix != nullptr && prefix->is_string() ? prefix->as_string() : "";
  auto key = ResolveSecret(*secret);
  if (!key.ok()) {
    err << key.status().message() << "\n";
    s->rt->Stop();
    return 2;
  }
  t.api_key = *key;
  int code = setup::RunSync(*s->rt, SetUpTrigger(*s, t, a.apply, out, err));
  s->rt->Stop();
  return code;
}

}  // namespace cxbridge::genesys
