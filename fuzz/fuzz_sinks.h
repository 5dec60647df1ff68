// In-process stand-ins for the accept pipeline behind the fuzzed handlers: every event is
// "stored" at once and forgotten (nothing grows across inputs).
#pragma once

#include <functional>
#include <vector>

#include "bus/event_sink.h"

namespace cxbridge::fuzz {

class DiscardSink : public bus::EventSink, public bus::DefinitionSink {
 public:
  void Submit(std::vector<bus::IncomingEvent> events,
              std::function<void(std::vector<bus::AcceptResult>)> done) override {
    std::vector<bus::AcceptResult> results(events.size());
    for (auto& r : results) r.outcome = bus::AcceptOutcome::kStored;
    done(std::move(results));
  }
  void SetApiDefinitions(std::vector<bus::BusDef>, std::vector<bus::RuleDef>) override {}
};

}  // namespace cxbridge::fuzz
