#include "genesys/setup.h"

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <cctype>
#include <future>
#include <map>
#include <set>

#include "common/secret.h"
#include "genesys/setup_internal.h"
#include "genesys/topics.h"

namespace cxbridge::genesys {
namespace setup {

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

namespace {

constexpr int kMaxPages = 1000;  // 100k integrations or actions, 200k triggers: beyond any org

char Sep(const std::string& path) { return path.find('?') == std::string::npos ? '?' : '&'; }

}  // namespace

asio::awaitable<Result<json::Value>> FindInPages(ApiClient& api, const std::string& path,
                                                 const std::function<bool(const json::Value&)>& match) {
  for (int page = 1; page <= kMaxPages; ++page) {
    auto r = co_await api.Call("GET", path + Sep(path) + "pageSize=100&pageNumber=" + std::to_string(page), "");
    auto doc = json::Parse(r.body);
    const json::Value* entities = r.status == 200 && doc.ok() ? doc->Find("entities") : nullptr;
    if (entities == nullptr || !entities->is_array()) co_return Status::Unavailable("GET " + path + ": " + Describe(r));
    for (const auto& e : entities->items())
      if (match(e)) co_return e;
    int64_t pages = 0;
    const json::Value* pc = doc->Find("pageCount");
    const json::Value* next = doc->Find("nextUri");
    const bool has_next = next != nullptr && next->is_string() && !next->as_string().empty();
    if (entities->items().empty()) break;
    if (pc != nullptr && pc->as_int64(&pages) ? page >= pages : !has_next) break;
  }
  co_return json::Value();
}

asio::awaitable<Result<json::Value>> FindInCursorPages(ApiClient& api, const std::string& path,
                                                       const std::function<bool(const json::Value&)>& each) {
  const std::string resource = path.substr(0, path.find('?'));
  std::string url = path + Sep(path) + "pageSize=200";
  std::set<std::string> seen;
  for (int page = 0; page < kMaxPages; ++page) {
    auto r = co_await api.Call("GET", url, "");
    auto doc = json::Parse(r.body);
    const json::Value* entities = r.status == 200 && doc.ok() ? doc->Find("entities") : nullptr;
    if (entities == nullptr || !entities->is_array()) co_return Status::Unavailable("GET " + resource + ": " + Describe(r));
    for (const auto& e : entities->items())
      if (each(e)) co_return e;
    const json::Value* next = doc->Find("nextUri");
    if (entities->items().empty() || next == nullptr || !next->is_string() || next->as_string().empty()) break;
    // nextUri is "/api/v2/…?after=<cursor>&…" (or absolute): follow it, on this resource only.
    std::string n = next->as_string();
    if (size_t at = n.find("/api/v2/"); at != std::string::npos) n = n.substr(at);
    if (!n.starts_with(resource + "?")) co_return Status::Unavailable("GET " + resource + ": unexpected nextUri " + n.substr(0, 200));
    if (!seen.insert(n).second) break;  // a cursor that repeats: the end, not a loop
    url = n;
  }
  co_return json::Value();
}

asio::awaitable<Result<FoundIntegration>> FindIntegration(ApiClient& api, const std::string& type, const std::string& name) {
  auto e = co_await FindInPages(api, "/api/v2/integrations", [&](const json::Value& e) {
    const json::Value* t = e.FindPath("integrationType.id");
    const json::Value* n = e.Find("name");
    return t && t->is_string() && t->as_string() == type && n && n->is_string() && n->as_string() == name;
  });
  if (!e.ok()) co_return e.status();
  FoundIntegration out;
  if (const json::Value* v = e->Find("id"); v && v->is_string()) out.id = v->as_string();
  if (const json::Value* v = e->Find("intendedState"); v && v->is_string()) out.state = v->as_string();
  co_return out;
}

std::string CreateIntegrationBody(const std::string& type, const std::string& name) {
  return json::Serialize(json::Value::Object({{"name", json::Value::String(name)},
                                              {"integrationType", json::Value::Object({{"id", json::Value::String(type)}})}}));
}

}  // namespace setup

namespace {

using setup::Describe;
using setup::Session;

constexpr char kEventBridgeType[] = "amazon-eventbridge-source";
constexpr int kMaxConflictRetries = 5;

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
  // The probe is another channel of the same OAuth client: a cxbridge already streaming these
  // topics may be told no_longer_subscribed (another_channel_subscribed) and backs off, then
  // takes them back once the probe is gone.
  out << "probing on a scratch channel (a running cxbridge with this OAuth client may lose these topics "
         "for a moment and resubscribe)\n";
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

bool IsEventBridgeTransport(const std::string& t) {
  std::string lower;
  for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "eventbridge" || lower == "all";
}

// GET /api/v2/notifications/availabletopics?expand=transports: every topic must be listed, with
// a transport that is EventBridge ("All" counts too). The transport names are not enumerated in
// the SDK model; they are compared case-insensitively (docs/genesys.md says what is unverified).
asio::awaitable<Status> CheckEventBridgeTopics(ApiClient& api, const std::vector<std::string>& topics, std::ostream& out) {
  auto r = co_await api.Call("GET", "/api/v2/notifications/availabletopics?expand=transports", "");
  auto doc = json::Parse(r.body);
  const json::Value* entities = r.status == 200 && doc.ok() ? doc->Find("entities") : nullptr;
  if (entities == nullptr || !entities->is_array()) {
    co_return Status::Unavailable("cannot check the topics (GET /api/v2/notifications/availabletopics): " + Describe(r));
  }
  std::map<std::string, const json::Value*> by_id;
  for (const auto& e : entities->items())
    if (const json::Value* id = e.Find("id"); id && id->is_string()) by_id[id->as_string()] = &e;
  std::string problems;
  for (const auto& t : topics) {
    auto it = by_id.find(t);
    if (it == by_id.end()) {
      problems += "\n  " + t + ": not an available topic";
      continue;
    }
    const json::Value* transports = it->second->Find("transports");
    bool eb = false;
    std::string listed;
    if (transports != nullptr && transports->is_array()) {
      for (const auto& x : transports->items()) {
        if (!x.is_string()) continue;
        eb = eb || IsEventBridgeTransport(x.as_string());
        listed += (listed.empty() ? "" : ", ") + x.as_string();
      }
    }
    if (!eb) problems += "\n  " + t + ": not delivered over EventBridge (transports: " + (listed.empty() ? "none listed" : listed) + ")";
  }
  if (!problems.empty()) co_return Status::InvalidArgument("event filter topics Genesys cannot deliver over EventBridge:" + problems);
  out << "topics: all " << topics.size() << " available over EventBridge\n";
  co_return Status::Ok();
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
  // Config-time checks of operator input (not a request path), by hand: no std::regex in cxbridge.
  auto all_of = [](const std::string& v, auto pred) { return std::all_of(v.begin(), v.end(), pred); };
  if (spec.account.size() != 12 || !all_of(spec.account, [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("an AWS account id (12 digits) is required (--aws-account or eventbridge.aws_account_id)");
  }
  if (spec.suffix.empty() || spec.suffix.size() > 64 ||
      !all_of(spec.suffix, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
      })) {
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
  // Every topic of the filter must be one Genesys delivers over EventBridge: checked before
  // anything is written (an integration with a bad filter fails in Genesys, not here).
  Status topics = co_await CheckEventBridgeTopics(*s.api, spec.topics, out);
  if (!topics.ok()) {
    err << topics.message() << "\n";
    co_return 1;
  }
  // Find the integration by type and name (idempotency: one per name), through every page.
  auto found = co_await setup::FindIntegration(*s.api, kEventBridgeType, spec.name);
  if (!found.ok()) {
    err << "list integrations: " << found.status().message() << "\n";
    co_return 1;
  }
  std::string id = found->id, state = found->state;
  const json::Value desired = DesiredProperties(spec);
  const char* would = apply ? "" : "would ";
  int changes = 0;
  if (id.empty()) {
    ++changes;
    out << (apply ? "creating" : "would create") << " integration '" << spec.name << "' (" << kEventBridgeType << ")\n";
    if (apply) {
      // CreateIntegrationRequest: name and integrationType are both required.
      auto r = co_await s.api->Call("POST", "/api/v2/integrations", setup::CreateIntegrationBody(kEventBridgeType, spec.name));
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


}  // namespace

int RunGenesysCheck(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  auto s = setup::Open(a);
  if (!s.ok()) {
    err << s.status().message() << "\n";
    return 2;
  }
  int code = setup::RunSync(*s->rt, Check(*s, out, err));
  s->rt->Stop();
  return code;
}

int RunSetupEventBridge(const GenesysCommandArgs& a, std::ostream& out, std::ostream& err) {
  auto s = setup::Open(a);
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
  int code = setup::RunSync(*s->rt, SetUpEventBridge(*s, *spec, a.apply, out, err));
  s->rt->Stop();
  return code;
}

}  // namespace cxbridge::genesys
