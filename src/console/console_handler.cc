#include "console/console_handler.h"

#include "common/encoding.h"
#include "common/json.h"
#include "console/assets.h"

namespace cxbridge::console {
namespace {

constexpr int64_t kFailureWindowMs = 60'000;
constexpr size_t kMaxFailuresPerWindow = 20;

// The page may load only its own files and talk only to its own origin; nobody may frame it.
void AddPageHeaders(http::Response* r) {
  r->headers.emplace_back("Content-Security-Policy",
                          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  r->headers.emplace_back("X-Frame-Options", "DENY");
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
}

http::Response ServeAsset(const http::Request& req, std::string_view name) {
  const console::Asset* a = FindAsset(name);
  if (a == nullptr) return http::Response::Error(404, "NotFound", "no console file " + std::string(name));
  http::Response r;
  AddPageHeaders(&r);
  r.headers.emplace_back("ETag", std::string(a->etag));
  r.headers.emplace_back("Cache-Control", "no-cache");  // revalidate: a new binary, a new bundle
  if (auto inm = req.Header("If-None-Match"); inm && *inm == a->etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = std::string(a->content_type);
  r.body = std::string(a->bytes);
  return r;
}

bool IsJson(const http::Request& req) {
  auto ct = req.Header("Content-Type");
  return ct && ct->substr(0, ct->find(';')) == "application/json";
}

std::string SessionCookieHeader(const http::Request& req, std::string_view value, int64_t max_age_s) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  // Behind a TLS-terminating proxy, the cookie never travels in clear text.
  if (auto proto = req.Header("X-Forwarded-Proto"); proto && *proto == "https") c += "; Secure";
  return c;
}

}  // namespace

ConsoleHandler::ConsoleHandler(std::string token, Sessions& sessions, Clock& clock)
    : token_(std::move(token)), sessions_(sessions), clock_(clock) {}

void ConsoleHandler::Handle(http::Request req, http::Respond respond) { respond(Dispatch(req)); }

bool ConsoleHandler::TooManyFailures(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!failures_.empty() && now - failures_.front() > kFailureWindowMs) failures_.pop_front();
  return failures_.size() >= kMaxFailuresPerWindow;
}

http::Response ConsoleHandler::Login(const http::Request& req) {
  if (!IsJson(req)) return http::Response::Error(415, "UnsupportedMediaType", "send the token as application/json");
  const int64_t now = clock_.NowMs();
  if (TooManyFailures(now)) {
    http::Response r = http::Response::Error(429, "TooManyRequests", "too many wrong tokens; wait a minute");
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }
  auto body = json::Parse(req.body);
  const json::Value* token = body.ok() ? body->Find("token") : nullptr;
  if (token == nullptr || !token->is_string()) {
    return http::Response::Error(400, "BadRequest", "body must be {\"token\": \"...\"}");
  }
  if (!token_.empty() && !ConstantTimeEquals(token->as_string(), token_)) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_.push_back(now);
    return http::Response::Error(401, "Unauthorized", "wrong admin token");
  }
  Sessions::Session s = sessions_.Create();
  http::Response r = http::Response::Json(200, "{\"csrf\":" + json::Quote(s.csrf) + "}");
  r.headers.emplace_back("Set-Cookie", SessionCookieHeader(req, s.id, 8 * 3600));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response ConsoleHandler::Dispatch(const http::Request& req) {
  const std::string_view path = req.path;
  if (req.method == "GET" || req.method == "HEAD") {
    if (path == "/console") {
      http::Response r;
      r.status = 302;
      r.content_type.clear();
      r.headers.emplace_back("Location", "/console/");
      return r;
    }
    if (path == "/console/" || path == "/console/index.html") return ServeAsset(req, "index.html");
    if (path == "/console/app.js") return ServeAsset(req, "app.js");
    if (path == "/console/app.css") return ServeAsset(req, "app.css");
    if (path == "/console/api/session") {
      std::string csrf;
      bool authenticated = token_.empty();
      if (auto s = sessions_.Find(CookieValue(req, kSessionCookie))) {
        authenticated = true;
        csrf = s->csrf;
      }
      http::Response r = http::Response::Json(
          200, std::string("{\"authenticated\":") + (authenticated ? "true" : "false") +
                   ",\"tokenRequired\":" + (token_.empty() ? "false" : "true") + ",\"csrf\":" + json::Quote(csrf) + "}");
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
  }
  if (req.method == "POST" && path == "/console/api/login") return Login(req);
  if (req.method == "POST" && path == "/console/api/logout") {
    if (!IsJson(req)) return http::Response::Error(415, "UnsupportedMediaType", "send application/json");
    sessions_.Remove(CookieValue(req, kSessionCookie));
    http::Response r = http::Response::Json(200, "{\"status\":\"signed out\"}");
    r.headers.emplace_back("Set-Cookie", SessionCookieHeader(req, "", 0));
    return r;
  }
  return http::Response::Error(404, "NotFound", "no console page " + req.method + " " + req.path);
}

}  // namespace cxbridge::console
