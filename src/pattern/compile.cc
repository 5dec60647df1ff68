// Pattern compilation follows the order in which AWS's parser meets problems, so that a pattern
// with several faults reports the same one AWS does.
#include "pattern/compile.h"

#include <algorithm>
#include <utility>

#include "pattern/case_fold.h"
#include "pattern/json_tree.h"

namespace cxbridge::pattern::internal {
namespace {

using Node = JsonNode;
using NodeType = JsonNode::Type;

// One `$or` branch while compiling: path -> conditions, insertion-ordered, last put wins.
using RuleMap = std::vector<std::pair<std::string, std::vector<Condition>>>;

Status Invalid(std::string reason) {
  return Status::InvalidArgument(std::string(kErrorPrefix) + reason);
}

// The token text Jackson would print for a value at this position.
std::string TokenText(const Node& n) {
  switch (n.type) {
    case NodeType::kNull: return "null";
    case NodeType::kTrue: return "true";
    case NodeType::kFalse: return "false";
    case NodeType::kNumber:
    case NodeType::kString: return n.text;
    case NodeType::kArray: return "[";
    case NodeType::kObject: return "{";
  }
  return "";
}

bool IsReservedInOr(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "anything-but", "numeric", "prefix", "suffix", "exists", "cidr", "equals-ignore-case",
      "wildcard"};
  for (auto r : kReserved) {
    if (name == r) return true;
  }
  return false;
}

Status ParseWildcard(const std::string& text, Wildcard* out) {
  auto w = Wildcard::Parse(text);
  if (!w.ok()) return Invalid(w.status().message());
  *out = std::move(*w);
  return Status::Ok();
}

Status NumericExpression(const std::vector<Node>& items, Condition* c) {
  c->kind = CondKind::kNumeric;
  NumericRange& r = c->range;
  if (items.empty() || !items[0].is_string()) {
    return Invalid("Invalid member in numeric match: " +
                   (items.empty() ? std::string("]") : TokenText(items[0])));
  }
  const std::string& op = items[0].text;
  const bool has_value = items.size() > 1 && items[1].is_number();
  const double v = has_value ? items[1].number : 0;
  if (op == "=") {
    if (!has_value) return Invalid("Value of equals must be numeric");
    if (items.size() > 2) return Invalid("Too many elements in numeric expression");
    r.has_lo = r.has_hi = true;
    r.lo = r.hi = v;
    return Status::Ok();
  }
  if (op == ">=" || op == ">") {
    if (!has_value) return Invalid("Value of " + op + " must be numeric");
    r.has_lo = true;
    r.lo = v;
    r.lo_open = op == ">";
    if (items.size() == 2) return Status::Ok();
    const Node& t2 = items[2];
    if (!t2.is_string()) return Invalid("Bad value in numeric range: " + TokenText(t2));
    const std::string& op2 = t2.text;
    if (op2 != "<" && op2 != "<=") return Invalid("Bad numeric range operator: " + op2);
    if (items.size() < 4 || !items[3].is_number()) {
      return Invalid("Value of " + op2 + " must be numeric");
    }
    if (items.size() > 4) return Invalid("Too many terms in numeric range expression");
    r.has_hi = true;
    r.hi = items[3].number;
    r.hi_open = op2 == "<";
    if (!(r.lo < r.hi)) return Invalid("Bottom must be less than top");
    return Status::Ok();
  }
  if (op == "<=" || op == "<") {
    if (!has_value) return Invalid("Value of " + op + " must be numeric");
    if (items.size() > 2) return Invalid("Too many elements in numeric expression");
    r.has_hi = true;
    r.hi = v;
    r.hi_open = op == "<";
    return Status::Ok();
  }
  return Invalid("Unrecognized numeric range operator: " + op);
}

Status AnythingBut(const Node& value, Condition* c) {
  enum class Form { kPlain, kIgnoreCase, kPrefix, kSuffix, kWildcard } form = Form::kPlain;
  const Node* v = &value;
  if (value.is_object()) {
    if (value.members.empty()) return Invalid("Anything-But expression name not found");
    const std::string& op = value.members[0].first;
    if (op == "equals-ignore-case") {
      form = Form::kIgnoreCase;
    } else if (op == "prefix") {
      form = Form::kPrefix;
    } else if (op == "suffix") {
      form = Form::kSuffix;
    } else if (op == "wildcard") {
      form = Form::kWildcard;
    } else {
      return Invalid("Unsupported anything-but pattern: " + op);
    }
    v = &value.members[0].second;
  }
  if (!v->is_array() && !v->is_string() && !v->is_number()) {
    return Invalid("Value of anything-but must be an array or single string/number value.");
  }
  if (form == Form::kPlain) {
    bool has_string = false, has_number = false;
    auto add = [&](const Node& n) -> Status {
      if (n.is_string()) {
        c->strs.push_back(n.text);
        has_string = true;
      } else if (n.is_number()) {
        c->nums.push_back(n.number);
        has_number = true;
      } else {
        return Invalid("Inside anything but list, start|null|boolean is not supported.");
      }
      return Status::Ok();
    };
    if (v->is_array()) {
      for (const Node& n : v->items) CXB_RETURN_IF_ERROR(add(n));
      if (has_string == has_number) {
        return Invalid(
            "Inside anything but list, either all values are number or string, mixed type is not "
            "supported");
      }
    } else {
      CXB_RETURN_IF_ERROR(add(*v));
    }
    c->kind = has_number ? CondKind::kAbNumbers : CondKind::kAbStrings;
  } else {
    auto type_error = [&]() {
      switch (form) {
        case Form::kIgnoreCase:
          return Invalid(
              "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
              "supported.");
        case Form::kWildcard: return Invalid("wildcard match pattern must be a string");
        default: return Invalid("prefix/suffix match pattern must be a string");
      }
    };
    auto add = [&](const Node& n) -> Status {
      if (!n.is_string()) return type_error();
      if ((form == Form::kPrefix || form == Form::kSuffix) && n.text.empty()) {
        return Invalid("Null prefix/suffix not allowed");
      }
      if (form == Form::kIgnoreCase) {
        c->strs.push_back(Folded(n.text));
      } else if (form == Form::kWildcard) {
        c->wildcards.emplace_back();
        CXB_RETURN_IF_ERROR(ParseWildcard(n.text, &c->wildcards.back()));
      } else {
        c->strs.push_back(n.text);
      }
      return Status::Ok();
    };
    if (v->is_array()) {
      for (const Node& n : v->items) CXB_RETURN_IF_ERROR(add(n));
    } else {
      CXB_RETURN_IF_ERROR(add(*v));
    }
    switch (form) {
      case Form::kIgnoreCase: c->kind = CondKind::kAbIc; break;
      case Form::kPrefix: c->kind = CondKind::kAbPrefixes; break;
      case Form::kSuffix: c->kind = CondKind::kAbSuffixes; break;
      default: c->kind = CondKind::kAbWildcards; break;
    }
    if (value.members.size() > 1) return Invalid("Too many elements in numeric expression");
  }
  return Status::Ok();
}

// {"prefix": {"equals-ignore-case": "x"}} and the suffix twin.
Status AffixIgnoreCase(const Node& value, bool prefix, Condition* c) {
  const char* name = prefix ? "Prefix" : "Suffix";
  if (value.members.empty()) return Invalid(std::string(name) + " expression name not found");
  if (value.members[0].first != "equals-ignore-case") {
    return Invalid(std::string("Unsupported ") + (prefix ? "prefix" : "suffix") +
                   " pattern: " + value.members[0].first);
  }
  const Node& v = value.members[0].second;
  if (!v.is_string()) return Invalid("equals-ignore-case match pattern must be a string");
  if (value.members.size() > 1) return Invalid("Only one key allowed in match expression");
  c->kind = prefix ? CondKind::kPrefixIc : CondKind::kSuffixIc;
  c->str = Folded(v.text);
  return Status::Ok();
}

Status MatchExpression(const Node& obj, Condition* c) {
  if (obj.members.empty()) return Invalid("Match expression name not found");
  const std::string& op = obj.members[0].first;
  const Node& v = obj.members[0].second;
  const bool extra = obj.members.size() > 1;
  const Status kOneKey = Invalid("Only one key allowed in match expression");
  if (op == "prefix" || op == "suffix") {
    const bool prefix = op == "prefix";
    if (v.is_object()) {
      CXB_RETURN_IF_ERROR(AffixIgnoreCase(v, prefix, c));
    } else {
      if (!v.is_string()) return Invalid(op + " match pattern must be a string");
      c->kind = prefix ? CondKind::kPrefix : CondKind::kSuffix;
      c->str = v.text;
    }
    return extra ? kOneKey : Status::Ok();
  }
  if (op == "numeric") {
    if (!v.is_array()) return Invalid("Value of numeric must be an array.");
    CXB_RETURN_IF_ERROR(NumericExpression(v.items, c));
    return extra ? Invalid("Too many elements in numeric expression") : Status::Ok();
  }
  if (op == "anything-but") {
    CXB_RETURN_IF_ERROR(AnythingBut(v, c));
    return extra ? Invalid("Too many elements in numeric expression") : Status::Ok();
  }
  if (op == "exists") {
    if (v.type == NodeType::kTrue) {
      c->kind = CondKind::kExists;
    } else if (v.type == NodeType::kFalse) {
      c->kind = CondKind::kAbsent;
    } else {
      return Invalid("exists match pattern must be either true or false.");
    }
    return extra ? kOneKey : Status::Ok();
  }
  if (op == "cidr") {
    if (!v.is_string()) return Invalid("prefix match pattern must be a string");
    auto r = ParseCidr(v.text);
    if (!r.ok()) return Invalid(r.status().message());
    c->kind = CondKind::kIpRange;
    c->ip = *r;
    return extra ? kOneKey : Status::Ok();
  }
  if (op == "equals-ignore-case") {
    if (!v.is_string()) return Invalid("equals-ignore-case match pattern must be a string");
    c->kind = CondKind::kEqualsIc;
    c->str = Folded(v.text);
    return extra ? kOneKey : Status::Ok();
  }
  if (op == "wildcard") {
    if (!v.is_string()) return Invalid("wildcard match pattern must be a string");
    c->kind = CondKind::kWildcard;
    CXB_RETURN_IF_ERROR(ParseWildcard(v.text, &c->wildcard));
    return extra ? kOneKey : Status::Ok();
  }
  return Invalid("Unrecognized match type " + op);
}

class Compiler {
 public:
  Status Object(const Node& obj, std::string* path, std::vector<RuleMap>* rules, bool in_or) {
    if (obj.members.empty()) return Invalid("Empty objects are not allowed");
    for (const auto& [key, val] : obj.members) {
      if (key == "$or") {
        CXB_RETURN_IF_ERROR(Or(val, path, rules));
        continue;
      }
      if (in_or && IsReservedInOr(key)) {
        return Invalid(key + " is Ruler reserved fieldName which cannot be used inside $or.");
      }
      const size_t saved = path->size();
      if (!path->empty()) path->push_back('.');
      path->append(key);
      Status st;
      if (val.is_object()) {
        st = Object(val, path, rules, in_or);
      } else if (val.is_array()) {
        st = Leaf(val, *path, rules);
      } else {
        st = Invalid("\"" + key + "\" must be an object or an array");
      }
      path->resize(saved);
      CXB_RETURN_IF_ERROR(st);
    }
    return Status::Ok();
  }

 private:
  Status Or(const Node& val, std::string* path, std::vector<RuleMap>* rules) {
    std::vector<RuleMap> current = std::move(*rules);
    rules->clear();
    if (!val.is_array()) return Invalid("It must be an Array followed with $or.");
    for (const Node& item : val.items) {
      if (!item.is_object()) {
        return Invalid("Only JSON object is allowed in array of $or relationship.");
      }
      std::vector<RuleMap> branch = current;
      if (branch.empty()) branch.emplace_back();
      CXB_RETURN_IF_ERROR(Object(item, path, &branch, true));
      for (auto& r : branch) rules->push_back(std::move(r));
      if (rules->size() > kMaxOrCombinations) {
        return Invalid("The number of $or combinations exceeds the limit of " +
                       std::to_string(kMaxOrCombinations));
      }
    }
    if (val.items.size() < 2) {
      return Invalid("There must have at least 2 Objects in $or relationship.");
    }
    return Status::Ok();
  }

  Status Leaf(const Node& arr, const std::string& name, std::vector<RuleMap>* rules) {
    std::vector<Condition> values;
    for (const Node& item : arr.items) {
      Condition c;
      switch (item.type) {
        case NodeType::kObject:
          CXB_RETURN_IF_ERROR(MatchExpression(item, &c));
          break;
        case NodeType::kString: {
          IpAddress ip;
          if (ParseIp(item.text, &ip)) {
            c.kind = CondKind::kIpRange;
            c.ip = SingleAddress(ip);
          } else {
            c.kind = CondKind::kExactString;
            c.str = item.text;
          }
          break;
        }
        case NodeType::kNumber:
          c.kind = CondKind::kExactNumber;
          c.num = item.number;
          c.str = item.text;
          break;
        case NodeType::kTrue: c.kind = CondKind::kTrue; break;
        case NodeType::kFalse: c.kind = CondKind::kFalse; break;
        case NodeType::kNull: c.kind = CondKind::kNull; break;
        case NodeType::kArray:
          return Invalid("Match value must be String, number, true, false, or null");
      }
      values.push_back(std::move(c));
    }
    if (values.empty()) return Invalid("Empty arrays are not allowed");
    if (rules->empty()) rules->emplace_back();
    for (RuleMap& rule : *rules) {
      auto it = std::find_if(rule.begin(), rule.end(), [&](auto& p) { return p.first == name; });
      if (it != rule.end()) {
        it->second = values;
      } else {
        rule.emplace_back(name, values);
      }
    }
    return Status::Ok();
  }
};

}  // namespace

Result<CompiledPattern> CompilePattern(std::string_view pattern_json) {
  auto tree = ParseJsonTree(pattern_json);
  if (!tree.ok()) return Invalid(tree.status().message());
  const Node& root = *tree;
  if (!root.is_object()) {
    // Jackson reports the position just after the first token.
    size_t off = 0;
    while (off < pattern_json.size() &&
           (pattern_json[off] == ' ' || pattern_json[off] == '\t' || pattern_json[off] == '\n' ||
            pattern_json[off] == '\r')) {
      ++off;
    }
    size_t end = off + 1;
    if (root.type != NodeType::kArray && root.type != NodeType::kObject) {
      // A scalar token: Jackson has consumed all of it.
      end = off;
      if (root.is_string()) {
        end = pattern_json.find('"', off + 1);
        while (end != std::string_view::npos && pattern_json[end - 1] == '\\') {
          end = pattern_json.find('"', end + 1);
        }
        end = end == std::string_view::npos ? pattern_json.size() : end + 1;
      } else {
        while (end < pattern_json.size() && pattern_json[end] != ' ' && pattern_json[end] != ',' &&
               pattern_json[end] != '\n' && pattern_json[end] != ']' && pattern_json[end] != '}') {
          ++end;
        }
      }
    }
    return Invalid("Filter is not an object" + JacksonLocation(pattern_json, end));
  }
  std::vector<RuleMap> rules;
  std::string path;
  CXB_RETURN_IF_ERROR(Compiler().Object(root, &path, &rules, false));

  CompiledPattern out;
  out.subs.reserve(rules.size());
  for (RuleMap& rule : rules) {
    SubPattern sub;
    for (auto& [name, conds] : rule) {
      for (const Condition& c : conds) {
        if (c.kind == CondKind::kWildcard &&
            c.wildcard.Complexity(kMaxWildcardComplexity) > kMaxWildcardComplexity) {
          return Invalid(
              "Rule is too complex - try using fewer wildcard characters or fewer repeating "
              "character sequences after a wildcard character");
        }
      }
      sub.fields.push_back(FieldConstraint{name, std::move(conds)});
    }
    std::sort(sub.fields.begin(), sub.fields.end(),
              [](const FieldConstraint& a, const FieldConstraint& b) { return a.path < b.path; });
    out.subs.push_back(std::move(sub));
  }
  return out;
}

}  // namespace cxbridge::pattern::internal
