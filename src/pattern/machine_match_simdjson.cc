// The simdjson On-Demand walk of an event (MatchContext::set_simdjson): the walker the lazy scanner
// of machine_match.cc replaced, kept as a cross-check of it. Same contract as the scanner walk:
// visit the members some pattern names, feed each leaf value to its field table (the transitions
// in match_context_impl.h), record the values non-lead slots read; simdjson skips the rest.
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>

#include "pattern/machine_data.h"
#include "pattern/match_context_impl.h"

namespace cxbridge::pattern {

bool MatchContext::Impl::SjWalkObject(od::object obj, uint32_t node) {
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

bool MatchContext::Impl::SjWalkValue(od::value v, uint32_t node) {
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

}  // namespace cxbridge::pattern
