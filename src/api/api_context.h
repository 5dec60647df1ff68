// ApiContext: the state the operations share — options, the injected stores and sinks, and the
// registry of API-defined resources — plus the persistence helpers. Each operation family is a set
// of free functions over an ApiContext (operations.h), one family per file.
//
// Threading: operations run one at a time on the EventsApi control thread while holding `mu`;
// the replay engine's progress callback takes `mu` too. Nothing else touches the registry.
// Persistence: every change is written to the ResourceStore (synced) before it is applied in
// memory and pushed to the DefinitionSink, so an answered change survives a crash.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/events_api.h"
#include "api/pattern_engine.h"
#include "api/protocol.h"
#include "bus/event_sink.h"
#include "bus/model.h"
#include "common/clock.h"
#include "common/json.h"
#include "store/archive_store.h"
#include "store/resource_store.h"

namespace cxbridge::api {

class ReplayEngine;

// ResourceStore kinds; values are the JSON records described in README.md.
inline constexpr std::string_view kKindBus = "api.eventbus";
inline constexpr std::string_view kKindRule = "api.rule";  // key "<bus>|<rule>"
inline constexpr std::string_view kKindArchive = "api.archive";
inline constexpr std::string_view kKindReplay = "api.replay";
inline constexpr std::string_view kKindConnection = "api.connection";
inline constexpr std::string_view kKindApiDestination = "api.apidestination";
inline constexpr std::string_view kKindEventSource = "api.eventsource";

inline constexpr std::string_view kArchiveRulePrefix = "Events-Archive-";
inline constexpr std::string_view kArchiveManagedBy = "prod.vhs.events.aws.internal";
inline constexpr std::string_view kLimitMessage = "The requested resource exceeds the maximum number allowed.";

struct Registry {
  std::map<std::string, json::Value> buses;  // always holds "default"
  std::map<std::pair<std::string, std::string>, json::Value> rules;  // (bus, rule name)
  std::map<std::string, json::Value> archives;
  std::map<std::string, json::Value> replays;
  std::map<std::string, json::Value> connections;
  std::map<std::string, json::Value> api_destinations;
  std::map<std::string, json::Value> event_sources;  // partner event sources, by name
};

// Connections and API destinations by ARN, immutable once published: the deliver stage reads it
// from its own threads (EventsApi::FindApiDestination) without waiting for the control thread.
struct DestinationSnapshot {
  std::map<std::string, std::shared_ptr<const json::Value>> destinations, connections;
};

struct ApiContext {
  ApiContext(ApiOptions o, store::ResourceStore& r, store::ArchiveStore& a, bus::EventSink& e,
             bus::DefinitionSink& d, Clock& c, const PatternEngine& p)
      : options(std::move(o)),
        arn{options.region, options.account},
        resources(r),
        archive_store(a),
        events(e),
        definitions(d),
        clock(c),
        patterns(p) {}

  ApiOptions options;
  ArnFormat arn;
  store::ResourceStore& resources;
  store::ArchiveStore& archive_store;
  bus::EventSink& events;
  bus::DefinitionSink& definitions;
  Clock& clock;
  const PatternEngine& patterns;
  ReplayEngine* replays = nullptr;  // set by EventsApi before any operation runs
  // Runs `fn` later on the control thread, holding mu (dropped once the API stops). Set by
  // EventsApi.
  std::function<void(std::function<void()>)> post_control;

  std::mutex mu;
  Registry reg;  // guarded by mu
  // Rebuilt from `reg` after every change to connections or API destinations (holding mu).
  std::atomic<std::shared_ptr<const DestinationSnapshot>> destination_snapshot{
      std::make_shared<const DestinationSnapshot>()};
  void PublishDestinations();

  int64_t NowMs() const { return clock.NowMs(); }

  // Store then memory. Errors are kIOError/kUnavailable from the store: answer InternalException.
  Status SaveBus(const json::Value& record);
  Status DeleteBus(const std::string& name);
  Status SaveRule(const json::Value& record);
  Status DeleteRule(const std::string& bus, const std::string& name);
  Status Save(std::string_view kind, std::map<std::string, json::Value>& map, const std::string& name,
              const json::Value& record);
  Status Remove(std::string_view kind, std::map<std::string, json::Value>& map, const std::string& name);

  // Loads every kind from the ResourceStore into `reg` (adds "default" when absent).
  Status Load();
  // Pushes the full API-defined set (buses, rules with targets) to the DefinitionSink.
  void PushDefinitions();

  json::Value* FindRule(const std::string& bus, const std::string& name);
  bool BusExists(const std::string& name) const { return reg.buses.count(name) > 0; }
};

// Record helpers.
int64_t IntOf(const json::Value& obj, std::string_view key, int64_t fallback = 0);
bus::RuleDef RuleDefFromRecord(const json::Value& record);
Reply StoreError(const Status& st);  // InternalException for a failed durable write
std::string BusNotFound(const std::string& bus);             // "Event bus X does not exist."
std::string RuleNotFound(const std::string& rule, const std::string& bus);

}  // namespace cxbridge::api
