// The EventBridge event-pattern engine: the calls the rest of cxbridge codes against.
//
//   Validate          checks one pattern, answering AWS's InvalidEventPatternException text.
//   TestEventPattern  the TestEventPattern API: does this event match this pattern?
//   RuleMatcher       many rules compiled into one automaton (machine.h); Match is the hot path.
//
// Semantics: ../shared/reference/eventbridge.md §1 (exact strings/numbers/booleans/null, prefix,
// suffix, equals-ignore-case, wildcard, anything-but in all forms, numeric, cidr, exists, $or,
// arrays with array consistency, dotted keys, duplicate keys last-wins). docs/pattern.md explains
// the design. This library does no I/O and starts no threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::pattern {

// Validates one pattern. Non-OK status (kInvalidArgument) carries AWS's
// InvalidEventPatternException message text exactly as recorded
// ("Event pattern is not valid. Reason: ..."). Safe from any thread.
Status Validate(std::string_view pattern_json);

// TestEventPattern semantics. A bad pattern gives the Validate error; an event that is not a JSON
// object (or is malformed JSON) gives kInvalidArgument "Parameter Event is not valid.", AWS's
// ValidationException text. Safe from any thread.
Result<bool> TestEventPattern(std::string_view pattern_json, std::string_view event_json);

class Machine;

// Many rules compiled into one automaton.
// Thread-safety: Match may be called from any number of threads concurrently with AddRule /
// RemoveRule from another thread. Readers never block: mutations build a new immutable snapshot
// (rules + compiled Machine) under a writer-only mutex and publish it with an atomic pointer
// swap; Match reads whichever snapshot is current and uses per-thread scratch space.
class RuleMatcher {
 public:
  RuleMatcher();
  ~RuleMatcher();
  RuleMatcher(const RuleMatcher&) = delete;
  RuleMatcher& operator=(const RuleMatcher&) = delete;

  // Adds a rule, replacing any rule with the same id. An invalid pattern leaves the matcher
  // unchanged and returns the Validate error. Cost: recompiles the automaton (milliseconds for
  // thousands of rules); rules are kept compiled, so only indexing is redone.
  Status AddRule(std::string_view rule_id, std::string_view pattern_json);
  // Removes the rule if present.
  void RemoveRule(std::string_view rule_id);
  // Appends the ids of all rules whose pattern matches (each at most once, any order).
  // kInvalidArgument when the event is not a JSON object.
  Status Match(std::string_view event_json, std::vector<std::string>* matched) const;
  // Number of rules.
  size_t size() const;

  struct Snapshot;

 private:
  Status Publish(std::shared_ptr<Snapshot> next);

  std::mutex write_mu_;  // serializes writers only; never taken by Match
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace cxbridge::pattern
