#include "pattern/pattern.h"

#include <simdjson.h>

#include <algorithm>

#include "pattern/compile.h"
#include "pattern/json_tree.h"
#include "pattern/machine.h"

namespace cxbridge::pattern {

Status Validate(std::string_view pattern_json) {
  auto c = internal::CompilePattern(pattern_json);
  return c.ok() ? Status::Ok() : c.status();
}

Result<bool> TestEventPattern(std::string_view pattern_json, std::string_view event_json) {
  auto c = internal::CompilePattern(pattern_json);
  if (!c.ok()) return c.status();
  // The automaton skips parts of the event no pattern names; TestEventPattern must still refuse
  // malformed events as a whole, so validate them first (this path is not hot).
  auto tree = internal::ParseJsonTree(event_json, /*strict=*/true);
  // The match walk checks UTF-8 only in the strings it reads; the whole event must be valid here.
  if (!tree.ok() || !tree->is_object() || !simdjson::validate_utf8(event_json.data(), event_json.size())) {
    return Status::InvalidArgument("Parameter Event is not valid.");
  }
  auto machine = Machine::Build({&*c});
  MatchContext ctx;
  ctx.set_early_exit(false);  // read the whole event, duplicate keys included
  std::vector<uint32_t> out;
  CXB_RETURN_IF_ERROR(ctx.Match(*machine, event_json, &out));
  return !out.empty();
}

struct RuleMatcher::Snapshot {
  std::vector<std::string> ids;  // pattern index -> rule id
  std::vector<std::shared_ptr<const internal::CompiledPattern>> compiled;
  std::shared_ptr<const Machine> machine;
};

namespace {

std::shared_ptr<RuleMatcher::Snapshot> Rebuilt(
    std::vector<std::string> ids,
    std::vector<std::shared_ptr<const internal::CompiledPattern>> compiled) {
  auto s = std::make_shared<RuleMatcher::Snapshot>();
  std::vector<const internal::CompiledPattern*> ptrs;
  ptrs.reserve(compiled.size());
  for (const auto& c : compiled) ptrs.push_back(c.get());
  s->machine = Machine::Build(ptrs);
  s->ids = std::move(ids);
  s->compiled = std::move(compiled);
  return s;
}

}  // namespace

RuleMatcher::RuleMatcher() { current_.store(Rebuilt({}, {})); }
RuleMatcher::~RuleMatcher() = default;

Status RuleMatcher::Publish(std::shared_ptr<Snapshot> next) {
  current_.store(std::shared_ptr<const Snapshot>(std::move(next)));
  return Status::Ok();
}

Status RuleMatcher::AddRule(std::string_view rule_id, std::string_view pattern_json) {
  auto c = internal::CompilePattern(pattern_json);  // outside the lock: validation can be slow
  if (!c.ok()) return c.status();
  auto compiled = std::make_shared<const internal::CompiledPattern>(std::move(*c));
  std::lock_guard<std::mutex> lock(write_mu_);
  std::shared_ptr<const Snapshot> cur = current_.load();
  std::vector<std::string> ids = cur->ids;
  auto patterns = cur->compiled;
  auto it = std::find(ids.begin(), ids.end(), rule_id);
  if (it != ids.end()) {
    patterns[it - ids.begin()] = std::move(compiled);
  } else {
    ids.emplace_back(rule_id);
    patterns.push_back(std::move(compiled));
  }
  return Publish(Rebuilt(std::move(ids), std::move(patterns)));
}

void RuleMatcher::RemoveRule(std::string_view rule_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  std::shared_ptr<const Snapshot> cur = current_.load();
  auto it = std::find(cur->ids.begin(), cur->ids.end(), rule_id);
  if (it == cur->ids.end()) return;
  const size_t i = it - cur->ids.begin();
  std::vector<std::string> ids = cur->ids;
  auto patterns = cur->compiled;
  ids.erase(ids.begin() + i);
  patterns.erase(patterns.begin() + i);
  (void)Publish(Rebuilt(std::move(ids), std::move(patterns)));
}

Status RuleMatcher::Match(std::string_view event_json, std::vector<std::string>* matched) const {
  std::shared_ptr<const Snapshot> snap = current_.load();
  // Per-thread scratch: parser, buffers and stamps are reused across events and matchers.
  thread_local MatchContext ctx;
  thread_local std::vector<uint32_t> hits;
  hits.clear();
  CXB_RETURN_IF_ERROR(ctx.Match(*snap->machine, event_json, &hits));
  for (uint32_t i : hits) matched->push_back(snap->ids[i]);
  return Status::Ok();
}

size_t RuleMatcher::size() const { return current_.load()->ids.size(); }

}  // namespace cxbridge::pattern
