#include "genesys/settings.h"

#include <gtest/gtest.h>

namespace cxbridge::genesys {
namespace {

json::Value Raw(const std::string& text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : json::Value();
}

Result<NotificationsSettings> Parse(const std::string& text) {
  return ParseNotificationsSettings("live", Raw(text), "123456789012", "us-east-1");
}

TEST(SettingsTest, RegionGivesLoginAndApiHosts) {
  auto s = Parse(R"({"type":"genesys-notifications","region":"eu-central-1","client_id":"a",
                     "client_secret":{"env":"X"},"ids":{"users":["u1"]},"topics":["v2.users.{id}.presence"]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->api_base_url, "https://api.mypurecloud.de");
  EXPECT_EQ(s->login_base_url, "https://login.mypurecloud.de");
  ASSERT_EQ(s->topics.size(), 1u);
  EXPECT_EQ(s->topics[0].ids, "users");
  EXPECT_TRUE(IsNotificationsSource(Raw(R"({"type":"genesys-notifications"})")));
  EXPECT_FALSE(IsNotificationsSource(Raw(R"({"auth":{}})")));
}

TEST(SettingsTest, BaseUrlsOverrideTheRegion) {
  auto s = Parse(R"({"region":"us-east-1","api_base_url":"http://127.0.0.1:9/","login_base_url":"http://127.0.0.1:9",
                     "client_id":"a","client_secret":"b","topics":["v2.system.x"],
                     "ping_after_seconds":5,"pong_timeout_seconds":2})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->api_base_url, "http://127.0.0.1:9");
  EXPECT_EQ(s->ping_after_ms, 5000);
  EXPECT_EQ(s->pong_timeout_ms, 2000);
}

TEST(SettingsTest, ExplicitIdListForAnUnusualTopic) {
  auto s = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b","ids":{"convs":["c1"]},
                     "topics":[{"pattern":"v2.detail.events.conversation.{id}.acw","ids":"convs"}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->topics[0].ids, "convs");
}

TEST(SettingsTest, IdListsCanBeDiscovered) {
  auto s = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b",
                     "ids":{"queues":{"discover":"all"},"users":{"discover":{"group":"g-1"}}},
                     "topics":["v2.routing.queues.{id}.users","v2.users.{id}.presence"]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->discover.size(), 2u);
  EXPECT_EQ(s->discover[0].path, "/api/v2/routing/queues");
  EXPECT_EQ(s->discover[1].path, "/api/v2/groups/g-1/members");
  auto bad = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b",
                       "ids":{"skills":{"discover":"all"}},"topics":["v2.x"]})");
  EXPECT_NE(bad.status().message().find("ids.skills.discover"), std::string::npos);
}

TEST(SettingsTest, ErrorsNameTheProblem) {
  auto unknown_region = Parse(R"({"region":"mars-1","client_id":"a","client_secret":"b","topics":["v2.x"]})");
  EXPECT_NE(unknown_region.status().message().find("mars-1"), std::string::npos);
  auto no_hosts = Parse(R"({"client_id":"a","client_secret":"b","topics":["v2.x"]})");
  EXPECT_NE(no_hosts.status().message().find("region"), std::string::npos);
  auto no_secret = Parse(R"({"region":"us-east-1","client_id":"a","topics":["v2.x"]})");
  EXPECT_NE(no_secret.status().message().find("client_secret"), std::string::npos);
  auto missing_list = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b",
                               "topics":["v2.routing.queues.{id}.users"]})");
  EXPECT_NE(missing_list.status().message().find("ids.queues"), std::string::npos);
  auto too_many = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b","topics":["v2.x"],
                            "max_topics_per_channel":1001})");
  EXPECT_NE(too_many.status().message().find("max_topics_per_channel"), std::string::npos);
  auto bad_topic = Parse(R"({"region":"us-east-1","client_id":"a","client_secret":"b","topics":["users.presence"]})");
  EXPECT_FALSE(bad_topic.ok());
}

TEST(SettingsTest, RegionTableKnowsEveryDocumentedRegion) {
  for (const char* r : {"us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "mx-central-1",
                        "eu-west-1", "eu-west-2", "eu-central-1", "eu-central-2", "me-central-1", "ap-south-1",
                        "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}) {
    EXPECT_TRUE(RegionEnvironment(r).has_value()) << r;
  }
  EXPECT_EQ(*RegionEnvironment("ap-southeast-2"), "mypurecloud.com.au");
}

}  // namespace
}  // namespace cxbridge::genesys
