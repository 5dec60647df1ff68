#include "ingest/topic_pattern.h"

#include <gtest/gtest.h>

namespace cxbridge::ingest {
namespace {

TEST(TopicPatternTest, UuidSegmentsBecomeId) {
  EXPECT_EQ(TopicPattern("v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.presence"),
            "v2.users.{id}.presence");
  EXPECT_EQ(TopicPattern("v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.routingStatus"),
            "v2.users.{id}.routingStatus");
  EXPECT_EQ(TopicPattern("v2.detail.events.conversation.b2e1c7a4-5d3f-4e8a-9c6b-1f2a3b4c5d6e.customer.end"),
            "v2.detail.events.conversation.{id}.customer.end");
  EXPECT_EQ(TopicPattern("v2.conversations.a9708b9e-0f53-4a4f-9a4e-0a4b5b6c7d8e.transcription"),
            "v2.conversations.{id}.transcription");
  EXPECT_EQ(TopicPattern("v2.routing.queues.8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a.conversations.calls"),
            "v2.routing.queues.{id}.conversations.calls");
  EXPECT_EQ(TopicPattern("v2.users.D4C3B2A1-9E8F-4A7B-8C6D-5E4F3A2B1C0D.conversations.a9708b9e-0f53-4a4f-9a4e-0a4b5b6c7d8e.recordings"),
            "v2.users.{id}.conversations.{id}.recordings");
}

TEST(TopicPatternTest, AuditEntityTypeIsAnIdToo) {
  EXPECT_EQ(TopicPattern("v2.audits.entitytype.UserPresence.entityid.278522be-1683-4877-8257-4164a177be89"),
            "v2.audits.entitytype.{id}.entityid.{id}");
  EXPECT_EQ(TopicPattern("v2.audits.entitytype.OAuthClient.entityid.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            "v2.audits.entitytype.{id}.entityid.{id}");
}

TEST(TopicPatternTest, NonUuidIdsMatchThePublishedPatterns) {
  // Ids that are not UUID-shaped are still replaced where the published pattern has {id}.
  EXPECT_EQ(TopicPattern("v2.system.no_longer_subscribed.streaming-0-fmtdmf8cdis7jh14udg5p89t6z"),
            "v2.system.no_longer_subscribed.{id}");
  EXPECT_EQ(TopicPattern("v2.flows.outcomes.someOutcome"), "v2.flows.outcomes.{id}");
  EXPECT_EQ(TopicPattern("v2.integrations.inbound.webhook.abc123.invocation"),
            "v2.integrations.inbound.webhook.{id}.invocation");
}

TEST(TopicPatternTest, MostLiteralPatternWins) {
  // v2.system.{id}.{id} would also match these; the literal topics win.
  EXPECT_EQ(TopicPattern("v2.system.socket_closing"), "v2.system.socket_closing");
  EXPECT_EQ(TopicPattern("v2.system.token_revoked.abc"), "v2.system.token_revoked.{id}");
  EXPECT_EQ(TopicPattern("v2.system.abc.def"), "v2.system.{id}.{id}");
  EXPECT_EQ(TopicPattern("v2.telephony.providers.edges.trunks.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            "v2.telephony.providers.edges.trunks.{id}");
  EXPECT_EQ(TopicPattern("v2.telephony.providers.edges.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.metrics"),
            "v2.telephony.providers.edges.{id}.metrics");
  EXPECT_EQ(TopicPattern("v2.users.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.conversations.calls"),
            "v2.users.{id}.conversations.calls");
}

TEST(TopicPatternTest, UnknownTopicsFallBackToIdShapes) {
  EXPECT_EQ(TopicPattern("v2.conversations.chats.aa06a6fc-1fdf-4e59-b8a1-df3ca44f523e.messages"),
            "v2.conversations.chats.{id}.messages");
  EXPECT_EQ(TopicPattern("v2.brandnew.6f5e4d3c2b1a4e9f8d7c6b5a4e3d2c1b.thing"),
            "v2.brandnew.{id}.thing");
  EXPECT_EQ(TopicPattern("v2.brandnew.notanid.thing"), "v2.brandnew.notanid.thing");
  EXPECT_EQ(TopicPattern("channel.metadata"), "channel.metadata");
  EXPECT_EQ(TopicPattern("v2.users.{id}.presence"), "v2.users.{id}.presence");
  EXPECT_EQ(TopicPattern(""), "");
}

TEST(TopicPatternTest, LooksLikeId) {
  EXPECT_TRUE(LooksLikeId("278522be-1683-4877-8257-4164a177be89"));
  EXPECT_TRUE(LooksLikeId("6f5e4d3c2b1a4e9f8d7c6b5a4e3d2c1b"));
  EXPECT_FALSE(LooksLikeId("278522be-1683-4877-8257-4164a177be8"));
  EXPECT_FALSE(LooksLikeId("278522be_1683-4877-8257-4164a177be89"));
  EXPECT_FALSE(LooksLikeId("presence"));
  EXPECT_FALSE(LooksLikeId("g08eaf1bee474fa9a2311200e284798f"));
}

TEST(TopicPatternTest, TableIsWellFormed) {
  EXPECT_GE(KnownGenesysTopicPatterns().size(), 237u);
  for (std::string_view p : KnownGenesysTopicPatterns()) {
    EXPECT_EQ(p.substr(0, 3), "v2.") << p;
    EXPECT_EQ(TopicPattern(p), p) << "a pattern maps to itself";
  }
}

}  // namespace
}  // namespace cxbridge::ingest
