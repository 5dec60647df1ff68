#include "api/api_context.h"

namespace cxbridge::api {
namespace {

std::string RuleKey(const std::string& bus, const std::string& name) { return bus + "|" + name; }

json::Value DefaultBusRecord(int64_t now_ms) {
  json::Value b = json::Value::Object();
  b.Set("Name", json::Value::String("default"));
  b.Set("CreationTimeMs", json::Value::Int(now_ms));
  b.Set("LastModifiedTimeMs", json::Value::Int(now_ms));
  return b;
}

}  // namespace

int64_t IntOf(const json::Value& obj, std::string_view key, int64_t fallback) {
  const json::Value* v = obj.Find(key);
  int64_t out;
  if (v && v->is_number() && v->as_int64(&out)) return out;
  return fallback;
}

std::string BusNotFound(const std::string& bus) { return "Event bus " + bus + " does not exist."; }

std::string RuleNotFound(const std::string& rule, const std::string& bus) {
  return "Rule " + rule + " does not exist on EventBus " + bus + ".";
}

Reply StoreError(const Status& st) {
  // Storage nearly full or failing: a retryable 503 (with Retry-After), not an internal error.
  if (st.code() == StatusCode::kResourceExhausted || st.code() == StatusCode::kUnavailable) {
    return Reply::Err("ServiceUnavailable", "The resource could not be stored now: " + st.message());
  }
  return Reply::Err("InternalException", "The resource could not be stored: " + st.message());
}

Status ApiContext::Save(std::string_view kind, std::map<std::string, json::Value>& map,
                        const std::string& name, const json::Value& record) {
  CXB_RETURN_IF_ERROR(resources.Put(kind, name, json::Serialize(record)).status());
  map[name] = record;
  if (kind == kKindConnection || kind == kKindApiDestination) PublishDestinations();
  return Status::Ok();
}

Status ApiContext::Remove(std::string_view kind, std::map<std::string, json::Value>& map,
                          const std::string& name) {
  CXB_RETURN_IF_ERROR(resources.Delete(kind, name));
  map.erase(name);
  if (kind == kKindConnection || kind == kKindApiDestination) PublishDestinations();
  return Status::Ok();
}

Status ApiContext::SaveBus(const json::Value& record) {
  return Save(kKindBus, reg.buses, Str(record, "Name"), record);
}

Status ApiContext::DeleteBus(const std::string& name) { return Remove(kKindBus, reg.buses, name); }

Status ApiContext::SaveRule(const json::Value& record) {
  std::string bus = Str(record, "EventBusName"), name = Str(record, "Name");
  CXB_RETURN_IF_ERROR(resources.Put(kKindRule, RuleKey(bus, name), json::Serialize(record)).status());
  reg.rules[{bus, name}] = record;
  return Status::Ok();
}

Status ApiContext::DeleteRule(const std::string& bus, const std::string& name) {
  CXB_RETURN_IF_ERROR(resources.Delete(kKindRule, RuleKey(bus, name)));
  reg.rules.erase({bus, name});
  return Status::Ok();
}

json::Value* ApiContext::FindRule(const std::string& bus, const std::string& name) {
  auto it = reg.rules.find({bus, name});
  return it == reg.rules.end() ? nullptr : &it->second;
}

Status ApiContext::Load() {
  Registry fresh;
  auto load_map = [&](std::string_view kind, std::map<std::string, json::Value>* out) -> Status {
    auto list = resources.List(kind);
    if (!list.ok()) return list.status();
    for (const auto& [name, text, revision] : *list) {
      auto v = json::Parse(text);
      if (!v.ok() || !v->is_object())
        return Status::Corruption("stored " + std::string(kind) + " '" + name + "' does not decode");
      (*out)[name] = std::move(*v);
    }
    return Status::Ok();
  };
  CXB_RETURN_IF_ERROR(load_map(kKindBus, &fresh.buses));
  CXB_RETURN_IF_ERROR(load_map(kKindArchive, &fresh.archives));
  CXB_RETURN_IF_ERROR(load_map(kKindReplay, &fresh.replays));
  CXB_RETURN_IF_ERROR(load_map(kKindConnection, &fresh.connections));
  CXB_RETURN_IF_ERROR(load_map(kKindApiDestination, &fresh.api_destinations));
  CXB_RETURN_IF_ERROR(load_map(kKindEventSource, &fresh.event_sources));
  std::map<std::string, json::Value> rules;
  CXB_RETURN_IF_ERROR(load_map(kKindRule, &rules));
  for (auto& [key, rec] : rules) fresh.rules[{Str(rec, "EventBusName"), Str(rec, "Name")}] = std::move(rec);
  // The default bus comes into being at the first start; its record keeps that time.
  const bool new_default = !fresh.buses.count("default");
  reg = std::move(fresh);
  if (new_default) CXB_RETURN_IF_ERROR(SaveBus(DefaultBusRecord(NowMs())));
  PublishDestinations();
  return Status::Ok();
}

void ApiContext::PublishDestinations() {
  auto snap = std::make_shared<DestinationSnapshot>();
  for (const auto& [name, rec] : reg.api_destinations)
    snap->destinations[Str(rec, "Arn")] = std::make_shared<const json::Value>(rec);
  for (const auto& [name, rec] : reg.connections)
    snap->connections[Str(rec, "Arn")] = std::make_shared<const json::Value>(rec);
  destination_snapshot.store(std::move(snap));
}

bus::RuleDef RuleDefFromRecord(const json::Value& rec) {
  bus::RuleDef d;
  d.name = Str(rec, "Name");
  d.bus = Str(rec, "EventBusName");
  d.event_pattern = Str(rec, "EventPattern");
  d.state = Str(rec, "State");
  d.description = Str(rec, "Description");
  d.managed_by = Str(rec, "ManagedBy");
  d.role_arn = Str(rec, "RoleArn");
  d.schedule_expression = Str(rec, "ScheduleExpression");
  d.origin = bus::Origin::kApi;
  if (const json::Value* targets = rec.Find("Targets"); targets && targets->is_array()) {
    for (const auto& t : targets->items()) {
      bus::TargetDef td;
      td.id = Str(t, "Id");
      td.arn = Str(t, "Arn");
      td.raw = t;
      td.origin = bus::Origin::kApi;
      d.targets.push_back(std::move(td));
    }
  }
  return d;
}

void ApiContext::PushDefinitions() {
  std::vector<bus::BusDef> buses;
  for (const auto& [name, rec] : reg.buses) {
    bus::BusDef b;
    b.name = name;
    b.description = Str(rec, "Description");
    b.arn = arn.Bus(name);
    b.creation_time_ms = IntOf(rec, "CreationTimeMs");
    b.origin = bus::Origin::kApi;
    buses.push_back(std::move(b));
  }
  std::vector<bus::RuleDef> rules;
  for (const auto& [key, rec] : reg.rules) rules.push_back(RuleDefFromRecord(rec));
  definitions.SetApiDefinitions(std::move(buses), std::move(rules));
}

}  // namespace cxbridge::api
