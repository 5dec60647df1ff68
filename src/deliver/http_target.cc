// The `http` target kind: Arn "http://…" or "https://…" (or an `Http.Url`). Sends the payload
// with Content-Type application/json and `Idempotency-Key: <event id>`, plus configured headers.
// Config (cxbridge extension on the Target object):
//   Http: {Method: POST, Headers: {X-Api-Key: …}, TimeoutSeconds: 5}
#include "common/json.h"
#include "deliver/target.h"
#include "http/client.h"

namespace cxbridge::deliver {
namespace {

class HttpTarget : public Target {
 public:
  HttpTarget(http::HttpClient* client, Clock* clock, std::string url, std::string method,
             std::vector<std::pair<std::string, std::string>> headers, int64_t timeout_ms)
      : client_(client), clock_(clock), url_(std::move(url)), method_(std::move(method)),
        headers_(std::move(headers)), timeout_ms_(timeout_ms) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    http::ClientRequest cr;
    cr.method = method_;
    cr.url = url_;
    cr.timeout_ms = timeout_ms_;
    cr.headers = headers_;
    cr.headers.emplace_back("Content-Type", "application/json");
    cr.headers.emplace_back("Idempotency-Key", req.event_id);
    cr.headers.emplace_back("User-Agent", "cxbridge");
    cr.body = req.payload;
    Clock* clock = clock_;
    client_->Send(std::move(cr), [done = std::move(done), clock](http::ClientResponse resp) {
      done(ClassifyHttp(resp.status, resp.timed_out, resp.error, resp.Header("retry-after"),
                        clock->NowMs()));
    });
  }

 private:
  http::HttpClient* client_;
  Clock* clock_;
  std::string url_, method_;
  std::vector<std::pair<std::string, std::string>> headers_;
  int64_t timeout_ms_;
};

class HttpTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "http"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("http://") || def.arn.starts_with("https://");
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string url = def.arn, method = "POST";
    int64_t timeout_ms = 5000;
    std::vector<std::pair<std::string, std::string>> headers;
    if (const json::Value* h = def.raw.Find("Http"); h && h->is_object()) {
      if (const json::Value* v = h->Find("Url"); v && v->is_string()) url = v->as_string();
      if (const json::Value* v = h->Find("Method"); v && v->is_string()) method = v->as_string();
      if (const json::Value* v = h->Find("TimeoutSeconds")) {
        double s = v->as_double();
        if (!v->is_number() || s <= 0 || s > 300) {
          return Status::InvalidArgument("Http.TimeoutSeconds must be a number in (0, 300]");
        }
        timeout_ms = static_cast<int64_t>(s * 1000);
      }
      if (const json::Value* v = h->Find("Headers"); v && v->is_object()) {
        for (const auto& [k, val] : v->members()) {
          if (!val.is_string()) return Status::InvalidArgument("Http.Headers values must be strings");
          headers.emplace_back(k, val.as_string());
        }
      }
    }
    if (method != "POST" && method != "PUT" && method != "PATCH") {
      return Status::InvalidArgument("Http.Method must be POST, PUT or PATCH");
    }
    if (env.http == nullptr) return Status::Internal("http target without an HTTP client");
    return std::shared_ptr<Target>(
        std::make_shared<HttpTarget>(env.http, env.clock, url, method, std::move(headers), timeout_ms));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewHttpTargetKind() { return std::make_unique<HttpTargetKind>(); }

}  // namespace cxbridge::deliver
