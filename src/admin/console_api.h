// ConsoleApi: the JSON the web console (console/) reads and the actions it takes, under /admin/
// (behind the admin token or a console session, like every admin endpoint):
//   GET  /admin/overview                 rates over the last hour, per-target backlog, circuit and
//                                        p50/p99 latency, source states
//   GET  /admin/events?source=&detailType=&rule=&from=&to=&state=&after=&limit=
//                                        recent events, newest first (the delivery history)
//   GET  /admin/events/{id}              one event: its JSON while the log keeps it, the rules it
//                                        matched, every attempt per target
//   POST /admin/events/{id}/redeliver    {"bus","rule","target"}: deliver it to that target again
//   POST /admin/events/{id}/replay       route it again through the bus's current rules
//   GET  /admin/rules                    every rule, config file and API, with its targets
//   POST /admin/test-pattern             {"pattern","limit"}: which recent events match
//   POST /admin/api/{Operation}          an EventBridge API operation, with the API's validation
//                                        and error texts (the console edits rules through it)
// Thread-safety: Handle is safe from any I/O thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "admin/rate_sampler.h"
#include "bus/router.h"
#include "common/json.h"
#include "deliver/history_recorder.h"
#include "deliver/scheduler.h"
#include "http/message.h"
#include "store/history_store.h"

namespace cxbridge::admin {

struct ConsoleApiDeps {
  store::HistoryStore* history = nullptr;
  deliver::HistoryRecorder* recorder = nullptr;
  deliver::Scheduler* scheduler = nullptr;
  const bus::Router* router = nullptr;
  RateSampler* rates = nullptr;
  // The event's JSON while the event log keeps it; nullopt once retention removed it.
  std::function<std::optional<std::string>(uint64_t seq)> event_json;
  // Delivers `event_json` to one target again (a fresh delivery, attempts from 1).
  std::function<Status(const std::string& bus, const std::string& rule, const std::string& target,
                       const std::string& event_json)>
      redeliver;
  // Accepts `event_json` again on `bus` and routes it through the current rules.
  std::function<Status(const std::string& bus, const std::string& event_json)> replay;
  // Runs an EventBridge API operation; answers through `respond`.
  std::function<void(std::string operation, std::string body, http::Respond respond)> api;
  // The sources' states for the overview: [{"name","kind","state",...}].
  std::function<json::Value()> sources;
  Clock* clock = nullptr;
};

class ConsoleApi {
 public:
  explicit ConsoleApi(ConsoleApiDeps deps) : deps_(std::move(deps)) {}
  // True when the path is one of these endpoints (then `respond` is called exactly once).
  bool Handle(const http::Request& req, const http::Respond& respond);

 private:
  http::Response Overview();
  http::Response Events(const http::Request& req);
  http::Response Event(std::string_view id);
  http::Response Redeliver(std::string_view id, const http::Request& req);
  http::Response Replay(std::string_view id);
  http::Response Rules();
  http::Response TestPattern(const http::Request& req);
  // The event JSON for an event in the history (the log's copy), or an error response.
  std::optional<std::string> EventJson(const store::EventHistory& h);

  ConsoleApiDeps deps_;
};

// Query-string value (percent-decoded, '+' as space); "" when absent.
std::string QueryValue(std::string_view query, std::string_view name);

}  // namespace cxbridge::admin
