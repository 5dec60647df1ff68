#include "app/cli.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/secret.h"
#include "config/config.h"
#include "deliver/dead_letters.h"
#include "http/client.h"
#include "pattern/pattern.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/event_log.h"

namespace cxbridge::app {

bool ReadArg(const std::string& arg, std::string* out, std::string* error) {
  if (arg.empty() || arg[0] != '@') {
    *out = arg;
    return true;
  }
  std::ifstream in(arg.substr(1), std::ios::binary);
  if (!in) {
    *error = "cannot read " + arg.substr(1);
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int RunTestPattern(const PatternArgs& a) {
  std::string pattern, event, err;
  if (!ReadArg(a.pattern, &pattern, &err) || !ReadArg(a.event, &event, &err)) {
    std::cerr << err << "\n";
    return 2;
  }
  auto r = pattern::TestEventPattern(pattern, event);
  if (!r.ok()) {
    std::cout << "InvalidEventPatternException: " << r.status().message() << "\n";
    return 2;
  }
  std::cout << (*r ? "true" : "false") << "\n";
  return *r ? 0 : 1;
}

namespace {

struct Resolved {
  config::Config cfg;
  std::string server;  // base URL
  std::string token;
};

bool Resolve(const Connection& c, Resolved* out) {
  if (!c.config_path.empty()) {
    auto cfg = config::LoadConfig(c.config_path);
    if (!cfg.ok()) {
      std::cerr << cfg.status().message() << "\n";
      return false;
    }
    out->cfg = std::move(*cfg);
  }
  if (!c.data_dir.empty()) out->cfg.data_dir = c.data_dir;
  std::string host = out->cfg.address == "0.0.0.0" ? "127.0.0.1" : out->cfg.address;
  out->server = c.server.empty() ? "http://" + host + ":" + std::to_string(out->cfg.port) : c.server;
  while (!out->server.empty() && out->server.back() == '/') out->server.pop_back();
  // The admin token, first found: --token (visible in `ps` to every local user), --token-file,
  // --token-env, $CXBRIDGE_ADMIN_TOKEN, the config's server.admin_token.
  const char* env_token = std::getenv(kAdminTokenEnv);
  if (!c.token.empty()) {
    out->token = c.token;
  } else if (!c.token_file.empty()) {
    std::ifstream in(c.token_file, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read the token file " << c.token_file << "\n";
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    out->token = ss.str();
    while (!out->token.empty() && (out->token.back() == '\n' || out->token.back() == '\r')) out->token.pop_back();
    if (out->token.empty()) {
      std::cerr << "the token file " << c.token_file << " is empty\n";
      return false;
    }
  } else if (!c.token_env.empty()) {
    const char* v = std::getenv(c.token_env.c_str());
    if (v) out->token = v;
  } else if (env_token != nullptr && *env_token != '\0') {
    out->token = env_token;
  } else if (!out->cfg.admin_token.is_null()) {
    auto t = ResolveSecret(out->cfg.admin_token);
    if (t.ok()) out->token = *t;
  }
  return true;
}

// Either an open data folder (server stopped) or the server's admin API.
struct DlqAccess {
  Resolved r;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<store::EmbeddedEventLog> log;
  std::unique_ptr<store::EmbeddedDeliveryQueue> store;
  std::unique_ptr<deliver::DeadLetters> dl;
  std::unique_ptr<http::HttpClient> client;

  bool Open(const Connection& c) {
    if (!Resolve(c, &r)) return false;
    if (c.server.empty()) {
      auto db_or = store::Db::Open(r.cfg.data_dir, SystemClock());
      if (db_or.ok()) {
        db = std::move(*db_or);
        log = std::make_unique<store::EmbeddedEventLog>(*db, SystemClock(), store::EmbeddedEventLog::Options{});
        if (!log->Start().ok()) return false;
        store = std::make_unique<store::EmbeddedDeliveryQueue>(*db, *log);
        dl = std::make_unique<deliver::DeadLetters>(*store, SystemClock(), nullptr, nullptr);
        return true;
      }
      if (db_or.status().code() != StatusCode::kUnavailable) {
        std::cerr << db_or.status().message() << "\n";
        return false;
      }
    }
    client = std::make_unique<http::HttpClient>();
    return true;
  }

  // GET/POST against the admin API; prints errors; returns the body or nullopt.
  std::optional<std::string> Call(const std::string& method, const std::string& path, const std::string& body) {
    http::ClientRequest req;
    req.max_response_bytes = SIZE_MAX;  // our own server's answers (admin listings, queues)
    req.method = method;
    req.url = r.server + path;
    req.body = body;
    req.timeout_ms = 30000;
    if (!r.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + r.token);
    if (method == "POST") req.headers.emplace_back("Content-Type", "application/json");
    auto resp = client->SendSync(std::move(req));
    if (resp.status == 0) {
      std::cerr << "cannot reach " << r.server << ": " << resp.error << "\n";
      return std::nullopt;
    }
    if (resp.status != 200) {
      std::cerr << "server answered " << resp.status << ": " << resp.body << "\n";
      return std::nullopt;
    }
    return resp.body;
  }
};

void PrintEntry(const std::string& entry_json, bool quarantine) {
  auto e = json::Parse(entry_json);
  if (!e.ok()) {
    std::cout << entry_json << "\n";
    return;
  }
  auto s = [&](const char* k) {
    const json::Value* v = e->Find(k);
    return v && v->is_string() ? v->as_string() : (v ? json::Serialize(*v) : std::string());
  };
  if (quarantine) {
    // A quarantined event has no delivery: its event id, source, detail-type and the reason.
    std::cout << s("id") << "  event=" << s("eventId") << "  " << s("source") << "  " << s("detailType")
              << "  " << s("reason") << "\n";
    return;
  }
  std::cout << s("id") << "  " << s("rule") << "/" << s("target") << "  " << s("errorCode")
            << "  attempts=" << s("attempts") << "  " << s("errorMessage") << "\n";
}

}  // namespace

int RunDlqList(const DlqArgs& a) {
  DlqAccess acc;
  if (!acc.Open(a.conn)) return 2;
  std::vector<std::string> entries;
  const std::string base = a.quarantine ? "/admin/quarantine" : "/admin/dlq";
  if (acc.dl) {
    auto page = a.quarantine ? acc.store->ListQuarantine("", a.limit) : acc.dl->List("", a.limit);
    if (!page.ok()) {
      std::cerr << page.status().message() << "\n";
      return 2;
    }
    for (auto& e : *page) entries.push_back(e.json);
  } else {
    auto body = acc.Call("GET", base + "?limit=" + std::to_string(a.limit), "");
    if (!body) return 2;
    auto doc = json::Parse(*body);
    if (!doc.ok()) return 2;
    for (const auto& e : doc->Find("entries")->items()) entries.push_back(json::Serialize(e));
  }
  for (const auto& e : entries) {
    if (a.json) {
      std::cout << e << "\n";
    } else {
      PrintEntry(e, a.quarantine);
    }
  }
  if (!a.json) std::cerr << entries.size() << (a.quarantine ? " quarantined events\n" : " dead-lettered deliveries\n");
  return 0;
}

int RunDlqShow(const DlqArgs& a) {
  DlqAccess acc;
  if (!acc.Open(a.conn)) return 2;
  std::string text;
  if (acc.dl) {
    auto e = a.quarantine ? acc.store->GetQuarantine(a.id) : acc.dl->Show(a.id);
    if (!e.ok()) {
      std::cerr << e.status().message() << "\n";
      return 1;
    }
    text = e->json;
  } else {
    auto body = acc.Call("GET", std::string(a.quarantine ? "/admin/quarantine/" : "/admin/dlq/") + a.id, "");
    if (!body) return 1;
    text = *body;
  }
  std::cout << text << "\n";
  return 0;
}

int RunDlqRedrive(const DlqArgs& a) {
  if (!a.all && a.ids.empty()) {
    std::cerr << "name entry ids or --all\n";
    return 2;
  }
  DlqAccess acc;
  if (!acc.Open(a.conn)) return 2;
  size_t ok = 0, failed = 0;
  if (acc.dl && a.quarantine) {
    std::cerr << "replaying the quarantine needs the running server (it normalizes and routes)\n";
    return 2;
  }
  if (acc.dl) {
    auto res = acc.dl->Redrive(a.ids, a.all);
    ok = res.redriven.size();
    failed = res.failed.size();
    for (auto& [id, why] : res.failed) std::cerr << id << ": " << why << "\n";
  } else {
    json::Value req = json::Value::Object();
    if (a.all) req.Set("all", json::Value::Bool(true));
    json::Value ids = json::Value::Array();
    for (auto& id : a.ids) ids.Push(json::Value::String(id));
    req.Set("ids", std::move(ids));
    auto body = acc.Call("POST", a.quarantine ? "/admin/quarantine/replay" : "/admin/dlq/redrive",
                         json::Serialize(req));
    if (!body) return 2;
    auto doc = json::Parse(*body);
    if (!doc.ok()) return 2;
    ok = doc->Find(a.quarantine ? "replayed" : "redriven")->items().size();
    for (const auto& f : doc->Find("failed")->items()) {
      ++failed;
      std::cerr << f.Find("id")->as_string() << ": " << f.Find("reason")->as_string() << "\n";
    }
  }
  std::cout << (a.quarantine ? "replayed " : "redriven ") << ok << ", failed " << failed << "\n";
  return failed ? 1 : 0;
}

namespace {
// Client commands that need the running server's admin API.
struct AdminClient {
  Resolved r;
  http::HttpClient client;
  bool Open(const Connection& c) { return Resolve(c, &r); }
  std::optional<std::string> Call(const std::string& method, const std::string& path, const std::string& body) {
    DlqAccess acc;
    acc.r = r;
    acc.client = std::make_unique<http::HttpClient>();
    return acc.Call(method, path, body);
  }
};
}  // namespace

std::optional<std::string> AdminCall(const Connection& c, const std::string& method, const std::string& path,
                                     const std::string& body) {
  AdminClient client;
  if (!client.Open(c)) return std::nullopt;
  return client.Call(method, path, body);
}

int RunTargetsList(const TargetsArgs& a) {
  AdminClient c;
  if (!c.Open(a.conn)) return 2;
  auto body = c.Call("GET", "/admin/targets", "");
  if (!body) return 2;
  if (a.json) {
    std::cout << *body << "\n";
    return 0;
  }
  auto doc = json::Parse(*body);
  if (!doc.ok()) return 2;
  for (const auto& t : doc->Find("targets")->items()) {
    auto s = [&](const char* k) {
      const json::Value* v = t.Find(k);
      return v ? (v->is_string() ? v->as_string() : json::Serialize(*v)) : std::string();
    };
    std::cout << s("bus") << "/" << s("rule") << "/" << s("target") << "  depth=" << s("depth")
              << " inFlight=" << s("inFlight") << " circuit=" << s("circuit")
              << (s("paused") == "true" ? " PAUSED" : "") << "  " << s("arn") << "\n";
  }
  return 0;
}

int RunTargetsPause(const TargetsArgs& a, bool pause) {
  AdminClient c;
  if (!c.Open(a.conn)) return 2;
  json::Value req = json::Value::Object();
  req.Set("bus", json::Value::String(a.bus));
  req.Set("rule", json::Value::String(a.rule));
  req.Set("target", json::Value::String(a.target));
  auto body = c.Call("POST", pause ? "/admin/targets/pause" : "/admin/targets/resume", json::Serialize(req));
  if (!body) return 1;
  std::cout << *body << "\n";
  return 0;
}

}  // namespace cxbridge::app
