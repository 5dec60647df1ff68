#include "bus/router.h"

#include <gtest/gtest.h>

namespace cxbridge::bus {
namespace {

RuleDef Rule(std::string name, std::string pattern, std::vector<std::string> target_ids,
             Origin origin = Origin::kConfig, std::string bus = "default") {
  RuleDef r;
  r.name = std::move(name);
  r.bus = std::move(bus);
  r.event_pattern = std::move(pattern);
  r.origin = origin;
  for (auto& id : target_ids) {
    TargetDef t;
    t.id = id;
    t.arn = "http://127.0.0.1:1/" + id;
    t.raw = json::Value::Object({{"Id", json::Value::String(id)}, {"Arn", json::Value::String(t.arn)}});
    r.targets.push_back(std::move(t));
  }
  return r;
}

IncomingEvent Event(std::string json, std::string bus = "default") {
  IncomingEvent e;
  e.bus = std::move(bus);
  e.event_json = std::move(json);
  return e;
}

std::vector<std::string> Keys(const Router& router, const IncomingEvent& e) {
  std::vector<std::shared_ptr<const RouteTarget>> out;
  EXPECT_TRUE(router.Route(e, &out).ok());
  std::vector<std::string> keys;
  for (auto& t : out) keys.push_back(t->rule + "/" + t->def.id);
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(RouterTest, RoutesMatchingEnabledRulesToAllTheirTargets) {
  Router r("123456789012", "us-east-1");
  auto disabled = Rule("off", R"({"source":["a"]})", {"x"});
  disabled.state = "DISABLED";
  ASSERT_TRUE(r.SetConfigDefinitions({}, {Rule("r1", R"({"source":["a"]})", {"t1", "t2"}),
                                          Rule("r2", R"({"source":["b"]})", {"t3"}), disabled})
                  .ok());
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")), (std::vector<std::string>{"r1/t1", "r1/t2"}));
  EXPECT_EQ(Keys(r, Event(R"({"source":"c"})")), std::vector<std::string>{});
}

// Issue 13: a bad transform on one API target (saved before PutTargets checked transforms) used
// to make the router skip the whole rule; only that target is left out now.
TEST(RouterTest, OneApiTargetsBadTransformLeavesItsSiblingsRouted) {
  Router r("123456789012", "us-east-1");
  auto rule = Rule("api", R"({"source":["a"]})", {"good", "bad"}, Origin::kApi);
  rule.targets[1].raw.Set("InputPath", json::Value::String("$.detail[?(@.x)]"));
  r.SetApiDefinitions({}, {rule});
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")), std::vector<std::string>{"api/good"});
  // From the config file the same target is an error that names it.
  auto config_rule = rule;
  config_rule.origin = Origin::kConfig;
  Status st = r.SetConfigDefinitions({}, {config_rule});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("target bad"), std::string::npos) << st.message();
}

// Issue 16: a definition is untrusted unless marked otherwise, and the door it comes through (the
// config file or the API) decides its origin, whatever the definition says.
TEST(RouterTest, OriginDefaultsToApiAndFollowsTheDoor) {
  EXPECT_EQ(TargetDef{}.origin, Origin::kApi);
  EXPECT_EQ(RuleDef{}.origin, Origin::kApi);
  EXPECT_EQ(BusDef{}.origin, Origin::kApi);
  Router r("123456789012", "us-east-1");
  std::vector<std::pair<std::string, Origin>> seen;
  r.SetTargetCheck([&seen](const TargetDef& t) {
    seen.emplace_back(t.id, t.origin);
    return Status::Ok();
  });
  r.SetApiDefinitions({}, {Rule("api", R"({"source":["a"]})", {"claims-config"}, Origin::kConfig)});
  ASSERT_TRUE(r.SetConfigDefinitions({}, {Rule("cfg", R"({"source":["a"]})", {"file"}, Origin::kApi)}).ok());
  ASSERT_FALSE(seen.empty());
  for (const auto& [id, origin] : seen)
    EXPECT_EQ(origin, id == "file" ? Origin::kConfig : Origin::kApi) << id;
  std::vector<std::shared_ptr<const RouteTarget>> out;
  ASSERT_TRUE(r.Route(Event(R"({"source":"a"})"), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  for (const auto& t : out) EXPECT_EQ(t->def.origin, t->rule == "cfg" ? Origin::kConfig : Origin::kApi) << t->rule;
}

// Issue 13: EventBridge's third state is an enabled rule.
TEST(RouterTest, EnabledWithAllCloudTrailManagementEventsMatches) {
  Router r("123456789012", "us-east-1");
  auto rule = Rule("ct", R"({"source":["a"]})", {"t"});
  rule.state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
  ASSERT_TRUE(r.SetConfigDefinitions({}, {rule}).ok());
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")), std::vector<std::string>{"ct/t"});
}

TEST(RouterTest, InvalidPatternRejectedAndOldTableKept) {
  Router r("123456789012", "us-east-1");
  ASSERT_TRUE(r.SetConfigDefinitions({}, {Rule("r1", R"({"source":["a"]})", {"t"})}).ok());
  Status st = r.SetConfigDefinitions({}, {Rule("bad", R"({"source":"a"})", {"t"})});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rule bad"), std::string::npos);
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")).size(), 1u);
}

TEST(RouterTest, TargetCheckRefusesConfigTargetsOnlyAndNamesThem) {
  Router r("123456789012", "us-east-1");
  r.SetTargetCheck([](const TargetDef& t) {
    return t.id == "bad" ? Status::InvalidArgument("no AWS credentials") : Status::Ok();
  });
  Status st = r.SetConfigDefinitions({}, {Rule("r1", R"({"source":["a"]})", {"ok", "bad"})});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "rule r1 target bad: no AWS credentials");
  // API rules were checked by PutTargets when saved; the router does not drop them later.
  r.SetApiDefinitions({}, {Rule("api", R"({"source":["a"]})", {"bad"}, Origin::kApi)});
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")), std::vector<std::string>{"api/bad"});
}

TEST(RouterTest, ConfigWinsOverApiOnNameClash) {
  Router r("123456789012", "us-east-1");
  ASSERT_TRUE(r.SetConfigDefinitions({}, {Rule("same", R"({"source":["a"]})", {"cfg"})}).ok());
  r.SetApiDefinitions({}, {Rule("same", R"({"source":["a"]})", {"api"}, Origin::kApi),
                           Rule("other", R"({"source":["a"]})", {"api2"}, Origin::kApi)});
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})")), (std::vector<std::string>{"other/api2", "same/cfg"}));
  EXPECT_EQ(r.table()->shadowed, std::vector<std::string>{"default/same"});
}

TEST(RouterTest, BusesAreSeparateAndUnknownBusIsNotFound) {
  Router r("123456789012", "us-east-1");
  BusDef b;
  b.name = "genesys";
  ASSERT_TRUE(r.SetConfigDefinitions({b}, {Rule("r", R"({"source":["a"]})", {"t"}, Origin::kConfig, "genesys")}).ok());
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})", "default")).size(), 0u);
  EXPECT_EQ(Keys(r, Event(R"({"source":"a"})", "genesys")).size(), 1u);
  std::vector<std::shared_ptr<const RouteTarget>> out;
  EXPECT_EQ(r.Route(Event(R"({"source":"a"})", "nope"), &out).code(), StatusCode::kNotFound);
  EXPECT_EQ(r.RuleArn("genesys", "r"), "arn:aws:events:us-east-1:123456789012:rule/genesys/r");
  EXPECT_EQ(r.RuleArn("default", "r"), "arn:aws:events:us-east-1:123456789012:rule/r");
}

TEST(RouterTest, ReplayOnlyRulesFilter) {
  Router r("123456789012", "us-east-1");
  ASSERT_TRUE(r.SetConfigDefinitions({}, {Rule("r1", R"({"source":["a"]})", {"t"}),
                                          Rule("r2", R"({"source":["a"]})", {"t"})})
                  .ok());
  auto e = Event(R"({"source":"a"})");
  e.only_rules = {"r2"};
  EXPECT_EQ(Keys(r, e), std::vector<std::string>{"r2/t"});
}

TEST(RouterTest, RetryPolicyRangesValidated) {
  auto bad = json::Parse(R"({"RetryPolicy":{"MaximumRetryAttempts":186}})");
  EXPECT_FALSE(Router::ParseRetryPolicy(*bad).ok());
  bad = json::Parse(R"({"RetryPolicy":{"MaximumEventAgeInSeconds":59}})");
  EXPECT_FALSE(Router::ParseRetryPolicy(*bad).ok());
  auto good = Router::ParseRetryPolicy(*json::Parse(R"({"RetryPolicy":{"MaximumRetryAttempts":0}})"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->maximum_retry_attempts, 0);
  EXPECT_EQ(good->maximum_event_age_seconds, 86400);
}

TEST(RouterTest, ChangeListenersSeeEveryNewTable) {
  Router r("123456789012", "us-east-1");
  int calls = 0;
  r.OnChange([&](auto t) { ++calls; });
  ASSERT_TRUE(r.SetConfigDefinitions({}, {}).ok());
  r.SetApiDefinitions({}, {});
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace cxbridge::bus
