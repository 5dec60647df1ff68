#include "api/api_test_util.h"

#include <future>

namespace cxbridge::api::testing {

Result<uint64_t> MemResourceStore::Put(std::string_view kind, std::string_view name, std::string_view value,
                                       uint64_t expected_revision) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_writes) return Status::IOError("injected write failure");
  auto& m = data_[std::string(kind)];
  auto it = m.find(std::string(name));
  uint64_t current = it == m.end() ? store::kNoRevision : it->second.revision;
  if (expected_revision != store::kAnyRevision && expected_revision != current)
    return Status::FailedPrecondition(std::string(name) + " changed concurrently");
  m[std::string(name)] = store::ResourceEntry{std::string(name), std::string(value), ++revision_};
  return revision_;
}

Result<store::ResourceEntry> MemResourceStore::Get(std::string_view kind, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = data_[std::string(kind)];
  auto it = m.find(std::string(name));
  if (it == m.end()) return Status::NotFound(std::string(name));
  return it->second;
}

Status MemResourceStore::Delete(std::string_view kind, std::string_view name, uint64_t expected_revision) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_writes) return Status::IOError("injected write failure");
  auto& m = data_[std::string(kind)];
  auto it = m.find(std::string(name));
  uint64_t current = it == m.end() ? store::kNoRevision : it->second.revision;
  if (expected_revision != store::kAnyRevision && expected_revision != current)
    return Status::FailedPrecondition(std::string(name) + " changed concurrently");
  if (it != m.end()) m.erase(it);
  return Status::Ok();
}

Result<std::vector<store::ResourceEntry>> MemResourceStore::List(std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<store::ResourceEntry> out;
  for (const auto& [name, e] : data_[std::string(kind)]) out.push_back(e);
  return out;
}

Status MemArchiveStore::Append(std::string_view archive, int64_t t, std::string_view ev) {
  std::lock_guard<std::mutex> lock(mu_);
  data_[std::string(archive)].emplace(t, std::string(ev));
  return Status::Ok();
}

Status MemArchiveStore::Scan(std::string_view archive, int64_t start_ms, int64_t end_ms,
                             const std::function<bool(int64_t, std::string_view)>& fn) {
  std::vector<std::pair<int64_t, std::string>> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& m = data_[std::string(archive)];
    for (auto it = m.lower_bound(start_ms); it != m.end() && it->first < end_ms; ++it) copy.push_back(*it);
  }
  for (const auto& [t, ev] : copy)
    if (!fn(t, ev)) break;
  return Status::Ok();
}

Status MemArchiveStore::DeleteBefore(std::string_view archive, int64_t cutoff_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = data_[std::string(archive)];
  m.erase(m.begin(), m.lower_bound(cutoff_ms));
  return Status::Ok();
}

Result<uint64_t> MemArchiveStore::Count(std::string_view archive) {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<uint64_t>(data_[std::string(archive)].size());
}

void RecordingSink::Submit(std::vector<bus::IncomingEvent> evs,
                           std::function<void(std::vector<bus::AcceptResult>)> done) {
  std::vector<bus::AcceptResult> results;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& e : evs) {
      bus::AcceptResult r;
      r.outcome = next_outcome;
      if (next_outcome == bus::AcceptOutcome::kStored) events.push_back(std::move(e));
      results.push_back(r);
    }
  }
  done(std::move(results));
}

void RecordingSink::SetApiDefinitions(std::vector<bus::BusDef> b, std::vector<bus::RuleDef> r) {
  std::lock_guard<std::mutex> lock(mu);
  buses = std::move(b);
  rules = std::move(r);
  ++definition_pushes;
}

Status FakePatternEngine::Validate(std::string_view pattern_json) const {
  auto v = json::Parse(pattern_json);
  if (!v.ok() || !v->is_object())
    return Status::InvalidArgument("Event pattern is not valid. Reason: Filter is not an object");
  return Status::Ok();
}

Result<bool> FakePatternEngine::Test(std::string_view pattern_json, std::string_view event_json) const {
  CXB_RETURN_IF_ERROR(Validate(pattern_json));
  auto p = json::Parse(pattern_json);
  auto e = json::Parse(event_json);
  if (!e.ok()) return Status::InvalidArgument("bad event");
  for (const auto& [key, allowed] : p->members()) {
    const json::Value* v = e->Find(key);
    bool any = false;
    if (v && allowed.is_array())
      for (const auto& a : allowed.items()) any = any || a == *v;
    if (!any) return false;
  }
  return true;
}

http::Response Call(EventsApi& api, std::string_view op, std::string_view body,
                    std::vector<std::pair<std::string, std::string>> extra_headers) {
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.path = "/";
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "AWSEvents." + std::string(op)}};
  for (auto& h : extra_headers) req.headers.push_back(std::move(h));
  req.body = std::string(body);
  std::promise<http::Response> p;
  auto f = p.get_future();
  api.Handle(std::move(req), [&p](http::Response r) { p.set_value(std::move(r)); });
  return f.get();
}

json::Value BodyOf(const http::Response& r) {
  auto v = json::Parse(r.body);
  return v.ok() ? *v : json::Value();
}

std::string ErrorType(const http::Response& r) {
  json::Value b = BodyOf(r);
  const json::Value* t = b.Find("__type");
  return t && t->is_string() ? t->as_string() : "";
}

std::string ErrorMessage(const http::Response& r) {
  json::Value b = BodyOf(r);
  const json::Value* t = b.Find("message");
  return t && t->is_string() ? t->as_string() : "";
}

ApiOptions Fixture::DefaultOptions() {
  ApiOptions o;
  o.run_replay_thread = false;
  return o;
}

Fixture::Fixture(ApiOptions o) : options(std::move(o)) { Restart(); }

void Fixture::Restart() {
  if (api) api->Stop();
  api.reset();
  api = std::make_unique<EventsApi>(options, resources, archives, sink, sink, clock, &patterns);
  Status st = api->Start();
  if (!st.ok()) std::abort();
}

}  // namespace cxbridge::api::testing
