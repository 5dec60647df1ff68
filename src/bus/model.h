// The routing model in EventBridge's own shapes: buses, rules and their targets. These are plain
// values (definitions), produced by the config loader and by the EventBridge API, consumed by the
// Router, which compiles them into immutable runtime objects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"

namespace cxbridge::bus {

// Where a definition came from. Config-file definitions are reloaded with the config; API
// definitions are durable in the ResourceStore. On a name clash (same bus and rule name) the
// config file wins and the API's copy is reported as shadowed. A definition is untrusted (kApi)
// unless its maker says otherwise: the config loader and the Router's SetConfigDefinitions mark
// the operator's own as kConfig (issue 16: a forgotten origin must not grant trust).
enum class Origin { kConfig, kApi };

struct BusDef {
  std::string name;  // "default" always exists
  std::string description;
  std::string arn;
  int64_t creation_time_ms = 0;
  Origin origin = Origin::kApi;
};

struct TargetDef {
  std::string id;   // EventBridge Target.Id, unique within the rule
  std::string arn;  // target address (see deliver/ for the accepted forms)
  // The whole EventBridge Target object as received (Id, Arn, Input, InputPath, InputTransformer,
  // RetryPolicy, DeadLetterConfig, HttpParameters, SqsParameters, ...) plus cxbridge's extensions
  // (e.g. "Http": {"Url","Method","Headers","TimeoutSeconds"} and "File": {"Path"}).
  json::Value raw = json::Value::Object();
  // Who defined it: a target saved through the API is held to the outbound address guard
  // (deliver/README.md) unless private targets are allowed; a config-file target is trusted.
  Origin origin = Origin::kApi;
};

struct RuleDef {
  std::string name;
  std::string bus = "default";
  std::string event_pattern;  // JSON text; empty for schedule-only rules (bus/scheduled_rules.h)
  std::string state = "ENABLED";  // ENABLED | DISABLED
  std::string description;
  std::string managed_by;  // e.g. archives' managed rules
  std::string role_arn;
  std::string schedule_expression;
  std::vector<TargetDef> targets;
  Origin origin = Origin::kApi;
};

}  // namespace cxbridge::bus
