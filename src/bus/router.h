// Router: the compiled routing state (buses → one pattern automaton each → rules → targets), built
// from config-file and API definitions and swapped atomically as a whole on every change, so a
// rule change takes effect for the very next event and matching never sees a half-built set.
//
// Merge rule: config-file and API definitions live side by side; on a clash (same bus and rule
// name) the config file wins and the API copy is listed in `shadowed()`.
//
// Thread-safety: all methods are safe from any thread. Route() takes a snapshot pointer (a brief
// lock to copy a shared_ptr) and matches without locks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bus/event_sink.h"
#include "bus/model.h"
#include "common/status.h"
#include "pattern/pattern.h"
#include "store/route_id.h"
#include "transform/input.h"

namespace cxbridge::bus {

struct RetryPolicy {
  int maximum_retry_attempts = 185;          // 0–185
  int64_t maximum_event_age_seconds = 86400;  // 60–86400
};

// One target of one rule, resolved. Immutable.
struct RouteTarget {
  store::RouteId id;  // {bus, rule, target id}
  std::string key;    // id.Key(): the routing table's and the scheduler's map key
  std::string bus, rule, rule_arn;
  TargetDef def;
  RetryPolicy retry;
  std::string dead_letter_arn;  // DeadLetterConfig.Arn, empty when none
  // Input / InputPath / InputTransformer, compiled when the rule was saved.
  std::shared_ptr<const transform::CompiledInput> input;
};

struct RouteRule {
  RuleDef def;
  std::string arn;
  std::vector<std::shared_ptr<const RouteTarget>> targets;
};

struct RouteBus {
  std::string name;
  std::unique_ptr<pattern::RuleMatcher> matcher;  // enabled rules with a pattern, id = rule name
  std::map<std::string, RouteRule> rules;         // all rules of the bus, by name
};

struct RouteTable {
  std::map<std::string, std::shared_ptr<RouteBus>> buses;
  std::map<std::string, std::shared_ptr<const RouteTarget>> targets;  // by key
  std::vector<std::string> shadowed;  // "bus/rule" API rules hidden by config rules
  uint64_t version = 0;
};

class Router : public DefinitionSink {
 public:
  Router(std::string account, std::string region);

  // Replaces the config-file definitions (marked Origin::kConfig: trusted). Fails (and changes
  // nothing) when a pattern or target does not compile; the message names the rule.
  Status SetConfigDefinitions(std::vector<BusDef> buses, std::vector<RuleDef> rules);
  // Replaces the API definitions (DefinitionSink; marked Origin::kApi: held to the address guard
  // and the local-target switch). Invalid API rules were validated on save; any that still fail
  // are skipped and logged.
  void SetApiDefinitions(std::vector<BusDef> buses, std::vector<RuleDef> rules) override;

  // The targets an event goes to. Unknown bus → NotFound. Malformed event → InvalidArgument.
  Status Route(const IncomingEvent& event, std::vector<std::shared_ptr<const RouteTarget>>* out) const;

  std::shared_ptr<const RouteTable> table() const;
  // Called (outside the lock) after every successful change.
  void OnChange(std::function<void(std::shared_ptr<const RouteTable>)> fn);
  // Checks each config-file target when the config is loaded (deliver's TargetRegistry::Validate:
  // e.g. an AWS target without AWS credentials); an error fails the load and names rule and
  // target. API targets are checked by PutTargets instead.
  void SetTargetCheck(std::function<Status(const TargetDef&)> check);

  std::string RuleArn(std::string_view bus, std::string_view rule) const;
  static Result<RetryPolicy> ParseRetryPolicy(const json::Value& target);

 private:
  Result<std::shared_ptr<RouteTable>> Build(const std::vector<BusDef>& cbuses,
                                            const std::vector<RuleDef>& crules,
                                            const std::vector<BusDef>& abuses,
                                            const std::vector<RuleDef>& arules, bool strict) const;
  void Publish(std::shared_ptr<RouteTable> t);

  std::string account_, region_;
  mutable std::mutex mu_;
  std::vector<BusDef> config_buses_, api_buses_;  // guarded by mu_
  std::vector<RuleDef> config_rules_, api_rules_;  // guarded by mu_
  std::shared_ptr<const RouteTable> table_;        // guarded by mu_
  std::vector<std::function<void(std::shared_ptr<const RouteTable>)>> listeners_;
  std::function<Status(const TargetDef&)> target_check_;  // guarded by mu_
  uint64_t version_ = 0;
};

}  // namespace cxbridge::bus
