// DeadLetters: list, show and redrive the dead-letter queue. Works inside the running server
// (redriven deliveries go straight to the scheduler) and offline on a stopped server's data
// folder (deliveries are recovered at the next start).
// Thread-safety: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "bus/router.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/storage.h"

namespace cxbridge::deliver {

class Scheduler;

struct RedriveResult {
  std::vector<std::string> redriven;  // DLQ ids now pending delivery again
  std::vector<std::pair<std::string, std::string>> failed;  // id, reason
};

class DeadLetters {
 public:
  // `router` and `scheduler` may be null (offline use).
  DeadLetters(store::DeliveryQueue& store, Clock& clock, const bus::Router* router, Scheduler* scheduler)
      : store_(store), clock_(clock), router_(router), scheduler_(scheduler) {}

  Result<std::vector<store::DlqEntry>> List(std::string_view after, size_t limit) {
    return store_.ListDlq(after, limit);
  }
  Result<store::DlqEntry> Show(std::string_view id) { return store_.GetDlq(id); }
  // Re-creates each entry's delivery (attempts reset) and removes it from the DLQ, atomically
  // per entry. `all` redrives every entry (ids ignored).
  RedriveResult Redrive(const std::vector<std::string>& ids, bool all);
  // A fresh delivery of `event_json` to one target (attempts from 1), durable before it returns
  // (the console's "redeliver"). NotFound when the target does not exist.
  Status Redeliver(const std::string& bus, const std::string& rule, const std::string& target,
                   const std::string& event_json);

 private:
  store::DeliveryQueue& store_;
  Clock& clock_;
  const bus::Router* router_;
  Scheduler* scheduler_;
};

}  // namespace cxbridge::deliver
