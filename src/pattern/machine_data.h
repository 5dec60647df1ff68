// The flat, immutable tables of a Machine (see machine.h for the design). Internal to
// src/pattern: machine_build.cc writes them once, machine_match.cc reads them on the hot path.
// Everything is indices into vectors, so a Machine is a handful of contiguous allocations.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/cidr.h"
#include "pattern/compile.h"
#include "pattern/wildcard.h"

namespace cxbridge::pattern::internal {

constexpr uint32_t kNone = 0xFFFFFFFFu;

// A run of uint32 ids inside one of the pools below.
struct ListRef {
  uint32_t off = 0;
  uint32_t len = 0;
};

// Keys of the global value index: (owner id, tag, bytes).
enum Tag : uint32_t {
  kTagExact = 0,   // owner field; list of slots
  kTagPrefix,      // field; slots
  kTagSuffix,      // field; slots
  kTagIc,          // field; slots (key folded)
  kTagPrefixIc,    // field; slots
  kTagSuffixIc,    // field; slots
  kTagAbExact,     // field; anything-but ids excluded by this exact string
  kTagAbPrefix,    // field; anything-but ids
  kTagAbSuffix,    // field; anything-but ids
  kTagAbIc,        // field; anything-but ids
  kTagWcHead,      // field; wildcard entry ids whose literal head is the key
  kTagTrie,        // owner trie node; list.off = child node
  kTagCount
};

inline uint64_t HashBytes(uint64_t seed, const char* p, size_t n) {
  uint64_t h = (seed + 1) * 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
  const bool long_key = n >= 8;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    // The tail in whole loads (a byte-wise copy into a word stalls store forwarding): the last 8
    // bytes when the key had 8 or more (overlapping what was hashed), else two overlapping
    // 4-byte loads, else first / middle / last byte.
    uint64_t w;
    if (long_key) {
      std::memcpy(&w, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      w = a | static_cast<uint64_t>(b) << 32;
    } else {
      w = static_cast<unsigned char>(p[0]) | static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
          static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
    }
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h *= 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

// a[0, n) == b[0, n), inlined for the short keys and values of the hot path (no over-read).
inline bool EqualBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    uint64_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 8);
    std::memcpy(&y0, b, 8);
    std::memcpy(&x1, a + n - 8, 8);
    std::memcpy(&y1, b + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n >= 4) {
    uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 4);
    std::memcpy(&y0, b, 4);
    std::memcpy(&x1, a + n - 4, 4);
    std::memcpy(&y1, b + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

struct IndexEntry {
  uint64_t hash = 0;
  uint32_t owner_tag = kNone;  // owner * kTagCount + tag; kNone = empty bucket
  uint32_t key_off = 0;        // into MachineData::key_bytes
  uint32_t key_len = 0;
  ListRef list;
};

// One field path that some pattern names.
struct FieldTable {
  // Distinct key lengths present per tag (prefix/suffix style lookups), into MachineData::lens.
  ListRef prefix_lens, suffix_lens, prefix_ic_lens, suffix_ic_lens, ab_prefix_lens, ab_suffix_lens,
      wc_head_lens;
  bool has_exact = false, has_ic_exact = false, has_ab_exact = false, has_ab_ic = false;
  bool needs_fold = false;  // any *_ic or ab ic
  ListRef exists, true_slots, false_slots, null_slots;  // slots
  // Numbers: sorted breakpoints [num_first, num_first + num_count) in MachineData::points;
  // regions (2 * count + 1, open intervals even, points odd) start at region_first in
  // MachineData::regions (slots) and MachineData::ab_regions (anything-but ids excluded).
  uint32_t num_first = 0, num_count = 0, region_first = 0;
  bool has_numbers = false;
  ListRef wc_always;           // wildcard entries without a literal head (into wc_pool)
  ListRef ab_wildcards;        // into ab_wc
  ListRef ips;                 // into ip_entries
  uint32_t ab_first = 0, ab_count = 0;  // anything-but ids of this field
  bool record = false;  // some non-lead slot reads this field: keep its values for Finish
};

struct TrieNode {
  uint32_t field = kNone;           // field id when a pattern names this exact path
  uint32_t child_first = 0, child_count = 0;  // into MachineData::edges
  bool hashed_children = false;     // children looked up through the index (many children)
};

struct TrieEdge {
  uint32_t key_off, key_len;  // into key_bytes
  uint32_t node;
};

// Only the *lead* slot of a conjunction (its most selective field) is indexed in the field
// tables; when it hits, the other slots are checked at the end of the event against the recorded
// values of their fields. So a value shared by many rules ("ST_TYPE": "AVE" in 1,000 two-field
// rules) costs nothing unless the rules' selective field matched too.
struct Conjunction {
  uint32_t pattern;
  uint32_t first_slot;   // slots first_slot .. first_slot + positive - 1
  uint32_t positive;     // fields that need a matching value
  uint32_t lead;         // the indexed slot
  ListRef absent;        // field ids that must be absent (into absent_fields)
};

struct WildcardEntry {
  Wildcard wildcard;
  uint32_t id;  // slot (wc_pool) or anything-but id (ab_wc)
};

struct IpEntry {
  IpRange range;
  uint32_t slot;
};

struct MachineData {
  uint64_t uid = 0;
  uint32_t pattern_count = 0;
  std::vector<TrieNode> nodes;       // node 0 = root
  std::vector<TrieEdge> edges;
  std::vector<FieldTable> fields;
  std::vector<Conjunction> conjs;
  std::vector<uint32_t> slot_conj;   // slot -> conjunction
  std::vector<uint32_t> slot_field;  // slot -> field
  std::vector<ListRef> slot_conds;   // slot -> its conditions in conds (non-lead slots)
  std::vector<Condition> conds;
  std::vector<uint32_t> ab_slot;     // anything-but id -> slot
  std::vector<uint32_t> absence_only;  // conjunctions with no positive field
  std::vector<uint32_t> absent_fields;
  bool any_absent = false;

  std::vector<IndexEntry> index;     // power-of-two open addressing
  uint64_t index_mask = 0;
  std::string key_bytes;
  std::vector<uint32_t> pool;        // lists of slots / ab ids / wildcard ids
  std::vector<uint32_t> lens;
  std::vector<double> points;
  std::vector<ListRef> regions, ab_regions;
  std::vector<WildcardEntry> wc_pool, ab_wc;
  std::vector<IpEntry> ip_entries;

  const IndexEntry* Find(uint32_t owner, Tag tag, const char* p, size_t n) const {
    const uint32_t ot = owner * kTagCount + tag;
    const uint64_t h = HashBytes(ot, p, n);
    for (uint64_t i = h & index_mask;; i = (i + 1) & index_mask) {
      const IndexEntry& e = index[i];
      if (e.owner_tag == kNone) return nullptr;
      if (e.hash == h && e.owner_tag == ot && e.key_len == n &&
          EqualBytes(key_bytes.data() + e.key_off, p, n)) {
        return &e;
      }
    }
  }
};

}  // namespace cxbridge::pattern::internal
