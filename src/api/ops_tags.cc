// Tags on event buses and rules (the resources EventBridge tags here), kept in their records.
#include "api/operations.h"

namespace cxbridge::api {
namespace {

// The record a ResourceARN names, or the AWS error. `is_rule` tells which save to use.
struct Target {
  json::Value* record = nullptr;
  bool is_rule = false;
};

std::variant<Target, Reply> Resolve(ApiContext& ctx, const std::string& arn) {
  std::string bus = ArnResource(arn, "event-bus/");
  if (!bus.empty()) {
    auto it = ctx.reg.buses.find(bus);
    if (it == ctx.reg.buses.end()) return Reply::NotFound(BusNotFound(bus));
    return Target{&it->second, false};
  }
  std::string rule = ArnResource(arn, "rule/");
  if (!rule.empty()) {
    std::string rule_bus = "default";
    size_t slash = rule.find('/');
    if (slash != std::string::npos) {
      rule_bus = rule.substr(0, slash);
      rule = rule.substr(slash + 1);
    }
    json::Value* rec = ctx.FindRule(rule_bus, rule);
    if (!rec) return Reply::NotFound(RuleNotFound(rule, rule_bus));
    return Target{rec, true};
  }
  return Reply::Validation("Parameter ResourceARN is not valid.");
}

Reply SaveTags(ApiContext& ctx, const Target& t, json::Value tags) {
  json::Value rec = *t.record;
  rec.Set("Tags", std::move(tags));
  Status st = t.is_rule ? ctx.SaveRule(rec) : ctx.SaveBus(rec);
  if (!st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

json::Value CurrentTags(const json::Value& rec) {
  const json::Value* tags = rec.Find("Tags");
  return tags && tags->is_array() ? *tags : json::Value::Array();
}

}  // namespace

Reply TagResource(ApiContext& ctx, const json::Value& req) {
  auto r = Resolve(ctx, Str(req, "ResourceARN"));
  if (auto* err = std::get_if<Reply>(&r)) return *err;
  const Target& t = std::get<Target>(r);
  json::Value tags = CurrentTags(*t.record);
  for (const auto& tag : req.Find("Tags")->items()) {
    bool replaced = false;
    for (auto& old : tags.items()) {
      if (Str(old, "Key") == Str(tag, "Key")) {
        old = tag;
        replaced = true;
      }
    }
    if (!replaced) tags.Push(tag);
  }
  if (tags.items().size() > 50) return Reply::Err("LimitExceededException", std::string(kLimitMessage));
  return SaveTags(ctx, t, std::move(tags));
}

Reply UntagResource(ApiContext& ctx, const json::Value& req) {
  auto r = Resolve(ctx, Str(req, "ResourceARN"));
  if (auto* err = std::get_if<Reply>(&r)) return *err;
  const Target& t = std::get<Target>(r);
  json::Value kept = json::Value::Array();
  json::Value current = CurrentTags(*t.record);
  for (const auto& tag : current.items()) {
    bool drop = false;
    for (const auto& key : req.Find("TagKeys")->items())
      drop = drop || (key.is_string() && key.as_string() == Str(tag, "Key"));
    if (!drop) kept.Push(tag);
  }
  return SaveTags(ctx, t, std::move(kept));
}

Reply ListTagsForResource(ApiContext& ctx, const json::Value& req) {
  auto r = Resolve(ctx, Str(req, "ResourceARN"));
  if (auto* err = std::get_if<Reply>(&r)) return *err;
  json::Value out = json::Value::Object();
  out.Set("Tags", CurrentTags(*std::get<Target>(r).record));
  return Reply::Ok(std::move(out));
}

}  // namespace cxbridge::api
