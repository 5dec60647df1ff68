// Normalization steps: the declarative operations a `schemas:` rule set applies to an event,
// and the registry that maps a step kind (the YAML key, e.g. `copy`) to its factory.
//
// One extension, one place (STYLE.md): a new step kind is one class plus one line in
// RegisterBuiltins() (normalize_steps.cc). A factory validates its arguments once, at config
// load, and returns an immutable Step; Apply runs per event.
//
// Thread-safety: Steps are immutable after construction and Apply is const: safe from any
// thread. A StepRegistry is filled once, before use, then only read.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::transform {

class Step {
 public:
  virtual ~Step() = default;
  // Applies the step to a whole EventBridge event. Sets *changed when the event was modified
  // (it is not reset otherwise). A non-OK status (kInvalidArgument) means this event cannot be
  // normalized: the caller quarantines it with the message. Never throws.
  virtual Status Apply(json::Value* event, bool* changed) const = 0;
};

// Builds a Step from its arguments (the value under the step's kind key). Errors are
// kInvalidArgument naming the argument; the caller prefixes the step's location.
using StepFactory = std::function<Result<std::unique_ptr<const Step>>(const json::Value& args)>;

class StepRegistry {
 public:
  // kAlreadyExists when `kind` is taken.
  Status Register(std::string kind, StepFactory factory);
  // nullptr when unknown.
  const StepFactory* Find(std::string_view kind) const;
  // Registered kinds in registration order (for error messages and docs).
  std::string KindList() const;

 private:
  std::vector<std::pair<std::string, StepFactory>> factories_;
};

// Registers every built-in step kind: rename (alias move), copy, default, delete, timestamp,
// map, rename_topic. See src/transform/README.md for their arguments.
void RegisterBuiltins(StepRegistry* registry);

// A registry with RegisterBuiltins() applied, built on first use (thread-safe static init).
const StepRegistry& BuiltinSteps();

// Helpers for factories: checks that `args` is an object whose keys are all in `allowed`.
Status CheckStepArgs(const json::Value& args, std::initializer_list<std::string_view> allowed);

}  // namespace cxbridge::transform
