// Rule operations. PutRule is an upsert (omitted fields reset, targets and tags kept); a rule
// with targets cannot be deleted; rules managed by an archive change only through the archive.
#include <cctype>
#include <cstdlib>

#include "api/operations.h"

namespace cxbridge::api {
namespace {

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool ParseNumber(const std::string& s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  *out = std::atoi(s.c_str());
  return true;
}

// One value of a cron field: a number in [lo, hi] or a name from `names` (index + lo).
bool CronValue(const std::string& v, int lo, int hi, const char* const* names, int num_names) {
  int n;
  if (ParseNumber(v, &n)) return n >= lo && n <= hi;
  for (int i = 0; i < num_names; ++i)
    if (v == names[i]) return true;
  return false;
}

// A comma list of: *, value, a-b, */n, a/n, a-b/n. `extra` allows field-specific tokens.
bool CronField(const std::string& field, int lo, int hi, const char* const* names = nullptr, int num_names = 0) {
  if (field.empty()) return false;
  for (const std::string& part : Split(field, ',')) {
    std::string base = part;
    size_t slash = part.find('/');
    if (slash != std::string::npos) {
      int step;
      if (!ParseNumber(part.substr(slash + 1), &step) || step < 1) return false;
      base = part.substr(0, slash);
    }
    if (base == "*") continue;
    size_t dash = base.find('-');
    if (dash != std::string::npos) {
      if (!CronValue(base.substr(0, dash), lo, hi, names, num_names) ||
          !CronValue(base.substr(dash + 1), lo, hi, names, num_names))
        return false;
      continue;
    }
    if (!CronValue(base, lo, hi, names, num_names)) return false;
  }
  return true;
}

const char* const kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

bool ValidCron(const std::string& body) {
  std::vector<std::string> f;
  for (const std::string& p : Split(body, ' '))
    if (!p.empty()) f.push_back(p);
  if (f.size() != 6) return false;
  const std::string &dom = f[2], &dow = f[4];
  // Exactly one of day-of-month and day-of-week must be '?'.
  if ((dom == "?") == (dow == "?")) return false;
  if (!CronField(f[0], 0, 59) || !CronField(f[1], 0, 23)) return false;
  if (dom != "?" && dom != "L" && !(dom.size() > 1 && dom.back() == 'W' && CronField(dom.substr(0, dom.size() - 1), 1, 31)) &&
      !CronField(dom, 1, 31))
    return false;
  if (!CronField(f[3], 1, 12, kMonths, 12)) return false;
  if (dow != "?") {
    size_t hash = dow.find('#');
    std::string d = dow;
    if (hash != std::string::npos) {
      int nth;
      if (!ParseNumber(dow.substr(hash + 1), &nth) || nth < 1 || nth > 5) return false;
      d = dow.substr(0, hash);
    } else if (d.size() > 1 && d.back() == 'L') {
      d.pop_back();
    }
    if (d != "L" && !CronField(d, 1, 7, kDays, 7)) return false;
  }
  return CronField(f[5], 1970, 2199);
}

bool ValidRate(const std::string& body) {
  std::vector<std::string> p;
  for (const std::string& s : Split(body, ' '))
    if (!s.empty()) p.push_back(s);
  int n;
  if (p.size() != 2 || !ParseNumber(p[0], &n) || n < 1) return false;
  const std::string& unit = p[1];
  if (n == 1) return unit == "minute" || unit == "hour" || unit == "day";
  return unit == "minutes" || unit == "hours" || unit == "days";
}

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

bool IsValidScheduleExpression(std::string_view expr) {
  std::string e(expr);
  auto inner = [&](std::string_view prefix) -> std::optional<std::string> {
    if (e.size() > prefix.size() + 1 && e.compare(0, prefix.size(), prefix) == 0 && e.back() == ')')
      return e.substr(prefix.size(), e.size() - prefix.size() - 1);
    return std::nullopt;
  };
  if (auto body = inner("rate(")) return ValidRate(*body);
  if (auto body = inner("cron(")) return ValidCron(*body);
  return false;
}

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
