#include "deliver/dead_letters.h"

#include "common/json.h"
#include "deliver/scheduler.h"

namespace cxbridge::deliver {

RedriveResult DeadLetters::Redrive(const std::vector<std::string>& ids, bool all) {
  RedriveResult out;
  std::vector<std::string> todo = ids;
  if (all) {
    todo.clear();
    std::string after;
    for (;;) {
      auto page = store_.ListDlq(after, 1000);
      if (!page.ok() || page->empty()) break;
      for (auto& e : *page) todo.push_back(e.id);
      after = page->back().id;
    }
  }
  auto table = router_ ? router_->table() : nullptr;
  for (const auto& id : todo) {
    auto entry = store_.GetDlq(id);
    if (!entry.ok()) {
      out.failed.emplace_back(id, entry.status().message());
      continue;
    }
    auto doc = json::Parse(entry->json);
    const json::Value* event = doc.ok() ? doc->Find("event") : nullptr;
    const json::Value* bus = doc.ok() ? doc->Find("bus") : nullptr;
    const json::Value* rule = doc.ok() ? doc->Find("rule") : nullptr;
    const json::Value* target = doc.ok() ? doc->Find("target") : nullptr;
    if (!event || !event->is_object() || !bus || !rule || !target) {
      out.failed.emplace_back(id, "entry has no event or target to redrive to");
      continue;
    }
    const store::RouteId route_id{bus->as_string(), rule->as_string(), target->as_string()};
    const std::string key = route_id.Key();
    std::shared_ptr<const bus::RouteTarget> route;
    if (table) {
      auto it = table->targets.find(key);
      if (it == table->targets.end()) {
        out.failed.emplace_back(id, "target " + rule->as_string() + "/" + target->as_string() +
                                        " no longer exists");
        continue;
      }
      route = it->second;
    }
    auto event_json = std::make_shared<const std::string>(json::Serialize(*event));
    const int64_t now = clock_.NowMs();
    auto seq = store_.Enqueue(route_id, bus->as_string(), *event_json, now, id);
    if (!seq.ok()) {
      out.failed.emplace_back(id, seq.status().message());
      continue;
    }
    out.redriven.push_back(id);
    if (scheduler_ && route) {
      scheduler_->Enqueue({bus::StoredEvent{*seq, now, event_json, {route}}});
    }
  }
  return out;
}

Status DeadLetters::Redeliver(const std::string& bus, const std::string& rule, const std::string& target,
                              const std::string& event_json) {
  const store::RouteId route_id{bus, rule, target};
  const std::string key = route_id.Key();
  std::shared_ptr<const bus::RouteTarget> route;
  if (router_) {
    auto table = router_->table();
    auto it = table->targets.find(key);
    if (it == table->targets.end()) return Status::NotFound("no target " + rule + "/" + target + " on bus " + bus);
    route = it->second;
  }
  auto json = std::make_shared<const std::string>(event_json);
  const int64_t now = clock_.NowMs();
  auto seq = store_.Enqueue(route_id, bus, *json, now, "");
  if (!seq.ok()) return seq.status();
  if (scheduler_ && route) scheduler_->Enqueue({bus::StoredEvent{*seq, now, json, {route}}});
  return Status::Ok();
}

}  // namespace cxbridge::deliver
