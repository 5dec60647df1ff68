// ScheduledRules: fires rules that have a ScheduleExpression. At each firing it submits, through
// the EventSink (so it is stored durably like any accepted event), the event EventBridge sends:
//
//   {"version":"0","id":…,"detail-type":"Scheduled Event","source":"aws.events","account":…,
//    "time":<the scheduled minute>,"region":…,"resources":[<rule ARN>],"detail":{}}
//
// addressed to that rule alone (IncomingEvent::scheduled_rule: its targets, no pattern matching).
// A rate starts counting when the rule is first seen (created, enabled, or the server started);
// cron times are UTC. Firings missed while the server was down are not made up (as EventBridge).
// Each firing carries the idempotency key `schedule:<rule ARN>:<scheduled ms>`, so a firing
// retried after a storage failure is stored once. A firing the store refuses is retried every
// `retry_ms` until it is stored or the next one is due.
//
// Threading: one thread (Start/Stop) sleeps until the earliest due rule. OnTable may be called
// from any thread (the router's change listener). RunDue is for tests with a manual clock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/event_sink.h"
#include "bus/router.h"
#include "bus/schedule.h"
#include "common/clock.h"

namespace cxbridge::bus {

class ScheduledRules {
 public:
  ScheduledRules(EventSink& sink, Clock& clock, std::string account, std::string region,
                 int64_t retry_ms = 1000);
  ~ScheduledRules();
  ScheduledRules(const ScheduledRules&) = delete;
  ScheduledRules& operator=(const ScheduledRules&) = delete;

  // The enabled rules with a valid ScheduleExpression become (or stay) scheduled; a rule whose
  // expression is unchanged keeps its next firing time.
  void OnTable(const std::shared_ptr<const RouteTable>& table);

  // Submits every firing due at the clock's now and waits until each is stored (or refused).
  // Returns how many were stored.
  size_t RunDue();
  // The earliest next firing (epoch ms), -1 when nothing is scheduled.
  int64_t NextDueMs() const;

  void Start();
  void Stop();

 private:
  struct Entry {
    std::string bus, rule, arn, expression;
    Schedule schedule;
    int64_t next_ms = -1;
  };
  std::string EventJson(const std::string& id, const Entry& e, int64_t fire_ms) const;
  void Loop();

  EventSink& sink_;
  Clock& clock_;
  const std::string account_, region_;
  const int64_t retry_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;  // by "bus/rule"; guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  bool changed_ = false;                  // guarded by mu_: wake the loop to recompute
  std::thread thread_;
};

}  // namespace cxbridge::bus
