// Completing conjunctions (MatchContext::Impl, match_context_impl.h). A conjunction whose lead slot
// was hit during the walk matches only if every other slot is satisfied by some recorded value of
// its field (Eval: the semantics of reference.cc on the recorded form) and, when values come from
// arrays, one consistent choice of array elements satisfies all slots at once (Choose). Called
// from Finish once per candidate conjunction with more than one positive slot.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "pattern/case_fold.h"
#include "pattern/machine_data.h"
#include "pattern/match_context_impl.h"

namespace cxbridge::pattern {
namespace {

bool Compatible(const std::pair<uint32_t, uint32_t>* a, uint32_t na,
                const std::pair<uint32_t, uint32_t>* b, uint32_t nb) {
  for (uint32_t i = 0; i < na && i < nb; ++i) {
    if (a[i].first != b[i].first) return true;
    if (a[i].second != b[i].second) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() &&
         std::memcmp(s.data() + s.size() - p.size(), p.data(), p.size()) == 0;
}

}  // namespace

bool MatchContext::Impl::Choose(size_t k) {
  if (k == per_slot.size()) return true;
  for (uint32_t t : per_slot[k]) {
    const ListRef& lt = trails[t];
    bool ok = true;
    for (uint32_t c : chosen) {
      const ListRef& lc = trails[c];
      if (!Compatible(trail_items.data() + lt.off, lt.len, trail_items.data() + lc.off, lc.len)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    chosen.push_back(t);
    if (Choose(k + 1)) return true;
    chosen.pop_back();
  }
  return false;
}

std::string_view MatchContext::Impl::FoldedLeaf(const Leaf& l) {
  fold2.clear();
  internal::AppendFolded(l.str, &fold2);
  return fold2;
}

// One condition of a non-lead slot against one recorded value (the semantics of
// reference.cc, on the recorded form).
bool MatchContext::Impl::Eval(const internal::Condition& c, const Leaf& l) {
  using K = internal::CondKind;
  const bool is_str = l.type == Leaf::kString, is_num = l.type == Leaf::kNumber;
  switch (c.kind) {
    case K::kExactString: return is_str && l.str == c.str;
    case K::kExactNumber: return is_num && l.num == c.num;
    case K::kTrue: return l.type == Leaf::kTrue;
    case K::kFalse: return l.type == Leaf::kFalse;
    case K::kNull: return l.type == Leaf::kNull;
    case K::kPrefix: return is_str && StartsWith(l.str, c.str);
    case K::kSuffix: return is_str && EndsWith(l.str, c.str);
    case K::kPrefixIc: return is_str && StartsWith(FoldedLeaf(l), c.str);
    case K::kSuffixIc: return is_str && EndsWith(FoldedLeaf(l), c.str);
    case K::kEqualsIc: return is_str && FoldedLeaf(l) == c.str;
    case K::kWildcard: return is_str && c.wildcard.Matches(l.str);
    case K::kNumeric: return is_num && !std::isnan(l.num) && c.range.Contains(l.num);
    case K::kIpRange: {
      internal::IpAddress a;
      return is_str && internal::ParseIp(l.str, &a) && c.ip.Contains(a);
    }
    case K::kExists: return true;
    case K::kAbsent: return false;
    case K::kAbStrings:
      if (!is_str) return true;
      for (const auto& x : c.strs) {
        if (l.str == x) return false;
      }
      return true;
    case K::kAbNumbers:
      if (!is_num) return true;
      for (double x : c.nums) {
        if (l.num == x) return false;
      }
      return true;
    case K::kAbPrefixes:
      if (!is_str) return true;
      for (const auto& x : c.strs) {
        if (StartsWith(l.str, x)) return false;
      }
      return true;
    case K::kAbSuffixes:
      if (!is_str) return true;
      for (const auto& x : c.strs) {
        if (EndsWith(l.str, x)) return false;
      }
      return true;
    case K::kAbIc: {
      if (!is_str) return true;
      std::string_view f = FoldedLeaf(l);
      for (const auto& x : c.strs) {
        if (f == x) return false;
      }
      return true;
    }
    case K::kAbWildcards:
      if (!is_str) return true;
      for (const auto& w : c.wildcards) {
        if (w.Matches(l.str)) return false;
      }
      return true;
  }
  return false;
}

// All slots of a candidate conjunction: the lead's hits, and the recorded values that satisfy
// each other slot; then array consistency over the value trails.
bool MatchContext::Impl::Complete(uint32_t c) {
  const internal::Conjunction& cj = d->conjs[c];
  per_slot.resize(cj.positive);
  bool any_trail = false;
  for (uint32_t k = 0; k < cj.positive; ++k) {
    auto& v = per_slot[k];
    v.clear();
    const uint32_t slot = cj.first_slot + k;
    if (k == cj.lead) {
      for (const auto& h : hits) {
        if (h.slot == slot && std::find(v.begin(), v.end(), h.trail) == v.end()) {
          v.push_back(h.trail);
        }
      }
    } else {
      const uint32_t fid = d->slot_field[slot];
      const ListRef cl = d->slot_conds[slot];
      for (const Leaf& l : leaves) {
        if (l.field != fid) continue;
        for (uint32_t i = 0; i < cl.len; ++i) {
          if (Eval(d->conds[cl.off + i], l)) {
            if (std::find(v.begin(), v.end(), l.trail) == v.end()) v.push_back(l.trail);
            break;
          }
        }
      }
    }
    if (v.empty()) return false;
    for (uint32_t t : v) any_trail |= t != 0;
  }
  if (!any_trail) return true;
  chosen.clear();
  return Choose(0);
}

}  // namespace cxbridge::pattern
