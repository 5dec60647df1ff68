#include "ingest/idempotency.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

using testing::J;

std::string Parts(std::string_view detail, std::string_view pattern) {
  return json::Serialize(json::Value::Array(GenesysKeyParts(J(detail), pattern)));
}

TEST(IdempotencySpecTest, Forms) {
  auto spec = ParseIdempotencySpec(nullptr);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->mode, IdempotencySpec::Mode::kDefault);

  json::Value none = J(R"("none")");
  spec = ParseIdempotencySpec(&none);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->mode, IdempotencySpec::Mode::kNone);
  json::Value off = J("false");
  EXPECT_EQ(ParseIdempotencySpec(&off)->mode, IdempotencySpec::Mode::kNone);

  json::Value one = J(R"("$.eventId")");
  spec = ParseIdempotencySpec(&one);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->mode, IdempotencySpec::Mode::kExplicit);
  ASSERT_EQ(spec->paths.size(), 1u);

  json::Value both = J(R"({"header":"webhook-id","paths":["$.a","$.b[0]"]})");
  spec = ParseIdempotencySpec(&both);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->headers, std::vector<std::string>{"webhook-id"});
  EXPECT_EQ(spec->paths.size(), 2u);

  for (const char* bad : {R"({})", R"({"paths":"$.a"})", R"({"paths":[1]})", R"({"header":""})",
                          R"({"path":"$["})", R"({"col":"x"})", "7"}) {
    json::Value v = J(bad);
    auto r = ParseIdempotencySpec(&v);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("idempotency_key"), std::string::npos) << bad;
    }
  }
}

TEST(GenesysKeyTest, DetailEvents) {
  std::string d = R"({"topicName":"v2.detail.events.conversation.c1.acd.end","eventBody":{
      "eventTime":1773842531000,"conversationId":"c1","participantId":"p1","sessionId":"s1","queueId":"q"}})";
  EXPECT_EQ(Parts(d, "v2.detail.events.conversation.{id}.acd.end"),
            R"(["v2.detail.events.conversation.c1.acd.end","c1","s1","p1",1773842531000])");
  // Attributes fire repeatedly in one session: eventTime tells them apart.
  std::string a1 = R"({"topicName":"t","eventBody":{"conversationId":"c","sessionId":"s","participantId":"p","eventTime":1}})";
  std::string a2 = R"({"topicName":"t","eventBody":{"conversationId":"c","sessionId":"s","participantId":"p","eventTime":2}})";
  EXPECT_NE(Parts(a1, "v2.detail.events.conversation.{id}.attributes"),
            Parts(a2, "v2.detail.events.conversation.{id}.attributes"));
}

TEST(GenesysKeyTest, TranscriptionUsesUtteranceIds) {
  std::string d = R"({"topicName":"v2.conversations.c.transcription","eventBody":{"conversationId":"c",
      "transcripts":[{"utteranceId":"u1","isFinal":true},{"utteranceId":"u2","isFinal":true}]}})";
  EXPECT_EQ(Parts(d, "v2.conversations.{id}.transcription"),
            R"(["v2.conversations.c.transcription","u1",true,"u2",true])");
  // Status-only events (no transcripts) fall back to the body digest.
  std::string status = R"({"topicName":"v2.conversations.c.transcription","eventBody":{"status":{"status":"SESSION_ENDED"}}})";
  std::string parts = Parts(status, "v2.conversations.{id}.transcription");
  EXPECT_NE(parts.find("sha256:"), std::string::npos) << parts;
}

TEST(GenesysKeyTest, AuditPresenceRoutingStatusInvocation) {
  EXPECT_EQ(Parts(R"({"topicName":"t","eventBody":{"id":"audit-1","userId":"u"}})",
                  "v2.audits.entitytype.{id}.entityid.{id}"),
            R"(["t","audit-1"])");
  EXPECT_EQ(Parts(R"({"topicName":"t","eventBody":{"modifiedDate":"m","presenceDefinition":{"id":"pd"}}})",
                  "v2.users.{id}.presence"),
            R"(["t","m","pd"])");
  EXPECT_EQ(Parts(R"({"topicName":"t","eventBody":{"routingStatus":{"status":"IDLE","startTime":"st"}}})",
                  "v2.users.{id}.routingStatus"),
            R"(["t","st","IDLE"])");
  EXPECT_EQ(Parts(R"({"topicName":"t","eventBody":{"invocationId":"inv"}})",
                  "v2.integrations.inbound.webhook.{id}.invocation"),
            R"(["t","inv"])");
}

TEST(GenesysKeyTest, SnapshotsAndUnknownTopicsUseTheBodyDigest) {
  std::string body = R"({"id":"conv","participants":[{"id":"p","state":"connected"}]})";
  std::string d1 = R"({"topicName":"v2.routing.queues.q.conversations","eventBody":)" + body + "}";
  std::string d1_pretty = "{ \"topicName\" : \"v2.routing.queues.q.conversations\" , \"eventBody\" : " +
                          std::string(R"({ "id" : "conv", "participants" : [ { "id":"p", "state":"connected" } ] })") + "}";
  std::string d2 = R"({"topicName":"v2.users.u.conversations","eventBody":)" + body + "}";
  std::string changed = R"({"topicName":"v2.routing.queues.q.conversations","eventBody":{"id":"conv","participants":[{"id":"p","state":"disconnected"}]}})";
  std::string p = "v2.routing.queues.{id}.conversations";
  EXPECT_EQ(Parts(d1, p), Parts(d1_pretty, p)) << "formatting does not change the key";
  EXPECT_NE(Parts(d1, p), Parts(changed, p)) << "a new state is a new event";
  EXPECT_NE(Parts(d1, p), Parts(d2, "v2.users.{id}.conversations"))
      << "the same snapshot on another topic is kept (a rule may match only that topic)";
  EXPECT_EQ(Parts(d1, p), R"(["v2.routing.queues.q.conversations","sha256:)" +
                              Sha256Hex(json::Serialize(J(body))) + R"("])");
  // Families whose natural key is missing also fall back to the digest.
  EXPECT_NE(Parts(R"({"topicName":"t","eventBody":{}})", "v2.audits.entitytype.{id}.entityid.{id}")
                .find("sha256:"),
            std::string::npos);
}

TEST(IdempotencyKeyTest, NamespacedAndBounded) {
  std::vector<json::Value> parts{json::Value::String("a"), json::Value::Int(1)};
  EXPECT_EQ(FormatIdempotencyKey("src", parts), R"(["src","a",1])");
  EXPECT_NE(FormatIdempotencyKey("src", parts), FormatIdempotencyKey("other", parts));
  std::vector<json::Value> big{json::Value::String(std::string(1000, 'x'))};
  std::string k = FormatIdempotencyKey("src", big);
  EXPECT_LE(k.size(), kMaxIdempotencyKeyBytes);
  EXPECT_EQ(k.rfind(R"(["src","sha256:)", 0), 0u) << k;
  std::vector<json::Value> big2{json::Value::String(std::string(1000, 'y'))};
  EXPECT_NE(k, FormatIdempotencyKey("src", big2));
}

}  // namespace
}  // namespace cxbridge::ingest
