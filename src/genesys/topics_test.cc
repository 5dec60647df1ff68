#include "genesys/topics.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "genesys/source.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::genesys {
namespace {

const std::string kU1 = "d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
const std::string kU2 = "278522be-1683-4877-8257-4164a177be89";
const std::string kQ1 = "8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a";

TEST(TopicsTest, CombinesSuffixesOfOneEntity) {
  std::vector<TopicSpec> specs = {{"v2.users.{id}.presence", "users"},
                                  {"v2.users.{id}.routingStatus", "users"},
                                  {"v2.routing.queues.{id}.conversations", "queues"},
                                  {"v2.system.literal", ""}};
  std::map<std::string, std::vector<std::string>> ids = {{"users", {kU1, kU2}}, {"queues", {kQ1}}};
  auto subs = PlanSubscriptions(specs, ids, true);
  ASSERT_EQ(subs.size(), 4u);
  EXPECT_EQ(subs[0].id, "v2.users." + kU1 + "?presence&routingStatus");
  EXPECT_EQ(subs[0].topics, (std::vector<std::string>{"v2.users." + kU1 + ".presence", "v2.users." + kU1 + ".routingStatus"}));
  EXPECT_EQ(subs[1].id, "v2.users." + kU2 + "?presence&routingStatus");
  EXPECT_EQ(subs[2].id, "v2.routing.queues." + kQ1 + ".conversations");
  EXPECT_EQ(subs[3].id, "v2.system.literal");
}

TEST(TopicsTest, WithoutCombiningEveryTopicIsItsOwnSubscription) {
  std::vector<TopicSpec> specs = {{"v2.users.{id}.presence", "users"}, {"v2.users.{id}.routingStatus", "users"},
                                  {"v2.users.{id}.presence", "users"}};
  auto subs = PlanSubscriptions(specs, {{"users", {kU1, kU1}}}, false);
  ASSERT_EQ(subs.size(), 2u);  // duplicates dropped
  EXPECT_EQ(subs[1].id, "v2.users." + kU1 + ".routingStatus");
}

TEST(TopicsTest, CombinedTopicStaysWithin200Chars) {
  std::vector<TopicSpec> specs;
  for (int i = 0; i < 20; ++i) specs.push_back({"v2.users.{id}.suffixnumber" + std::to_string(i), "users"});
  auto subs = PlanSubscriptions(specs, {{"users", {kU1}}}, true);
  ASSERT_GT(subs.size(), 1u);
  size_t topics = 0;
  for (const auto& s : subs) {
    EXPECT_LE(s.id.size(), kMaxCombinedTopicChars) << s.id;
    EXPECT_EQ(ExpandCombinedTopic(s.id), s.topics);
    topics += s.topics.size();
  }
  EXPECT_EQ(topics, 20u);
}

TEST(TopicsTest, PacksChannelsWithinLimits) {
  std::vector<Subscription> subs;
  for (int i = 0; i < 2500; ++i) subs.push_back({"v2.x." + std::to_string(i), {}});
  auto packed = PackChannels(subs, 1000, 20);
  ASSERT_TRUE(packed.ok());
  ASSERT_EQ(packed->size(), 3u);
  EXPECT_EQ((*packed)[0].size(), 1000u);
  EXPECT_EQ((*packed)[2].size(), 500u);
  auto over = PackChannels(subs, 100, 20);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
}

// "A combined topic can contain up to 200 characters" (Notifications API docs, usage limits).
TEST(TopicsTest, CombinedTopicsStayWithin200Characters) {
  std::vector<TopicSpec> specs;
  for (int i = 0; i < 30; ++i) specs.push_back({"v2.users.{id}.suffix" + std::to_string(i) + "xxxxxxxxxxxxxxxx", "users"});
  specs.push_back({"v2.users.{id}." + std::string(190, 'y'), "users"});  // alone over 200 combined
  std::map<std::string, std::vector<std::string>> ids = {{"users", {kU1}}};
  auto subs = PlanSubscriptions(specs, ids, true);
  size_t topics = 0;
  for (const auto& sub : subs) {
    topics += sub.topics.size();
    if (sub.topics.size() > 1) {
      EXPECT_LE(sub.id.size(), kMaxCombinedTopicChars) << sub.id;
      EXPECT_EQ(ExpandCombinedTopic(sub.id), sub.topics);
    } else {
      EXPECT_EQ(sub.id.find('?'), std::string::npos) << sub.id;  // one suffix: the plain topic
    }
  }
  EXPECT_EQ(topics, specs.size());
  EXPECT_GT(subs.size(), 2u);
}

TEST(TopicsTest, ExpandsCombinedAndDerivesPatterns) {
  EXPECT_EQ(ExpandCombinedTopic("v2.users.a?presence&routingStatus"),
            (std::vector<std::string>{"v2.users.a.presence", "v2.users.a.routingStatus"}));
  EXPECT_EQ(ExpandCombinedTopic("v2.users.a.presence"), (std::vector<std::string>{"v2.users.a.presence"}));
  EXPECT_EQ(ingest::TopicPattern("v2.routing.queues." + kQ1 + ".users"), "v2.routing.queues.{id}.users");
  EXPECT_EQ(ingest::TopicPattern("v2.system.socket_closing"), "v2.system.socket_closing");
}

// Issue 11: genesys/ had its own topic-pattern function, which left an audit topic's entity type
// in place ("v2.audits.entitytype.UserPresence.entityid.{id}") where the envelope, like Genesys's
// EventBridge integration, writes "v2.audits.entitytype.{id}.entityid.{id}". Gap events now use
// the envelope's function.
TEST(TopicsTest, GapEventPatternsAreTheEnvelopesForAudits) {
  NotificationsSettings s;
  s.name = "live";
  const std::string audit = "v2.audits.entitytype.UserPresence.entityid." + kU1;
  auto gap = MakeGapEvent(s, "streaming-0-x", {audit, "v2.users." + kU1 + ".presence"}, "test", 1000, 2000);
  auto doc = json::Parse(gap.event_json);
  ASSERT_TRUE(doc.ok());
  const json::Value* patterns = doc->FindPath("detail.topicPatterns");
  ASSERT_NE(patterns, nullptr);
  ASSERT_EQ(patterns->items().size(), 2u);
  EXPECT_EQ(patterns->items()[0].as_string(), "v2.audits.entitytype.{id}.entityid.{id}");
  EXPECT_EQ(patterns->items()[0].as_string(), ingest::TopicPattern(audit));
  EXPECT_EQ(patterns->items()[1].as_string(), "v2.users.{id}.presence");
}

}  // namespace
}  // namespace cxbridge::genesys
