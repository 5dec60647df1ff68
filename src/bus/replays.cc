#include "bus/replays.h"

#include <future>

#include "common/ids.h"

namespace cxbridge::bus {
namespace {

std::string StringMember(const json::Value& v, std::string_view key) {
  const json::Value* m = v.Find(key);
  return m != nullptr && m->is_string() ? m->as_string() : std::string();
}

// Envelope of a stored event: its own fields, carried with it.
void FillFromEvent(json::Value ev, IncomingEvent* e) {
  e->id = StringMember(ev, "id");
  e->source = StringMember(ev, "source");
  e->detail_type = StringMember(ev, "detail-type");
  if (auto t = ParseRfc3339(StringMember(ev, "time"))) e->time_ms = *t;
  e->doc = std::move(ev);
}

AcceptResult SubmitOne(EventSink& sink, IncomingEvent e) {
  std::promise<AcceptResult> p;
  sink.Submit({std::move(e)}, [&p](std::vector<AcceptResult> r) { p.set_value(r.at(0)); });
  return p.get_future().get();
}

// The one mapping of this kind's outcomes: stored leaves the quarantine; anything else stays,
// with the pipeline's reason (e.g. "still fails normalization: ...").
std::string FailureReason(const AcceptResult& r) {
  if (r.outcome == AcceptOutcome::kStored) return {};
  return r.reason.empty() ? "not stored" : r.reason;
}

}  // namespace

QuarantineReplayResult ReplayQuarantine(store::DeliveryQueue& quarantine, EventSink& sink,
                                        const std::vector<std::string>& ids, bool all) {
  QuarantineReplayResult out;
  std::vector<std::string> todo = ids;
  if (all) {
    todo.clear();
    std::string after;
    for (;;) {
      auto page = quarantine.ListQuarantine(after, 1000);
      if (!page.ok() || page->empty()) break;
      for (auto& e : *page) todo.push_back(std::move(e.id));
      after = todo.back();
    }
  }
  for (const auto& id : todo) {
    // Envelope: the quarantined record holds the event as it was accepted.
    auto record = quarantine.GetQuarantine(id);
    auto doc = record.ok() ? json::Parse(record->json) : Result<json::Value>(record.status());
    json::Value* ev = doc.ok() ? doc->Find("event") : nullptr;
    if (ev == nullptr || !ev->is_object()) {
      out.failed.emplace_back(id, doc.ok() ? "entry has no event" : doc.status().message());
      continue;
    }
    IncomingEvent e;
    e.kind = SourceKind::kQuarantineReplay;
    const std::string bus = StringMember(*doc, "bus");
    e.bus = bus.empty() ? "default" : bus;
    FillFromEvent(std::move(*ev), &e);
    const std::string why = FailureReason(SubmitOne(sink, std::move(e)));
    if (!why.empty()) {
      out.failed.emplace_back(id, why);
      continue;
    }
    Status st = quarantine.DeleteQuarantine(id);
    if (!st.ok()) {
      // Accepted but still listed: a second replay would deliver it twice; say so.
      out.failed.emplace_back(id, "replayed, but not removed from the quarantine: " + st.message());
      continue;
    }
    out.replayed.push_back(id);
  }
  return out;
}

Status ReplayStoredEvent(EventSink& sink, const std::string& bus, const std::string& event_json) {
  IncomingEvent e;
  e.kind = SourceKind::kConsoleReplay;
  e.bus = bus;
  auto doc = json::Parse(event_json);
  if (doc.ok() && doc->is_object()) {
    FillFromEvent(std::move(*doc), &e);
  } else {
    e.event_json = event_json;  // the pipeline refuses it with its reason
  }
  // The one mapping of this kind's outcomes.
  const AcceptResult r = SubmitOne(sink, std::move(e));
  if (r.outcome == AcceptOutcome::kStored) return Status::Ok();
  return Status::Unavailable(r.reason.empty() ? "not stored" : r.reason);
}

}  // namespace cxbridge::bus
