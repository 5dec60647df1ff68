// PutEvents and TestEventPattern: the data-path operations. They read only the options, so they
// run on the caller's thread without the registry lock.
#include <algorithm>
#include <functional>
#include <memory>

#include "api/operations.h"
#include "common/ids.h"

namespace cxbridge::api {
namespace {

// EventBridge's entry size (eb-putevent-size): 14 bytes when Time is set, plus the UTF-8 bytes of
// Source, DetailType, Detail and each Resources entry. EventBusName and TraceHeader do not count.
size_t EntrySize(const json::Value& e) {
  size_t n = Has(e, "Time") ? 14 : 0;
  n += Str(e, "Source").size() + Str(e, "DetailType").size() + Str(e, "Detail").size();
  if (const json::Value* r = e.Find("Resources"); r && r->is_array())
    for (const auto& item : r->items())
      if (item.is_string()) n += item.as_string().size();
  return n;
}

json::Value EntryError(const char* code, const char* message) {
  json::Value e = json::Value::Object();
  e.Set("ErrorCode", json::Value::String(code));
  e.Set("ErrorMessage", json::Value::String(message));
  return e;
}

// The PutEvents source kind's one mapping of an accept outcome to its result entry.
json::Value EntryResult(const bus::AcceptResult& r, const std::string& id) {
  switch (r.outcome) {
    case bus::AcceptOutcome::kStored:
    case bus::AcceptOutcome::kQuarantined:
    case bus::AcceptOutcome::kDuplicate:
      return json::Value::Object({{"EventId", json::Value::String(id)}});
    case bus::AcceptOutcome::kRejected: {
      json::Value slot = EntryError("InvalidArgument", "");
      slot.Set("ErrorMessage", json::Value::String(r.reason));
      return slot;
    }
    case bus::AcceptOutcome::kUnavailable:
      break;
  }
  return EntryError("InternalFailure", "The event could not be stored; retry.");
}

}  // namespace

void PutEvents(ApiContext& ctx, const json::Value& req, std::function<void(Reply)> done) {
  const json::Value& entries = *req.Find("Entries");  // required; validated
  size_t total = 0;
  for (const auto& e : entries.items()) total += EntrySize(e);
  if (total > ctx.options.max_put_events_bytes)
    return done(Reply::Validation("Total size of the entries in the request is over the limit."));

  // One slot per request entry, in order: either an error object or the event waiting for the sink.
  auto results = std::make_shared<std::vector<json::Value>>(entries.items().size());
  std::vector<size_t> submitted_index;
  std::vector<bus::IncomingEvent> events;
  const int64_t now_ms = ctx.NowMs();
  for (size_t i = 0; i < entries.items().size(); ++i) {
    const json::Value& e = entries.items()[i];
    std::string source = Str(e, "Source"), detail_type = Str(e, "DetailType");
    if (source.empty()) {
      (*results)[i] = EntryError("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
      continue;
    }
    if (detail_type.empty()) {
      (*results)[i] = EntryError("InvalidArgument",
                                 "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
      continue;
    }
    if (!Has(e, "Detail")) {
      (*results)[i] = EntryError("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.");
      continue;
    }
    auto detail = json::Parse(Str(e, "Detail"));
    if (!detail.ok() || !detail->is_object()) {
      (*results)[i] = EntryError("MalformedDetail", "Detail is malformed.");
      continue;
    }
    int64_t time_ms = now_ms;
    if (const json::Value* t = e.Find("Time"); t && !t->is_null()) {
      auto ms = TimestampMs(*t);
      if (!ms) {
        (*results)[i] = EntryError("InvalidArgument", "Parameter Time is not valid.");
        continue;
      }
      time_ms = *ms;
    }
    bus::IncomingEvent ev;
    ev.kind = bus::SourceKind::kPutEvents;
    ev.bus = BusNameFromNameOrArn(Str(e, "EventBusName"));
    ev.id = NewUuid4();
    ev.source = source;
    ev.detail_type = detail_type;
    ev.time_ms = time_ms;
    json::Value resources = json::Value::Array();
    if (const json::Value* r = e.Find("Resources"); r && r->is_array()) resources = *r;
    // Field order exactly as EventBridge delivers events.
    json::Value event = json::Value::Object();
    event.Set("version", json::Value::String("0"));
    event.Set("id", json::Value::String(ev.id));
    event.Set("detail-type", json::Value::String(detail_type));
    event.Set("source", json::Value::String(source));
    event.Set("account", json::Value::String(ctx.options.account));
    event.Set("time", json::Value::String(FormatRfc3339(time_ms)));
    event.Set("region", json::Value::String(ctx.options.region));
    event.Set("resources", std::move(resources));
    event.Set("detail", std::move(*detail));
    ev.event_json = json::Serialize(event);  // the one serialization; the pipeline parses it only if a stage must
    submitted_index.push_back(i);
    events.push_back(std::move(ev));
  }

  auto shared_done = std::make_shared<std::function<void(Reply)>>(std::move(done));
  auto finish = [results, done = shared_done]() {
    int failed = 0;
    json::Value list = json::Value::Array();
    for (auto& r : *results) {
      if (r.Find("ErrorCode")) ++failed;
      list.Push(std::move(r));
    }
    json::Value body = json::Value::Object();
    body.Set("FailedEntryCount", json::Value::Int(failed));
    body.Set("Entries", std::move(list));
    (*done)(Reply::Ok(std::move(body)));
  };
  if (events.empty()) return finish();

  std::vector<std::string> ids;
  for (const auto& ev : events) ids.push_back(ev.id);
  ctx.events.Submit(std::move(events), [results, submitted_index, ids = std::move(ids), done = shared_done,
                                        finish = std::move(finish)](std::vector<bus::AcceptResult> accepted) {
    // Nothing of the request could be stored (storage failing or nearly full) and nothing was
    // invalid: the whole request is a 503 ServiceUnavailable (with Retry-After), which the AWS
    // SDKs retry by themselves, rather than a 200 whose failed entries a client must notice.
    const bool all_unavailable =
        submitted_index.size() == results->size() && accepted.size() == submitted_index.size() &&
        std::all_of(accepted.begin(), accepted.end(),
                    [](const bus::AcceptResult& a) { return a.outcome == bus::AcceptOutcome::kUnavailable; });
    if (all_unavailable) {
      std::string why = accepted.empty() ? std::string() : accepted[0].reason;
      return (*done)(Reply::Err("ServiceUnavailable",
                                "The events could not be stored now" + (why.empty() ? "" : " (" + why + ")") +
                                    "; retry."));
    }
    for (size_t k = 0; k < submitted_index.size(); ++k) {
      (*results)[submitted_index[k]] =
          EntryResult(k < accepted.size() ? accepted[k] : bus::AcceptResult{}, ids[k]);
    }
    finish();
  });
}

Reply TestEventPattern(ApiContext& ctx, const json::Value& req) {
  std::string pattern = Str(req, "EventPattern"), event_text = Str(req, "Event");
  auto event = json::Parse(event_text);
  if (!event.ok() || !event->is_object()) return Reply::Validation("Parameter Event is not valid.");
  for (const char* field : {"id", "account", "source", "time", "region", "detail-type"}) {
    const json::Value* v = event->Find(field);
    if (!v || v->is_null()) return Reply::Validation("Parameter Event is not valid.");
  }
  Status valid = ctx.patterns.Validate(pattern);
  if (!valid.ok()) return Reply::Err("InvalidEventPatternException", valid.message());
  auto result = ctx.patterns.Test(pattern, event_text);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kInvalidArgument)
      return Reply::Err("InvalidEventPatternException", result.status().message());
    return Reply::Err("InternalException", result.status().message());
  }
  json::Value body = json::Value::Object();
  body.Set("Result", json::Value::Bool(*result));
  return Reply::Ok(std::move(body));
}

}  // namespace cxbridge::api
