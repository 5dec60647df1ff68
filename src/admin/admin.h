// AdminHandler: operations endpoints.
//   GET  /healthz                 liveness (always 200 while the process serves)
//   GET  /readyz                  200 when storage accepts writes, else 503
//   GET  /metrics                 Prometheus text format (needs the token when one is set)
//   GET  /admin/dlq?after=&limit= dead-letter entries, oldest first
//   GET  /admin/dlq/{id}          one entry
//   POST /admin/dlq/redrive       {"ids":[…]} or {"all":true}
//   GET  /admin/targets           per-target queue depth, circuit state
//   POST /admin/targets/pause     {"bus"?, "rule", "target"}: hold deliveries (they accumulate durably)
//   POST /admin/targets/resume    same body: deliver again
//   GET  /blobs/<sha256>          a claim-checked payload, verified by hash
//   POST /admin/reload            re-read the config file (rules, sources, schemas)
//   GET  /admin/quarantine?after=&limit=   events no schema rule set could normalize
//   GET  /admin/quarantine/{id}   one entry
//   POST /admin/quarantine/replay {"ids":[…]} or {"all":true}: normalize again with the current
//                                 rules and accept; entries that still fail stay
// Plus the console's endpoints (console_api.h).
// /metrics, /blobs/ and everything under /admin/ require `Authorization: Bearer <token>` (or a console session) when a token is configured,
// and a token must be configured when the server listens beyond loopback. Every POST under /admin/
// needs `Content-Type: application/json` (else 415): the CSRF guard when no token is set. (The
// Host check against DNS rebinding sits in front of every handler: app/server_app.cc.)
// Thread-safety: Handle is safe from any I/O thread.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

#include "admin/console_api.h"
#include "console/session.h"
#include "deliver/dead_letters.h"
#include "deliver/scheduler.h"
#include "http/message.h"
#include "store/storage.h"

namespace cxbridge::admin {

struct AdminDeps {
  prometheus::Registry* metrics = nullptr;
  store::EventLog* log = nullptr;
  deliver::DeadLetters* dead_letters = nullptr;
  deliver::Scheduler* scheduler = nullptr;
  std::function<Status()> reload;  // may be empty
  store::DeliveryQueue* store = nullptr;  // quarantine listing
  // Replays quarantined entries; returns (replayed ids, failed (id, reason)).
  std::function<std::pair<std::vector<std::string>, std::vector<std::pair<std::string, std::string>>>(
      const std::vector<std::string>& ids, bool all)>
      quarantine_replay;
  std::string token;               // empty: no token required (loopback only)
  http::Handler* blobs = nullptr;  // GET /blobs/<sha256> (claim-checked payloads), behind the token
  // Console sessions (console/session.h): a session cookie (with its CSRF token on writes) is
  // accepted like the bearer token. May be null.
  console::Sessions* sessions = nullptr;
  // The console's endpoints (console_api.h). May be null.
  ConsoleApi* console = nullptr;
};

class AdminHandler : public http::Handler {
 public:
  explicit AdminHandler(AdminDeps deps) : deps_(std::move(deps)) {}
  void Handle(http::Request req, http::Respond respond) override;
  // True for the paths this handler serves.
  static bool Serves(std::string_view path);

 private:
  http::Response Dispatch(const http::Request& req);
  // The bearer-token check for everything but health and metrics; nullopt when allowed.
  std::optional<http::Response> Deny(const http::Request& req) const;
  AdminDeps deps_;
};

}  // namespace cxbridge::admin
