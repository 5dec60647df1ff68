// The pattern compiler: EventBridge pattern JSON -> a validated, normalized syntax tree.
//
// A pattern compiles to a disjunction of SubPatterns (one per `$or` combination). Each SubPattern
// is a conjunction of FieldConstraints keyed by the dotted field path ("detail.state"); a
// FieldConstraint holds the OR-list of Conditions from the pattern array. Within one SubPattern a
// path appears once (duplicate keys, dotted or nested, resolve last-one-wins, in document order).
// Both the reference evaluator (reference.h) and the automaton (machine.h) consume this tree.
//
// Errors: kInvalidArgument whose message is AWS's full InvalidEventPatternException text
// ("Event pattern is not valid. Reason: ...").
// Thread-safety: CompilePattern is a pure function; results are values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pattern/cidr.h"
#include "pattern/wildcard.h"

namespace cxbridge::pattern::internal {

// Most `$or` combinations one pattern may expand to (AWS documents 1000).
constexpr size_t kMaxOrCombinations = 1000;
inline constexpr std::string_view kErrorPrefix = "Event pattern is not valid. Reason: ";

enum class CondKind {
  kExactString,   // str
  kExactNumber,   // num (compared as doubles: 300 == 300.0 == 3e2)
  kTrue,
  kFalse,
  kNull,
  kPrefix,        // str (bytes)
  kPrefixIc,      // str, already case-folded
  kSuffix,        // str
  kSuffixIc,      // str, folded
  kEqualsIc,      // str, folded
  kWildcard,      // wildcard
  kNumeric,       // range
  kIpRange,       // ip (cidr, or an exact string that is an IP address)
  kExists,        // exists: true
  kAbsent,        // exists: false
  kAbStrings,     // anything-but strings: strs
  kAbNumbers,     // anything-but numbers: nums
  kAbPrefixes,    // anything-but prefix: strs
  kAbSuffixes,    // anything-but suffix: strs
  kAbIc,          // anything-but equals-ignore-case: strs (folded)
  kAbWildcards,   // anything-but wildcard: wildcards
};

struct NumericRange {
  bool has_lo = false, lo_open = false, has_hi = false, hi_open = false;
  double lo = 0, hi = 0;
  bool Contains(double v) const {
    if (has_lo && (lo_open ? !(v > lo) : !(v >= lo))) return false;
    if (has_hi && (hi_open ? !(v < hi) : !(v <= hi))) return false;
    return true;
  }
};

struct Condition {
  CondKind kind = CondKind::kExactString;
  std::string str;
  double num = 0;
  NumericRange range;
  IpRange ip;
  std::vector<std::string> strs;
  std::vector<double> nums;
  std::vector<Wildcard> wildcards;
  Wildcard wildcard;

  bool is_anything_but() const { return kind >= CondKind::kAbStrings; }
};

struct FieldConstraint {
  std::string path;  // segments joined with '.'
  std::vector<Condition> conds;
};

struct SubPattern {
  std::vector<FieldConstraint> fields;  // sorted by path, unique paths
};

struct CompiledPattern {
  std::vector<SubPattern> subs;
};

Result<CompiledPattern> CompilePattern(std::string_view pattern_json);

}  // namespace cxbridge::pattern::internal
