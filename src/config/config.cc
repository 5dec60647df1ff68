#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "bus/rule_state.h"

namespace cxbridge::config {
namespace {

std::string Where(const std::string& path, const YAML::Node& n) {
  return path + ":" + std::to_string(n.Mark().line + 1);
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
      static const std::regex kNumber(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
      if (std::regex_match(s, kNumber)) return json::Value::NumberText(s);
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

template <typename T>
Status ReadInt(const YAML::Node& parent, const char* key, T* out, const std::string& path, int64_t lo,
               int64_t hi) {
  const YAML::Node n = parent[key];
  if (!n) return Status::Ok();
  try {
    int64_t v = n.as<int64_t>();
    if (v < lo || v > hi) {
      return Status::InvalidArgument(Where(path, n) + ": " + key + " must be between " +
                                     std::to_string(lo) + " and " + std::to_string(hi));
    }
    *out = static_cast<T>(v);
  } catch (const YAML::Exception&) {
    return Status::InvalidArgument(Where(path, n) + ": " + key + " must be an integer");
  }
  return Status::Ok();
}

Status ReadString(const YAML::Node& parent, const char* key, std::string* out, const std::string& path) {
  const YAML::Node n = parent[key];
  if (!n) return Status::Ok();
  if (!n.IsScalar()) return Status::InvalidArgument(Where(path, n) + ": " + key + " must be a string");
  *out = n.Scalar();
  return Status::Ok();
}

Status ReadBool(const YAML::Node& parent, const char* key, bool* out, const std::string& path) {
  const YAML::Node n = parent[key];
  if (!n) return Status::Ok();
  const std::string v = n.IsScalar() ? n.Scalar() : "";
  if (v == "true") {
    *out = true;
  } else if (v == "false") {
    *out = false;
  } else {
    return Status::InvalidArgument(Where(path, n) + ": " + key + " must be true or false");
  }
  return Status::Ok();
}

Status ParseRule(const YAML::Node& n, const std::string& path, bus::RuleDef* rule) {
  if (!n.IsMap()) return Status::InvalidArgument(Where(path, n) + ": a rule must be a mapping");
  CXB_RETURN_IF_ERROR(ReadString(n, "Name", &rule->name, path));
  if (rule->name.empty()) return Status::InvalidArgument(Where(path, n) + ": rule needs a Name");
  static const std::regex kName(R"([\.\-_A-Za-z0-9]{1,64})");
  if (!std::regex_match(rule->name, kName)) {
    return Status::InvalidArgument(Where(path, n) + ": rule Name '" + rule->name +
                                   "' must be 1-64 characters of [.-_A-Za-z0-9]");
  }
  CXB_RETURN_IF_ERROR(ReadString(n, "EventBusName", &rule->bus, path));
  CXB_RETURN_IF_ERROR(ReadString(n, "State", &rule->state, path));
  CXB_RETURN_IF_ERROR(ReadString(n, "Description", &rule->description, path));
  if (!bus::RuleStateEnabled(rule->state) && rule->state != "DISABLED") {
    return Status::InvalidArgument(
        Where(path, n) +
        ": State must be ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
  }
  CXB_RETURN_IF_ERROR(ReadString(n, "ScheduleExpression", &rule->schedule_expression, path));
  const YAML::Node pat = n["EventPattern"];
  if (!pat && rule->schedule_expression.empty()) {
    return Status::InvalidArgument(Where(path, n) + ": rule " + rule->name +
                                   " needs an EventPattern or a ScheduleExpression");
  }
  // Either a YAML mapping or a JSON string.
  if (pat) rule->event_pattern = pat.IsScalar() ? pat.Scalar() : json::Serialize(ToJson(pat));
  const YAML::Node targets = n["Targets"];
  if (targets && !targets.IsSequence()) {
    return Status::InvalidArgument(Where(path, targets) + ": Targets must be a list");
  }
  std::set<std::string> ids;
  for (const auto& t : targets) {
    bus::TargetDef td;
    td.raw = ToJson(t);
    if (!td.raw.is_object()) return Status::InvalidArgument(Where(path, t) + ": a target must be a mapping");
    const json::Value* id = td.raw.Find("Id");
    const json::Value* arn = td.raw.Find("Arn");
    if (!id || !id->is_string() || id->as_string().empty()) {
      return Status::InvalidArgument(Where(path, t) + ": target needs an Id");
    }
    if (!arn || !arn->is_string() || arn->as_string().empty()) {
      return Status::InvalidArgument(Where(path, t) + ": target " + id->as_string() + " needs an Arn");
    }
    td.id = id->as_string();
    td.arn = arn->as_string();
    if (!ids.insert(td.id).second) {
      return Status::InvalidArgument(Where(path, t) + ": duplicate target Id " + td.id);
    }
    rule->targets.push_back(std::move(td));
  }
  rule->origin = bus::Origin::kConfig;
  return Status::Ok();
}

Result<Config> Parse(const YAML::Node& root, const std::string& path) {
  Config c;
  c.path = path;
  if (!root || root.IsNull()) return c;
  if (!root.IsMap()) return Status::InvalidArgument(path + ": the config must be a mapping");
  static const std::set<std::string> kTop = {"server", "storage", "delivery", "sources", "buses",
                                             "rules",  "schemas", "api",      "blobs",
                                             "aws"};
  for (const auto& kv : root) {
    if (!kTop.count(kv.first.Scalar())) {
      return Status::InvalidArgument(Where(path, kv.first) + ": unknown section '" + kv.first.Scalar() + "'");
    }
  }
  if (const YAML::Node s = root["server"]) {
    CXB_RETURN_IF_ERROR(ReadString(s, "address", &c.address, path));
    CXB_RETURN_IF_ERROR(ReadInt(s, "port", &c.port, path, 0, 65535));
    CXB_RETURN_IF_ERROR(ReadInt(s, "threads", &c.threads, path, 1, 64));
    CXB_RETURN_IF_ERROR(ReadInt(s, "max_body_bytes", &c.max_body_bytes, path, 1024, 64 << 20));
    CXB_RETURN_IF_ERROR(ReadString(s, "account", &c.account, path));
    CXB_RETURN_IF_ERROR(ReadString(s, "region", &c.region, path));
    if (s["admin_token"]) c.admin_token = ToJson(s["admin_token"]);
    CXB_RETURN_IF_ERROR(ReadBool(s, "allow_private_targets", &c.allow_private_targets, path));
    CXB_RETURN_IF_ERROR(ReadBool(s, "allow_api_local_targets", &c.allow_api_local_targets, path));
  }
  if (const YAML::Node s = root["storage"]) {
    CXB_RETURN_IF_ERROR(ReadString(s, "data_dir", &c.data_dir, path));
    CXB_RETURN_IF_ERROR(ReadInt(s, "dedup_ttl_seconds", &c.dedup_ttl_seconds, path, 1, 365 * 86400));
    CXB_RETURN_IF_ERROR(ReadInt(s, "event_retention_seconds", &c.event_retention_seconds, path, 0, 365 * 86400));
    CXB_RETURN_IF_ERROR(ReadInt(s, "min_free_disk_bytes", &c.min_free_disk_bytes, path, 0, INT64_MAX));
  }
  if (const YAML::Node s = root["delivery"]) {
    CXB_RETURN_IF_ERROR(ReadInt(s, "backoff_base_ms", &c.backoff_base_ms, path, 1, 3600'000));
    CXB_RETURN_IF_ERROR(ReadInt(s, "backoff_max_ms", &c.backoff_max_ms, path, 1, 86400'000));
    CXB_RETURN_IF_ERROR(ReadInt(s, "target_concurrency", &c.target_concurrency, path, 1, 1024));
  }
  if (const YAML::Node s = root["sources"]) {
    if (!s.IsMap()) return Status::InvalidArgument(Where(path, s) + ": sources must be a mapping of name → source");
    for (const auto& kv : s) {
      SourceConfig sc{kv.first.Scalar(), ToJson(kv.second), kv.first.Mark().line + 1};
      if (!sc.raw.is_object()) {
        return Status::InvalidArgument(Where(path, kv.second) + ": source " + sc.name + " must be a mapping");
      }
      c.sources.push_back(std::move(sc));
    }
  }
  std::set<std::string> bus_names = {"default"};
  if (const YAML::Node s = root["buses"]) {
    for (const auto& b : s) {
      bus::BusDef bd;
      CXB_RETURN_IF_ERROR(ReadString(b, "Name", &bd.name, path));
      CXB_RETURN_IF_ERROR(ReadString(b, "Description", &bd.description, path));
      if (bd.name.empty()) return Status::InvalidArgument(Where(path, b) + ": bus needs a Name");
      bus_names.insert(bd.name);
      c.buses.push_back(std::move(bd));
    }
  }
  if (const YAML::Node s = root["rules"]) {
    std::set<std::string> seen;
    for (const auto& r : s) {
      bus::RuleDef rule;
      CXB_RETURN_IF_ERROR(ParseRule(r, path, &rule));
      if (!bus_names.count(rule.bus)) {
        return Status::InvalidArgument(Where(path, r) + ": rule " + rule.name + " names unknown bus " + rule.bus);
      }
      if (!seen.insert(rule.bus + "/" + rule.name).second) {
        return Status::InvalidArgument(Where(path, r) + ": duplicate rule " + rule.name);
      }
      c.rules.push_back(std::move(rule));
    }
  }
  if (root["schemas"]) c.schemas = ToJson(root["schemas"]);
  if (root["api"]) c.api = ToJson(root["api"]);
  if (root["blobs"]) c.blobs = ToJson(root["blobs"]);
  if (root["aws"]) c.aws = ToJson(root["aws"]);
  return c;
}

}  // namespace

Result<Config> ParseConfig(std::string_view yaml, const std::string& path) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return Parse(root, path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace cxbridge::config
