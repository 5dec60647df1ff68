// Target operations. PutTargets upserts by Id and keeps the whole Target object (TargetDef.raw);
// at most max_targets_per_rule targets per rule (AWS: 5).
#include <set>

#include "api/operations.h"
#include "aws/arn.h"
#include "transform/input.h"

namespace cxbridge::api {
namespace {

bool IsReservedPlaceholder(const std::string& name) {
  return name == "aws.events.rule-arn" || name == "aws.events.rule-name" ||
         name == "aws.events.event.ingestion-time" || name == "aws.events.event" ||
         name == "aws.events.event.json";
}

// The first placeholder in `tmpl` that is neither an InputPathsMap key nor reserved; "" if none.
std::string FirstInvalidPlaceholder(const std::string& tmpl, const json::Value* paths_map) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '<') continue;
    size_t end = i + 1;
    while (end < tmpl.size()) {
      char c = tmpl[end];
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      if (!ok) break;
      ++end;
    }
    if (end == i + 1 || end >= tmpl.size() || tmpl[end] != '>') continue;
    std::string name = tmpl.substr(i + 1, end - i - 1);
    bool known = IsReservedPlaceholder(name) || (paths_map && paths_map->Find(name));
    if (!known) return name;
    i = end;
  }
  return "";
}

// A target's Arn: an ARN, or one of cxbridge's own target URLs (http(s)://, file://, command://,
// nats://), which the target kinds check further.
bool LooksLikeTargetArn(const std::string& arn) {
  if (aws::ParseArn(arn)) return true;
  for (const char* scheme : {"http://", "https://", "file://", "command://", "nats://"})
    if (arn.starts_with(scheme)) return true;
  return false;
}

std::optional<Reply> CheckTarget(const ApiContext& ctx, const json::Value& t) {
  std::string id = Str(t, "Id");
  const std::string arn = Str(t, "Arn");
  if (!LooksLikeTargetArn(arn))
    return Reply::Validation("Parameter " + arn + " is not valid. Reason: Provided Arn is not in correct format.");
  int inputs = Has(t, "Input") + Has(t, "InputPath") + Has(t, "InputTransformer");
  if (inputs > 1)
    return Reply::Validation("Only one of Input, InputPath, or InputTransformer must be provided for target " + id + ".");
  if (Has(t, "Input")) {
    auto parsed = json::Parse(Str(t, "Input"));
    if (!parsed.ok()) return Reply::Validation("Input for target " + id + " is not valid JSON text.");
  }
  if (const json::Value* it = t.Find("InputTransformer"); it && it->is_object()) {
    const json::Value* paths = it->Find("InputPathsMap");
    if (paths && paths->is_object()) {
      for (const auto& [key, path] : paths->members()) {
        if (key.size() >= 4 && (key.compare(0, 4, "aws.") == 0 || key.compare(0, 4, "AWS.") == 0))
          return Reply::Validation("InputPathsMap for target " + id + " contains reserved key " + key + ".");
      }
    }
    std::string bad = FirstInvalidPlaceholder(Str(*it, "InputTemplate"), paths);
    if (!bad.empty())
      return Reply::Validation("InputTemplate for target " + id + " contains invalid placeholder " + bad + ".");
  }
  // The paths themselves, as the router will compile them: a target whose transform cannot be
  // compiled is refused here rather than skipped at routing time.
  if (auto input = transform::CompileInput(t); !input.ok()) {
    const char* what = Has(t, "InputPath") ? "InputPath" : "InputTransformer";
    return Reply::Validation(std::string(what) + " for target " + id + " is not valid. Reason: " +
                             input.status().message());
  }
  if (ctx.options.check_target) {
    bus::TargetDef def{id, Str(t, "Arn"), t, bus::Origin::kApi};
    if (Status st = ctx.options.check_target(def); !st.ok())
      return Reply::Validation("Target " + id + " is not valid. Reason: " + st.message());
  }
  return std::nullopt;
}

}  // namespace

Reply PutTargets(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Rule");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::NotFound(RuleNotFound(name, bus));
  if (auto managed = CheckNotManaged(*rec, req)) return *managed;
  const json::Value& incoming = *req.Find("Targets");
  std::set<std::string> ids;
  for (const auto& t : incoming.items()) {
    if (!ids.insert(Str(t, "Id")).second)
      return Reply::Validation("Parameter Targets is not valid. Reason: the target Id " + Str(t, "Id") +
                               " appears more than once in the request.");
  }
  for (const auto& t : incoming.items())
    if (auto err = CheckTarget(ctx, t)) return *err;

  json::Value updated = *rec;
  json::Value targets = json::Value::Array();
  if (const json::Value* old = updated.Find("Targets"); old && old->is_array()) targets = *old;
  for (const auto& t : incoming.items()) {
    bool replaced = false;
    for (auto& existing : targets.items()) {
      if (Str(existing, "Id") == Str(t, "Id")) {
        existing = t;
        replaced = true;
        break;
      }
    }
    if (!replaced) targets.Push(t);
  }
  if (static_cast<int>(targets.items().size()) > ctx.options.max_targets_per_rule)
    return Reply::Err("LimitExceededException", std::string(kLimitMessage));
  updated.Set("Targets", std::move(targets));
  if (Status st = ctx.SaveRule(updated); !st.ok()) return StoreError(st);
  json::Value out = json::Value::Object();
  out.Set("FailedEntryCount", json::Value::Int(0));
  out.Set("FailedEntries", json::Value::Array());
  return Reply::Ok(std::move(out));
}

Reply RemoveTargets(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Rule");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::NotFound(RuleNotFound(name, bus));
  if (auto managed = CheckNotManaged(*rec, req)) return *managed;
  std::set<std::string> ids;
  for (const auto& id : req.Find("Ids")->items())
    if (id.is_string()) ids.insert(id.as_string());
  json::Value updated = *rec;
  json::Value kept = json::Value::Array();
  std::set<std::string> removed;
  if (const json::Value* old = updated.Find("Targets"); old && old->is_array()) {
    for (const auto& t : old->items()) {
      if (ids.count(Str(t, "Id"))) removed.insert(Str(t, "Id"));
      else kept.Push(t);
    }
  }
  json::Value failed = json::Value::Array();
  for (const auto& id : req.Find("Ids")->items()) {
    if (!id.is_string() || removed.count(id.as_string())) continue;
    json::Value f = json::Value::Object();
    f.Set("TargetId", id);
    f.Set("ErrorCode", json::Value::String("ResourceNotFoundException"));
    f.Set("ErrorMessage", json::Value::String("Target " + id.as_string() + " does not exist on rule " + name + "."));
    failed.Push(std::move(f));
  }
  if (!removed.empty()) {
    updated.Set("Targets", std::move(kept));
    if (Status st = ctx.SaveRule(updated); !st.ok()) return StoreError(st);
  }
  json::Value out = json::Value::Object();
  out.Set("FailedEntryCount", json::Value::Int(static_cast<int64_t>(failed.items().size())));
  out.Set("FailedEntries", std::move(failed));
  return Reply::Ok(std::move(out));
}

Reply ListTargetsByRule(ApiContext& ctx, const json::Value& req) {
  std::string bus = BusNameFromNameOrArn(Str(req, "EventBusName")), name = Str(req, "Rule");
  if (!ctx.BusExists(bus)) return Reply::NotFound(BusNotFound(bus));
  json::Value* rec = ctx.FindRule(bus, name);
  if (!rec) return Reply::NotFound(RuleNotFound(name, bus));
  // Targets keep their insertion order; the page key is the position (zero-padded to sort).
  std::vector<PageItem> items;
  if (const json::Value* targets = rec->Find("Targets"); targets && targets->is_array()) {
    char key[24];
    for (size_t i = 0; i < targets->items().size(); ++i) {
      std::snprintf(key, sizeof key, "%08zu", i);
      items.push_back({key, targets->items()[i]});
    }
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "Targets", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

}  // namespace cxbridge::api
