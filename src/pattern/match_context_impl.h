// MatchContext::Impl: the per-thread state of the match path and the transitions one leaf value
// makes in the automaton (machine.h, machine_data.h). Internal to src/pattern: included only by
// the files that together implement MatchContext,
//   machine_match.cc           entry points, Run, and the lazy scanner walk (the default hot path);
//   machine_match_complete.cc  completing multi-field conjunctions from the recorded values;
//   machine_match_simdjson.cc  the simdjson On-Demand walk, kept as a cross-check.
// The per-value transitions (OnString/OnNumber/OnOther, Hit, Emit, ...), trie stepping and Finish
// are defined in the class body here because every value of every event goes through them: each
// walker's translation unit must be able to inline them.
// Not thread-safe: one MatchContext per thread.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pattern/case_fold.h"
#include "pattern/event_scan.h"
#include "pattern/machine.h"
#include "pattern/machine_data.h"

namespace cxbridge::pattern {

// (Namespace-scope aliases in a header: acceptable only because this header is internal to the
// machine_match*.cc files.)
using internal::kNone;
using internal::ListRef;
using internal::MachineData;
namespace od = simdjson::ondemand;

struct MatchContext::Impl {
  od::parser parser;
  std::vector<char> buf;
  std::string fold;

  // Generation-stamped state, indexed by conjunction / field / pattern / anything-but id.
  uint32_t gen = 0;
  uint32_t value_seq = 0;
  std::vector<uint32_t> conj_stamp, field_stamp, pattern_stamp, ab_stamp;
  std::vector<uint32_t> candidates;
  struct Hit {
    uint32_t slot;
    uint32_t trail;
  };
  std::vector<Hit> hits;
  // Values of fields that non-lead slots read, for Finish.
  struct Leaf {
    enum Type : uint8_t { kString, kNumber, kTrue, kFalse, kNull };
    uint32_t field;
    Type type;
    std::string_view str;
    double num;
    uint32_t trail;
  };
  std::vector<Leaf> leaves;
  std::string fold2;
  // Array trails: trail t is trail_items[trails[t].off, +len); trail 0 is "not in an array".
  std::vector<std::pair<uint32_t, uint32_t>> trail_items;
  std::vector<ListRef> trails;
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // (array instance, element index)
  uint32_t arrays = 0;
  uint32_t cur_trail = kNone;  // trail id of the current leaf, materialized lazily

  const MachineData* d = nullptr;
  bool early_exit = true;
  bool use_simdjson = false;
  std::vector<uint32_t>* out = nullptr;
  // Array-consistency search scratch.
  std::vector<std::vector<uint32_t>> per_slot;
  std::vector<uint32_t> chosen;

  void Prepare(const MachineData& md) {
    d = &md;
    auto grow = [](std::vector<uint32_t>& v, size_t n) {
      if (v.size() < n) v.resize(n, 0);
    };
    grow(conj_stamp, md.conjs.size());
    grow(field_stamp, md.fields.size());
    grow(pattern_stamp, md.pattern_count);
    grow(ab_stamp, md.ab_slot.size());
    if (++gen == 0) {
      // Wrapped: old stamps could collide with new generations.
      for (auto* v : {&conj_stamp, &field_stamp, &pattern_stamp}) {
        std::fill(v->begin(), v->end(), 0);
      }
      gen = 1;
    }
    candidates.clear();
    hits.clear();
    leaves.clear();
    trail_items.clear();
    trails.clear();
    trails.push_back(ListRef{0, 0});
    stack.clear();
    arrays = 0;
  }

  void MatchPattern(uint32_t p) {
    if (pattern_stamp[p] != gen) {
      pattern_stamp[p] = gen;
      out->push_back(p);
    }
  }

  uint32_t Trail() {
    if (cur_trail == kNone) {
      if (stack.empty()) {
        cur_trail = 0;
      } else {
        cur_trail = static_cast<uint32_t>(trails.size());
        trails.push_back(ListRef{static_cast<uint32_t>(trail_items.size()),
                                 static_cast<uint32_t>(stack.size())});
        trail_items.insert(trail_items.end(), stack.begin(), stack.end());
      }
    }
    return cur_trail;
  }

  // `slot` is always a lead slot (the only kind indexed in the field tables).
  void Hit(uint32_t slot) {
    const uint32_t c = d->slot_conj[slot];
    const internal::Conjunction& cj = d->conjs[c];
    if (pattern_stamp[cj.pattern] == gen) return;  // already matched
    if (cj.positive == 1 && cj.absent.len == 0) {
      MatchPattern(cj.pattern);
      return;
    }
    if (cj.positive > 1) hits.push_back({slot, Trail()});
    if (conj_stamp[c] != gen) {
      conj_stamp[c] = gen;
      candidates.push_back(c);
    }
  }

  void Emit(ListRef l) {
    const uint32_t* p = d->pool.data() + l.off;
    for (uint32_t i = 0; i < l.len; ++i) Hit(p[i]);
  }
  void EmitFound(const internal::IndexEntry* e) {
    if (e) Emit(e->list);
  }
  // Anything-but exclusions are per value (each array element is judged on its own), so they are
  // stamped with a per-value sequence number rather than the per-event generation.
  void NextValue() {
    if (++value_seq == 0) {
      std::fill(ab_stamp.begin(), ab_stamp.end(), 0);
      value_seq = 1;
    }
  }
  void Exclude(ListRef l) {
    const uint32_t* p = d->pool.data() + l.off;
    for (uint32_t i = 0; i < l.len; ++i) ab_stamp[p[i]] = value_seq;
  }
  // Every anything-but condition of the field not excluded for this value matches it.
  void EmitAnythingBut(const internal::FieldTable& T) {
    for (uint32_t i = 0; i < T.ab_count; ++i) {
      const uint32_t ab = T.ab_first + i;
      if (ab_stamp[ab] != value_seq) Hit(d->ab_slot[ab]);
    }
  }

  void OnString(uint32_t fid, std::string_view s) {
    const internal::FieldTable& T = d->fields[fid];
    Emit(T.exists);
    const char* p = s.data();
    const size_t n = s.size();
    if (T.has_exact) EmitFound(d->Find(fid, internal::kTagExact, p, n));
    const uint32_t* lens = d->lens.data();
    for (uint32_t i = 0; i < T.prefix_lens.len; ++i) {
      const uint32_t L = lens[T.prefix_lens.off + i];
      if (L > n) break;
      EmitFound(d->Find(fid, internal::kTagPrefix, p, L));
    }
    for (uint32_t i = 0; i < T.suffix_lens.len; ++i) {
      const uint32_t L = lens[T.suffix_lens.off + i];
      if (L > n) break;
      EmitFound(d->Find(fid, internal::kTagSuffix, p + n - L, L));
    }
    for (uint32_t i = 0; i < T.wc_head_lens.len; ++i) {
      const uint32_t L = lens[T.wc_head_lens.off + i];
      if (L > n) break;
      if (const auto* e = d->Find(fid, internal::kTagWcHead, p, L)) Wildcards(e->list, s);
    }
    if (T.wc_always.len) Wildcards(T.wc_always, s);
    if (T.ips.len) {
      internal::IpAddress a;
      if (internal::ParseIp(s, &a)) {
        for (uint32_t i = 0; i < T.ips.len; ++i) {
          const auto& e = d->ip_entries[T.ips.off + i];
          if (e.range.Contains(a)) Hit(e.slot);
        }
      }
    }
    std::string_view f;
    if (T.needs_fold) {
      fold.clear();
      internal::AppendFolded(s, &fold);
      f = fold;
      if (T.has_ic_exact) EmitFound(d->Find(fid, internal::kTagIc, f.data(), f.size()));
      for (uint32_t i = 0; i < T.prefix_ic_lens.len; ++i) {
        const uint32_t L = lens[T.prefix_ic_lens.off + i];
        if (L > f.size()) break;
        EmitFound(d->Find(fid, internal::kTagPrefixIc, f.data(), L));
      }
      for (uint32_t i = 0; i < T.suffix_ic_lens.len; ++i) {
        const uint32_t L = lens[T.suffix_ic_lens.off + i];
        if (L > f.size()) break;
        EmitFound(d->Find(fid, internal::kTagSuffixIc, f.data() + f.size() - L, L));
      }
    }
    if (T.ab_count) {
      if (T.has_ab_exact) {
        if (const auto* e = d->Find(fid, internal::kTagAbExact, p, n)) Exclude(e->list);
      }
      for (uint32_t i = 0; i < T.ab_prefix_lens.len; ++i) {
        const uint32_t L = lens[T.ab_prefix_lens.off + i];
        if (L > n) break;
        if (const auto* e = d->Find(fid, internal::kTagAbPrefix, p, L)) Exclude(e->list);
      }
      for (uint32_t i = 0; i < T.ab_suffix_lens.len; ++i) {
        const uint32_t L = lens[T.ab_suffix_lens.off + i];
        if (L > n) break;
        if (const auto* e = d->Find(fid, internal::kTagAbSuffix, p + n - L, L)) Exclude(e->list);
      }
      if (T.has_ab_ic) {
        if (const auto* e = d->Find(fid, internal::kTagAbIc, f.data(), f.size())) Exclude(e->list);
      }
      for (uint32_t i = 0; i < T.ab_wildcards.len; ++i) {
        const auto& e = d->ab_wc[T.ab_wildcards.off + i];
        if (e.wildcard.Matches(s)) ab_stamp[e.id] = value_seq;
      }
      EmitAnythingBut(T);
    }
  }

  void Wildcards(ListRef l, std::string_view s) {
    const uint32_t* p = d->pool.data() + l.off;
    for (uint32_t i = 0; i < l.len; ++i) {
      const auto& e = d->wc_pool[p[i]];
      if (e.wildcard.Matches(s)) Hit(e.id);
    }
  }

  void OnNumber(uint32_t fid, double v) {
    const internal::FieldTable& T = d->fields[fid];
    Emit(T.exists);
    if (T.has_numbers && !std::isnan(v)) {
      const double* pts = d->points.data() + T.num_first;
      const size_t i = std::lower_bound(pts, pts + T.num_count, v) - pts;
      const size_t r = (i < T.num_count && pts[i] == v) ? 2 * i + 1 : 2 * i;
      Emit(d->regions[T.region_first + r]);
      if (T.ab_count) Exclude(d->ab_regions[T.region_first + r]);
    }
    if (T.ab_count) EmitAnythingBut(T);
  }

  void OnOther(uint32_t fid, ListRef l) {
    const internal::FieldTable& T = d->fields[fid];
    Emit(T.exists);
    Emit(l);
    if (T.ab_count) EmitAnythingBut(T);
  }

  // Child of `node` for one key segment; *index is the child's position among its siblings.
  uint32_t Child(uint32_t node, std::string_view seg, uint32_t* index) const {
    const internal::TrieNode& n = d->nodes[node];
    if (n.hashed_children) {
      const auto* e = d->Find(node, internal::kTagTrie, seg.data(), seg.size());
      *index = kNone;
      return e ? e->list.off : kNone;
    }
    const internal::TrieEdge* e = d->edges.data() + n.child_first;
    for (uint32_t i = 0; i < n.child_count; ++i) {
      if (e[i].key_len == seg.size() &&
          internal::EqualBytes(d->key_bytes.data() + e[i].key_off, seg.data(), seg.size())) {
        *index = i;
        return e[i].node;
      }
    }
    return kNone;
  }

  // Event keys containing '.' step through several trie levels ("a.b" == "a" -> "b").
  uint32_t StepDotted(uint32_t node, std::string_view key) const {
    uint32_t idx;
    while (true) {
      const size_t k = key.find('.');
      if (k == std::string_view::npos) return Child(node, key, &idx);
      node = Child(node, key.substr(0, k), &idx);
      if (node == kNone) return kNone;
      key.remove_prefix(k + 1);
    }
  }

  // ---- The simdjson On-Demand walk (machine_match_simdjson.cc), a cross-check. ----
  bool SjWalkObject(od::object obj, uint32_t node);
  // Declared inline: defined in, and called only from, machine_match_simdjson.cc.
  inline bool SjWalkValue(od::value v, uint32_t node);

  // ---- The lazy scanner walk (default). ----
  // Each Scan* returns -1 when the event is malformed where it was read, else the number of
  // containers (this value's own included) left open by an early exit: 0 = the value was read to
  // its end. A caller that continues reading skips those containers first.
  static constexpr int kMaxDepth = 1024;  // nesting of named paths and arrays (simdjson's default)
  static constexpr size_t kPrefetchBytes = 4096;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  internal::scan::StringWindow win_;  // string masks of the current 64-byte window
  std::string key_buf;  // unescaped keys
  std::string arena;    // unescaped string values (capacity >= event length: views stay valid)

  void BeginLeaf(uint32_t fid) {
    field_stamp[fid] = gen;
    cur_trail = kNone;
    NextValue();
  }

  // Defined in machine_match.cc, their only caller; declared inline so that they are compiled
  // and inlined there exactly as when they were written in this class body.
  inline int ScanValue(uint32_t node, int depth);
  inline int ScanObject(uint32_t node, int depth);
  inline bool Scan(const char* data, size_t len);
  inline Status Run(const MachineData& md, const char* data, size_t len, std::vector<uint32_t>* o);

  // ---- Completion (machine_match_complete.cc). ----
  // Complete is called from Finish below, i.e. from machine_match.cc; the others only from
  // machine_match_complete.cc (declared inline for the same reason as the scanner walk).
  bool Complete(uint32_t c);
  inline bool Choose(size_t k);
  inline std::string_view FoldedLeaf(const Leaf& l);
  inline bool Eval(const internal::Condition& c, const Leaf& l);

  bool AbsentOk(const internal::Conjunction& cj) const {
    for (uint32_t i = 0; i < cj.absent.len; ++i) {
      if (field_stamp[d->absent_fields[cj.absent.off + i]] == gen) return false;
    }
    return true;
  }

  void Finish() {
    for (uint32_t c : candidates) {
      const internal::Conjunction& cj = d->conjs[c];
      if (pattern_stamp[cj.pattern] == gen) continue;
      if (!AbsentOk(cj)) continue;
      if (cj.positive > 1 && !Complete(c)) continue;
      MatchPattern(cj.pattern);
    }
    for (uint32_t c : d->absence_only) {
      const internal::Conjunction& cj = d->conjs[c];
      if (pattern_stamp[cj.pattern] != gen && AbsentOk(cj)) MatchPattern(cj.pattern);
    }
  }
};

}  // namespace cxbridge::pattern
