// Machine construction: CompiledPatterns -> the flat tables of machine_data.h. Runs at rule
// (re)load time only, so clarity beats speed here.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "pattern/compile.h"
#include "pattern/machine.h"
#include "pattern/machine_data.h"

namespace cxbridge::pattern {

using internal::CondKind;
using internal::Condition;
using internal::kNone;
using internal::ListRef;
using internal::MachineData;
using internal::Tag;

namespace {

std::atomic<uint64_t> g_next_uid{1};

struct FieldBuild {
  std::map<std::string, std::vector<uint32_t>> maps[internal::kTagCount];
  std::vector<uint32_t> exists, t, f, n;
  std::vector<std::pair<internal::NumericRange, uint32_t>> ranges;  // slot
  std::vector<std::pair<double, uint32_t>> ab_points;                // local anything-but id
  std::vector<std::pair<internal::Wildcard, uint32_t>> wildcards;    // slot
  std::vector<uint32_t> wc_always;                                   // index into wildcards
  std::vector<std::pair<internal::Wildcard, uint32_t>> ab_wildcards;  // local anything-but id
  std::vector<internal::IpEntry> ips;
  std::vector<uint32_t> ab_slots;  // local anything-but id -> slot
};

struct TrieBuild {
  std::map<std::string, uint32_t> children;
  uint32_t field = kNone;
};

void AddCondition(FieldBuild& F, const Condition& c, uint32_t slot) {
  auto& m = F.maps;
  switch (c.kind) {
    case CondKind::kExactString: m[internal::kTagExact][c.str].push_back(slot); break;
    case CondKind::kExactNumber: {
      internal::NumericRange r;
      r.has_lo = r.has_hi = true;
      r.lo = r.hi = c.num;
      F.ranges.emplace_back(r, slot);
      break;
    }
    case CondKind::kTrue: F.t.push_back(slot); break;
    case CondKind::kFalse: F.f.push_back(slot); break;
    case CondKind::kNull: F.n.push_back(slot); break;
    case CondKind::kPrefix: m[internal::kTagPrefix][c.str].push_back(slot); break;
    case CondKind::kSuffix: m[internal::kTagSuffix][c.str].push_back(slot); break;
    case CondKind::kPrefixIc: m[internal::kTagPrefixIc][c.str].push_back(slot); break;
    case CondKind::kSuffixIc: m[internal::kTagSuffixIc][c.str].push_back(slot); break;
    case CondKind::kEqualsIc: m[internal::kTagIc][c.str].push_back(slot); break;
    case CondKind::kWildcard:
      if (!c.wildcard.has_star()) {
        m[internal::kTagExact][c.wildcard.leading()].push_back(slot);
      } else {
        const uint32_t w = static_cast<uint32_t>(F.wildcards.size());
        F.wildcards.emplace_back(c.wildcard, slot);
        if (c.wildcard.leading().empty()) {
          F.wc_always.push_back(w);
        } else {
          m[internal::kTagWcHead][c.wildcard.leading()].push_back(w);
        }
      }
      break;
    case CondKind::kNumeric: F.ranges.emplace_back(c.range, slot); break;
    case CondKind::kIpRange: F.ips.push_back(internal::IpEntry{c.ip, slot}); break;
    case CondKind::kExists: F.exists.push_back(slot); break;
    case CondKind::kAbsent: break;  // handled per conjunction
    default: {
      const uint32_t ab = static_cast<uint32_t>(F.ab_slots.size());
      F.ab_slots.push_back(slot);
      switch (c.kind) {
        case CondKind::kAbStrings:
          for (const auto& s : c.strs) m[internal::kTagAbExact][s].push_back(ab);
          break;
        case CondKind::kAbNumbers:
          for (double d : c.nums) F.ab_points.emplace_back(d, ab);
          break;
        case CondKind::kAbPrefixes:
          for (const auto& s : c.strs) m[internal::kTagAbPrefix][s].push_back(ab);
          break;
        case CondKind::kAbSuffixes:
          for (const auto& s : c.strs) m[internal::kTagAbSuffix][s].push_back(ab);
          break;
        case CondKind::kAbIc:
          for (const auto& s : c.strs) m[internal::kTagAbIc][s].push_back(ab);
          break;
        case CondKind::kAbWildcards:
          for (const auto& w : c.wildcards) F.ab_wildcards.emplace_back(w, ab);
          break;
        default: break;
      }
    }
  }
}

struct PendingEntry {
  uint32_t owner_tag;
  std::string key;
  ListRef list;
};

class Flattener {
 public:
  explicit Flattener(MachineData* d) : d_(d) {}

  ListRef Pool(const std::vector<uint32_t>& ids, uint32_t add = 0) {
    ListRef r{static_cast<uint32_t>(d_->pool.size()), static_cast<uint32_t>(ids.size())};
    for (uint32_t id : ids) d_->pool.push_back(id + add);
    return r;
  }
  ListRef Lens(const std::map<std::string, std::vector<uint32_t>>& m) {
    std::vector<uint32_t> lens;
    for (const auto& [k, v] : m) lens.push_back(static_cast<uint32_t>(k.size()));
    std::sort(lens.begin(), lens.end());
    lens.erase(std::unique(lens.begin(), lens.end()), lens.end());
    ListRef r{static_cast<uint32_t>(d_->lens.size()), static_cast<uint32_t>(lens.size())};
    d_->lens.insert(d_->lens.end(), lens.begin(), lens.end());
    return r;
  }
  void AddEntry(uint32_t owner, Tag tag, const std::string& key, ListRef list) {
    pending_.push_back(PendingEntry{owner * internal::kTagCount + tag, key, list});
  }

  void Field(uint32_t fid, FieldBuild& F) {
    internal::FieldTable& T = d_->fields[fid];
    T.ab_first = static_cast<uint32_t>(d_->ab_slot.size());
    T.ab_count = static_cast<uint32_t>(F.ab_slots.size());
    d_->ab_slot.insert(d_->ab_slot.end(), F.ab_slots.begin(), F.ab_slots.end());
    const uint32_t wc_base = static_cast<uint32_t>(d_->wc_pool.size());
    for (uint32_t tag = 0; tag < internal::kTagTrie; ++tag) {
      uint32_t add = 0;
      if (tag >= internal::kTagAbExact && tag <= internal::kTagAbIc) add = T.ab_first;
      if (tag == internal::kTagWcHead) add = wc_base;
      for (const auto& [key, ids] : F.maps[tag]) {
        AddEntry(fid, static_cast<Tag>(tag), key, Pool(ids, add));
      }
    }
    T.has_exact = !F.maps[internal::kTagExact].empty();
    T.has_ic_exact = !F.maps[internal::kTagIc].empty();
    T.has_ab_exact = !F.maps[internal::kTagAbExact].empty();
    T.has_ab_ic = !F.maps[internal::kTagAbIc].empty();
    T.prefix_lens = Lens(F.maps[internal::kTagPrefix]);
    T.suffix_lens = Lens(F.maps[internal::kTagSuffix]);
    T.prefix_ic_lens = Lens(F.maps[internal::kTagPrefixIc]);
    T.suffix_ic_lens = Lens(F.maps[internal::kTagSuffixIc]);
    T.ab_prefix_lens = Lens(F.maps[internal::kTagAbPrefix]);
    T.ab_suffix_lens = Lens(F.maps[internal::kTagAbSuffix]);
    T.wc_head_lens = Lens(F.maps[internal::kTagWcHead]);
    T.needs_fold = T.has_ic_exact || T.has_ab_ic || T.prefix_ic_lens.len || T.suffix_ic_lens.len;
    T.exists = Pool(F.exists);
    T.true_slots = Pool(F.t);
    T.false_slots = Pool(F.f);
    T.null_slots = Pool(F.n);
    for (auto& [w, slot] : F.wildcards) d_->wc_pool.push_back(internal::WildcardEntry{w, slot});
    T.wc_always = Pool(F.wc_always, wc_base);
    T.ab_wildcards = ListRef{static_cast<uint32_t>(d_->ab_wc.size()),
                             static_cast<uint32_t>(F.ab_wildcards.size())};
    for (auto& [w, ab] : F.ab_wildcards) {
      d_->ab_wc.push_back(internal::WildcardEntry{w, ab + T.ab_first});
    }
    T.ips = ListRef{static_cast<uint32_t>(d_->ip_entries.size()),
                    static_cast<uint32_t>(F.ips.size())};
    d_->ip_entries.insert(d_->ip_entries.end(), F.ips.begin(), F.ips.end());
    Numbers(T, F);
  }

  // Breakpoints from every range end and anything-but number; each region (open interval
  // between breakpoints, or a breakpoint itself) gets the list of slots whose range covers it.
  void Numbers(internal::FieldTable& T, FieldBuild& F) {
    if (F.ranges.empty() && F.ab_points.empty()) return;
    T.has_numbers = true;
    std::vector<double> pts;
    for (auto& [r, s] : F.ranges) {
      if (r.has_lo) pts.push_back(r.lo);
      if (r.has_hi) pts.push_back(r.hi);
    }
    for (auto& [p, ab] : F.ab_points) pts.push_back(p);
    for (double& p : pts) {
      if (p == 0) p = 0;  // -0 == 0
    }
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    const size_t m = pts.size();
    std::vector<std::vector<uint32_t>> reg(2 * m + 1), ab_reg(2 * m + 1);
    auto idx = [&](double v) {
      return static_cast<size_t>(std::lower_bound(pts.begin(), pts.end(), v) - pts.begin());
    };
    for (auto& [r, s] : F.ranges) {
      size_t start = r.has_lo ? (r.lo_open ? 2 * idx(r.lo) + 2 : 2 * idx(r.lo) + 1) : 0;
      size_t end = r.has_hi ? (r.hi_open ? 2 * idx(r.hi) : 2 * idx(r.hi) + 1) : 2 * m;
      for (size_t i = start; i <= end && i <= 2 * m; ++i) reg[i].push_back(s);
    }
    for (auto& [p, ab] : F.ab_points) ab_reg[2 * idx(p == 0 ? 0 : p) + 1].push_back(ab + T.ab_first);
    T.num_first = static_cast<uint32_t>(d_->points.size());
    T.num_count = static_cast<uint32_t>(m);
    d_->points.insert(d_->points.end(), pts.begin(), pts.end());
    T.region_first = static_cast<uint32_t>(d_->regions.size());
    for (size_t i = 0; i < reg.size(); ++i) {
      d_->regions.push_back(Pool(reg[i]));
      d_->ab_regions.push_back(Pool(ab_reg[i]));
    }
  }

  void BuildIndex() {
    size_t cap = 16;
    while (cap < pending_.size() * 2) cap <<= 1;
    d_->index.assign(cap, internal::IndexEntry{});
    d_->index_mask = cap - 1;
    for (const PendingEntry& p : pending_) {
      internal::IndexEntry e;
      e.owner_tag = p.owner_tag;
      e.hash = internal::HashBytes(p.owner_tag, p.key.data(), p.key.size());
      e.key_off = static_cast<uint32_t>(d_->key_bytes.size());
      e.key_len = static_cast<uint32_t>(p.key.size());
      e.list = p.list;
      d_->key_bytes += p.key;
      uint64_t i = e.hash & d_->index_mask;
      while (d_->index[i].owner_tag != kNone) i = (i + 1) & d_->index_mask;
      d_->index[i] = e;
    }
  }

 private:
  MachineData* d_;
  std::vector<PendingEntry> pending_;
};

}  // namespace

std::shared_ptr<const Machine> Machine::Build(
    const std::vector<const internal::CompiledPattern*>& patterns) {
  auto d = std::make_unique<MachineData>();
  d->uid = g_next_uid.fetch_add(1);
  d->pattern_count = static_cast<uint32_t>(patterns.size());

  std::vector<TrieBuild> trie(1);
  std::set<uint32_t> record_field;
  std::vector<FieldBuild> fb;
  auto intern = [&](const std::string& path) -> uint32_t {
    uint32_t node = 0;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string seg = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto it = trie[node].children.find(seg);
      if (it == trie[node].children.end()) {
        const uint32_t child = static_cast<uint32_t>(trie.size());
        trie[node].children.emplace(seg, child);
        trie.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (trie[node].field == kNone) {
      trie[node].field = static_cast<uint32_t>(fb.size());
      fb.emplace_back();
    }
    return trie[node].field;
  };

  // Pass 1: conjunctions with their fields (exists:false next to other conditions, "absent OR
  // value", becomes two conjunctions).
  struct Spec {
    uint32_t pattern;
    std::vector<std::pair<uint32_t, const std::vector<Condition>*>> positive;
    std::vector<uint32_t> absent;
  };
  std::vector<std::vector<Condition>> positives;  // stable storage for Spec pointers
  size_t total_fields = 0;
  for (const auto* p : patterns) {
    for (const auto& sub : p->subs) total_fields += sub.fields.size();
  }
  positives.reserve(total_fields);
  std::vector<Spec> specs;
  for (uint32_t p = 0; p < patterns.size(); ++p) {
    for (const internal::SubPattern& sub : patterns[p]->subs) {
      struct F {
        uint32_t id;
        const std::vector<Condition>* positive;
        bool absent_ok;
      };
      std::vector<F> fs;
      std::vector<size_t> either;
      for (const auto& fc : sub.fields) {
        positives.emplace_back();
        F f{intern(fc.path), &positives.back(), false};
        for (const Condition& c : fc.conds) {
          if (c.kind == CondKind::kAbsent) {
            f.absent_ok = true;
          } else {
            positives.back().push_back(c);
          }
        }
        if (f.absent_ok && !f.positive->empty()) either.push_back(fs.size());
        fs.push_back(f);
      }
      const size_t combos = size_t{1} << std::min<size_t>(either.size(), 16);
      for (size_t mask = 0; mask < combos; ++mask) {
        std::vector<bool> use_absent(fs.size());
        for (size_t i = 0; i < fs.size(); ++i) use_absent[i] = fs[i].positive->empty();
        for (size_t k = 0; k < either.size() && k < 16; ++k) {
          if (mask & (size_t{1} << k)) use_absent[either[k]] = true;
        }
        Spec spec{p, {}, {}};
        for (size_t i = 0; i < fs.size(); ++i) {
          if (use_absent[i]) {
            spec.absent.push_back(fs[i].id);
          } else {
            spec.positive.emplace_back(fs[i].id, fs[i].positive);
          }
        }
        specs.push_back(std::move(spec));
      }
    }
  }

  // Pass 2: how many slots share each indexed key, to pick each conjunction's lead slot.
  auto key_of = [](uint32_t fid, const Condition& c) -> std::string {
    std::string k = std::to_string(fid) + ":" + std::to_string(static_cast<int>(c.kind)) + ":";
    switch (c.kind) {
      case CondKind::kExactString: case CondKind::kPrefix: case CondKind::kSuffix:
      case CondKind::kPrefixIc: case CondKind::kSuffixIc: case CondKind::kEqualsIc:
        return k + c.str;
      case CondKind::kExactNumber: return k + c.str;
      case CondKind::kWildcard: return k + c.wildcard.leading();
      default: return k;  // ranges, anything-but, exists, booleans: one bucket per field and kind
    }
  };
  std::unordered_map<std::string, uint32_t> fanout;
  for (const Spec& spec : specs) {
    if (spec.positive.size() < 2) continue;
    for (const auto& [fid, conds] : spec.positive) {
      for (const Condition& c : *conds) ++fanout[key_of(fid, c)];
    }
  }

  uint32_t slot_count = 0;
  for (const Spec& spec : specs) {
    internal::Conjunction cj;
    cj.pattern = spec.pattern;
    cj.first_slot = slot_count;
    cj.positive = static_cast<uint32_t>(spec.positive.size());
    cj.lead = 0;
    const uint32_t conj_id = static_cast<uint32_t>(d->conjs.size());
    if (cj.positive > 1) {
      uint64_t best = ~uint64_t{0};
      for (uint32_t k = 0; k < cj.positive; ++k) {
        uint64_t w = 0;
        for (const Condition& c : *spec.positive[k].second) {
          // Anything-but and exists match most values: never lead with them if avoidable.
          const bool wide = c.is_anything_but() || c.kind == CondKind::kExists;
          w += fanout[key_of(spec.positive[k].first, c)] + (wide ? 1000000 : 0);
        }
        if (w < best) {
          best = w;
          cj.lead = k;
        }
      }
    }
    for (uint32_t k = 0; k < cj.positive; ++k) {
      const auto& [fid, conds] = spec.positive[k];
      const uint32_t slot = slot_count++;
      d->slot_conj.push_back(conj_id);
      d->slot_field.push_back(fid);
      if (k == cj.lead) {
        for (const Condition& c : *conds) AddCondition(fb[fid], c, slot);
        d->slot_conds.push_back(ListRef{});
      } else {
        d->slot_conds.push_back(ListRef{static_cast<uint32_t>(d->conds.size()),
                                        static_cast<uint32_t>(conds->size())});
        d->conds.insert(d->conds.end(), conds->begin(), conds->end());
        record_field.insert(fid);
      }
    }
    cj.absent.off = static_cast<uint32_t>(d->absent_fields.size());
    d->absent_fields.insert(d->absent_fields.end(), spec.absent.begin(), spec.absent.end());
    cj.absent.len = static_cast<uint32_t>(spec.absent.size());
    if (cj.absent.len) d->any_absent = true;
    if (cj.positive == 0) d->absence_only.push_back(conj_id);
    d->conjs.push_back(cj);
  }

  Flattener fl(d.get());
  d->fields.resize(fb.size());
  for (uint32_t f = 0; f < fb.size(); ++f) fl.Field(f, fb[f]);
  for (uint32_t f : record_field) d->fields[f].record = true;

  // Trie: children with more than a few edges are looked up through the hash index.
  constexpr size_t kLinearChildren = 8;
  d->nodes.resize(trie.size());
  for (uint32_t i = 0; i < trie.size(); ++i) {
    internal::TrieNode& n = d->nodes[i];
    n.field = trie[i].field;
    n.child_first = static_cast<uint32_t>(d->edges.size());
    n.child_count = static_cast<uint32_t>(trie[i].children.size());
    n.hashed_children = n.child_count > kLinearChildren;
    for (const auto& [key, child] : trie[i].children) {
      if (n.hashed_children) {
        fl.AddEntry(i, internal::kTagTrie, key, ListRef{child, 1});
      }
      internal::TrieEdge e{static_cast<uint32_t>(d->key_bytes.size()),
                           static_cast<uint32_t>(key.size()), child};
      d->key_bytes += key;
      d->edges.push_back(e);
    }
  }
  fl.BuildIndex();

  std::shared_ptr<Machine> m(new Machine());
  m->data_ = std::move(d);
  return m;
}

Result<std::shared_ptr<const Machine>> Machine::Compile(const std::vector<std::string_view>& patterns,
                                                        size_t* failed_index) {
  std::vector<internal::CompiledPattern> compiled;
  compiled.reserve(patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) {
    auto c = internal::CompilePattern(patterns[i]);
    if (!c.ok()) {
      if (failed_index) *failed_index = i;
      return c.status();
    }
    compiled.push_back(std::move(*c));
  }
  std::vector<const internal::CompiledPattern*> ptrs;
  for (const auto& c : compiled) ptrs.push_back(&c);
  return Build(ptrs);
}

Machine::~Machine() = default;
size_t Machine::pattern_count() const { return data_->pattern_count; }

}  // namespace cxbridge::pattern
