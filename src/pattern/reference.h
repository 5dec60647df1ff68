// The reference evaluator: a direct, obviously-correct reading of the EventBridge semantics,
// used as the oracle for the automaton (machine.h) in differential tests and fuzzing. It builds a
// full tree of the event and checks every SubPattern by backtracking; it is slow on purpose.
//
// Semantics implemented (eventbridge.md §1): the event is flattened into leaves (path, value,
// array trail); `[]` and `{}` contribute no leaves; a FieldConstraint holds if some leaf at its
// path satisfies one of its conditions, or (exists:false) no leaf has its path; all constraints of
// a SubPattern must be satisfied by leaves that agree on every array they share (array
// consistency); the pattern matches if any SubPattern does.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/status.h"
#include "pattern/compile.h"

namespace cxbridge::pattern::internal {

// kInvalidArgument "Parameter Event is not valid." when the event is not a JSON object.
Result<bool> ReferenceMatch(const CompiledPattern& pattern, std::string_view event_json);

}  // namespace cxbridge::pattern::internal
