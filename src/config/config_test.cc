#include "config/config.h"

#include <gtest/gtest.h>

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
