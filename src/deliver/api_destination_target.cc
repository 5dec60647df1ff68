// The `api-destination` target kind: Arn arn:aws:events:<region>:<account>:api-destination/
// <name>/<uuid> in cxbridge's own account and region (what CreateApiDestination answers).
//
// Each attempt looks the destination and its connection up in the ApiDestinationDirectory at
// send time, not when the routing table is built: the API changes destinations and connections
// without touching any rule, so only a send-time lookup sees an update, a deauthorization or a
// deletion on the very next attempt (the lookup reads an immutable snapshot; it does not block).
//
// One attempt:
//   1. destination gone → NO_RESOURCE; connection gone → NO_RESOURCE; connection not
//      AUTHORIZED (DeauthorizeConnection) → CONNECTION_DEAUTHORIZED. All permanent (DLQ).
//      An http:// InvocationEndpoint or AuthorizationEndpoint → INSECURE_ENDPOINT, permanent,
//      unless private targets are allowed (EventBridge takes https only).
//   2. The request: HttpMethod to InvocationEndpoint with the target's HttpParameters (path
//      wildcards, headers, query) and the connection's InvocationHttpParameters, which win on a
//      clash (EventBridge: "any values from the Connection taking precedence"); connection body
//      parameters become top-level string members of a JSON-object payload.
//   3. InvocationRateLimitPerSecond: one token bucket per destination shared by every rule
//      targeting it (RateGate); over the limit the attempt waits, it is not failed.
//   4. Auth: API_KEY → header ApiKeyName: ApiKeyValue; BASIC → Authorization: Basic;
//      OAUTH_CLIENT_CREDENTIALS → Authorization: Bearer <token> from the connection's shared
//      OAuthTokens. A 401/407 forgets that token and the attempt is sent once more with a fresh
//      one (that one resend is not charged to the rate limit). A token that cannot be fetched
//      is retryable (OAUTH_TOKEN).
//      A header name or value with a CR, LF or NUL (from the event through HttpParameters `$.…`,
//      or from the connection) → HEADER_VALUE, permanent, nothing sent (CheckOutboundHeaders).
//   5. The answer → ClassifyHttp (2xx ok; 408/429/5xx/timeouts/connection errors retry, with
//      Retry-After; other statuses permanent). A refused address → ADDRESS_REFUSED, permanent.
//      A response body over 1 MiB (http::kDefaultMaxResponseBytes) is aborted →
//      RESPONSE_TOO_LARGE, permanent.
#include <cctype>
#include <map>
#include <mutex>
#include <optional>

#include "common/encoding.h"
#include "common/json.h"
#include "deliver/api_destination.h"
#include "deliver/http_parameters.h"
#include "deliver/oauth_tokens.h"
#include "deliver/rate_gate.h"
#include "deliver/target.h"
#include "http/client.h"
#include "http/message.h"

namespace cxbridge::deliver {
namespace {

constexpr int64_t kDefaultRate = 300;  // InvocationRateLimitPerSecond when unset (AWS default)

std::string Str(const json::Value& obj, std::string_view key) {
  const json::Value* v = obj.Find(key);
  return v != nullptr && v->is_string() ? v->as_string() : "";
}

const json::Value* Obj(const json::Value* obj, std::string_view key) {
  const json::Value* v = obj ? obj->Find(key) : nullptr;
  return v != nullptr && v->is_object() ? v : nullptr;
}

// A connection parameter list [{Key, Value, IsValueSecret}] as pairs.
HttpPairs ConnectionParams(const json::Value* http, std::string_view list) {
  HttpPairs out;
  const json::Value* items = http ? http->Find(list) : nullptr;
  if (items == nullptr || !items->is_array()) return out;
  for (const auto& p : items->items()) out.emplace_back(Str(p, "Key"), Str(p, "Value"));
  return out;
}

SendResult Fail(SendResult::Kind kind, std::string code, std::string message) {
  SendResult r;
  r.kind = kind;
  r.error_code = std::move(code);
  r.message = std::move(message);
  return r;
}

std::string ArnPrefix(const TargetEnv& env) {
  return "arn:aws:events:" + env.region + ":" + env.account + ":api-destination/";
}

// The token request of an OAUTH_CLIENT_CREDENTIALS connection record.
OAuthSettings OAuthSettingsOf(const json::Value& conn, const TargetEnv& env) {
  const json::Value* oauth = Obj(Obj(&conn, "AuthParameters"), "OAuthParameters");
  OAuthSettings s;
  const json::Value* client = Obj(oauth, "ClientParameters");
  s.endpoint = oauth ? Str(*oauth, "AuthorizationEndpoint") : "";
  s.method = oauth && !Str(*oauth, "HttpMethod").empty() ? Str(*oauth, "HttpMethod") : "POST";
  s.client_id = client ? Str(*client, "ClientID") : "";
  s.client_secret = client ? Str(*client, "ClientSecret") : "";
  const json::Value* params = Obj(oauth, "OAuthHttpParameters");
  s.headers = ConnectionParams(params, "HeaderParameters");
  s.query = ConnectionParams(params, "QueryStringParameters");
  s.body = ConnectionParams(params, "BodyParameters");
  s.refuse_private_addresses = !env.allow_private_targets;
  return s;
}

// State shared by every API destination target of one registry: the rate buckets (per
// destination) and the OAuth token caches (per connection definition).
class Shared {
 public:
  explicit Shared(Clock* clock) : gate(clock) {}
  RateGate gate;

  // Token caches when the server gives none (TargetEnv::oauth_tokens).
  OAuthTokenCaches own_tokens;
};

// One attempt in flight; owns everything its callbacks need.
struct Call {
  http::HttpClient* client = nullptr;
  Clock* clock = nullptr;
  http::ClientRequest request;
  std::shared_ptr<OAuthTokens> tokens;  // OAUTH_CLIENT_CREDENTIALS only
  std::string token;                    // the bearer token the last send used
  bool resent = false;                  // the one resend after a refused token was made
  std::function<void(SendResult)> done;
};

void Dispatch(std::shared_ptr<Call> call);

void SendNow(std::shared_ptr<Call> call) {
  http::ClientRequest req = call->request;
  if (call->tokens) SetHeader(&req.headers, "Authorization", "Bearer " + call->token);
  call->client->Send(std::move(req), [call](http::ClientResponse resp) {
    if (resp.address_refused) {
      return call->done(AddressRefused(resp.error));
    }
    if (resp.body_too_large) return call->done(ResponseTooLarge(resp.error));
    if (resp.not_sent) {  // the bearer token itself held a CR/LF/NUL (CheckOutboundHeaders ran)
      return call->done(Fail(SendResult::kPermanent, "HEADER_VALUE", resp.error));
    }
    if (call->tokens && (resp.status == 401 || resp.status == 407) && !call->resent) {
      call->resent = true;
      call->tokens->Invalidate(call->token);
      return Dispatch(call);
    }
    call->done(ClassifyHttp(resp.status, resp.timed_out, resp.error, resp.Header("retry-after"),
                            call->clock->NowMs()));
  });
}

void Dispatch(std::shared_ptr<Call> call) {
  if (!call->tokens) return SendNow(std::move(call));
  std::shared_ptr<OAuthTokens> tokens = call->tokens;
  tokens->Get([call](Result<std::string> token) {
    if (!token.ok()) {
      if (token.status().code() == StatusCode::kFailedPrecondition) {
        return call->done(AddressRefused(token.status().message()));
      }
      return call->done(Fail(SendResult::kRetryable, "OAUTH_TOKEN", token.status().message()));
    }
    call->token = *token;
    SendNow(call);
  });
}

class ApiDestinationTarget : public Target {
 public:
  ApiDestinationTarget(std::shared_ptr<Shared> shared, const TargetEnv& env, std::string arn,
                       HttpParameters params, int64_t timeout_ms)
      : shared_(std::move(shared)),
        client_(env.http),
        clock_(env.clock),
        directory_(env.api_destinations),
        refuse_private_(!env.allow_private_targets),
        env_(env),
        arn_(std::move(arn)),
        params_(std::move(params)),
        timeout_ms_(timeout_ms) {}

  // Attempts still waiting for the rate limit are answered retryable (SHUTDOWN) so none outlives
  // the target, nor the HttpClient it sends through.
  ~ApiDestinationTarget() override { shared_->gate.Cancel(this); }

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    Result<ApiDestinationDefinition> def =
        directory_ ? directory_->Find(arn_)
                   : Result<ApiDestinationDefinition>(Status::NotFound(""));
    if (!def.ok()) {
      return done(Fail(SendResult::kPermanent, "NO_RESOURCE",
                       "API destination " + arn_ + " does not exist"));
    }
    const json::Value& dest = *def->destination;
    if (!def->connection) {
      return done(Fail(SendResult::kPermanent, "NO_RESOURCE",
                       "connection " + Str(dest, "ConnectionArn") + " of API destination " +
                           Str(dest, "Name") + " does not exist"));
    }
    const json::Value& conn = *def->connection;
    if (Str(conn, "State") == "AUTHORIZING") {
      return done(Fail(SendResult::kRetryable, "CONNECTION_AUTHORIZING",
                       "connection " + Str(conn, "Name") + " is still being authorized"));
    }
    if (Str(conn, "State") != "AUTHORIZED") {
      return done(Fail(SendResult::kPermanent, "CONNECTION_DEAUTHORIZED",
                       "connection " + Str(conn, "Name") + " is " + Str(conn, "State") +
                           " (UpdateConnection authorizes it again)"));
    }
    if (Status st = CheckEndpointScheme(Str(dest, "InvocationEndpoint"), "InvocationEndpoint", env_);
        !st.ok()) {
      return done(Fail(SendResult::kPermanent, "INSECURE_ENDPOINT",
                       "API destination " + Str(dest, "Name") + ": " + st.message()));
    }
    if (Str(conn, "AuthorizationType") == "OAUTH_CLIENT_CREDENTIALS") {
      const json::Value* oauth = Obj(Obj(&conn, "AuthParameters"), "OAuthParameters");
      Status st = CheckEndpointScheme(oauth ? Str(*oauth, "AuthorizationEndpoint") : "",
                             "AuthorizationEndpoint", env_);
      if (!st.ok()) {
        return done(Fail(SendResult::kPermanent, "INSECURE_ENDPOINT",
                         "connection " + Str(conn, "Name") + ": " + st.message()));
      }
    }
    auto call = std::make_shared<Call>();
    call->client = client_;
    call->clock = clock_;
    call->done = std::move(done);
    if (Status st = Build(dest, conn, req, call.get()); !st.ok()) {
      return call->done(Fail(SendResult::kPermanent, "HTTP_PARAMETERS", st.message()));
    }
    if (auto refused = CheckOutboundHeaders(call->request.headers)) {
      return call->done(std::move(*refused));
    }
    int64_t rate = kDefaultRate;
    if (const json::Value* r = dest.Find("InvocationRateLimitPerSecond"); r && r->is_number()) {
      r->as_int64(&rate);
    }
    shared_->gate.Submit(
        arn_, static_cast<double>(rate), this, [call] { Dispatch(call); },
        [call] {
          call->done(Fail(
              SendResult::kRetryable, "SHUTDOWN",
              "the target was rebuilt or the server stopped while waiting for the rate limit"));
        });
  }

 private:
  Status Build(const json::Value& dest, const json::Value& conn, const SendRequest& req,
               Call* call) {
    std::optional<json::Value> event;
    if (params_.dynamic()) {
      auto doc = json::Parse(req.event ? *req.event : req.payload);
      if (doc.ok()) event = std::move(*doc);
    }
    const json::Value* ev = event ? &*event : nullptr;
    auto url = params_.FillPath(Str(dest, "InvocationEndpoint"), ev);
    if (!url.ok()) return url.status();
    const json::Value* auth = Obj(&conn, "AuthParameters");
    const json::Value* invocation = Obj(auth, "InvocationHttpParameters");

    // Query: the target's, then the connection's (which replace a key the target also set).
    HttpPairs query = params_.Query(ev),
              conn_query = ConnectionParams(invocation, "QueryStringParameters");
    for (const auto& [k, v] : conn_query) {
      std::erase_if(query, [&k](const auto& p) { return p.first == k; });
    }
    query.insert(query.end(), conn_query.begin(), conn_query.end());

    http::ClientRequest& cr = call->request;
    cr.method = Str(dest, "HttpMethod").empty() ? "POST" : Str(dest, "HttpMethod");
    cr.url = AppendQuery(std::move(*url), query);
    cr.timeout_ms = timeout_ms_;
    cr.refuse_private_addresses = refuse_private_;
    // The headers EventBridge sends to API destinations (AWS EventBridge User Guide, "API
    // destinations", section on HTTP headers; shared/reference/eventbridge.md §5.1):
    // User-Agent, Content-Type, Range and Accept-Encoding as below. Not copied: its
    // `Connection: close` (cxbridge keeps connections alive). cxbridge's own: Idempotency-Key.
    SetHeader(&cr.headers, "User-Agent", "Amazon/EventBridge/ApiDestinations");
    SetHeader(&cr.headers, "Content-Type", "application/json; charset=utf-8");
    SetHeader(&cr.headers, "Range", "bytes=0-1048575");
    SetHeader(&cr.headers, "Accept-Encoding", "gzip,deflate");
    SetHeader(&cr.headers, "Idempotency-Key", req.event_id);
    for (const auto& [k, v] : params_.Headers(ev)) SetHeader(&cr.headers, k, v);
    for (const auto& [k, v] : ConnectionParams(invocation, "HeaderParameters"))
      SetHeader(&cr.headers, k, v);

    const std::string type = Str(conn, "AuthorizationType");
    if (type == "API_KEY") {
      const json::Value* key = Obj(auth, "ApiKeyAuthParameters");
      if (key) SetHeader(&cr.headers, Str(*key, "ApiKeyName"), Str(*key, "ApiKeyValue"));
    } else if (type == "BASIC") {
      const json::Value* basic = Obj(auth, "BasicAuthParameters");
      if (basic) {
        SetHeader(&cr.headers, "Authorization",
                  "Basic " + Base64Encode(Str(*basic, "Username") + ":" + Str(*basic, "Password")));
      }
    } else if (type == "OAUTH_CLIENT_CREDENTIALS") {
      OAuthTokenCaches& caches =
          env_.oauth_tokens != nullptr ? *env_.oauth_tokens : shared_->own_tokens;
      call->tokens = caches.For(conn, env_);
    }

    cr.body = req.payload;
    HttpPairs body = ConnectionParams(invocation, "BodyParameters");
    if (!body.empty()) {
      auto doc = json::Parse(req.payload);
      if (doc.ok() && doc->is_object()) {
        for (const auto& [k, v] : body) doc->Set(k, json::Value::String(v));
        cr.body = json::Serialize(*doc);
      }
    }
    return Status::Ok();
  }

  std::shared_ptr<Shared> shared_;
  http::HttpClient* client_;
  Clock* clock_;
  const ApiDestinationDirectory* directory_;
  bool refuse_private_;
  TargetEnv env_;
  std::string arn_;
  HttpParameters params_;
  int64_t timeout_ms_;
};

class ApiDestinationTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "api-destination"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:events:") &&
           def.arn.find(":api-destination/") != std::string::npos;
  }
  bool HandlesIn(const bus::TargetDef& def, const TargetEnv& env) const override {
    return def.arn.starts_with(ArnPrefix(env));
  }

  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto parsed = Parse(def, env);
    if (!parsed.ok()) return parsed.status();
    // The destination may not exist yet (config-file rules are checked before the API loads);
    // when it does, its wildcards must match PathParameterValues.
    if (env.api_destinations != nullptr) {
      auto found = env.api_destinations->Find(def.arn);
      if (found.ok()) {
        CXB_RETURN_IF_ERROR(
            CheckEndpointScheme(Str(*found->destination, "InvocationEndpoint"), "InvocationEndpoint", env));
      }
    }
    if (env.api_destinations != nullptr && parsed->params.has_path_values()) {
      auto found = env.api_destinations->Find(def.arn);
      if (found.ok()) {
        auto filled =
            parsed->params.FillPath(Str(*found->destination, "InvocationEndpoint"), nullptr);
        if (!filled.ok()) return filled.status();
      }
    }
    return Status::Ok();
  }

  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    auto parsed = Parse(def, env);
    if (!parsed.ok()) return parsed.status();
    if (env.http == nullptr || env.clock == nullptr) {
      return Status::Internal("api-destination target without an HTTP client");
    }
    std::shared_ptr<Shared> shared;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!shared_) shared_ = std::make_shared<Shared>(env.clock);
      shared = shared_;
    }
    return std::shared_ptr<Target>(std::make_shared<ApiDestinationTarget>(
        std::move(shared), env, def.arn, std::move(parsed->params), parsed->timeout_ms));
  }

 private:
  struct Parsed {
    HttpParameters params;
    int64_t timeout_ms = 5000;
  };

  static Result<Parsed> Parse(const bus::TargetDef& def, const TargetEnv& env) {
    // arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>
    std::string rest = def.arn.substr(std::min(def.arn.size(), ArnPrefix(env).size()));
    size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string::npos || slash + 1 == rest.size()) {
      return Status::InvalidArgument("an API destination Arn is " + ArnPrefix(env) +
                                     "<name>/<uuid>");
    }
    Parsed p;
    auto params = HttpParameters::Parse(def.raw.Find("HttpParameters"));
    if (!params.ok()) return params.status();
    p.params = std::move(*params);
    if (const json::Value* h = def.raw.Find("Http"); h && h->is_object()) {
      if (const json::Value* v = h->Find("TimeoutSeconds")) {
        double s = v->is_number() ? v->as_double() : -1;
        if (s <= 0 || s > 300)
          return Status::InvalidArgument("Http.TimeoutSeconds must be a number in (0, 300]");
        p.timeout_ms = static_cast<int64_t>(s * 1000);
      }
    }
    return p;
  }

  mutable std::mutex mu_;
  mutable std::shared_ptr<Shared> shared_;  // guarded by mu_; created with the first target
};

}  // namespace

std::unique_ptr<TargetKind> NewApiDestinationTargetKind() {
  return std::make_unique<ApiDestinationTargetKind>();
}

Status CheckEndpointScheme(const std::string& url, std::string_view what, const TargetEnv& env) {
  if (env.allow_private_targets) return Status::Ok();
  std::string scheme = url.substr(0, 8);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https://") return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " " + url +
                                 " must be an https:// URL (plain http only with "
                                 "server.allow_private_targets: true)");
}

std::shared_ptr<OAuthTokens> OAuthTokenCaches::For(const json::Value& connection,
                                                   const TargetEnv& env) {
  const json::Value* oauth = Obj(Obj(&connection, "AuthParameters"), "OAuthParameters");
  std::string key = Str(connection, "Arn") + "\n" + (oauth ? json::Serialize(*oauth) : "");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = caches_.find(key);
  if (it == caches_.end()) {
    if (caches_.size() >= kMaxEntries) {  // evict the least recently used: O(n), on a miss only
      auto oldest = caches_.begin();
      for (auto c = caches_.begin(); c != caches_.end(); ++c) {
        if (c->second.last_used < oldest->second.last_used) oldest = c;
      }
      caches_.erase(oldest);  // calls in flight keep their own reference
    }
    it = caches_.emplace(std::move(key), Entry{}).first;
    it->second.tokens =
        std::make_shared<OAuthTokens>(env.http, env.clock, OAuthSettingsOf(connection, env));
  }
  it->second.last_used = ++uses_;
  return it->second.tokens;
}

size_t OAuthTokenCaches::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return caches_.size();
}

void AuthorizeConnection(const json::Value& connection, const TargetEnv& env,
                         std::function<void(Status)> done) {
  if (Str(connection, "AuthorizationType") != "OAUTH_CLIENT_CREDENTIALS") return done(Status::Ok());
  const json::Value* oauth = Obj(Obj(&connection, "AuthParameters"), "OAuthParameters");
  if (Status st = CheckEndpointScheme(oauth ? Str(*oauth, "AuthorizationEndpoint") : "",
                             "AuthorizationEndpoint", env);
      !st.ok()) {
    return done(st);
  }
  // Through the server's caches: the token fetched here serves the first deliveries.
  OAuthTokenCaches own;
  std::shared_ptr<OAuthTokens> tokens =
      (env.oauth_tokens != nullptr ? *env.oauth_tokens : own).For(connection, env);
  tokens->Get([tokens, done = std::move(done)](Result<std::string> token) {
    done(token.ok() ? Status::Ok() : token.status());
  });
}

}  // namespace cxbridge::deliver
