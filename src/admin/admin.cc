#include "admin/admin.h"

#include <prometheus/text_serializer.h>

#include <cctype>
#include <charconv>
#include <tuple>

#include "common/encoding.h"
#include "common/json.h"

namespace cxbridge::admin {
namespace {

std::string QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    if (kv.substr(0, eq) == name) return std::string(eq == std::string_view::npos ? "" : kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

// True for `application/json`, with or without parameters (`; charset=utf-8`), any case.
bool IsJsonContentType(std::optional<std::string_view> ct) {
  if (!ct) return false;
  std::string_view media = ct->substr(0, ct->find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  }
  return true;
}

}  // namespace

bool AdminHandler::Serves(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path.starts_with("/admin/") ||
         path.starts_with("/blobs/");
}

void AdminHandler::Handle(http::Request req, http::Respond respond) {
  // A cross-site form or a no-cors fetch can POST only text/plain, form or multipart bodies
  // without a preflight: requiring application/json on every state change keeps a web page the
  // operator opens from driving /admin/* (CSRF), token or not.
  if (req.method == "POST" && req.path.starts_with("/admin/") &&
      !IsJsonContentType(req.Header("Content-Type"))) {
    return respond(http::Response::Error(415, "UnsupportedMediaType",
                                         "admin POST requests need Content-Type: application/json"));
  }
  // Redrive and reload block on a storage commit for a few milliseconds at most; they run
  // inline rather than on a detached thread so shutdown can account for them.
  if (req.path.starts_with("/blobs/")) {
    if (auto denied = Deny(req)) return respond(std::move(*denied));
    if (deps_.blobs == nullptr) return respond(http::Response::Error(404, "NotFound", "no blob store"));
    return deps_.blobs->Handle(std::move(req), std::move(respond));
  }
  if (deps_.console != nullptr && req.path.starts_with("/admin/")) {
    if (auto denied = Deny(req)) return respond(std::move(*denied));
    if (deps_.console->Handle(req, respond)) return;
  }
  respond(Dispatch(req));
}

std::optional<http::Response> AdminHandler::Deny(const http::Request& req) const {
  if (deps_.token.empty()) return std::nullopt;
  // The console's session cookie, with the session's CSRF token on anything but reads.
  if (deps_.sessions != nullptr && deps_.sessions->Authorizes(req)) return std::nullopt;
  auto auth = req.Header("Authorization");
  std::string expected = "Bearer " + deps_.token;
  if (auth && ConstantTimeEquals(*auth, expected)) return std::nullopt;
  http::Response r = http::Response::Error(401, "Unauthorized", "admin endpoints need a bearer token");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

http::Response AdminHandler::Dispatch(const http::Request& req) {
  if (req.path == "/healthz") return http::Response::Json(200, "{\"status\":\"ok\"}");
  if (req.path == "/readyz") {
    bool ready = deps_.log && deps_.log->healthy();
    return ready ? http::Response::Json(200, "{\"status\":\"ready\"}")
                 : http::Response::Error(503, "NotReady", "storage is not accepting writes");
  }
  if (req.path == "/metrics") {
    // With a token configured the metrics need it too (targets, rules and sources are named in
    // their labels); Prometheus scrapes with `authorization: {credentials_file: …}`.
    if (auto denied = Deny(req)) return std::move(*denied);
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = prometheus::TextSerializer().Serialize(deps_.metrics->Collect());
    // The committer's own counters (plain atomics on the hot path, exported here).
    const auto st = deps_.log->stats();
    r.body += "# HELP cxbridge_storage_synced_writes_total Synced (fsync'd) batches written by the group committer\n"
              "# TYPE cxbridge_storage_synced_writes_total counter\n"
              "cxbridge_storage_synced_writes_total " + std::to_string(st.batches) + "\n"
              "# HELP cxbridge_storage_pending_bytes Bytes of events waiting for the next synced write\n"
              "# TYPE cxbridge_storage_pending_bytes gauge\n"
              "cxbridge_storage_pending_bytes " + std::to_string(deps_.log->pending_bytes()) + "\n"
              "# HELP cxbridge_storage_low_disk 1 while ingest is refused for space: free disk space below what the database will still allocate itself plus storage.min_free_disk_bytes\n"
              "# TYPE cxbridge_storage_low_disk gauge\n"
              "cxbridge_storage_low_disk " + std::string(deps_.log->low_disk() ? "1" : "0") + "\n";
    return r;
  }
  // Everything below is /admin/.
  if (auto denied = Deny(req)) return std::move(*denied);
  const bool is_quarantine = req.path.starts_with("/admin/quarantine");
  if ((req.path == "/admin/dlq" || req.path == "/admin/quarantine") && req.method == "GET") {
    size_t limit = 100;
    std::string l = QueryParam(req.query, "limit");
    if (!l.empty()) std::from_chars(l.data(), l.data() + l.size(), limit);
    limit = std::clamp<size_t>(limit, 1, 1000);
    std::string after = QueryParam(req.query, "after");
    auto page = is_quarantine ? deps_.store->ListQuarantine(after, limit)
                              : deps_.dead_letters->List(after, limit);
    if (!page.ok()) return http::Response::Error(503, "Unavailable", page.status().message());
    std::string body = "{\"entries\":[";
    for (size_t i = 0; i < page->size(); ++i) {
      if (i) body += ",";
      body += (*page)[i].json;
    }
    body += "]";
    if (page->size() == limit) body += ",\"next\":" + json::Quote(page->back().id);
    body += "}";
    return http::Response::Json(200, std::move(body));
  }
  if ((req.path.starts_with("/admin/dlq/") || req.path.starts_with("/admin/quarantine/")) &&
      req.method == "GET") {
    std::string_view id = std::string_view(req.path).substr(req.path.find('/', 7) + 1);
    auto e = is_quarantine ? deps_.store->GetQuarantine(id) : deps_.dead_letters->Show(id);
    if (!e.ok()) return http::Response::Error(404, "NotFound", e.status().message());
    return http::Response::Json(200, e->json);
  }
  if ((req.path == "/admin/dlq/redrive" || req.path == "/admin/quarantine/replay") && req.method == "POST") {
    auto body = json::Parse(req.body);
    if (!body.ok() || !body->is_object()) return http::Response::Error(400, "BadRequest", "body must be a JSON object");
    std::vector<std::string> ids;
    bool all = false;
    if (const json::Value* a = body->Find("all"); a && a->is_bool()) all = a->as_bool();
    if (const json::Value* v = body->Find("ids"); v && v->is_array()) {
      for (const auto& i : v->items())
        if (i.is_string()) ids.push_back(i.as_string());
    }
    if (!all && ids.empty()) return http::Response::Error(400, "BadRequest", "give \"ids\" or \"all\": true");
    std::vector<std::string> done;
    std::vector<std::pair<std::string, std::string>> failed;
    if (is_quarantine) {
      if (!deps_.quarantine_replay) return http::Response::Error(404, "NotFound", "no quarantine");
      std::tie(done, failed) = deps_.quarantine_replay(ids, all);
    } else {
      auto res = deps_.dead_letters->Redrive(ids, all);
      done = std::move(res.redriven);
      failed = std::move(res.failed);
    }
    json::Value out = json::Value::Object();
    json::Value ok = json::Value::Array();
    for (auto& id : done) ok.Push(json::Value::String(id));
    json::Value bad = json::Value::Array();
    for (auto& [id, why] : failed) {
      bad.Push(json::Value::Object({{"id", json::Value::String(id)}, {"reason", json::Value::String(why)}}));
    }
    out.Set(is_quarantine ? "replayed" : "redriven", std::move(ok));
    out.Set("failed", std::move(bad));
    return http::Response::Json(200, json::Serialize(out));
  }
  if (req.path == "/admin/targets" && req.method == "GET") {
    json::Value arr = json::Value::Array();
    for (const auto& s : deps_.scheduler->Stats()) {
      json::Value o = json::Value::Object();
      o.Set("bus", json::Value::String(s.bus));
      o.Set("rule", json::Value::String(s.rule));
      o.Set("target", json::Value::String(s.target));
      o.Set("arn", json::Value::String(s.arn));
      o.Set("depth", json::Value::Int(static_cast<int64_t>(s.depth)));
      o.Set("inFlight", json::Value::Int(s.in_flight));
      o.Set("circuit", json::Value::String(s.circuit));
      o.Set("paused", json::Value::Bool(s.paused));
      if (!s.error.empty()) o.Set("error", json::Value::String(s.error));
      arr.Push(std::move(o));
    }
    return http::Response::Json(200, "{\"targets\":" + json::Serialize(arr) + "}");
  }
  if ((req.path == "/admin/targets/pause" || req.path == "/admin/targets/resume") && req.method == "POST") {
    auto body = json::Parse(req.body);
    const json::Value* rule = body.ok() ? body->Find("rule") : nullptr;
    const json::Value* target = body.ok() ? body->Find("target") : nullptr;
    if (!rule || !target || !rule->is_string() || !target->is_string()) {
      return http::Response::Error(400, "BadRequest", "body needs \"rule\" and \"target\" (and optionally \"bus\")");
    }
    std::string bus = "default";
    if (const json::Value* b = body->Find("bus"); b && b->is_string()) bus = b->as_string();
    std::string key = bus + '\x1f' + rule->as_string() + '\x1f' + target->as_string();
    Status st = deps_.scheduler->SetPaused(key, req.path.ends_with("/pause"));
    if (!st.ok()) return http::Response::Error(404, "NotFound", st.message());
    return http::Response::Json(200, req.path.ends_with("/pause") ? "{\"status\":\"paused\"}"
                                                                  : "{\"status\":\"resumed\"}");
  }
  if (req.path == "/admin/reload" && req.method == "POST") {
    if (!deps_.reload) return http::Response::Error(400, "BadRequest", "started without a config file");
    Status st = deps_.reload();
    if (!st.ok()) return http::Response::Error(400, "InvalidConfig", st.message());
    return http::Response::Json(200, "{\"status\":\"reloaded\"}");
  }
  return http::Response::Error(404, "NotFound", "no admin endpoint " + req.method + " " + req.path);
}

}  // namespace cxbridge::admin
