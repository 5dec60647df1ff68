// Rule operations. PutRule is an upsert (omitted fields reset, targets and tags kept); a rule
// with targets cannot be deleted; rules managed by an archive change only through the archive.
#include "api/operations.h"
#include "bus/schedule.h"

namespace cxbridge::api {
namespace {

json::Value RuleView(ApiContext& ctx, const json::Value& rec, bool describe) {
  std::string name = Str(rec, "Name"), bus = Str(rec, "EventBusName");
  json::Value out = json::Value::Object();
  out.Set("Name", json::Value::String(name));
  out.Set("Arn", json::Value::String(ctx.arn.Rule(bus, name)));
  SetIfNotEmpty(&out, "EventPattern", Str(rec, "EventPattern"));
  SetIfNotEmpty(&out, "ScheduleExpression", Str(rec, "ScheduleExpression"));
  out.Set("State", json::Value::String(Str(rec, "State")));
  SetIfNotEmpty(&out, "Description", Str(rec, "Description"));
  SetIfNotEmpty(&out, "RoleArn", Str(rec, "RoleArn"));
  SetIfNotEmpty(&out, "ManagedBy", Str(rec, "ManagedBy"));
  out.Set("EventBusName", json::Value::String(bus));
  if (describe) out.Set("CreatedBy", json::Value::String(ctx.options.account));
  return out;
}

Reply SetState(ApiContext& ctx, const json::Value& req, const char* state) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Name");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::NotFound(RuleNotFound(name, bus));
  json::Value updated = *rec;
  updated.Set("State", json::Value::String(state));
  if (Status st = ctx.SaveRule(updated); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

}  // namespace

bool IsValidScheduleExpression(std::string_view expr) { return bus::Schedule::Parse(expr).ok(); }

// Rejects changes to a rule an archive manages (AWS: ManagedRuleException), unless forced.
std::optional<Reply> CheckNotManaged(const json::Value& rec, const json::Value& req) {
  std::string managed_by = Str(rec, "ManagedBy");
  const json::Value* force = req.Find("Force");
  if (managed_by.empty() || (force && force->is_bool() && force->as_bool())) return std::nullopt;
  return Reply::Err("ManagedRuleException", "Rule " + Str(rec, "Name") + " is managed by " + managed_by +
                                                " and can only be changed with Force (or through its archive).");
}

Reply PutRule(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Name");
  std::string pattern = Str(req, "EventPattern"), schedule = Str(req, "ScheduleExpression");
  if (pattern.empty() && schedule.empty())
    return Reply::Validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  if (!schedule.empty()) {
    if (bus != "default") return Reply::Validation("ScheduleExpression is supported only on the default event bus.");
    if (!IsValidScheduleExpression(schedule)) return Reply::Validation("Parameter ScheduleExpression is not valid.");
  }
  if (!pattern.empty()) {
    Status st = ctx.patterns.Validate(pattern);
    if (!st.ok()) return Reply::Err("InvalidEventPatternException", st.message());
  }
  json::Value* existing = ctx.FindRule(bus, name);
  if (existing) {
    if (auto managed = CheckNotManaged(*existing, req)) return *managed;
  } else {
    int count = 0;
    for (const auto& [key, rec] : ctx.reg.rules) count += key.first == bus;
    if (count >= ctx.options.max_rules_per_bus) return Reply::Err("LimitExceededException", std::string(kLimitMessage));
  }
  json::Value rec = json::Value::Object();
  rec.Set("Name", json::Value::String(name));
  rec.Set("EventBusName", json::Value::String(bus));
  SetIfNotEmpty(&rec, "EventPattern", pattern);
  SetIfNotEmpty(&rec, "ScheduleExpression", schedule);
  std::string state = Str(req, "State");
  rec.Set("State", json::Value::String(state.empty() ? "ENABLED" : state));
  SetIfNotEmpty(&rec, "Description", Str(req, "Description"));
  SetIfNotEmpty(&rec, "RoleArn", Str(req, "RoleArn"));
  if (existing) {
    SetIfNotEmpty(&rec, "ManagedBy", Str(*existing, "ManagedBy"));
    if (const json::Value* t = existing->Find("Targets")) rec.Set("Targets", *t);
    if (const json::Value* t = existing->Find("Tags")) rec.Set("Tags", *t);
  } else {
    rec.Set("Targets", json::Value::Array());
    if (const json::Value* t = req.Find("Tags")) rec.Set("Tags", *t);
  }
  if (Status st = ctx.SaveRule(rec); !st.ok()) return StoreError(st);
  json::Value out = json::Value::Object();
  out.Set("RuleArn", json::Value::String(ctx.arn.Rule(bus, name)));
  return Reply::Ok(std::move(out));
}

Reply DescribeRule(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Name");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::NotFound(RuleNotFound(name, bus));
  return Reply::Ok(RuleView(ctx, *rec, true));
}

Reply ListRules(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), prefix = Str(req, "NamePrefix");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  std::vector<PageItem> items;
  for (const auto& [key, rec] : ctx.reg.rules)
    if (key.first == bus && key.second.compare(0, prefix.size(), prefix) == 0)
      items.push_back({key.second, RuleView(ctx, rec, false)});
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "Rules", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply DeleteRule(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Name");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::Ok(json::Value::Object());  // AWS: deleting a missing rule succeeds
  if (auto managed = CheckNotManaged(*rec, req)) return *managed;
  const json::Value* targets = rec->Find("Targets");
  if (targets && targets->is_array() && !targets->items().empty())
    return Reply::Validation("Rule can't be deleted since it has targets.");
  if (Status st = ctx.DeleteRule(bus, name); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

Reply EnableRule(ApiContext& ctx, const json::Value& req) { return SetState(ctx, req, "ENABLED"); }
Reply DisableRule(ApiContext& ctx, const json::Value& req) { return SetState(ctx, req, "DISABLED"); }

Reply ListRuleNamesByTarget(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), target = Str(req, "TargetArn");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  std::vector<PageItem> items;
  for (const auto& [key, rec] : ctx.reg.rules) {
    if (key.first != bus) continue;
    const json::Value* targets = rec.Find("Targets");
    if (!targets || !targets->is_array()) continue;
    for (const auto& t : targets->items()) {
      if (Str(t, "Arn") == target) {
        items.push_back({key.second, json::Value::String(key.second)});
        break;
      }
    }
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "RuleNames", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

}  // namespace cxbridge::api
