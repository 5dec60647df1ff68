// The Process Automation path (issue 14): what the data action posts becomes the same event as
// the notification itself.
#include "ingest/genesys_relay.h"

#include <gtest/gtest.h>

#include "ingest/envelope.h"
#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

using testing::FakeRequest;
using testing::J;

constexpr int64_t kNow = 1'773'842'531'123;
const std::string kConv = "5f6b4a3e-4c2d-4a55-9a0b-2c1f0e9d8c7b";
const std::string kEndBody = R"({"eventTime":1717171717000,"conversationId":")" + kConv +
                             R"(","participantId":"p-1","sessionId":"s-1","disconnectType":"CLIENT","mediaType":"VOICE"})";

Result<Envelope> Build(const std::string& body) {
  auto opts = ParseEnvelopeOptions(J(R"({"name":"pa"})"), "111122223333", "us-east-1");
  EXPECT_TRUE(opts.ok());
  FakeRequest r;
  r.body = body;
  return BuildEnvelope(r.View(), *opts, kNow);
}

// What the data action's request template renders: both inputs are strings.
std::string Relayed(const std::string& topic, const std::string& event_body) {
  return R"({"topicName":)" + json::Quote(topic) + R"(,"version":"2","eventBody":)" + json::Quote(event_body) + "}";
}

TEST(GenesysRelayTest, DataActionBodyBecomesTheNotification) {
  auto relayed = Build(Relayed("v2.detail.events.conversation.{id}.customer.end", kEndBody));
  ASSERT_TRUE(relayed.ok()) << relayed.status().message();
  EXPECT_EQ(relayed->kind, Envelope::Kind::kGenesysNotification);
  EXPECT_EQ(relayed->detail_type, "v2.detail.events.conversation.{id}.customer.end");
  json::Value ev = J(relayed->event_json);
  const json::Value& d = *ev.Find("detail");
  EXPECT_EQ(d.Find("topicName")->as_string(), "v2.detail.events.conversation." + kConv + ".customer.end");
  ASSERT_TRUE(d.Find("eventBody")->is_object());
  EXPECT_EQ(d.FindPath("eventBody.disconnectType")->as_string(), "CLIENT");
  EXPECT_EQ(ev.Find("source")->as_string(), "genesys.cloud");

  // The same notification as a WebSocket frame: same detail-type, same idempotency key.
  auto frame = Build(R"({"topicName":"v2.detail.events.conversation.)" + kConv +
                     R"(.customer.end","version":"2","eventBody":)" + kEndBody + "}");
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->detail_type, relayed->detail_type);
  EXPECT_FALSE(relayed->idempotency_key.empty());
  EXPECT_EQ(frame->idempotency_key, relayed->idempotency_key);
  // So a retried data action is a duplicate.
  auto again = Build(Relayed("v2.detail.events.conversation.{id}.customer.end", kEndBody));
  EXPECT_EQ(again->idempotency_key, relayed->idempotency_key);
}

TEST(GenesysRelayTest, FillsTheIdsEachTopicFamilyNames) {
  const json::Value audit = J(R"({"id":"b877","entityType":"UserPresence","entity":{"id":"278522be-1683-4877-8257-4164a177be89"}})");
  EXPECT_EQ(ConcreteTopic("v2.audits.entitytype.{id}.entityid.{id}", audit),
            "v2.audits.entitytype.UserPresence.entityid.278522be-1683-4877-8257-4164a177be89");
  EXPECT_EQ(ConcreteTopic("v2.detail.events.agent.{id}.state", J(R"({"userId":"u-1"})")),
            "v2.detail.events.agent.u-1.state");
  EXPECT_EQ(ConcreteTopic("v2.integrations.inbound.webhook.{id}.invocation", J(R"({"webhookId":"w-9"})")),
            "v2.integrations.inbound.webhook.w-9.invocation");
  EXPECT_EQ(ConcreteTopic("v2.conversations.{id}.transcription", J(R"({"conversationId":"c-2"})")),
            "v2.conversations.c-2.transcription");
  // Unknown families, missing fields and values that are not one segment: unchanged.
  EXPECT_EQ(ConcreteTopic("v2.users.{id}.presence", J(R"({"id":"u"})")), "v2.users.{id}.presence");
  EXPECT_EQ(ConcreteTopic("v2.detail.events.conversation.{id}.acw", J(R"({"userId":"u"})")),
            "v2.detail.events.conversation.{id}.acw");
  EXPECT_EQ(ConcreteTopic("v2.detail.events.conversation.{id}.acw", J(R"({"conversationId":"a.b"})")),
            "v2.detail.events.conversation.{id}.acw");
  EXPECT_EQ(ConcreteTopic("v2.audits.entitytype.{id}.entityid.{id}", J(R"({"entityType":"X"})")),
            "v2.audits.entitytype.{id}.entityid.{id}");
  // A workflow that already knows the concrete topic keeps it.
  EXPECT_EQ(ConcreteTopic("v2.detail.events.conversation.c-1.acw", J(R"({"conversationId":"c-2"})")),
            "v2.detail.events.conversation.c-1.acw");
}

TEST(GenesysRelayTest, TopicWithoutKnownIdsKeepsItsPatternAndDetailType) {
  auto e = Build(Relayed("v2.users.{id}.presence", R"({"modifiedDate":"2026-03-18T13:15:11.312Z"})"));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->detail_type, "v2.users.{id}.presence");
  EXPECT_EQ(J(e->event_json).FindPath("detail.topicName")->as_string(), "v2.users.{id}.presence");
}

TEST(GenesysRelayTest, EventBodyStringMustHoldAnObject) {
  auto bad = Build(Relayed("v2.detail.events.conversation.{id}.acw", "{not json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("eventBody"), std::string::npos);
  auto list = Build(Relayed("v2.detail.events.conversation.{id}.acw", "[1,2]"));
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("JSON object"), std::string::npos);
  // Nesting is bounded like any body.
  std::string deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_FALSE(Build(Relayed("v2.detail.events.conversation.{id}.acw", "{\"a\":" + deep + "}")).ok());
}

}  // namespace
}  // namespace cxbridge::ingest
