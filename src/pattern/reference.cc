#include "pattern/reference.h"

#include <string>
#include <utility>
#include <vector>

#include "pattern/case_fold.h"
#include "pattern/json_tree.h"

namespace cxbridge::pattern::internal {
namespace {

using Node = JsonNode;
using NodeType = JsonNode::Type;
using Trail = std::vector<std::pair<int, int>>;  // (array instance, element index), root first

struct Leaf {
  std::string path;
  const Node* value;
  Trail trail;
};

// Splits keys at '.' so that {"a.b":1} and {"a":{"b":1}} flatten alike.
void Flatten(const Node& n, const std::string& path, Trail* trail, int* arrays,
             std::vector<Leaf>* out) {
  switch (n.type) {
    case NodeType::kObject:
      for (const auto& [k, v] : n.members) {
        Flatten(v, path.empty() ? k : path + "." + k, trail, arrays, out);
      }
      break;
    case NodeType::kArray: {
      const int id = (*arrays)++;
      for (size_t i = 0; i < n.items.size(); ++i) {
        trail->emplace_back(id, static_cast<int>(i));
        Flatten(n.items[i], path, trail, arrays, out);
        trail->pop_back();
      }
      break;
    }
    default:
      out->push_back(Leaf{path, &n, *trail});
  }
}

bool Compatible(const Trail& a, const Trail& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].first != b[i].first) return true;  // diverged into different arrays
    if (a[i].second != b[i].second) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

bool CondMatches(const Condition& c, const Node& v) {
  const bool is_str = v.is_string();
  const bool is_num = v.is_number();
  switch (c.kind) {
    case CondKind::kExactString: return is_str && v.text == c.str;
    case CondKind::kExactNumber: return is_num && v.number == c.num;
    case CondKind::kTrue: return v.type == NodeType::kTrue;
    case CondKind::kFalse: return v.type == NodeType::kFalse;
    case CondKind::kNull: return v.type == NodeType::kNull;
    case CondKind::kPrefix: return is_str && StartsWith(v.text, c.str);
    case CondKind::kSuffix: return is_str && EndsWith(v.text, c.str);
    case CondKind::kPrefixIc: return is_str && StartsWith(Folded(v.text), c.str);
    case CondKind::kSuffixIc: return is_str && EndsWith(Folded(v.text), c.str);
    case CondKind::kEqualsIc: return is_str && Folded(v.text) == c.str;
    case CondKind::kWildcard: return is_str && c.wildcard.Matches(v.text);
    case CondKind::kNumeric: return is_num && c.range.Contains(v.number);
    case CondKind::kIpRange: {
      IpAddress a;
      return is_str && ParseIp(v.text, &a) && c.ip.Contains(a);
    }
    case CondKind::kExists: return true;
    case CondKind::kAbsent: return false;
    case CondKind::kAbStrings:
      if (!is_str) return true;
      for (const auto& s : c.strs) {
        if (v.text == s) return false;
      }
      return true;
    case CondKind::kAbNumbers:
      if (!is_num) return true;
      for (double d : c.nums) {
        if (v.number == d) return false;
      }
      return true;
    case CondKind::kAbPrefixes:
      if (!is_str) return true;
      for (const auto& s : c.strs) {
        if (StartsWith(v.text, s)) return false;
      }
      return true;
    case CondKind::kAbSuffixes:
      if (!is_str) return true;
      for (const auto& s : c.strs) {
        if (EndsWith(v.text, s)) return false;
      }
      return true;
    case CondKind::kAbIc: {
      if (!is_str) return true;
      std::string f = Folded(v.text);
      for (const auto& s : c.strs) {
        if (f == s) return false;
      }
      return true;
    }
    case CondKind::kAbWildcards:
      if (!is_str) return true;
      for (const auto& w : c.wildcards) {
        if (w.Matches(v.text)) return false;
      }
      return true;
  }
  return false;
}

// Candidates per constraint (leaves that satisfy it); empty list + absent_ok means "satisfied by
// absence", which imposes no array trail.
bool Choose(const std::vector<std::vector<const Leaf*>>& cands, size_t i,
            std::vector<const Leaf*>* chosen) {
  if (i == cands.size()) return true;
  if (cands[i].empty()) return Choose(cands, i + 1, chosen);  // satisfied by absence
  for (const Leaf* l : cands[i]) {
    bool ok = true;
    for (const Leaf* c : *chosen) {
      if (!Compatible(c->trail, l->trail)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    chosen->push_back(l);
    if (Choose(cands, i + 1, chosen)) return true;
    chosen->pop_back();
  }
  return false;
}

bool SubMatches(const SubPattern& sub, const std::vector<Leaf>& leaves) {
  std::vector<std::vector<const Leaf*>> cands(sub.fields.size());
  for (size_t i = 0; i < sub.fields.size(); ++i) {
    const FieldConstraint& f = sub.fields[i];
    bool any_leaf = false, absent_allowed = false;
    for (const Condition& c : f.conds) absent_allowed |= c.kind == CondKind::kAbsent;
    for (const Leaf& l : leaves) {
      if (l.path != f.path) continue;
      any_leaf = true;
      for (const Condition& c : f.conds) {
        if (CondMatches(c, *l.value)) {
          cands[i].push_back(&l);
          break;
        }
      }
    }
    if (cands[i].empty() && !(absent_allowed && !any_leaf)) return false;
  }
  std::vector<const Leaf*> chosen;
  return Choose(cands, 0, &chosen);
}

}  // namespace

Result<bool> ReferenceMatch(const CompiledPattern& pattern, std::string_view event_json) {
  auto tree = ParseJsonTree(event_json, /*strict=*/true);
  if (!tree.ok() || !tree->is_object()) {
    return Status::InvalidArgument("Parameter Event is not valid.");
  }
  std::vector<Leaf> leaves;
  Trail trail;
  int arrays = 0;
  Flatten(*tree, "", &trail, &arrays, &leaves);
  for (const SubPattern& sub : pattern.subs) {
    if (SubMatches(sub, leaves)) return true;
  }
  return false;
}

}  // namespace cxbridge::pattern::internal
