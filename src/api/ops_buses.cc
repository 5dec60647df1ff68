// Event bus operations. "default" always exists and cannot be deleted.
#include "api/operations.h"

namespace cxbridge::api {
namespace {

// Optional members copied verbatim between request, record and answers.
constexpr const char* kBusExtras[] = {"Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig"};

void CopyExtras(const json::Value& from, json::Value* to) {
  for (const char* k : kBusExtras)
    if (const json::Value* v = from.Find(k); v && !v->is_null()) to->Set(k, *v);
}

json::Value Describe(ApiContext& ctx, const json::Value& rec, bool with_policy) {
  std::string name = Str(rec, "Name");
  json::Value out = json::Value::Object();
  out.Set("Name", json::Value::String(name));
  out.Set("Arn", json::Value::String(ctx.arn.Bus(name)));
  CopyExtras(rec, &out);
  if (with_policy) SetIfNotEmpty(&out, "Policy", Str(rec, "Policy"));
  out.Set("CreationTime", EpochSeconds(IntOf(rec, "CreationTimeMs")));
  out.Set("LastModifiedTime", EpochSeconds(IntOf(rec, "LastModifiedTimeMs")));
  return out;
}

}  // namespace

Reply CreateEventBus(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  if (ctx.BusExists(name)) return Reply::Err("ResourceAlreadyExistsException", "Event bus " + name + " already exists.");
  if (name.find('/') != std::string::npos && !Has(req, "EventSourceName"))
    return Reply::Validation("Event bus name must not contain '/'.");
  if (Has(req, "EventSourceName")) {
    // A partner event bus: named as the partner event source it receives (ops_partner_sources.cc).
    std::string source = Str(req, "EventSourceName");
    if (!ctx.reg.event_sources.count(source))
      return Reply::NotFound("Event source " + source + " does not exist.");
    if (name != source)
      return Reply::Validation("Event bus name must be the same as the event source name " + source + ".");
  }
  if (static_cast<int>(ctx.reg.buses.size()) > ctx.options.max_event_buses)
    return Reply::Err("LimitExceededException", std::string(kLimitMessage));
  int64_t now = ctx.NowMs();
  json::Value rec = json::Value::Object();
  rec.Set("Name", json::Value::String(name));
  CopyExtras(req, &rec);
  SetIfNotEmpty(&rec, "EventSourceName", Str(req, "EventSourceName"));
  rec.Set("CreationTimeMs", json::Value::Int(now));
  rec.Set("LastModifiedTimeMs", json::Value::Int(now));
  if (const json::Value* tags = req.Find("Tags")) rec.Set("Tags", *tags);
  if (Status st = ctx.SaveBus(rec); !st.ok()) return StoreError(st);
  json::Value out = json::Value::Object();
  out.Set("EventBusArn", json::Value::String(ctx.arn.Bus(name)));
  CopyExtras(req, &out);
  return Reply::Ok(std::move(out));
}

Reply DescribeEventBus(ApiContext& ctx, const json::Value& req) {
  std::string name = BusNameFromNameOrArn(Str(req, "Name"));
  auto it = ctx.reg.buses.find(name);
  if (it == ctx.reg.buses.end()) return Reply::NotFound(BusNotFound(name));
  return Reply::Ok(Describe(ctx, it->second, true));
}

Reply ListEventBuses(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.buses)
    if (name.compare(0, prefix.size(), prefix) == 0) items.push_back({name, Describe(ctx, rec, true)});
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "EventBuses", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply UpdateEventBus(ApiContext& ctx, const json::Value& req) {
  std::string name = BusNameFromNameOrArn(Str(req, "Name"));
  auto it = ctx.reg.buses.find(name);
  if (it == ctx.reg.buses.end()) return Reply::NotFound(BusNotFound(name));
  json::Value rec = it->second;
  CopyExtras(req, &rec);
  rec.Set("LastModifiedTimeMs", json::Value::Int(ctx.NowMs()));
  if (Status st = ctx.SaveBus(rec); !st.ok()) return StoreError(st);
  json::Value out = json::Value::Object();
  out.Set("Arn", json::Value::String(ctx.arn.Bus(name)));
  out.Set("Name", json::Value::String(name));
  CopyExtras(rec, &out);
  return Reply::Ok(std::move(out));
}

Reply DeleteEventBus(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  if (name == "default") return Reply::Validation("Cannot delete event bus default.");
  if (!ctx.BusExists(name)) return Reply::NotFound(BusNotFound(name));
  // The bus's rules go with it (their targets no longer receive anything).
  std::vector<std::string> rules;
  for (const auto& [key, rec] : ctx.reg.rules)
    if (key.first == name) rules.push_back(key.second);
  for (const auto& r : rules)
    if (Status st = ctx.DeleteRule(name, r); !st.ok()) return StoreError(st);
  if (Status st = ctx.DeleteBus(name); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

}  // namespace cxbridge::api
