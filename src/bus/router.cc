#include "bus/router.h"

#include <spdlog/spdlog.h>

#include <set>

#include "bus/rule_state.h"
#include "bus/schedule.h"

namespace cxbridge::bus {

Router::Router(std::string account, std::string region)
    : account_(std::move(account)), region_(std::move(region)) {
  auto t = std::make_shared<RouteTable>();
  auto b = std::make_shared<RouteBus>();
  b->name = "default";
  b->matcher = std::make_unique<pattern::RuleMatcher>();
  t->buses["default"] = b;
  table_ = t;
}

std::string Router::RuleArn(std::string_view bus, std::string_view rule) const {
  std::string arn = "arn:aws:events:" + region_ + ":" + account_ + ":rule/";
  if (bus != "default") {
    arn += bus;
    arn += "/";
  }
  arn += rule;
  return arn;
}

Result<RetryPolicy> Router::ParseRetryPolicy(const json::Value& target) {
  RetryPolicy p;
  const json::Value* rp = target.Find("RetryPolicy");
  if (rp == nullptr || rp->is_null()) return p;
  if (!rp->is_object()) return Status::InvalidArgument("RetryPolicy must be an object");
  int64_t v;
  if (const json::Value* a = rp->Find("MaximumRetryAttempts")) {
    if (!a->as_int64(&v) || v < 0 || v > 185) {
      return Status::InvalidArgument("RetryPolicy.MaximumRetryAttempts must be between 0 and 185");
    }
    p.maximum_retry_attempts = static_cast<int>(v);
  }
  if (const json::Value* a = rp->Find("MaximumEventAgeInSeconds")) {
    if (!a->as_int64(&v) || v < 60 || v > 86400) {
      return Status::InvalidArgument("RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400");
    }
    p.maximum_event_age_seconds = v;
  }
  return p;
}

Result<std::shared_ptr<RouteTable>> Router::Build(const std::vector<BusDef>& cbuses,
                                                  const std::vector<RuleDef>& crules,
                                                  const std::vector<BusDef>& abuses,
                                                  const std::vector<RuleDef>& arules,
                                                  bool strict) const {
  auto t = std::make_shared<RouteTable>();
  auto add_bus = [&](const std::string& name) {
    if (t->buses.count(name)) return;
    auto b = std::make_shared<RouteBus>();
    b->name = name;
    b->matcher = std::make_unique<pattern::RuleMatcher>();
    t->buses[name] = b;
  };
  add_bus("default");
  for (const auto& b : cbuses) add_bus(b.name);
  for (const auto& b : abuses) add_bus(b.name);

  std::set<std::string> config_names;
  for (const auto& r : crules) config_names.insert(r.bus + "/" + r.name);
  std::function<Status(const TargetDef&)> check;
  {
    std::lock_guard<std::mutex> lock(mu_);
    check = target_check_;
  }

  auto add_rule = [&](const RuleDef& r, bool from_config) -> Status {
    auto bit = t->buses.find(r.bus);
    if (bit == t->buses.end()) return Status::NotFound("rule " + r.name + ": unknown bus " + r.bus);
    RouteBus& bus = *bit->second;
    RouteRule rr;
    rr.def = r;
    rr.arn = RuleArn(r.bus, r.name);
    for (const auto& td : r.targets) {
      auto rt = std::make_shared<RouteTarget>();
      rt->id = store::RouteId{r.bus, r.name, td.id};
      rt->key = rt->id.Key();
      rt->bus = r.bus;
      rt->rule = r.name;
      rt->rule_arn = rr.arn;
      rt->def = td;
      if (from_config && check) {
        if (Status st = check(td); !st.ok()) {
          return Status::InvalidArgument("rule " + r.name + " target " + td.id + ": " + st.message());
        }
      }
      auto retry = ParseRetryPolicy(td.raw);
      if (!retry.ok()) return Status::InvalidArgument("rule " + r.name + " target " + td.id + ": " + retry.status().message());
      rt->retry = *retry;
      if (const json::Value* dl = td.raw.Find("DeadLetterConfig")) {
        if (const json::Value* a = dl->Find("Arn"); a && a->is_string()) rt->dead_letter_arn = a->as_string();
      }
      auto input = transform::CompileInput(td.raw);
      if (!input.ok()) {
        Status bad = Status::InvalidArgument("rule " + r.name + " target " + td.id + ": " +
                                             input.status().message());
        if (from_config) return bad;
        // An API target saved before PutTargets checked transforms: only this target is left out,
        // never its siblings (issue 13).
        spdlog::warn("skipping API target {}/{}/{}: {}", r.bus, r.name, td.id, bad.message());
        continue;
      }
      rt->input = std::move(*input);
      t->targets[rt->key] = rt;
      rr.targets.push_back(std::move(rt));
    }
    if (!r.schedule_expression.empty()) {
      if (auto s = Schedule::Parse(r.schedule_expression); !s.ok()) {
        return Status::InvalidArgument("rule " + r.name + ": " + s.status().message());
      }
    }
    if (RuleStateEnabled(r.state) && !r.event_pattern.empty()) {
      Status st = bus.matcher->AddRule(r.name, r.event_pattern);
      if (!st.ok()) {
        return Status::InvalidArgument("rule " + r.name + ": invalid EventPattern: " + st.message());
      }
    }
    bus.rules[r.name] = std::move(rr);
    return Status::Ok();
  };

  for (const auto& r : crules) {
    Status st = add_rule(r, true);
    if (!st.ok()) return st;
  }
  for (const auto& r : arules) {
    if (config_names.count(r.bus + "/" + r.name)) {
      t->shadowed.push_back(r.bus + "/" + r.name);
      continue;
    }
    Status st = add_rule(r, false);
    if (!st.ok()) {
      if (strict) return st;
      spdlog::warn("skipping API rule {}/{}: {}", r.bus, r.name, st.message());
    }
  }
  return t;
}

void Router::Publish(std::shared_ptr<RouteTable> t) {
  std::vector<std::function<void(std::shared_ptr<const RouteTable>)>> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    t->version = ++version_;
    table_ = t;
    listeners = listeners_;
  }
  for (auto& fn : listeners) fn(t);
}

namespace {
// The door a definition came through decides its origin, whatever its maker left in it.
void MarkOrigin(std::vector<BusDef>* buses, std::vector<RuleDef>* rules, Origin origin) {
  for (auto& b : *buses) b.origin = origin;
  for (auto& r : *rules) {
    r.origin = origin;
    for (auto& t : r.targets) t.origin = origin;
  }
}
}  // namespace

Status Router::SetConfigDefinitions(std::vector<BusDef> buses, std::vector<RuleDef> rules) {
  MarkOrigin(&buses, &rules, Origin::kConfig);
  std::vector<BusDef> abuses;
  std::vector<RuleDef> arules;
  {
    std::lock_guard<std::mutex> lock(mu_);
    abuses = api_buses_;
    arules = api_rules_;
  }
  auto t = Build(buses, rules, abuses, arules, false);
  if (!t.ok()) return t.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    config_buses_ = std::move(buses);
    config_rules_ = std::move(rules);
  }
  Publish(std::move(*t));
  return Status::Ok();
}

void Router::SetApiDefinitions(std::vector<BusDef> buses, std::vector<RuleDef> rules) {
  MarkOrigin(&buses, &rules, Origin::kApi);
  std::vector<BusDef> cbuses;
  std::vector<RuleDef> crules;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cbuses = config_buses_;
    crules = config_rules_;
  }
  auto t = Build(cbuses, crules, buses, rules, false);
  if (!t.ok()) {
    spdlog::error("API definitions not applied: {}", t.status().message());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    api_buses_ = std::move(buses);
    api_rules_ = std::move(rules);
  }
  Publish(std::move(*t));
}

std::shared_ptr<const RouteTable> Router::table() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

void Router::SetTargetCheck(std::function<Status(const TargetDef&)> check) {
  std::lock_guard<std::mutex> lock(mu_);
  target_check_ = std::move(check);
}

void Router::OnChange(std::function<void(std::shared_ptr<const RouteTable>)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.push_back(std::move(fn));
}

Status Router::Route(const IncomingEvent& event, std::vector<std::shared_ptr<const RouteTarget>>* out) const {
  auto t = table();
  auto bit = t->buses.find(event.bus);
  if (bit == t->buses.end()) return Status::NotFound("event bus " + event.bus + " does not exist");
  const RouteBus& bus = *bit->second;
  if (!event.scheduled_rule.empty()) {
    auto rit = bus.rules.find(event.scheduled_rule);
    if (rit != bus.rules.end() && RuleStateEnabled(rit->second.def.state)) {
      for (const auto& target : rit->second.targets) out->push_back(target);
    }
    return Status::Ok();
  }
  thread_local std::vector<std::string> matched;
  matched.clear();
  CXB_RETURN_IF_ERROR(bus.matcher->Match(event.event_json, &matched));
  for (const auto& name : matched) {
    if (!event.only_rules.empty() &&
        std::find(event.only_rules.begin(), event.only_rules.end(), name) == event.only_rules.end()) {
      continue;
    }
    auto rit = bus.rules.find(name);
    if (rit == bus.rules.end()) continue;
    for (const auto& target : rit->second.targets) out->push_back(target);
  }
  return Status::Ok();
}

}  // namespace cxbridge::bus
