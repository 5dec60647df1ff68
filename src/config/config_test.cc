#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cxbridge::config {

TEST(ConfigTest, EmptyGivesDefaults) {
  auto c = ParseConfig("", "x.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 8088);
  EXPECT_EQ(c->data_dir, "./cxbridge-data");
}

TEST(ConfigTest, RulesTargetsAndScalarTypes) {
  auto c = ParseConfig(R"(
server: {port: 9000, account: "000011112222"}
sources:
  gen: {auth: {scheme: none}, code: "007", n: 7, ok: true}
rules:
  - Name: r1
    EventPattern: {source: [genesys.cloud], detail: {n: [{numeric: [">", 5]}]}}
    Targets:
      - Id: t1
        Arn: http://127.0.0.1:1/x
        RetryPolicy: {MaximumRetryAttempts: 2}
)", "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->account, "000011112222");
  ASSERT_EQ(c->sources.size(), 1u);
  EXPECT_EQ(json::Serialize(c->sources[0].raw),
            R"({"auth":{"scheme":"none"},"code":"007","n":7,"ok":true})");
  ASSERT_EQ(c->rules.size(), 1u);
  EXPECT_EQ(c->rules[0].event_pattern,
            R"({"source":["genesys.cloud"],"detail":{"n":[{"numeric":[">",5]}]}})");
  ASSERT_EQ(c->rules[0].targets.size(), 1u);
  EXPECT_EQ(c->rules[0].targets[0].arn, "http://127.0.0.1:1/x");
}

TEST(ConfigTest, AwsSectionIsKeptForDeliver) {
  auto c = ParseConfig("aws:\n  access_key_id: {env: AK}\n  endpoints: {sqs: \"http://127.0.0.1:5000\"}\n", "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(json::Serialize(c->aws), R"({"access_key_id":{"env":"AK"},"endpoints":{"sqs":"http://127.0.0.1:5000"}})");
  EXPECT_TRUE(ParseConfig("", "x.yaml")->aws.is_null());
}

TEST(ConfigTest, AllowedHostsAreHostNames) {
  auto c = ParseConfig("server:\n  allowed_hosts: [gateway.internal, 192.168.1.20]\n", "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->allowed_hosts, (std::vector<std::string>{"gateway.internal", "192.168.1.20"}));
  for (const char* bad : {"server:\n  allowed_hosts: gateway.internal\n",
                          "server:\n  allowed_hosts: [\"http://gateway.internal\"]\n",
                          "server:\n  allowed_hosts: [\"gateway.internal:8088\"]\n",
                          "server:\n  allowed_hosts: [\"\"]\n"}) {
    auto b = ParseConfig(bad, "x.yaml");
    EXPECT_FALSE(b.ok()) << bad;
    if (!b.ok()) EXPECT_NE(b.status().message().find("allowed_hosts"), std::string::npos) << b.status().message();
  }
  auto typo = ParseConfig("server:\n  allowed_host: [a]\n", "x.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("allowed_hosts"), std::string::npos) << typo.status().message();
}

TEST(ConfigTest, ErrorsCarryLineNumbers) {
  auto c = ParseConfig("server:\n  port: 70000\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("x.yaml:2"), std::string::npos) << c.status().message();
  c = ParseConfig("rules:\n  - Name: r\n    Targets: []\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("EventPattern"), std::string::npos);
  c = ParseConfig("bogus: 1\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  c = ParseConfig("rules:\n  - Name: r\n    EventBusName: nope\n    EventPattern: {a: [1]}\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown bus"), std::string::npos);
}

TEST(ConfigTest, DuplicateTargetIdsRejected) {
  auto c = ParseConfig(R"(
rules:
  - Name: r
    EventPattern: {a: [1]}
    Targets: [{Id: t, Arn: "file:///tmp/x"}, {Id: t, Arn: "file:///tmp/y"}]
)", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("duplicate target"), std::string::npos);
}

}  // namespace cxbridge::config

namespace cxbridge::config {

TEST(ConfigStrictTest, UnknownKeysWithLineColumnAndSuggestion) {
  Checked c = ParseConfigChecked("server:\n  addresss: 0.0.0.0\n  port: 9000\nstorage: {type: jetstream}\n",
                                 "x.yaml");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(FormatProblem("x.yaml", c.problems[0]),
            "x.yaml:2:3: server: unknown key 'addresss' (did you mean 'address'?)");
  EXPECT_EQ(c.problems[1].mark.line, 4);
  EXPECT_EQ(c.problems[1].mark.column, 11);
  EXPECT_NE(c.problems[1].message.find("storage: unknown key 'type' (allowed: data_dir,"), std::string::npos)
      << c.problems[1].message;
  // The typo'd address no longer falls back silently: the load fails.
  EXPECT_FALSE(ParseConfig("server:\n  addresss: 0.0.0.0\n", "x.yaml").ok());
}

TEST(ConfigStrictTest, EveryProblemIsReportedNotOnlyTheFirst) {
  Checked c = ParseConfigChecked(R"(
sever: {}
delivery: {backoff_base: 5, target_concurrency: 0}
rules:
  - Name: r1
    EventPatern: {a: [1]}
  - Name: r2
    EventPattern: {a: [1]}
    State: ON
)", "x.yaml");
  std::vector<std::string> lines;
  for (const auto& p : c.problems) lines.push_back(FormatProblem("x.yaml", p));
  ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "x.yaml:2:1: unknown section 'sever' (did you mean 'server'?)");
  EXPECT_EQ(lines[1], "x.yaml:3:12: delivery: unknown key 'backoff_base' (did you mean 'backoff_base_ms'?)");
  EXPECT_EQ(lines[2], "x.yaml:3:49: target_concurrency must be between 1 and 1024");
  EXPECT_EQ(lines[3], "x.yaml:5:5: rule r1 needs an EventPattern or a ScheduleExpression");
  EXPECT_EQ(lines[4], "x.yaml:6:5: rule: unknown key 'EventPatern' (did you mean 'EventPattern'?)");
  EXPECT_EQ(lines[5], "x.yaml:9:12: State must be ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
  // r2 is fine apart from its State; r1 is left out: neither is used while there are problems.
  Status st = ProblemsStatus("x.yaml", c.problems);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(std::count(st.message().begin(), st.message().end(), '\n'), 5);
}

TEST(ConfigStrictTest, PositionsPlaceModuleErrors) {
  Checked c = ParseConfigChecked(R"(sources:
  crm:
    auth: {scheme: hmac, hedaer: X-Sig, secret: s}
    evnt_source: crm
rules:
  - Name: r
    EventPattern: {a: [1]}
    Targets:
      - {Id: t, Arn: "file:///tmp/x", RetryPolcy: {}}
)", "x.yaml");
  ASSERT_TRUE(c.problems.empty());
  const Positions& pos = *c.config.positions;
  EXPECT_EQ(pos.Find("sources/crm").line, 2);
  EXPECT_EQ(pos.FindKey("sources/crm", "hedaer").line, 3);
  EXPECT_EQ(pos.FindKey("sources/crm", "hedaer").column, 26);
  EXPECT_EQ(pos.FindKey("sources/crm", "nothere").line, 2);  // the section itself
  ASSERT_EQ(c.config.rule_places.size(), 1u);
  EXPECT_EQ(c.config.rule_places[0].targets.at(0), "rules/0/Targets/0");
  auto problems = LocateProblems(pos, "sources/crm", "sources.crm",
                                 Status::InvalidArgument("unknown key 'evnt_source' (did you mean 'event_source'?)\n"
                                                         "auth (hmac): unknown key 'hedaer' (did you mean 'header'?)"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(FormatProblem("x.yaml", problems[0]),
            "x.yaml:4:5: sources.crm: unknown key 'evnt_source' (did you mean 'event_source'?)");
  EXPECT_EQ(FormatProblem("x.yaml", problems[1]).substr(0, 14), "x.yaml:3:26: s");
  auto other = LocateProblems(pos, "rules/0/Targets/0", "", Status::InvalidArgument("Arn is odd"));
  EXPECT_EQ(FormatProblem("x.yaml", other.at(0)), "x.yaml:9:9: Arn is odd");
}

}  // namespace cxbridge::config
