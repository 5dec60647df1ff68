// Partner event sources, so a SaaS partner's source — Genesys Cloud's
// `aws.partner/genesys.com/cloud/{org}/{suffix}` — can be represented in cxbridge and a bus linked
// to it, as in EventBridge: the partner side (CreatePartnerEventSource, Describe/List/Delete…,
// ListPartnerEventSourceAccounts, PutPartnerEvents) and the customer side (DescribeEventSource,
// ListEventSources, Activate/DeactivateEventSource, CreateEventBus with EventSourceName).
// One server is one account: a source can only be created for `server.account`.
//
// A source is PENDING until a bus with its name (CreateEventBus Name = EventSourceName = the
// source) exists, then ACTIVE; DeactivateEventSource makes it DELETED (PutPartnerEvents then
// refuses it) until ActivateEventSource. PutPartnerEvents delivers each entry to the source's bus,
// as PutEvents does (ops_events.cc); without a bus the events are accepted and dropped, as AWS
// does for a source nobody has associated. ResourceStore kind `api.eventsource`, key = name.
#include "api/operations.h"

namespace cxbridge::api {
namespace {

std::string SourceArn(const ApiContext& ctx, const std::string& name) {
  // Partner event sources have no account in their ARN.
  return "arn:aws:events:" + ctx.options.region + "::event-source/" + name;
}

std::string State(const ApiContext& ctx, const json::Value& rec) {
  if (Str(rec, "State") == "DELETED") return "DELETED";
  for (const auto& [name, bus] : ctx.reg.buses)
    if (Str(bus, "EventSourceName") == Str(rec, "Name")) return "ACTIVE";
  return "PENDING";
}

Reply SourceNotFound(const std::string& name) {
  return Reply::NotFound("Event source " + name + " does not exist.");
}

json::Value EventSourceView(const ApiContext& ctx, const json::Value& rec) {
  json::Value out = json::Value::Object();
  std::string name = Str(rec, "Name");
  out.Set("Arn", json::Value::String(SourceArn(ctx, name)));
  out.Set("CreatedBy", json::Value::String(name.substr(0, name.find('/', std::string("aws.partner/").size()))));
  out.Set("CreationTime", EpochSeconds(IntOf(rec, "CreationTimeMs")));
  out.Set("Name", json::Value::String(name));
  out.Set("State", json::Value::String(State(ctx, rec)));
  return out;
}

Reply SetSourceState(ApiContext& ctx, const json::Value& req, const char* state) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.event_sources.find(name);
  if (it == ctx.reg.event_sources.end()) return SourceNotFound(name);
  json::Value rec = it->second;
  rec.Set("State", json::Value::String(state));
  if (Status st = ctx.Save(kKindEventSource, ctx.reg.event_sources, name, rec); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

}  // namespace

Reply CreatePartnerEventSource(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name"), account = Str(req, "Account");
  if (account != ctx.options.account) {
    return Reply::Validation("Parameter Account is not valid. Reason: this cxbridge serves account " +
                             ctx.options.account + " only.");
  }
  if (ctx.reg.event_sources.count(name))
    return Reply::Err("ResourceAlreadyExistsException", "Event source " + name + " already exists.");
  json::Value rec = json::Value::Object();
  rec.Set("Name", json::Value::String(name));
  rec.Set("Account", json::Value::String(account));
  rec.Set("State", json::Value::String("PENDING"));
  rec.Set("CreationTimeMs", json::Value::Int(ctx.NowMs()));
  if (Status st = ctx.Save(kKindEventSource, ctx.reg.event_sources, name, rec); !st.ok()) return StoreError(st);
  json::Value out = json::Value::Object();
  out.Set("EventSourceArn", json::Value::String(SourceArn(ctx, name)));
  return Reply::Ok(std::move(out));
}

Reply DescribePartnerEventSource(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  if (!ctx.reg.event_sources.count(name)) return SourceNotFound(name);
  json::Value out = json::Value::Object();
  out.Set("Arn", json::Value::String(SourceArn(ctx, name)));
  out.Set("Name", json::Value::String(name));
  return Reply::Ok(std::move(out));
}

Reply ListPartnerEventSources(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.event_sources) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    json::Value s = json::Value::Object();
    s.Set("Arn", json::Value::String(SourceArn(ctx, name)));
    s.Set("Name", json::Value::String(name));
    items.push_back({name, std::move(s)});
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "PartnerEventSources", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply ListPartnerEventSourceAccounts(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "EventSourceName");
  auto it = ctx.reg.event_sources.find(name);
  if (it == ctx.reg.event_sources.end()) return SourceNotFound(name);
  json::Value a = json::Value::Object();
  a.Set("Account", json::Value::String(Str(it->second, "Account")));
  a.Set("CreationTime", EpochSeconds(IntOf(it->second, "CreationTimeMs")));
  a.Set("State", json::Value::String(State(ctx, it->second)));
  std::vector<PageItem> items;
  items.push_back({Str(it->second, "Account"), std::move(a)});
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "PartnerEventSourceAccounts", &out))
    return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply DeletePartnerEventSource(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.event_sources.find(name);
  if (it == ctx.reg.event_sources.end() || Str(it->second, "Account") != Str(req, "Account"))
    return SourceNotFound(name);
  if (Status st = ctx.Remove(kKindEventSource, ctx.reg.event_sources, name); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

Reply DescribeEventSource(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "Name");
  auto it = ctx.reg.event_sources.find(name);
  if (it == ctx.reg.event_sources.end()) return SourceNotFound(name);
  return Reply::Ok(EventSourceView(ctx, it->second));
}

Reply ListEventSources(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.event_sources) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    items.push_back({name, EventSourceView(ctx, rec)});
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "EventSources", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply ActivateEventSource(ApiContext& ctx, const json::Value& req) { return SetSourceState(ctx, req, "PENDING"); }
Reply DeactivateEventSource(ApiContext& ctx, const json::Value& req) { return SetSourceState(ctx, req, "DELETED"); }

std::optional<Reply> PartnerEventsAsPutEvents(ApiContext& ctx, const json::Value& req, json::Value* put_events) {
  json::Value entries = json::Value::Array();
  for (const auto& e : req.Find("Entries")->items()) {
    std::string source = Str(e, "Source");
    auto it = ctx.reg.event_sources.find(source);
    if (it == ctx.reg.event_sources.end()) return SourceNotFound(source);
    if (Str(it->second, "State") == "DELETED")
      return Reply::Validation("Event source " + source + " is deactivated.");
    json::Value entry = e;
    entry.Set("EventBusName", json::Value::String(source));  // the partner bus has the source's name
    entries.Push(std::move(entry));
  }
  *put_events = json::Value::Object();
  put_events->Set("Entries", std::move(entries));
  return std::nullopt;
}

}  // namespace cxbridge::api
