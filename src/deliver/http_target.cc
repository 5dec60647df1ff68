// The `http` target kind: Arn "http://…" or "https://…" (or an `Http.Url`). Sends the payload
// with Content-Type application/json and `Idempotency-Key: <event id>`, plus configured headers.
// Config (cxbridge extension on the Target object):
//   Http: {Method: POST, Headers: {X-Api-Key: …}, TimeoutSeconds: 5}
// and EventBridge's HttpParameters (http_parameters.h): PathParameterValues fill the URL's `*`
// path wildcards; HeaderParameters (which replace an Http.Headers header of the same name) and
// QueryStringParameters are static or JSONPaths into the original event.
// A target saved through the API is held to the outbound address guard unless private targets
// are allowed (TargetEnv::allow_private_targets); a config-file target is the operator's and is
// not (deliver/README.md).
#include "common/json.h"
#include "deliver/http_parameters.h"
#include "deliver/target.h"
#include "http/client.h"

namespace cxbridge::deliver {
namespace {

struct HttpConfig {
  std::string url, method = "POST";
  HttpPairs headers;
  int64_t timeout_ms = 5000;
  HttpParameters params;
};

class HttpTarget : public Target {
 public:
  HttpTarget(http::HttpClient* client, Clock* clock, HttpConfig config, bool refuse_private)
      : client_(client),
        clock_(clock),
        config_(std::move(config)),
        refuse_private_(refuse_private) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    http::ClientRequest cr;
    cr.method = config_.method;
    cr.timeout_ms = config_.timeout_ms;
    cr.refuse_private_addresses = refuse_private_;
    cr.headers = config_.headers;
    cr.headers.emplace_back("Content-Type", "application/json");
    cr.headers.emplace_back("Idempotency-Key", req.event_id);
    cr.headers.emplace_back("User-Agent", "cxbridge");
    std::optional<json::Value> event;
    if (config_.params.dynamic()) {
      auto doc = json::Parse(req.event ? *req.event : req.payload);
      if (doc.ok()) event = std::move(*doc);
    }
    const json::Value* ev = event ? &*event : nullptr;
    auto url = config_.params.FillPath(config_.url, ev);
    if (!url.ok()) {
      SendResult r;
      r.kind = SendResult::kPermanent;
      r.error_code = "HTTP_PARAMETERS";
      r.message = url.status().message();
      return done(std::move(r));
    }
    cr.url = AppendQuery(std::move(*url), config_.params.Query(ev));
    for (const auto& [k, v] : config_.params.Headers(ev)) SetHeader(&cr.headers, k, v);
    if (auto refused = CheckOutboundHeaders(cr.headers)) return done(std::move(*refused));
    cr.body = req.payload;
    Clock* clock = clock_;
    client_->Send(std::move(cr), [done = std::move(done), clock](http::ClientResponse resp) {
      if (resp.address_refused) return done(AddressRefused(resp.error));
      if (resp.body_too_large) return done(ResponseTooLarge(resp.error));
      done(ClassifyHttp(resp.status, resp.timed_out, resp.error, resp.Header("retry-after"),
                        clock->NowMs()));
    });
  }

 private:
  http::HttpClient* client_;
  Clock* clock_;
  const HttpConfig config_;
  const bool refuse_private_;
};

class HttpTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "http"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("http://") || def.arn.starts_with("https://");
  }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    (void)env;
    return Parse(def).status();
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    auto config = Parse(def);
    if (!config.ok()) return config.status();
    if (env.http == nullptr) return Status::Internal("http target without an HTTP client");
    const bool refuse_private = def.origin == bus::Origin::kApi && !env.allow_private_targets;
    return std::shared_ptr<Target>(
        std::make_shared<HttpTarget>(env.http, env.clock, std::move(*config), refuse_private));
  }

 private:
  static Result<HttpConfig> Parse(const bus::TargetDef& def) {
    HttpConfig c;
    c.url = def.arn;
    if (const json::Value* h = def.raw.Find("Http"); h && h->is_object()) {
      if (const json::Value* v = h->Find("Url"); v && v->is_string()) c.url = v->as_string();
      if (const json::Value* v = h->Find("Method"); v && v->is_string()) c.method = v->as_string();
      if (const json::Value* v = h->Find("TimeoutSeconds")) {
        double s = v->is_number() ? v->as_double() : -1;
        if (s <= 0 || s > 300) {
          return Status::InvalidArgument("Http.TimeoutSeconds must be a number in (0, 300]");
        }
        c.timeout_ms = static_cast<int64_t>(s * 1000);
      }
      if (const json::Value* v = h->Find("Headers"); v && v->is_object()) {
        for (const auto& [k, val] : v->members()) {
          if (!val.is_string())
            return Status::InvalidArgument("Http.Headers values must be strings");
          c.headers.emplace_back(k, val.as_string());
        }
      }
    }
    if (c.method != "POST" && c.method != "PUT" && c.method != "PATCH") {
      return Status::InvalidArgument("Http.Method must be POST, PUT or PATCH");
    }
    auto params = HttpParameters::Parse(def.raw.Find("HttpParameters"));
    if (!params.ok()) return params.status();
    c.params = std::move(*params);
    if (c.params.has_path_values()) {
      // Checked here, not at send time, so a wrong count is refused when the target is saved.
      auto filled = c.params.FillPath(c.url, nullptr);
      if (!filled.ok()) return filled.status();
    }
    return c;
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewHttpTargetKind() { return std::make_unique<HttpTargetKind>(); }

}  // namespace cxbridge::deliver
