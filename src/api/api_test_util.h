// Test doubles for the API's seams: in-memory ResourceStore and ArchiveStore, a recording
// EventSink and DefinitionSink, a tiny pattern engine, and a synchronous call helper.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/events_api.h"
#include "api/pattern_engine.h"
#include "bus/event_sink.h"
#include "common/clock.h"
#include "common/json.h"
#include "http/message.h"
#include "store/archive_store.h"
#include "store/resource_store.h"

namespace cxbridge::api::testing {

class MemResourceStore : public store::ResourceStore {
 public:
  Result<uint64_t> Put(std::string_view kind, std::string_view name, std::string_view value,
                       uint64_t expected_revision = store::kAnyRevision) override;
  Result<store::ResourceEntry> Get(std::string_view kind, std::string_view name) override;
  Status Delete(std::string_view kind, std::string_view name,
                uint64_t expected_revision = store::kAnyRevision) override;
  Result<std::vector<store::ResourceEntry>> List(std::string_view kind) override;
  bool fail_writes = false;

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, store::ResourceEntry>> data_;
  uint64_t revision_ = 0;
};

class MemArchiveStore : public store::ArchiveStore {
 public:
  Status Append(std::string_view archive, int64_t event_time_ms, std::string_view event_json) override;
  Status Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
              const std::function<bool(int64_t, std::string_view)>& fn) override;
  Status DeleteBefore(std::string_view archive, int64_t cutoff_ms) override;
  Result<uint64_t> Count(std::string_view archive) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::multimap<int64_t, std::string>> data_;
};

class RecordingSink : public bus::EventSink, public bus::DefinitionSink {
 public:
  void Submit(std::vector<bus::IncomingEvent> events,
              std::function<void(std::vector<bus::AcceptResult>)> done) override;
  void SetApiDefinitions(std::vector<bus::BusDef> buses, std::vector<bus::RuleDef> rules) override;

  std::mutex mu;
  std::vector<bus::IncomingEvent> events;
  std::vector<bus::BusDef> buses;
  std::vector<bus::RuleDef> rules;
  int definition_pushes = 0;
  bus::AcceptOutcome next_outcome = bus::AcceptOutcome::kStored;
};

// Patterns: a JSON object whose members are lists of exact strings, matched on top-level fields.
class FakePatternEngine : public PatternEngine {
 public:
  Status Validate(std::string_view pattern_json) const override;
  Result<bool> Test(std::string_view pattern_json, std::string_view event_json) const override;
};

// Calls the handler and waits for its answer.
http::Response Call(EventsApi& api, std::string_view op, std::string_view body,
                    std::vector<std::pair<std::string, std::string>> extra_headers = {});
json::Value BodyOf(const http::Response& r);
std::string ErrorType(const http::Response& r);
std::string ErrorMessage(const http::Response& r);

// A started EventsApi over fresh in-memory doubles.
struct Fixture {
  explicit Fixture(ApiOptions options = DefaultOptions());
  static ApiOptions DefaultOptions();
  void Restart();  // a new EventsApi over the same stores
  MemResourceStore resources;
  MemArchiveStore archives;
  RecordingSink sink;
  FakeClock clock{1'704'067'200'000};  // 2024-01-01T00:00:00Z
  FakePatternEngine patterns;
  ApiOptions options;
  std::unique_ptr<EventsApi> api;
};

}  // namespace cxbridge::api::testing
