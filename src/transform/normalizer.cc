#include "transform/normalizer.h"

#include <utility>

#include "common/config_keys.h"

namespace cxbridge::transform {
namespace {

Status FieldError(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

// A selector: one pattern string or a list of them.
Status ParsePatterns(const json::Value* v, const std::string& where,
                     std::vector<TopicGlob>* out) {
  if (v == nullptr || v->is_null()) return Status::Ok();
  std::vector<const json::Value*> items;
  if (v->is_array()) {
    for (const auto& item : v->items()) items.push_back(&item);
    if (items.empty()) return FieldError(where, "must not be an empty list");
  } else {
    items.push_back(v);
  }
  for (const json::Value* item : items) {
    if (!item->is_string()) return FieldError(where, "must be a pattern string or a list of them");
    auto p = TopicGlob::Compile(item->as_string());
    if (!p.ok()) return FieldError(where, p.status().message());
    out->push_back(std::move(*p));
  }
  return Status::Ok();
}

std::string_view ScalarText(const json::Value& v) {
  if (v.is_string() || v.is_number()) return v.is_string() ? v.as_string() : v.number_text();
  return {};
}

bool AnyMatch(const std::vector<TopicGlob>& patterns, const json::Value* field) {
  if (patterns.empty()) return true;
  if (field == nullptr || !field->is_string()) return false;
  for (const TopicGlob& p : patterns) {
    if (p.Match(field->as_string())) return true;
  }
  return false;
}

Status CompileRuleSet(const json::Value& rs, size_t index, const StepRegistry& registry,
                      Normalizer::RuleSet* out) {
  std::string where = "schemas[" + std::to_string(index) + "]";
  if (!rs.is_object()) return FieldError(where, "a rule set must be a mapping");
  const json::Value* name = rs.Find("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return FieldError(where, "'name' is required");
  }
  out->name = name->as_string();
  where += " (" + out->name + ")";
  CXB_RETURN_IF_ERROR(
      CheckKeys(rs, where, {"name", "source", "detail-type", "version", "steps", "require"}));
  CXB_RETURN_IF_ERROR(ParsePatterns(rs.Find("source"), where + ".source", &out->sources));
  CXB_RETURN_IF_ERROR(
      ParsePatterns(rs.Find("detail-type"), where + ".detail-type", &out->detail_types));

  if (const json::Value* ver = rs.Find("version"); ver != nullptr && !ver->is_null()) {
    const std::string vw = where + ".version";
    if (!ver->is_object()) return FieldError(vw, "must be a mapping {path, values}");
    if (Status st = CheckStepArgs(*ver, {"path", "values"}); !st.ok()) {
      return FieldError(vw, st.message());
    }
    const json::Value* path = ver->Find("path");
    if (path == nullptr || !path->is_string()) return FieldError(vw, "'path' is required");
    auto p = JsonPath::Compile(path->as_string());
    if (!p.ok() || !p->definite()) {
      return FieldError(vw + ".path", p.ok() ? "must not contain '*'" : p.status().message());
    }
    auto spec = std::make_unique<Normalizer::VersionSpec>();
    spec->path = std::move(*p);
    const json::Value* values = ver->Find("values");
    if (values == nullptr || !values->is_array() || values->items().empty()) {
      return FieldError(vw, "'values' is required: the list of versions this rule set handles");
    }
    for (const auto& v : values->items()) {
      if (!v.is_string() && !v.is_number()) return FieldError(vw + ".values", "must be strings or numbers");
      spec->values.emplace_back(ScalarText(v));
    }
    out->version = std::move(spec);
  }

  const json::Value* steps = rs.Find("steps");
  if (steps != nullptr && !steps->is_null()) {
    if (!steps->is_array()) return FieldError(where + ".steps", "must be a list");
    for (size_t i = 0; i < steps->items().size(); ++i) {
      const json::Value& s = steps->items()[i];
      std::string sw = where + ".steps[" + std::to_string(i) + "]";
      if (!s.is_object() || s.members().size() != 1) {
        return FieldError(sw, "a step is a mapping with exactly one key, its kind (" +
                                  registry.KindList() + ")");
      }
      const auto& [kind, args] = s.members()[0];
      const StepFactory* factory = registry.Find(kind);
      if (factory == nullptr) {
        return FieldError(sw, "unknown step kind '" + kind + "' (expected one of: " +
                                  registry.KindList() + ")");
      }
      auto step = (*factory)(args);
      if (!step.ok()) return FieldError(sw + "." + kind, step.status().message());
      out->steps.push_back(std::move(*step));
      out->step_names.push_back("steps[" + std::to_string(i) + "] (" + kind + ")");
    }
  }

  if (const json::Value* req = rs.Find("require"); req != nullptr && !req->is_null()) {
    if (!req->is_array()) return FieldError(where + ".require", "must be a list of JSONPaths");
    for (const auto& r : req->items()) {
      if (!r.is_string()) return FieldError(where + ".require", "must be a list of JSONPaths");
      auto p = JsonPath::Compile(r.as_string());
      if (!p.ok()) return FieldError(where + ".require", p.status().message());
      out->require.push_back(std::move(*p));
    }
  }
  if (out->steps.empty() && out->require.empty() && out->version == nullptr) {
    return FieldError(where, "has no steps, require or version: it would do nothing");
  }
  return Status::Ok();
}

bool Present(const JsonPath& path, const json::Value& event) {
  if (path.definite()) {
    const json::Value* v = path.Find(event);
    return v != nullptr && !v->is_null();
  }
  std::vector<const json::Value*> found;
  path.Collect(event, &found);
  return !found.empty();
}

}  // namespace

Result<std::shared_ptr<const Normalizer>> CompileNormalizer(const json::Value& schemas_config,
                                                            const StepRegistry& registry) {
  auto n = std::make_shared<Normalizer>();
  if (schemas_config.is_null()) return std::shared_ptr<const Normalizer>(std::move(n));
  if (!schemas_config.is_array()) {
    return Status::InvalidArgument("schemas: must be a list of rule sets");
  }
  n->rule_sets_.resize(schemas_config.items().size());
  for (size_t i = 0; i < schemas_config.items().size(); ++i) {
    CXB_RETURN_IF_ERROR(CompileRuleSet(schemas_config.items()[i], i, registry, &n->rule_sets_[i]));
    for (size_t j = 0; j < i; ++j) {
      if (n->rule_sets_[j].name == n->rule_sets_[i].name) {
        return Status::InvalidArgument("schemas[" + std::to_string(i) + "]: duplicate name '" +
                                       n->rule_sets_[i].name + "'");
      }
    }
  }
  return std::shared_ptr<const Normalizer>(std::move(n));
}

Result<std::shared_ptr<const Normalizer>> CompileNormalizer(const json::Value& schemas_config) {
  return CompileNormalizer(schemas_config, BuiltinSteps());
}

NormalizeResult Normalize(const Normalizer& normalizer, json::Value* event) {
  NormalizeResult result;
  bool changed = false;
  const Normalizer::RuleSet* version_miss = nullptr;  // last versioned set whose version missed
  bool version_hit = false;
  auto quarantine = [&](std::string reason) {
    result.outcome = NormalizeOutcome::kQuarantine;
    result.reason = std::move(reason);
    return result;
  };
  for (const Normalizer::RuleSet& rs : normalizer.rule_sets()) {
    // Read the selectors afresh: an earlier rule set may have renamed the topic.
    if (!AnyMatch(rs.sources, event->Find("source")) ||
        !AnyMatch(rs.detail_types, event->Find("detail-type"))) {
      continue;
    }
    if (rs.version != nullptr) {
      const json::Value* v = rs.version->path.Find(*event);
      std::string_view text = v != nullptr ? ScalarText(*v) : std::string_view();
      bool known = false;
      for (const std::string& accepted : rs.version->values) known = known || (v && accepted == text);
      if (!known) {
        version_miss = &rs;
        continue;
      }
      version_hit = true;
    }
    for (size_t i = 0; i < rs.steps.size(); ++i) {
      Status st = rs.steps[i]->Apply(event, &changed);
      if (!st.ok()) {
        return quarantine("schema " + rs.name + ", " + rs.step_names[i] + ": " + st.message());
      }
    }
    for (const JsonPath& req : rs.require) {
      if (!Present(req, *event)) {
        return quarantine("schema " + rs.name + ": required field " + req.text() +
                          " is missing after normalization");
      }
    }
    if (!result.rule_sets.empty()) result.rule_sets.append(",");
    result.rule_sets.append(rs.name);
  }
  if (version_miss != nullptr && !version_hit) {
    const json::Value* v = version_miss->version->path.Find(*event);
    std::string shown = v == nullptr ? "absent" : "'" + json::Serialize(*v).substr(0, 64) + "'";
    const json::Value* dt = event->Find("detail-type");
    return quarantine("version " + shown + " at " + version_miss->version->path.text() +
                      " is not declared by any schema for detail-type " +
                      (dt != nullptr ? json::Serialize(*dt) : std::string("(none)")) +
                      " (last candidate: " + version_miss->name + ")");
  }
  result.outcome = changed ? NormalizeOutcome::kNormalized : NormalizeOutcome::kUnchanged;
  return result;
}

}  // namespace cxbridge::transform
