// The compiled automaton: N patterns -> one immutable Machine; MatchContext runs events through it.
//
// Design (docs/pattern.md has the long form):
//  * Field level: every field path any pattern names is interned; a trie over key segments
//    (event keys are split at '.', so dotted keys equal nesting) tells the event walker which
//    members to descend into. The walker is a lazy scanner (event_scan.h): members no pattern
//    names are skipped structurally (string- and bracket-aware SIMD skip), values are parsed only
//    where a field is named, and reading stops once every named member was seen.
//  * Value level: per field, one global open-addressing hash index answers exact, prefix and
//    suffix lookups (one probe per distinct prefix/suffix length), the same for case-folded
//    values, and anything-but exclusion sets; numbers go through a sorted breakpoint table whose
//    regions carry precomputed match lists (exact numbers, ranges, anything-but numbers).
//    So the cost per event value does not grow with the number of rules for exact / prefix /
//    suffix / equals-ignore-case / numeric patterns; anything-but costs O(rules that match).
//    Wildcards are prefiltered by their literal head; cidr ranges are scanned.
//  * Rule level: each `$or` combination is a conjunction of per-field slots. A value hit marks a
//    slot; a conjunction completes when all its slots are marked (generation-stamped counters,
//    nothing cleared per event). exists:false is checked at the end against the set of seen
//    fields; array consistency is checked only for completed conjunctions whose hits came from
//    inside arrays.
//
// Thread-safety: a Machine is immutable after Compile and may be shared by any number of
// threads. A MatchContext is scratch space for one thread at a time (not thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::pattern {

namespace internal {
struct CompiledPattern;
struct MachineData;
}  // namespace internal

class Machine {
 public:
  // Compiles patterns; pattern i is reported by index i. On error the status is the Validate
  // error of the first bad pattern and *failed_index (if given) names it.
  static Result<std::shared_ptr<const Machine>> Compile(const std::vector<std::string_view>& patterns,
                                                        size_t* failed_index = nullptr);
  // Builds from already-compiled patterns (RuleMatcher keeps them to make rebuilds cheap).
  static std::shared_ptr<const Machine> Build(
      const std::vector<const internal::CompiledPattern*>& patterns);

  ~Machine();
  size_t pattern_count() const;
  const internal::MachineData& data() const { return *data_; }

 private:
  Machine() = default;
  std::unique_ptr<internal::MachineData> data_;
};

// Scratch space for matching: scanner state, a padded copy of the event (Match only), and
// per-slot generation stamps. Reuse one per thread; after warm-up Match does not allocate.
class MatchContext {
 public:
  // Bytes that must be readable after the event text for MatchPadded: the scanner loads 64 bytes
  // at a time (never interpreting bytes past the event); simdjson needs the same.
  static constexpr size_t kPadding = 64;

  MatchContext();
  ~MatchContext();
  MatchContext(const MatchContext&) = delete;
  MatchContext& operator=(const MatchContext&) = delete;

  // Appends the indices of all matching patterns to *out (each at most once, any order).
  // kInvalidArgument "Parameter Event is not valid." when the event is not a JSON object or is
  // malformed in a part the matcher reads. Parts no pattern names are skipped with structural
  // checks only (strings terminated, brackets balanced); anything after an early exit is not read.
  Status Match(const Machine& m, std::string_view event_json, std::vector<uint32_t>* out);
  // Same, without copying: data[len .. len + kPadding) must be readable.
  Status MatchPadded(const Machine& m, const char* data, size_t len, std::vector<uint32_t>* out);

  // Early exit (default on): inside an object, once every member some pattern names has been
  // read, the rest of that object is skipped unread (the root included, so e.g. a large
  // "geometry" after "properties" costs nothing when no pattern names it). The trade-off: a
  // *repeated* key later in the same object (duplicate keys, or "a" followed by a dotted "a.b")
  // is not seen. Objects holding dotted keys before that point are read to the end. Turn it off
  // for exact reading of such events (TestEventPattern does).
  void set_early_exit(bool on);
  // Walk events with simdjson On-Demand (which indexes the whole event first) instead of the lazy
  // scanner. Slower; kept as an independent cross-check for tests and benchmarks. Default off.
  void set_simdjson(bool on);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The simdjson kernel compiled in (e.g. "haswell", "icelake"); "fallback" means no SIMD.
std::string_view SimdjsonKernel();

}  // namespace cxbridge::pattern
