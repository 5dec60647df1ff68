// Connections and API destinations: stored and validated here; the HTTP delivery that uses them
// belongs to deliver/. Secrets (Password, ApiKeyValue, ClientSecret, parameters marked
// IsValueSecret) are stored with the record for the deliver stage but never answered back.
#include <spdlog/spdlog.h>

#include "api/operations.h"
#include "common/ids.h"

namespace cxbridge::api {
namespace {

std::string ConnectionNotFound(const std::string& name) { return "Connection '" + name + "' does not exist."; }

// The AuthParameters member that AuthorizationType requires.
const char* RequiredAuthMember(const std::string& type) {
  if (type == "BASIC") return "BasicAuthParameters";
  if (type == "API_KEY") return "ApiKeyAuthParameters";
  if (type == "OAUTH_CLIENT_CREDENTIALS") return "OAuthParameters";
  return "";
}

// AuthParameters without secret values.
json::Value RedactAuth(const json::Value& auth) {
  json::Value out = auth;
  if (json::Value* b = out.Find("BasicAuthParameters")) b->Erase("Password");
  if (json::Value* k = out.Find("ApiKeyAuthParameters")) k->Erase("ApiKeyValue");
  if (json::Value* o = out.Find("OAuthParameters")) {
    if (json::Value* c = o->Find("ClientParameters")) c->Erase("ClientSecret");
  }
  auto redact_params = [](json::Value* http) {
    if (!http) return;
    for (const char* list : {"HeaderParameters", "QueryStringParameters", "BodyParameters"}) {
      json::Value* items = http->Find(list);
      if (!items || !items->is_array()) continue;
      for (auto& p : items->items()) {
        const json::Value* secret = p.Find("IsValueSecret");
        if (secret && secret->is_bool() && secret->as_bool()) p.Erase("Value");
      }
    }
  };
  redact_params(out.Find("InvocationHttpParameters"));
  if (json::Value* o = out.Find("OAuthParameters")) redact_params(o->Find("OAuthHttpParameters"));
  return out;
}

// Kept and described so clients (Terraform) see what they set, not acted on: deliveries go
// straight to the API destination's endpoint (no VPC Lattice resource), and secrets are kept by
// cxbridge's resource store (no KMS key).
void CopyStoredOnly(const json::Value& from, json::Value* to) {
  for (const char* k : {"InvocationConnectivityParameters", "KmsKeyIdentifier"}) {
    if (const json::Value* v = from.Find(k); v != nullptr && !v->is_null()) to->Set(k, *v);
  }
}

json::Value ConnectionSummary(const json::Value& rec, bool with_type) {
  json::Value out = json::Value::Object();
  out.Set("ConnectionArn", json::Value::String(Str(rec, "Arn")));
  if (with_type) out.Set("Name", json::Value::String(Str(rec, "Name")));
  out.Set("ConnectionState", json::Value::String(Str(rec, "State")));
  SetIfNotEmpty(&out, "StateReason", Str(rec, "StateReason"));
  if (with_type) out.Set("AuthorizationType", json::Value::String(Str(rec, "AuthorizationType")));
  out.Set("CreationTime", EpochSeconds(IntOf(rec, "CreationTimeMs")));
  out.Set("LastModifiedTime", EpochSeconds(IntOf(rec, "LastModifiedTimeMs")));
  if (Has(rec, "LastAuthorizedTimeMs")) out.Set("LastAuthorizedTime", EpochSeconds(IntOf(rec, "LastAuthorizedTimeMs")));
  return out;
}

// The record's state once saved: OAuth connections are AUTHORIZING while their credentials are
// tried (when the server authorizes them, ApiOptions::authorize_connection), others AUTHORIZED.
void SetInitialState(ApiContext& ctx, json::Value* rec, int64_t now) {
  rec->Erase("StateReason");
  if (Str(*rec, "AuthorizationType") == "OAUTH_CLIENT_CREDENTIALS" &&
      ctx.options.authorize_connection) {
    rec->Set("State", json::Value::String("AUTHORIZING"));
    rec->Set("AuthorizationAttempt",
             json::Value::String(NewUuid4()));  // which try a result answers
    return;
  }
  rec->Set("State", json::Value::String("AUTHORIZED"));
  rec->Set("LastAuthorizedTimeMs", json::Value::Int(now));
}

std::optional<Reply> CheckAuth(const std::string& type, const json::Value* auth) {
  const char* needed = RequiredAuthMember(type);
  if (!auth || !auth->Find(needed))
    return Reply::Validation(std::string("Parameter AuthParameters is not valid. Reason: ") + needed +
                             " must be provided for AuthorizationType " + type + ".");
  return std::nullopt;
}

json::Value ApiDestinationView(const json::Value& rec, bool full) {
  json::Value out = json::Value::Object();
  out.Set("ApiDestinationArn", json::Value::String(Str(rec, "Arn")));
  if (full) {
    out.Set("Name", json::Value::String(Str(rec, "Name")));
    SetIfNotEmpty(&out, "Description", Str(rec, "Description"));
    out.Set("ApiDestinationState", json::Value::String(Str(rec, "State")));
    out.Set("ConnectionArn", json::Value::String(Str(rec, "ConnectionArn")));
    out.Set("InvocationEndpoint", json::Value::String(Str(rec, "InvocationEndpoint")));
    out.Set("HttpMethod", json::Value::String(Str(rec, "HttpMethod")));
    out.Set("InvocationRateLimitPerSecond", json::Value::Int(IntOf(rec, "InvocationRateLimitPerSecond", 300)));
  } else {
    out.Set("ApiDestinationState", json::Value::String(Str(rec, "State")));
  }
  out.Set("CreationTime", EpochSeconds(IntOf(rec, "CreationTimeMs")));
  out.Set("LastModifiedTime", EpochSeconds(IntOf(rec, "LastModifiedTimeMs")));
  return out;
}

const json::Value* FindConnectionByArn(ApiContext& ctx, const std::string& arn) {
  for (const auto& [name, rec] : ctx.reg.connections)
    if (Str(rec, "Arn") == arn) return &rec;
  return nullptr;
}

}  // namespace

void StartAuthorization(ApiContext& ctx, const json::Value& rec) {
  if (Str(rec, "State") != "AUTHORIZING" || !ctx.options.authorize_connection) return;
  const std::string name = Str(rec, "Name"), attempt = Str(rec, "AuthorizationAttempt");
  ApiContext* c = &ctx;
  ctx.options.authorize_connection(rec, [c, name, attempt](Status result) {
    c->post_control([c, name, attempt, result] {
      auto it = c->reg.connections.find(name);
      // Deleted, re-created, updated or deauthorized meanwhile: that change decides the state.
      if (it == c->reg.connections.end() || Str(it->second, "State") != "AUTHORIZING" ||
          Str(it->second, "AuthorizationAttempt") != attempt) {
        return;
      }
      json::Value updated = it->second;
      updated.Erase("AuthorizationAttempt");
      if (result.ok()) {
        updated.Set("State", json::Value::String("AUTHORIZED"));
        updated.Set("LastAuthorizedTimeMs", json::Value::Int(c->NowMs()));
      } else {
        updated.Set("State", json::Value::String("DEAUTHORIZED"));
        updated.Set("StateReason",
                    json::Value::String("Authorization failed: " + result.message()));
      }
      if (Status st = c->Save(kKindConnection, c->reg.connections, name, updated); !st.ok()) {
        spdlog::error("connection {}: cannot save its authorization result: {}", name,
                      st.message());
      }
    });
  });
}

// ApiOptions::check_endpoint on `url`; the refusal, if any.
static std::optional<Reply> CheckEndpoint(const ApiContext& ctx, const std::string& url, std::string_view what) {
  if (!ctx.options.check_endpoint) return std::nullopt;
  if (Status st = ctx.options.check_endpoint(url, what); !st.ok()) return Reply::Validation(st.message());
  return std::nullopt;
}

// The OAuth AuthorizationEndpoint of stored or requested AuthParameters ("" when none).
static std::string AuthorizationEndpointOf(const json::Value* auth) {
  const json::Value* oauth = auth && auth->is_object() ? auth->Find("OAuthParameters") : nullptr;
  return oauth && oauth->is_object() ? Str(*oauth, "AuthorizationEndpoint") : "";
}

void ResumeAuthorizations(ApiContext& ctx) {
  for (const auto& [name, rec] : ctx.reg.connections) StartAuthorization(ctx, rec);
}

Reply CreateConnection(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name"), type = Str(req, "AuthorizationType");
  if (ctx.reg.connections.count(name))
    return Reply::Err("ResourceAlreadyExistsException", "Connection " + name + " already exists.");
  if (auto err = CheckAuth(type, req.Find("AuthParameters"))) return *err;
  if (type == "OAUTH_CLIENT_CREDENTIALS") {
    if (auto err = CheckEndpoint(ctx, AuthorizationEndpointOf(req.Find("AuthParameters")),
                                 "AuthorizationEndpoint")) {
      return *err;
    }
  }
  int64_t now = ctx.NowMs();
  json::Value rec = json::Value::Object();
  rec.Set("Name", json::Value::String(name));
  rec.Set("Arn", json::Value::String(ctx.arn.Prefix() + "connection/" + name + "/" + NewUuid4()));
  SetIfNotEmpty(&rec, "Description", Str(req, "Description"));
  rec.Set("AuthorizationType", json::Value::String(type));
  rec.Set("AuthParameters", *req.Find("AuthParameters"));
  CopyStoredOnly(req, &rec);
  SetInitialState(ctx, &rec, now);
  rec.Set("CreationTimeMs", json::Value::Int(now));
  rec.Set("LastModifiedTimeMs", json::Value::Int(now));
  if (Status st = ctx.Save(kKindConnection, ctx.reg.connections, name, rec); !st.ok()) return StoreError(st);
  StartAuthorization(ctx, rec);
  json::Value out = ConnectionSummary(rec, false);
  out.Erase("LastAuthorizedTime");
  return Reply::Ok(std::move(out));
}

Reply DescribeConnection(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.connections.find(name);
  if (it == ctx.reg.connections.end())
    return Reply::NotFound("Failed to describe the connection(s). Connection '" + name + "' does not exist.");
  const json::Value& rec = it->second;
  json::Value out = json::Value::Object();
  out.Set("ConnectionArn", json::Value::String(Str(rec, "Arn")));
  out.Set("Name", json::Value::String(name));
  SetIfNotEmpty(&out, "Description", Str(rec, "Description"));
  out.Set("ConnectionState", json::Value::String(Str(rec, "State")));
  SetIfNotEmpty(&out, "StateReason", Str(rec, "StateReason"));
  out.Set("AuthorizationType", json::Value::String(Str(rec, "AuthorizationType")));
  out.Set("SecretArn", json::Value::String("arn:aws:secretsmanager:" + ctx.options.region + ":" +
                                           ctx.options.account + ":secret:events!connection/" + name));
  if (const json::Value* auth = rec.Find("AuthParameters")) out.Set("AuthParameters", RedactAuth(*auth));
  CopyStoredOnly(rec, &out);
  out.Set("CreationTime", EpochSeconds(IntOf(rec, "CreationTimeMs")));
  out.Set("LastModifiedTime", EpochSeconds(IntOf(rec, "LastModifiedTimeMs")));
  if (Has(rec, "LastAuthorizedTimeMs")) out.Set("LastAuthorizedTime", EpochSeconds(IntOf(rec, "LastAuthorizedTimeMs")));
  return Reply::Ok(std::move(out));
}

Reply ListConnections(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix"), state = Str(req, "ConnectionState");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.connections) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!state.empty() && Str(rec, "State") != state) continue;
    items.push_back({name, ConnectionSummary(rec, true)});
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "Connections", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply UpdateConnection(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.connections.find(name);
  if (it == ctx.reg.connections.end()) return Reply::NotFound(ConnectionNotFound(name));
  json::Value rec = it->second;
  if (Has(req, "Description")) rec.Set("Description", json::Value::String(Str(req, "Description")));
  std::string type = Has(req, "AuthorizationType") ? Str(req, "AuthorizationType") : Str(rec, "AuthorizationType");
  if (const json::Value* auth = req.Find("AuthParameters"); auth && auth->is_object()) {
    // Members given replace the stored ones; the rest (e.g. a secret not re-sent) stay.
    json::Value merged = *rec.Find("AuthParameters");
    for (const auto& [k, v] : auth->members()) {
      json::Value* old = merged.Find(k);
      if (old && old->is_object() && v.is_object()) {
        for (const auto& [ik, iv] : v.members()) old->Set(ik, iv);
      } else {
        merged.Set(k, v);
      }
    }
    rec.Set("AuthParameters", std::move(merged));
  }
  if (auto err = CheckAuth(type, rec.Find("AuthParameters"))) return *err;
  if (type == "OAUTH_CLIENT_CREDENTIALS") {
    if (auto err = CheckEndpoint(ctx, AuthorizationEndpointOf(rec.Find("AuthParameters")),
                                 "AuthorizationEndpoint")) {
      return *err;
    }
  }
  CopyStoredOnly(req, &rec);
  rec.Set("AuthorizationType", json::Value::String(type));
  int64_t now = ctx.NowMs();
  SetInitialState(ctx, &rec, now);
  rec.Set("LastModifiedTimeMs", json::Value::Int(now));
  if (Status st = ctx.Save(kKindConnection, ctx.reg.connections, name, rec); !st.ok()) return StoreError(st);
  StartAuthorization(ctx, rec);
  return Reply::Ok(ConnectionSummary(rec, false));
}

Reply DeleteConnection(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.connections.find(name);
  if (it == ctx.reg.connections.end()) return Reply::NotFound(ConnectionNotFound(name));
  json::Value rec = it->second;
  if (Status st = ctx.Remove(kKindConnection, ctx.reg.connections, name); !st.ok()) return StoreError(st);
  rec.Set("State", json::Value::String("DELETING"));
  return Reply::Ok(ConnectionSummary(rec, false));
}

Reply DeauthorizeConnection(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.connections.find(name);
  if (it == ctx.reg.connections.end()) return Reply::NotFound(ConnectionNotFound(name));
  json::Value rec = it->second;
  rec.Set("State", json::Value::String("DEAUTHORIZED"));
  rec.Set("LastModifiedTimeMs", json::Value::Int(ctx.NowMs()));
  if (Status st = ctx.Save(kKindConnection, ctx.reg.connections, name, rec); !st.ok()) return StoreError(st);
  return Reply::Ok(ConnectionSummary(rec, false));
}

Reply CreateApiDestination(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name"), conn = Str(req, "ConnectionArn");
  if (ctx.reg.api_destinations.count(name))
    return Reply::Err("ResourceAlreadyExistsException", "An api-destination " + name + " already exists.");
  if (!FindConnectionByArn(ctx, conn))
    return Reply::NotFound("Connection '" + ArnResource(conn, "connection/") + "' does not exist.");
  if (auto err = CheckEndpoint(ctx, Str(req, "InvocationEndpoint"), "InvocationEndpoint")) return *err;
  int64_t now = ctx.NowMs();
  json::Value rec = json::Value::Object();
  rec.Set("Name", json::Value::String(name));
  rec.Set("Arn", json::Value::String(ctx.arn.Prefix() + "api-destination/" + name + "/" + NewUuid4()));
  SetIfNotEmpty(&rec, "Description", Str(req, "Description"));
  rec.Set("ConnectionArn", json::Value::String(conn));
  rec.Set("InvocationEndpoint", json::Value::String(Str(req, "InvocationEndpoint")));
  rec.Set("HttpMethod", json::Value::String(Str(req, "HttpMethod")));
  rec.Set("InvocationRateLimitPerSecond", json::Value::Int(IntOf(req, "InvocationRateLimitPerSecond", 300)));
  rec.Set("State", json::Value::String("ACTIVE"));
  rec.Set("CreationTimeMs", json::Value::Int(now));
  rec.Set("LastModifiedTimeMs", json::Value::Int(now));
  if (Status st = ctx.Save(kKindApiDestination, ctx.reg.api_destinations, name, rec); !st.ok()) return StoreError(st);
  return Reply::Ok(ApiDestinationView(rec, false));
}

Reply DescribeApiDestination(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.api_destinations.find(name);
  if (it == ctx.reg.api_destinations.end())
    return Reply::NotFound("Failed to describe the api-destination(s). An api-destination '" + name + "' does not exist.");
  return Reply::Ok(ApiDestinationView(it->second, true));
}

Reply ListApiDestinations(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix"), conn = Str(req, "ConnectionArn");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.api_destinations) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!conn.empty() && Str(rec, "ConnectionArn") != conn) continue;
    items.push_back({name, ApiDestinationView(rec, true)});
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "ApiDestinations", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply UpdateApiDestination(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.api_destinations.find(name);
  if (it == ctx.reg.api_destinations.end())
    return Reply::NotFound("An api-destination '" + name + "' does not exist.");
  json::Value rec = it->second;
  if (Has(req, "ConnectionArn")) {
    std::string conn = Str(req, "ConnectionArn");
    if (!FindConnectionByArn(ctx, conn))
      return Reply::NotFound("Connection '" + ArnResource(conn, "connection/") + "' does not exist.");
    rec.Set("ConnectionArn", json::Value::String(conn));
  }
  if (Has(req, "InvocationEndpoint")) {
    if (auto err = CheckEndpoint(ctx, Str(req, "InvocationEndpoint"), "InvocationEndpoint")) return *err;
  }
  for (const char* k : {"Description", "InvocationEndpoint", "HttpMethod"})
    if (Has(req, k)) rec.Set(k, json::Value::String(Str(req, k)));
  if (Has(req, "InvocationRateLimitPerSecond"))
    rec.Set("InvocationRateLimitPerSecond", json::Value::Int(IntOf(req, "InvocationRateLimitPerSecond", 300)));
  rec.Set("LastModifiedTimeMs", json::Value::Int(ctx.NowMs()));
  if (Status st = ctx.Save(kKindApiDestination, ctx.reg.api_destinations, name, rec); !st.ok()) return StoreError(st);
  return Reply::Ok(ApiDestinationView(rec, false));
}

Reply DeleteApiDestination(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.api_destinations.find(name);
  if (it == ctx.reg.api_destinations.end())
    return Reply::NotFound("An api-destination '" + name + "' does not exist.");
  if (Status st = ctx.Remove(kKindApiDestination, ctx.reg.api_destinations, name); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

}  // namespace cxbridge::api
