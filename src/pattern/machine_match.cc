// The matching hot path: walk the event with a lazy scanner (event_scan.h) that reads only the
// members some pattern names and skips the rest structurally, feed leaf values to their field
// tables, complete conjunctions. No allocation per event once the context's buffers have grown to
// the working size. The former simdjson On-Demand walker is kept as a cross-check
// (MatchContext::set_simdjson).
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "pattern/case_fold.h"
#include "pattern/event_scan.h"
#include "pattern/machine.h"
#include "pattern/machine_data.h"

namespace cxbridge::pattern {

using internal::kNone;
using internal::ListRef;
using internal::MachineData;
namespace od = simdjson::ondemand;

std::string_view SimdjsonKernel() {
#define CXB_STR2(x) #x
#define CXB_STR(x) CXB_STR2(x)
  return CXB_STR(SIMDJSON_BUILTIN_IMPLEMENTATION);
#undef CXB_STR
#undef CXB_STR2
}

namespace {
const Status& NotValid() {
  static const Status kStatus = Status::InvalidArgument("Parameter Event is not valid.");
  return kStatus;
}
}  // namespace

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

  bool SjWalkObject(od::object obj, uint32_t node) {
    const internal::TrieNode& n = d->nodes[node];
    if (n.child_count == 0) return true;
    // Early exit: once every child this node has was seen in this object, the rest of the object
    // is left unread (simdjson skips it). Disabled for objects with dotted keys, where "a" and
    // "a.b" may both contribute to the same child.
    bool can_stop = early_exit && !n.hashed_children && n.child_count <= 64;
    const uint64_t all = n.child_count == 64 ? ~uint64_t{0} : (uint64_t{1} << n.child_count) - 1;
    uint64_t seen = 0;
    for (auto member_result : obj) {
      od::field member;
      if (std::move(member_result).get(member)) return false;
      // Raw key bytes when they hold no escape (the common case): no copy, no unescaping.
      const char* raw = member.key().raw();
      size_t len = 0;
      bool plain = true, dotted = false;
      while (raw[len] != '"') {
        if (raw[len] == '\\') {
          plain = false;
          break;
        }
        dotted |= raw[len] == '.';
        ++len;
      }
      std::string_view key(raw, len);
      if (!plain) {
        if (member.unescaped_key().get(key)) return false;
        dotted = key.find('.') != std::string_view::npos;
      }
      uint32_t idx = kNone;
      uint32_t child;
      if (dotted) {
        can_stop = false;
        child = StepDotted(node, key);
      } else {
        child = Child(node, key, &idx);
      }
      if (child == kNone) continue;  // skipped unparsed by the iterator
      if (!SjWalkValue(member.value(), child)) return false;
      if (can_stop && idx != kNone) {
        seen |= uint64_t{1} << idx;
        if (seen == all) return true;
      }
    }
    return true;
  }

  bool SjWalkValue(od::value v, uint32_t node) {
    od::json_type t;
    if (v.type().get(t)) return false;
    const internal::TrieNode& n = d->nodes[node];
    switch (t) {
      case od::json_type::object: {
        if (n.child_count == 0) return true;
        od::object o;
        if (v.get_object().get(o)) return false;
        return SjWalkObject(o, node);
      }
      case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a)) return false;
        stack.emplace_back(arrays++, 0);
        const size_t depth = stack.size() - 1;
        uint32_t idx = 0;
        for (auto el : a) {
          od::value ev;
          if (el.get(ev)) return false;
          stack[depth].second = idx++;
          if (!SjWalkValue(ev, node)) return false;
        }
        stack.pop_back();
        return true;
      }
      default:
        break;
    }
    if (n.field == kNone) return true;
    const uint32_t fid = n.field;
    field_stamp[fid] = gen;
    cur_trail = kNone;
    NextValue();
    const bool record = d->fields[fid].record;
    switch (t) {
      case od::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        // Strings stay valid in the parser's string buffer until the next document.
        if (record) leaves.push_back(Leaf{fid, Leaf::kString, s, 0, Trail()});
        OnString(fid, s);
        return true;
      }
      case od::json_type::number: {
        double x;
        if (v.get_double().get(x)) x = std::nan("");  // out of double range: no numeric match
        if (record) leaves.push_back(Leaf{fid, Leaf::kNumber, {}, x, Trail()});
        OnNumber(fid, x);
        return true;
      }
      case od::json_type::boolean: {
        bool b;
        if (v.get_bool().get(b)) return false;
        if (record) leaves.push_back(Leaf{fid, b ? Leaf::kTrue : Leaf::kFalse, {}, 0, Trail()});
        const auto& T = d->fields[fid];
        OnOther(fid, b ? T.true_slots : T.false_slots);
        return true;
      }
      case od::json_type::null: {
        // (A simdjson_result<bool> converted to bool throws on error: ask for the error code.)
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return false;
        if (record) leaves.push_back(Leaf{fid, Leaf::kNull, {}, 0, Trail()});
        OnOther(fid, d->fields[fid].null_slots);
        return true;
      }
      default:
        return true;
    }
  }

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

  // p_ at the first byte of a value (p_ < end_).
  int ScanValue(uint32_t node, int depth) {
    if (depth > kMaxDepth) return -1;
    const internal::TrieNode& n = d->nodes[node];
    const char c = *p_;
    if (c == '{') {
      ++p_;
      if (n.child_count == 0) {  // an object is not a leaf, and nothing below it is named
        p_ = internal::scan::SkipContainers(p_, end_, 1);
        return p_ ? 0 : -1;
      }
      return ScanObject(node, depth + 1);
    }
    if (c == '[') {
      ++p_;
      p_ = internal::scan::SkipWs(p_, end_);
      if (p_ >= end_) return -1;
      if (*p_ == ']') {
        ++p_;
        return 0;
      }
      stack.emplace_back(arrays++, 0);
      const size_t sd = stack.size() - 1;
      uint32_t idx = 0;
      while (true) {
        stack[sd].second = idx++;
        const int r = ScanValue(node, depth + 1);
        if (r < 0) return -1;
        if (r > 0 && !(p_ = internal::scan::SkipContainers(p_, end_, r))) return -1;
        p_ = internal::scan::SkipWs(p_, end_);
        if (p_ >= end_) return -1;
        if (*p_ == ',') {
          p_ = internal::scan::SkipWs(p_ + 1, end_);
          if (p_ >= end_) return -1;
          continue;
        }
        if (*p_ == ']') {
          ++p_;
          break;
        }
        return -1;
      }
      stack.pop_back();
      return 0;
    }
    if (n.field == kNone) {  // a scalar where only deeper paths are named
      p_ = internal::scan::SkipValue(p_, end_);
      return p_ ? 0 : -1;
    }
    const uint32_t fid = n.field;
    const internal::FieldTable& T = d->fields[fid];
    switch (c) {
      case '"': {
        const char* s = p_ + 1;
        bool special = false, dot = false;
        const char* q = win_.Find(s, end_, &special, &dot);
        if (!q) return -1;
        std::string_view str;
        if (*q == '"') {
          if (special && !internal::scan::ValidStringBytes(s, q)) return -1;
          str = std::string_view(s, q - s);
          p_ = q + 1;
        } else {
          const size_t at = arena.size();
          p_ = internal::scan::ReadEscapedString(s, end_, &arena);
          if (!p_) return -1;
          str = std::string_view(arena.data() + at, arena.size() - at);
        }
        BeginLeaf(fid);
        if (T.record) leaves.push_back(Leaf{fid, Leaf::kString, str, 0, Trail()});
        OnString(fid, str);
        return 0;
      }
      case 't':
      case 'f': {
        const bool b = c == 't';
        const size_t n_lit = b ? 4 : 5;
        if (static_cast<size_t>(end_ - p_) < n_lit || std::memcmp(p_, b ? "true" : "false", n_lit)) {
          return -1;
        }
        p_ += n_lit;
        BeginLeaf(fid);
        if (T.record) leaves.push_back(Leaf{fid, b ? Leaf::kTrue : Leaf::kFalse, {}, 0, Trail()});
        OnOther(fid, b ? T.true_slots : T.false_slots);
        return 0;
      }
      case 'n': {
        if (end_ - p_ < 4 || std::memcmp(p_, "null", 4)) return -1;
        p_ += 4;
        BeginLeaf(fid);
        if (T.record) leaves.push_back(Leaf{fid, Leaf::kNull, {}, 0, Trail()});
        OnOther(fid, T.null_slots);
        return 0;
      }
      default: {
        const char* e = internal::scan::ScanNumber(p_, end_);
        if (!e) return -1;
        // The value is only needed by numeric conditions (indexed or recorded).
        const double x = (T.has_numbers || T.record) ? internal::scan::NumberValue(p_, e)
                                                     : std::nan("");
        p_ = e;
        BeginLeaf(fid);
        if (T.record) leaves.push_back(Leaf{fid, Leaf::kNumber, {}, x, Trail()});
        OnNumber(fid, x);
        return 0;
      }
    }
  }

  // p_ just after the '{' of an object at `node` (which has children).
  int ScanObject(uint32_t node, int depth) {
    const internal::TrieNode& n = d->nodes[node];
    // Early exit as in SjWalkObject: once every child of this node was seen, stop reading.
    bool can_stop = early_exit && !n.hashed_children && n.child_count <= 64;
    const uint64_t all = n.child_count >= 64 ? ~uint64_t{0} : (uint64_t{1} << n.child_count) - 1;
    uint64_t seen = 0;
    p_ = internal::scan::SkipWs(p_, end_);
    if (p_ >= end_) return -1;
    if (*p_ == '}') {
      ++p_;
      return 0;
    }
    while (true) {
      if (*p_ != '"') return -1;
      const char* ks = p_ + 1;
      bool special = false, dotted = false;
      const char* q = win_.Find(ks, end_, &special, &dotted);
      if (!q) return -1;
      std::string_view key;
      if (*q == '"') {
        if (special && !internal::scan::ValidStringBytes(ks, q)) return -1;
        key = std::string_view(ks, q - ks);
        p_ = q + 1;
      } else {
        key_buf.clear();
        p_ = internal::scan::ReadEscapedString(ks, end_, &key_buf);
        if (!p_) return -1;
        key = key_buf;
        dotted = key.find('.') != std::string_view::npos;
      }
      p_ = internal::scan::SkipWs(p_, end_);
      if (p_ >= end_ || *p_ != ':') return -1;
      p_ = internal::scan::SkipWs(p_ + 1, end_);
      if (p_ >= end_) return -1;
      uint32_t idx = kNone;
      uint32_t child;
      if (dotted) {
        can_stop = false;
        child = StepDotted(node, key);
      } else {
        child = Child(node, key, &idx);
      }
      if (child == kNone) {
        p_ = *p_ == '"' ? win_.Skip(p_ + 1, end_) : internal::scan::SkipValue(p_, end_);
        if (!p_) return -1;
      } else {
        const int r = ScanValue(child, depth);
        if (r < 0) return -1;
        if (can_stop && idx != kNone) {
          seen |= uint64_t{1} << idx;
          if (seen == all) return r + 1;
        }
        if (r > 0 && !(p_ = internal::scan::SkipContainers(p_, end_, r))) return -1;
      }
      p_ = internal::scan::SkipWs(p_, end_);
      if (p_ >= end_) return -1;
      if (*p_ == ',') {
        p_ = internal::scan::SkipWs(p_ + 1, end_);
        if (p_ >= end_) return -1;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return 0;
      }
      return -1;
    }
  }

  bool Scan(const char* data, size_t len) {
    p_ = data;
    end_ = data + len;
    // Ask for all of the event's cache lines at once: the walk reads only a prefix of the event,
    // and without this each line it reaches is a separate, serialized miss when the event is not
    // in cache yet (the prefetches overlap them).
    // (Measured: asking only for the part recent events were read to is slower on data that is
    // not in cache: a dense, sequential request stream also lets the hardware prefetcher run
    // ahead to the next events.)
    for (size_t off = 64; off < len && off < kPrefetchBytes; off += 64) __builtin_prefetch(data + off);
    arena.clear();
    if (arena.capacity() < len) arena.reserve(len);
    win_.Reset();
    p_ = internal::scan::SkipWs(p_, end_);
    if (p_ >= end_ || *p_ != '{') return false;
    ++p_;
    if (d->nodes[0].child_count == 0) return true;  // no pattern names anything
    const int r = ScanObject(0, 1);
    if (r < 0) return false;
    // Read to the end: only whitespace may follow the root object.
    if (r == 0 && internal::scan::SkipWs(p_, end_) != end_) return false;
    return true;
  }

  static bool Compatible(const std::pair<uint32_t, uint32_t>* a, uint32_t na,
                         const std::pair<uint32_t, uint32_t>* b, uint32_t nb) {
    for (uint32_t i = 0; i < na && i < nb; ++i) {
      if (a[i].first != b[i].first) return true;
      if (a[i].second != b[i].second) return false;
    }
    return true;
  }

  bool Choose(size_t k) {
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

  static bool StartsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
  }
  static bool EndsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && std::memcmp(s.data() + s.size() - p.size(), p.data(), p.size()) == 0;
  }
  std::string_view FoldedLeaf(const Leaf& l) {
    fold2.clear();
    internal::AppendFolded(l.str, &fold2);
    return fold2;
  }

  // One condition of a non-lead slot against one recorded value (the semantics of
  // reference.cc, on the recorded form).
  bool Eval(const internal::Condition& c, const Leaf& l) {
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
  bool Complete(uint32_t c) {
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

  Status Run(const MachineData& md, const char* data, size_t len, std::vector<uint32_t>* o) {
    Prepare(md);
    out = o;
    if (!use_simdjson) {
      if (!Scan(data, len)) return NotValid();
      Finish();
      return Status::Ok();
    }
    od::document doc;
    if (parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return NotValid();
    od::object root;
    if (doc.get_object().get(root)) return NotValid();
    if (!SjWalkObject(root, 0)) return NotValid();
    Finish();
    return Status::Ok();
  }
};

MatchContext::MatchContext() : impl_(std::make_unique<Impl>()) {}
MatchContext::~MatchContext() = default;

Status MatchContext::Match(const Machine& m, std::string_view event_json,
                           std::vector<uint32_t>* out) {
  auto& buf = impl_->buf;
  if (buf.size() < event_json.size() + kPadding) buf.resize(event_json.size() + kPadding);
  std::memcpy(buf.data(), event_json.data(), event_json.size());
  std::memset(buf.data() + event_json.size(), 0, kPadding);
  return impl_->Run(m.data(), buf.data(), event_json.size(), out);
}

Status MatchContext::MatchPadded(const Machine& m, const char* data, size_t len,
                                 std::vector<uint32_t>* out) {
  return impl_->Run(m.data(), data, len, out);
}

void MatchContext::set_early_exit(bool on) { impl_->early_exit = on; }
void MatchContext::set_simdjson(bool on) { impl_->use_simdjson = on; }

static_assert(MatchContext::kPadding >= simdjson::SIMDJSON_PADDING);

}  // namespace cxbridge::pattern
