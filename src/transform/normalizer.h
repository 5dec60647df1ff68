// Schema normalization: the `schemas:` section compiled into an immutable Normalizer that
// gives events one stable shape before rules are matched (accept path: verify → normalize →
// dedup → log). Config format: src/transform/README.md.
//
// A Normalizer is an ordered list of rule sets. Each rule set selects events by source and
// detail-type (TopicGlob globs, {id} and *) and optionally by a version field, then applies
// its steps in order and checks its `require` paths. Every rule set that selects the event
// applies, in config order, each seeing the event as the previous ones left it (so a topic
// rename can come first and the new topic's rule set after it).
//
// Outcomes:
//   kUnchanged   no rule set changed the event: accept it as it is.
//   kNormalized  at least one step changed it: accept the normalized event.
//   kQuarantine  the event cannot be normalized (a step failed, a required field is missing
//                after normalization, or its declared version matches no rule set that
//                declares versions for it): store it in the quarantine with `reason`; never a
//                4xx to the sender, never dropped. `*event` is then partially normalized:
//                quarantine the original bytes, which the caller still holds.
//
// Thread-safety: a compiled Normalizer is immutable; Normalize may run concurrently on any
// thread with distinct events. Reload = compile a new one and swap the shared_ptr.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "transform/json_path.h"
#include "transform/normalize_step.h"
#include "transform/topic_glob.h"

namespace cxbridge::transform {

class Normalizer {
 public:
  struct VersionSpec {
    JsonPath path;
    std::vector<std::string> values;  // compared with the field's string or number text
  };
  struct RuleSet {
    std::string name;
    std::vector<TopicGlob> sources;       // empty: any source
    std::vector<TopicGlob> detail_types;  // empty: any detail-type
    std::unique_ptr<VersionSpec> version;    // null: no version selection
    std::vector<std::unique_ptr<const Step>> steps;
    std::vector<std::string> step_names;     // "steps[2] (copy)", for quarantine reasons
    std::vector<JsonPath> require;
  };

  const std::vector<RuleSet>& rule_sets() const { return rule_sets_; }

 private:
  friend Result<std::shared_ptr<const Normalizer>> CompileNormalizer(const json::Value&,
                                                                     const StepRegistry&);
  std::vector<RuleSet> rule_sets_;
};

// Compiles the `schemas:` section (a list of rule sets; null means none). kInvalidArgument
// names the rule set and field: "schemas[1] (genesys-detail).steps[3].copy: 'from' is required".
Result<std::shared_ptr<const Normalizer>> CompileNormalizer(const json::Value& schemas_config);
// The same with a caller-supplied step registry (extensions, tests).
Result<std::shared_ptr<const Normalizer>> CompileNormalizer(const json::Value& schemas_config,
                                                            const StepRegistry& registry);

enum class NormalizeOutcome { kUnchanged, kNormalized, kQuarantine };

struct NormalizeResult {
  NormalizeOutcome outcome = NormalizeOutcome::kUnchanged;
  std::string reason;     // kQuarantine: why, naming the rule set and the field
  std::string rule_sets;  // names of the rule sets that applied, comma-separated
};

// Normalizes a whole EventBridge event in place. Never throws.
NormalizeResult Normalize(const Normalizer& normalizer, json::Value* event);

}  // namespace cxbridge::transform
