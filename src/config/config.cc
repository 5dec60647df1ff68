#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "bus/rule_state.h"
#include "common/config_keys.h"

namespace cxbridge::config {

// --- Positions, problems ---

void Positions::Add(std::string path, Mark mark) { entries_.emplace_back(std::move(path), mark); }

Mark Positions::Find(std::string_view path) const {
  for (;;) {
    for (const auto& [p, m] : entries_) {
      if (p == path) return m;
    }
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return {};
    path = path.substr(0, slash);
  }
}

Mark Positions::FindKey(std::string_view path, std::string_view key) const {
  for (const auto& [p, m] : entries_) {
    const bool below = path.empty() || (p.size() > path.size() && p.starts_with(path) && p[path.size()] == '/');
    if (!below) continue;
    const size_t slash = p.rfind('/');
    std::string_view last = slash == std::string::npos ? std::string_view(p) : std::string_view(p).substr(slash + 1);
    if (last == key) return m;
  }
  return Find(path);
}

std::string FormatProblem(const std::string& file, const Problem& p) {
  std::string out = file;
  if (p.mark.line > 0) {
    out += ":" + std::to_string(p.mark.line);
    if (p.mark.column > 0) out += ":" + std::to_string(p.mark.column);
  }
  return out + ": " + p.message;
}

std::vector<Problem> LocateProblems(const Positions& positions, std::string_view path,
                                    std::string_view what, const Status& error) {
  std::vector<Problem> out;
  const std::string& message = error.message();
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string_view line = std::string_view(message).substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    std::vector<std::string> keys = UnknownKeysIn(line);
    Mark mark = keys.empty() ? positions.Find(path) : positions.FindKey(path, keys.front());
    std::string text;
    if (!what.empty()) text = std::string(what) + ": ";
    text += line;
    out.push_back({mark, std::move(text)});
  }
  return out;
}

Status ProblemsStatus(const std::string& file, const std::vector<Problem>& problems) {
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const Problem& p : problems) {
    if (!message.empty()) message += "\n";
    message += FormatProblem(file, p);
  }
  return Status::InvalidArgument(std::move(message));
}

namespace {

Mark MarkOf(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string Join(const std::string& path, const std::string& part) {
  return path.empty() ? part : path + "/" + part;
}

// Records the position of every key and list item under `n` (whose path is `path`).
void CollectPositions(const YAML::Node& n, const std::string& path, Positions* out, int depth = 0) {
  if (depth > 64) return;  // config files are shallow; bounded anyway
  if (n.IsMap()) {
    for (const auto& kv : n) {
      const std::string p = Join(path, kv.first.Scalar());
      out->Add(p, MarkOf(kv.first));
      CollectPositions(kv.second, p, out, depth + 1);
    }
  } else if (n.IsSequence()) {
    size_t i = 0;
    for (const auto& item : n) {
      const std::string p = Join(path, std::to_string(i++));
      out->Add(p, MarkOf(item));
      CollectPositions(item, p, out, depth + 1);
    }
  }
}

// A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, checked by hand (one pass; no
// std::regex anywhere in cxbridge).
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (i >= s.size() || s[i] < '1' || s[i] > '9' || digits() == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// 1-64 characters of [.-_A-Za-z0-9] (EventBridge's rule and bus name characters).
bool IsRuleName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == '_'))
      return false;
  }
  return true;
}

// Plain YAML scalars become JSON null/bool/number where they look like one; quoted ones stay strings.
json::Value ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json::Value::Null();
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return json::Value::String(s);
      if (s == "null" || s == "~" || s.empty()) return json::Value::Null();
      if (s == "true" || s == "True") return json::Value::Bool(true);
      if (s == "false" || s == "False") return json::Value::Bool(false);
      if (IsJsonNumber(s)) return json::Value::NumberText(s);
      return json::Value::String(s);
    }
    case YAML::NodeType::Sequence: {
      json::Value a = json::Value::Array();
      for (const auto& item : n) a.Push(ToJson(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json::Value o = json::Value::Object();
      for (const auto& kv : n) o.Set(kv.first.Scalar(), ToJson(kv.second));
      return o;
    }
  }
  return json::Value::Null();
}

// Reads the sections this module owns, collecting every problem rather than stopping at the first.
class Parser {
 public:
  explicit Parser(Config* c) : c_(*c) {}

  std::vector<Problem> problems;

  void Error(const YAML::Node& at, std::string message) {
    problems.push_back({MarkOf(at), std::move(message)});
  }

  // Every key of `map` outside `allowed` is a problem at that key. False when `map` is no mapping.
  bool Keys(const YAML::Node& map, const std::string& where, const std::vector<std::string_view>& allowed) {
    if (!map.IsMap()) {
      if (!map.IsNull()) Error(map, where + " must be a mapping");
      return false;
    }
    for (const auto& kv : map) {
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(kv.first, where + ": " + UnknownKeyMessage(key, allowed));
      }
    }
    return true;
  }

  template <typename T>
  void Int(const YAML::Node& parent, const char* key, T* out, int64_t lo, int64_t hi) {
    const YAML::Node n = parent[key];
    if (!n) return;
    try {
      int64_t v = n.as<int64_t>();
      if (v < lo || v > hi) {
        return Error(n, std::string(key) + " must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi));
      }
      *out = static_cast<T>(v);
    } catch (const YAML::Exception&) {
      Error(n, std::string(key) + " must be an integer");
    }
  }

  bool String(const YAML::Node& parent, const char* key, std::string* out) {
    const YAML::Node n = parent[key];
    if (!n) return true;
    if (!n.IsScalar()) {
      Error(n, std::string(key) + " must be a string");
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  void Bool(const YAML::Node& parent, const char* key, bool* out) {
    const YAML::Node n = parent[key];
    if (!n) return;
    const std::string v = n.IsScalar() ? n.Scalar() : "";
    if (v == "true") {
      *out = true;
    } else if (v == "false") {
      *out = false;
    } else {
      Error(n, std::string(key) + " must be true or false");
    }
  }

  void Root(const YAML::Node& root) {
    if (!root || root.IsNull()) return;
    if (!root.IsMap()) return Error(root, "the config must be a mapping");
    CollectPositions(root, "", positions_.get());
    for (const auto& kv : root) {
      const std::string& key = kv.first.Scalar();
      if (std::find(kSections.begin(), kSections.end(), key) == kSections.end()) {
        Error(kv.first, "unknown section '" + key + "'" + Suggest(key, kSections));
      }
    }
    Server(root["server"]);
    Storage(root["storage"]);
    Delivery(root["delivery"]);
    Sources(root["sources"]);
    Buses(root["buses"]);
    Rules(root["rules"]);
    if (root["schemas"]) c_.schemas = ToJson(root["schemas"]);
    if (root["api"]) c_.api = ToJson(root["api"]);
    if (root["blobs"]) c_.blobs = ToJson(root["blobs"]);
    if (root["aws"]) c_.aws = ToJson(root["aws"]);
    c_.positions = std::move(positions_);
  }

 private:
  static inline const std::vector<std::string_view> kSections = {
      "server", "storage", "delivery", "sources", "buses", "rules", "schemas", "api", "blobs", "aws"};

  static std::string Suggest(std::string_view key, const std::vector<std::string_view>& known) {
    std::string close = ClosestKey(key, known);
    if (!close.empty()) return " (did you mean '" + close + "'?)";
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return " (known: " + list + ")";
  }

  void Server(const YAML::Node& s) {
    if (!s || !Keys(s, "server", {"address", "port", "threads", "max_body_bytes", "admin_token", "account",
                                  "region", "allow_private_targets", "allow_api_local_targets",
                                  "allowed_hosts"})) {
      return;
    }
    String(s, "address", &c_.address);
    Int(s, "port", &c_.port, 0, 65535);
    Int(s, "threads", &c_.threads, 1, 64);
    Int(s, "max_body_bytes", &c_.max_body_bytes, 1024, 64 << 20);
    String(s, "account", &c_.account);
    String(s, "region", &c_.region);
    if (s["admin_token"]) c_.admin_token = ToJson(s["admin_token"]);
    Bool(s, "allow_private_targets", &c_.allow_private_targets);
    Bool(s, "allow_api_local_targets", &c_.allow_api_local_targets);
    if (const YAML::Node h = s["allowed_hosts"]; h && !h.IsNull()) {
      if (!h.IsSequence()) {
        Error(h, "allowed_hosts must be a list of host names");
      } else {
        for (const auto& n : h) {
          // A name, without a scheme, port or path: what a Host header carries before its port.
          if (!n.IsScalar() || n.Scalar().empty() ||
              n.Scalar().find_first_of(":/ @") != std::string::npos) {
            Error(n, "allowed_hosts: each entry is a host name such as gateway.internal");
          } else {
            c_.allowed_hosts.push_back(n.Scalar());
          }
        }
      }
    }
  }

  void Storage(const YAML::Node& s) {
    if (!s || !Keys(s, "storage", {"data_dir", "dedup_ttl_seconds", "event_retention_seconds",
                                   "min_free_disk_bytes"})) {
      return;
    }
    String(s, "data_dir", &c_.data_dir);
    Int(s, "dedup_ttl_seconds", &c_.dedup_ttl_seconds, 1, 365 * 86400);
    Int(s, "event_retention_seconds", &c_.event_retention_seconds, 0, 365 * 86400);
    Int(s, "min_free_disk_bytes", &c_.min_free_disk_bytes, 0, INT64_MAX);
  }

  void Delivery(const YAML::Node& s) {
    if (!s || !Keys(s, "delivery", {"backoff_base_ms", "backoff_max_ms", "target_concurrency"})) return;
    Int(s, "backoff_base_ms", &c_.backoff_base_ms, 1, 3600'000);
    Int(s, "backoff_max_ms", &c_.backoff_max_ms, 1, 86400'000);
    Int(s, "target_concurrency", &c_.target_concurrency, 1, 1024);
  }

  void Sources(const YAML::Node& s) {
    if (!s || s.IsNull()) return;
    if (!s.IsMap()) return Error(s, "sources must be a mapping of name → source");
    for (const auto& kv : s) {
      SourceConfig sc{kv.first.Scalar(), ToJson(kv.second), kv.first.Mark().line + 1};
      if (!sc.raw.is_object()) {
        Error(kv.second, "source " + sc.name + " must be a mapping");
        continue;
      }
      c_.sources.push_back(std::move(sc));
    }
  }

  void Buses(const YAML::Node& s) {
    if (!s || s.IsNull()) return;
    if (!s.IsSequence()) return Error(s, "buses must be a list of {Name, Description}");
    for (const auto& b : s) {
      if (!Keys(b, "bus", {"Name", "Description"})) {
        if (b.IsNull()) Error(b, "a bus must be a mapping");
        continue;
      }
      bus::BusDef bd;
      bd.origin = bus::Origin::kConfig;
      String(b, "Name", &bd.name);
      String(b, "Description", &bd.description);
      if (bd.name.empty()) {
        Error(b, "bus needs a Name");
        continue;
      }
      bus_names_.insert(bd.name);
      c_.buses.push_back(std::move(bd));
    }
  }

  void Rules(const YAML::Node& s) {
    if (!s || s.IsNull()) return;
    if (!s.IsSequence()) return Error(s, "rules must be a list");
    std::set<std::string> seen;
    size_t index = 0;
    for (const auto& r : s) {
      bus::RuleDef rule;
      Config::RulePlace place{"rules/" + std::to_string(index++), {}};
      if (!Rule(r, place.path, &rule, &place.targets)) continue;
      if (!bus_names_.count(rule.bus)) {
        Error(r, "rule " + rule.name + " names unknown bus " + rule.bus);
        continue;
      }
      if (!seen.insert(rule.bus + "/" + rule.name).second) {
        Error(r, "duplicate rule " + rule.name);
        continue;
      }
      c_.rules.push_back(std::move(rule));
      c_.rule_places.push_back(std::move(place));
    }
  }

  // False when the rule cannot be used (each problem recorded).
  bool Rule(const YAML::Node& n, const std::string& path, bus::RuleDef* rule,
            std::vector<std::string>* target_paths) {
    const size_t before = problems.size();
    if (!n.IsMap()) {
      Error(n, "a rule must be a mapping");
      return false;
    }
    Keys(n, "rule", {"Name", "EventBusName", "EventPattern", "ScheduleExpression", "State", "Description",
                     "Targets"});
    String(n, "Name", &rule->name);
    if (rule->name.empty()) {
      Error(n, "rule needs a Name");
    } else if (!IsRuleName(rule->name)) {
      Error(n["Name"], "rule Name '" + rule->name + "' must be 1-64 characters of [.-_A-Za-z0-9]");
    }
    String(n, "EventBusName", &rule->bus);
    String(n, "Description", &rule->description);
    if (String(n, "State", &rule->state) && !bus::RuleStateEnabled(rule->state) &&
        rule->state != "DISABLED") {
      Error(n["State"], "State must be ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    }
    String(n, "ScheduleExpression", &rule->schedule_expression);
    const YAML::Node pat = n["EventPattern"];
    if (!pat && rule->schedule_expression.empty()) {
      Error(n, "rule " + rule->name + " needs an EventPattern or a ScheduleExpression");
    }
    // Either a YAML mapping or a JSON string.
    if (pat) rule->event_pattern = pat.IsScalar() ? pat.Scalar() : json::Serialize(ToJson(pat));
    const YAML::Node targets = n["Targets"];
    if (targets && !targets.IsSequence() && !targets.IsNull()) {
      Error(targets, "Targets must be a list");
    } else if (targets && targets.IsSequence()) {
      std::set<std::string> ids;
      size_t index = 0;
      for (const auto& t : targets) {
        const std::string target_path = path + "/Targets/" + std::to_string(index++);
        bus::TargetDef td;
        td.origin = bus::Origin::kConfig;  // the operator's own: trusted
        td.raw = ToJson(t);
        if (!td.raw.is_object()) {
          Error(t, "a target must be a mapping");
          continue;
        }
        const json::Value* id = td.raw.Find("Id");
        const json::Value* arn = td.raw.Find("Arn");
        if (!id || !id->is_string() || id->as_string().empty()) {
          Error(t, "target needs an Id");
          continue;
        }
        if (!arn || !arn->is_string() || arn->as_string().empty()) {
          Error(t, "target " + id->as_string() + " needs an Arn");
          continue;
        }
        td.id = id->as_string();
        td.arn = arn->as_string();
        if (!ids.insert(td.id).second) {
          Error(t, "duplicate target Id " + td.id);
          continue;
        }
        rule->targets.push_back(std::move(td));
        target_paths->push_back(target_path);
      }
    }
    rule->origin = bus::Origin::kConfig;
    return problems.size() == before;
  }

  Config& c_;
  std::shared_ptr<Positions> positions_ = std::make_shared<Positions>();
  std::set<std::string> bus_names_ = {"default"};
};

}  // namespace

Checked ParseConfigChecked(std::string_view yaml, const std::string& path) {
  Checked out;
  out.config.path = path;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    Parser p(&out.config);
    p.Root(root);
    out.problems = std::move(p.problems);
  } catch (const YAML::Exception& e) {
    out.problems.push_back({{e.mark.line + 1, e.mark.column + 1}, e.msg});
  }
  std::stable_sort(out.problems.begin(), out.problems.end(), [](const Problem& a, const Problem& b) {
    return a.mark.line != b.mark.line ? a.mark.line < b.mark.line : a.mark.column < b.mark.column;
  });
  return out;
}

Checked LoadConfigChecked(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    Checked out;
    out.config.path = path;
    out.problems.push_back({{}, "cannot read the config file"});
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfigChecked(ss.str(), path);
}

Result<Config> ParseConfig(std::string_view yaml, const std::string& path) {
  Checked c = ParseConfigChecked(yaml, path);
  if (!c.problems.empty()) return ProblemsStatus(path, c.problems);
  return std::move(c.config);
}

Result<Config> LoadConfig(const std::string& path) {
  Checked c = LoadConfigChecked(path);
  if (!c.problems.empty()) return ProblemsStatus(path, c.problems);
  return std::move(c.config);
}

}  // namespace cxbridge::config
