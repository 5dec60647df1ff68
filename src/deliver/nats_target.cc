// The `nats` target kind: publishes each payload to a NATS subject templated from the event.
//
//   Arn: nats://[user:password@]host:port/<subject template>
//        e.g. nats://127.0.0.1:4222/genesys.{detail-type}
//   Nats: {JetStream: true, TimeoutSeconds: 5}
//
// Subject template: literal text with `{name}` placeholders, where name is a top-level event
// field (`detail-type`, `source`, `id`, `account`, `region`, `time`) or a dotted path, with or
// without `$.` (`{$.detail.eventBody.conversationId}`). Values are taken from the original event;
// whitespace, `*` and `>` become `_` (they would change the subject's meaning) and a missing or
// empty value becomes `_`.
//
// JetStream (Nats.JetStream true): an asynchronous publish with `Nats-Msg-Id` = event id, so the
// stream's duplicate window drops our at-least-once re-sends; the server's ack completes the
// attempt (a duplicate ack counts as delivered). Failure classification (the one place):
//   no stream bound to the subject (no responders) → retryable NO_STREAM (the stream may be
//     created later; events wait, the circuit breaker pauses a target that stays broken)
//   no ack within TimeoutSeconds, not connected  → retryable TIMEOUT
//   any other JetStream error                    → retryable JETSTREAM_<code>
//   payload above the server's max_payload       → permanent MAX_PAYLOAD
// Core NATS (default): there is no ack; an attempt succeeds when the client accepts the message
// while connected (at-most-once beyond that point) and is retryable NOT_CONNECTED otherwise. Use
// JetStream when delivery must be confirmed.
//
// Address guard: a target saved through the API (unless private targets are allowed) must name a
// host whose every address is public (http/address_guard.h), checked when it is saved and again
// when it is built; it then connects to that checked address (not the name, so DNS cannot
// rebind it later) and ignores the servers a NATS server announces (connect_urls), which could
// name private addresses. Resolving a name blocks the caller for the DNS lookup.
//
// Connection: one per target, opened at creation without blocking on an unreachable server (it
// keeps reconnecting in the background). Callbacks run on cnats threads and only hand results to
// `done`. Thread-safety: Send is safe from any thread.
#include <nats/nats.h>
#include <netdb.h>
#include <arpa/inet.h>

#include <cstring>
#include <map>
#include <mutex>

#include "common/json.h"
#include "deliver/target.h"
#include "http/address_guard.h"

namespace cxbridge::deliver {
namespace {

// `authority` ([user:password@]host[:port], host possibly [v6]) with its host replaced by the
// address it resolves to, when every address it resolves to is public; InvalidArgument saying
// which address is not, or that it does not resolve.
Result<std::string> PinPublicAddress(std::string_view authority) {
  size_t at = authority.rfind('@');
  std::string_view userinfo = at == std::string_view::npos ? "" : authority.substr(0, at + 1);
  std::string_view hostport = at == std::string_view::npos ? authority : authority.substr(at + 1);
  std::string host, port;
  if (hostport.starts_with('[')) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("NATS target: bad host");
    host = std::string(hostport.substr(1, close - 1));
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') port = hostport.substr(close + 2);
  } else {
    size_t colon = hostport.find(':');
    host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (host.empty()) return Status::InvalidArgument("NATS target: no host");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    return Status::InvalidArgument("NATS target host " + host + " does not resolve: " + gai_strerror(rc));
  }
  std::string pinned;
  Status refused = Status::Ok();
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {0};
    const void* raw = a->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    ::inet_ntop(a->ai_family, raw, text, sizeof text);
    std::string why = http::NonPublicAddressReason(a->ai_addr);
    if (!why.empty()) {
      refused = Status::InvalidArgument(
          "NATS target host " + host + " is " + std::string(text) + ", " + why +
          " (private, loopback and link-local addresses are refused for targets saved through the "
          "API; allow them with server.allow_private_targets: true)");
      break;
    }
    if (pinned.empty()) pinned = a->ai_family == AF_INET6 ? "[" + std::string(text) + "]" : text;
  }
  ::freeaddrinfo(found);
  if (!refused.ok()) return refused;
  if (pinned.empty()) return Status::InvalidArgument("NATS target host " + host + " has no address");
  return std::string(userinfo) + pinned + (port.empty() ? "" : ":" + port);
}

bool Guarded(const bus::TargetDef& def, const TargetEnv& env) {
  return def.origin == bus::Origin::kApi && !env.allow_private_targets;
}

// One piece of a subject template: literal text, or a field to look up.
struct SubjectPart {
  bool field = false;
  std::string text;  // the literal, or the dotted path
};

Result<std::vector<SubjectPart>> ParseSubjectTemplate(std::string_view t) {
  std::vector<SubjectPart> parts;
  size_t i = 0;
  while (i < t.size()) {
    size_t open = t.find('{', i);
    if (open == std::string_view::npos) {
      parts.push_back({false, std::string(t.substr(i))});
      break;
    }
    if (open > i) parts.push_back({false, std::string(t.substr(i, open - i))});
    size_t close = t.find('}', open);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("NATS subject template has an unclosed '{': " + std::string(t));
    }
    std::string name(t.substr(open + 1, close - open - 1));
    if (name.starts_with("$.")) name = name.substr(2);
    if (name.empty()) return Status::InvalidArgument("NATS subject template has an empty '{}'");
    parts.push_back({true, name});
    i = close + 1;
  }
  for (const auto& p : parts) {
    if (p.field) continue;
    for (char c : p.text) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        return Status::InvalidArgument("NATS subject must not contain whitespace");
      }
    }
  }
  return parts;
}

std::string SubjectValue(const json::Value* v) {
  if (v == nullptr || v->is_null()) return "_";
  std::string s = v->is_string() ? v->as_string() : json::Serialize(*v);
  if (s.empty()) return "_";
  for (char& c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '*' || c == '>') c = '_';
  }
  return s;
}

class NatsTarget : public Target {
 public:
  NatsTarget(std::vector<SubjectPart> subject, bool jetstream, int64_t timeout_ms)
      : subject_(std::move(subject)), jetstream_(jetstream), timeout_ms_(timeout_ms) {}

  // Opens the connection (and JetStream context). Fails only on bad options. `pinned`: the URL
  // holds a checked address; servers the NATS server announces are not used.
  Status Open(const std::string& url, bool pinned) {
    natsOptions* opts = nullptr;
    if (natsOptions_Create(&opts) != NATS_OK) return Status::Internal("natsOptions_Create failed");
    natsOptions_SetURL(opts, url.c_str());
    if (pinned) natsOptions_SetIgnoreDiscoveredServers(opts, true);
    natsOptions_SetTimeout(opts, 1000);  // connect timeout: creation must not stall the scheduler
    natsOptions_SetMaxReconnect(opts, -1);
    natsOptions_SetReconnectWait(opts, 250);
    natsOptions_SetRetryOnFailedConnect(opts, true, &NatsTarget::OnConnected, this);
    natsStatus s = natsConnection_Connect(&nc_, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
      return Status::InvalidArgument(std::string("NATS connection to ") + url + ": " + natsStatus_GetText(s));
    }
    if (jetstream_) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.Wait = timeout_ms_;
      jo.PublishAsync.MaxPending = 65536;
      jo.PublishAsync.AckHandler = &NatsTarget::OnAck;
      jo.PublishAsync.AckHandlerClosure = this;
      jo.PublishAsync.StallWait = 50;
      if (natsConnection_JetStream(&js_, nc_, &jo) != NATS_OK) {
        return Status::Internal("cannot create a JetStream context");
      }
    }
    return Status::Ok();
  }

  ~NatsTarget() override {
    if (js_ != nullptr) {
      // Give outstanding publishes a moment to be acknowledged; answer the rest retryable.
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = 2000;
      js_PublishAsyncComplete(js_, &po);
      natsMsgList pending{};
      if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) {
        for (int i = 0; i < pending.Count; ++i) {
          auto done = Take(pending.Msgs[i]);
          if (done) done(Shutdown());
        }
        natsMsgList_Destroy(&pending);
      }
      jsCtx_Destroy(js_);
    }
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
    std::map<natsMsg*, std::function<void(SendResult)>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(pending_);
    }
    for (auto& [m, done] : left) done(Shutdown());
  }

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    std::string subject = Subject(req);
    natsMsg* msg = nullptr;
    if (natsMsg_Create(&msg, subject.c_str(), nullptr, req.payload.data(),
                       static_cast<int>(req.payload.size())) != NATS_OK) {
      return done({SendResult::kPermanent, "BAD_SUBJECT", "cannot publish to subject '" + subject + "'"});
    }
    if (!req.event_id.empty()) natsMsgHeader_Set(msg, "Nats-Msg-Id", req.event_id.c_str());

    if (!jetstream_) {
      if (natsConnection_Status(nc_) != NATS_CONN_STATUS_CONNECTED) {
        natsMsg_Destroy(msg);
        return done({SendResult::kRetryable, "NOT_CONNECTED", "not connected to the NATS server"});
      }
      natsStatus s = natsConnection_PublishMsg(nc_, msg);
      natsMsg_Destroy(msg);
      return done(FromStatus(s, static_cast<jsErrCode>(0), nullptr));
    }

    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.emplace(msg, std::move(done));
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms_;
    natsMsg* owned = msg;
    natsStatus s = js_PublishMsgAsync(js_, &owned, &po);
    if (s != NATS_OK) {
      // The library did not take the message: answer now.
      auto d = Take(msg);
      natsMsg_Destroy(msg);
      if (d) d(FromStatus(s, static_cast<jsErrCode>(0), nullptr));
    }
  }

 private:
  static void OnConnected(natsConnection*, void*) {}

  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<NatsTarget*>(closure);
    auto done = self->Take(msg);
    natsMsg_Destroy(msg);
    if (!done) return;
    if (pa != nullptr) return done(SendResult{});
    if (pae == nullptr) return done({SendResult::kRetryable, "JETSTREAM", "no acknowledgement"});
    done(FromStatus(pae->Err, pae->ErrCode, pae->ErrText));
  }

  // The one place NATS outcomes become delivery outcomes.
  static SendResult FromStatus(natsStatus s, jsErrCode code, const char* text) {
    SendResult r;
    if (s == NATS_OK && code == 0) return r;
    r.kind = SendResult::kRetryable;
    r.message = text != nullptr && *text ? text : natsStatus_GetText(s);
    if (s == NATS_NO_RESPONDERS) {
      r.error_code = "NO_STREAM";
      r.message = "no JetStream stream is bound to the subject";
    } else if (s == NATS_TIMEOUT) {
      r.error_code = "TIMEOUT";
    } else if (s == NATS_MAX_PAYLOAD) {
      r.kind = SendResult::kPermanent;
      r.error_code = "MAX_PAYLOAD";
    } else if (code != 0) {
      r.error_code = "JETSTREAM_" + std::to_string(static_cast<int>(code));
    } else if (s == NATS_CONNECTION_CLOSED || s == NATS_NOT_YET_CONNECTED) {
      r.error_code = "NOT_CONNECTED";
    } else {
      r.error_code = "NATS_" + std::to_string(static_cast<int>(s));
    }
    return r;
  }

  static SendResult Shutdown() {
    return {SendResult::kRetryable, "SHUTDOWN", "the target stopped before the publish was acknowledged"};
  }

  std::function<void(SendResult)> Take(natsMsg* msg) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(msg);
    if (it == pending_.end()) return nullptr;
    auto d = std::move(it->second);
    pending_.erase(it);
    return d;
  }

  std::string Subject(const SendRequest& req) const {
    bool fields = false;
    for (const auto& p : subject_) fields = fields || p.field;
    std::optional<json::Value> ev;
    if (fields) {
      auto parsed = json::Parse(req.event ? *req.event : req.payload);
      if (parsed.ok()) ev = std::move(*parsed);
    }
    std::string out;
    for (const auto& p : subject_) {
      if (!p.field) {
        out += p.text;
      } else {
        out += SubjectValue(ev ? ev->FindPath(p.text) : nullptr);
      }
    }
    return out;
  }

  const std::vector<SubjectPart> subject_;
  const bool jetstream_;
  const int64_t timeout_ms_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  std::mutex mu_;
  std::map<natsMsg*, std::function<void(SendResult)>> pending_;  // awaiting an ack; guarded by mu_
};

class NatsTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "nats"; }
  bool Handles(const bus::TargetDef& def) const override { return def.arn.starts_with("nats://"); }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string_view rest = std::string_view(def.arn).substr(std::strlen("nats://"));
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= rest.size()) {
      return Status::InvalidArgument("nats target Arn must be nats://host:port/<subject template>");
    }
    if (!Guarded(def, env)) return Status::Ok();
    return PinPublicAddress(rest.substr(0, slash)).status();
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string_view rest = std::string_view(def.arn).substr(std::strlen("nats://"));
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= rest.size()) {
      return Status::InvalidArgument("nats target Arn must be nats://host:port/<subject template>");
    }
    std::string url = "nats://" + std::string(rest.substr(0, slash));
    const bool guarded = Guarded(def, env);
    if (guarded) {
      auto pinned = PinPublicAddress(rest.substr(0, slash));
      if (!pinned.ok()) return pinned.status();
      url = "nats://" + *pinned;
    }
    auto subject = ParseSubjectTemplate(rest.substr(slash + 1));
    if (!subject.ok()) return subject.status();
    bool jetstream = false;
    int64_t timeout_ms = 5000;
    if (const json::Value* n = def.raw.Find("Nats"); n != nullptr) {
      if (!n->is_object()) return Status::InvalidArgument("Nats must be an object");
      if (const json::Value* v = n->Find("JetStream")) {
        if (!v->is_bool()) return Status::InvalidArgument("Nats.JetStream must be true or false");
        jetstream = v->as_bool();
      }
      if (const json::Value* v = n->Find("TimeoutSeconds")) {
        double s = v->is_number() ? v->as_double() : -1;
        if (s <= 0 || s > 300) return Status::InvalidArgument("Nats.TimeoutSeconds must be a number in (0, 300]");
        timeout_ms = static_cast<int64_t>(s * 1000);
      }
    }
    auto t = std::make_shared<NatsTarget>(std::move(*subject), jetstream, timeout_ms);
    CXB_RETURN_IF_ERROR(t->Open(url, guarded));
    return std::shared_ptr<Target>(std::move(t));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewNatsTargetKind() { return std::make_unique<NatsTargetKind>(); }

}  // namespace cxbridge::deliver
