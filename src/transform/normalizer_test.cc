#include "transform/normalizer.h"

#include <gtest/gtest.h>

#include <string>

#include "transform/topic_glob.h"

namespace cxbridge::transform {
namespace {

json::Value J(const std::string& text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : json::Value();
}

json::Value Event() {
  return J(R"({"version":"0","id":"e1","detail-type":"v2.detail.events.conversation.{id}.acd.end",)"
           R"("source":"genesys.cloud","account":"1","time":"2026-03-18T14:03:24Z","region":"us-east-1",)"
           R"("resources":[],"detail":{"topicName":"v2.detail.events.conversation.c1.acd.end","version":"2",)"
           R"("eventBody":{"eventTime":1773842604731,"conversationId":"c1","mediaType":"CALL","direction":"INBOUND"}}})");
}

std::shared_ptr<const Normalizer> MustCompile(const std::string& schemas) {
  auto n = CompileNormalizer(J(schemas));
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : nullptr;
}

std::string CompileError(const std::string& schemas) {
  auto n = CompileNormalizer(J(schemas));
  EXPECT_FALSE(n.ok()) << schemas;
  return n.ok() ? "" : n.status().message();
}

// --- TopicGlob ---

TEST(TopicGlobTest, IdMatchesOneSegmentOrTheLiteral) {
  auto p = TopicGlob::Compile("v2.conversations.{id}.transcription");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Match("v2.conversations.{id}.transcription"));
  EXPECT_TRUE(p->Match("v2.conversations.a9708b9e-39fb-4de9-8060-d8bdda444a5d.transcription"));
  EXPECT_FALSE(p->Match("v2.conversations.a.b.transcription"));
  EXPECT_FALSE(p->Match("v2.conversations..transcription"));
  EXPECT_FALSE(p->Match("v2.conversations.{id}.transcriptions"));
}

TEST(TopicGlobTest, StarMatchesAnyRunAndCapturesExpand) {
  auto p = TopicGlob::Compile("v2.detail.events.conversation.{id}.*");
  ASSERT_TRUE(p.ok());
  std::vector<std::string_view> caps;
  EXPECT_TRUE(p->Match("v2.detail.events.conversation.c1.acd.end", &caps));
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[0], "c1");
  EXPECT_EQ(caps[1], "acd.end");
  EXPECT_FALSE(p->Match("v2.detail.events.agent.c1.state"));
  auto to = TopicGlob::Compile("x.{id}.y.*");
  EXPECT_EQ(to->Expand(caps), "x.c1.y.acd.end");
  auto mid = TopicGlob::Compile("a*.end");
  EXPECT_TRUE(mid->Match("a.x.end.end", &caps));
  EXPECT_EQ(caps[0], ".x.end");
  EXPECT_FALSE(mid->Match("a.x.ending"));
  EXPECT_TRUE(TopicGlob::Compile("aws.partner/genesys.com*")->Match("aws.partner/genesys.com/cloud/o/b"));
  EXPECT_TRUE(TopicGlob::Compile("*")->Match(""));
  EXPECT_FALSE(TopicGlob::Compile("").ok());
  EXPECT_FALSE(TopicGlob::Compile("a**").ok());
}

// --- steps ---

TEST(NormalizeStepTest, CopyRenameDefaultDelete) {
  auto n = MustCompile(R"([{"name":"s","steps":[
      {"copy":{"from":"$.detail.eventBody.conversationId","to":"$.detail.conversationId"}},
      {"rename":{"from":"$.detail.eventBody.direction","to":"$.detail.flow.direction"}},
      {"default":{"path":"$.detail.queueId","value":"none"}},
      {"default":{"path":"$.detail.conversationId","value":"ignored"}},
      {"delete":{"path":"$.detail.topicName"}},
      {"move":{"from":"$.detail.absent","to":"$.detail.never"}}]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kNormalized);
  EXPECT_EQ(r.rule_sets, "s");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.conversationId")), R"("c1")");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.eventBody.conversationId")), R"("c1")");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.flow.direction")), R"("INBOUND")");
  EXPECT_EQ(e.FindPath("detail.eventBody.direction"), nullptr);
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.queueId")), R"("none")");
  EXPECT_EQ(e.FindPath("detail.topicName"), nullptr);
  EXPECT_EQ(e.FindPath("detail.never"), nullptr);
}

TEST(NormalizeStepTest, CopyWithoutOverwriteIsAFallback) {
  auto n = MustCompile(R"([{"name":"s","steps":[
      {"copy":{"from":"$.detail.eventBody.mediaType","to":"$.detail.m"}},
      {"copy":{"from":"$.detail.eventBody.direction","to":"$.detail.m","overwrite":false}}]}])");
  json::Value e = Event();
  Normalize(*n, &e);
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.m")), R"("CALL")");
}

TEST(NormalizeStepTest, TimestampEpochMsToRfc3339AndBack) {
  auto n = MustCompile(R"([{"name":"s","steps":[
      {"copy":{"from":"$.detail.eventBody.eventTime","to":"$.detail.t1"}},
      {"timestamp":{"path":"$.detail.t1","format":"rfc3339"}},
      {"copy":{"from":"$.detail.eventBody.eventTime","to":"$.detail.t2"}},
      {"timestamp":{"path":"$.detail.t2","format":"rfc3339-seconds"}},
      {"copy":{"from":"$.detail.t1","to":"$.detail.t3"}},
      {"timestamp":{"path":"$.detail.t3","format":"epoch-ms"}},
      {"timestamp":{"path":"$.detail.absent","format":"epoch-ms"}}]}])");
  json::Value e = Event();
  EXPECT_EQ(Normalize(*n, &e).outcome, NormalizeOutcome::kNormalized);
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.t1")), R"("2026-03-18T14:03:24.731Z")");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.t2")), R"("2026-03-18T14:03:24Z")");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.t3")), "1773842604731");
}

TEST(NormalizeStepTest, TimestampAcceptsIsoWithOffset) {
  auto n = MustCompile(R"([{"name":"s","steps":[{"timestamp":{"path":"$.detail.t","format":"rfc3339"}}]}])");
  json::Value e = Event();
  e.Find("detail")->Set("t", json::Value::String("2026-03-18T16:03:24.5+02:00"));
  Normalize(*n, &e);
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.t")), R"("2026-03-18T14:03:24.500Z")");
}

TEST(NormalizeStepTest, TimestampThatIsNotATimeQuarantines) {
  auto n = MustCompile(R"([{"name":"s","steps":[{"timestamp":{"path":"$.detail.t","format":"rfc3339"}}]}])");
  json::Value e = Event();
  e.Find("detail")->Set("t", json::Value::String("yesterday"));
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_NE(r.reason.find("schema s, steps[0] (timestamp): timestamp at $.detail.t"), std::string::npos)
      << r.reason;
}

TEST(NormalizeStepTest, MapEnumValuesWithAndWithoutDefault) {
  auto n = MustCompile(R"([{"name":"s","steps":[
      {"map":{"path":"$.detail.eventBody.mediaType","values":{"CALL":"VOICE","2":"two"}}},
      {"map":{"path":"$.detail.eventBody.direction","values":{"IN":"INBOUND"},"default":"OTHER"}}]}])");
  json::Value e = Event();
  Normalize(*n, &e);
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.eventBody.mediaType")), R"("VOICE")");
  EXPECT_EQ(json::Serialize(*e.FindPath("detail.eventBody.direction")), R"("OTHER")");
  json::Value e2 = Event();
  e2.FindPath("detail.eventBody") ;
  const_cast<json::Value*>(e2.FindPath("detail.eventBody"))->Set("mediaType", json::Value::String("NEWVALUE"));
  Normalize(*n, &e2);
  EXPECT_EQ(json::Serialize(*e2.FindPath("detail.eventBody.mediaType")), R"("NEWVALUE")");
}

TEST(NormalizeStepTest, RenameTopicRewritesDetailTypeAndTopicName) {
  auto n = MustCompile(R"([{"name":"r","detail-type":"v2.conversations.{id}.transcriptions","steps":[
      {"rename_topic":{"from":"v2.conversations.{id}.transcriptions","to":"v2.conversations.{id}.transcription"}}]}])");
  json::Value e = J(R"({"detail-type":"v2.conversations.{id}.transcriptions","source":"genesys.cloud",)"
                    R"("detail":{"topicName":"v2.conversations.a9708b9e-39fb.transcriptions","eventBody":{}}})");
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kNormalized);
  EXPECT_EQ(e.Find("detail-type")->as_string(), "v2.conversations.{id}.transcription");
  EXPECT_EQ(e.FindPath("detail.topicName")->as_string(), "v2.conversations.a9708b9e-39fb.transcription");
  // Idempotent: the new name no longer matches the rule set.
  EXPECT_EQ(Normalize(*n, &e).outcome, NormalizeOutcome::kUnchanged);
}

TEST(NormalizeStepTest, WriteThroughANonObjectQuarantines) {
  auto n = MustCompile(R"([{"name":"s","steps":[{"copy":{"from":"$.id","to":"$.source.x"}}]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_NE(r.reason.find("steps[0] (copy)"), std::string::npos) << r.reason;
}

// --- selection, ordering, outcomes ---

TEST(NormalizerTest, SelectorsBySourceAndDetailType) {
  auto n = MustCompile(R"([
      {"name":"other-source","source":"aws.partner/genesys.com*","steps":[{"default":{"path":"$.detail.a","value":1}}]},
      {"name":"other-type","detail-type":["v2.users.{id}.presence"],"steps":[{"default":{"path":"$.detail.b","value":1}}]},
      {"name":"hit","source":["x","genesys.*"],"detail-type":"v2.detail.events.conversation.{id}.*",
       "steps":[{"default":{"path":"$.detail.c","value":1}}]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.rule_sets, "hit");
  EXPECT_EQ(e.FindPath("detail.a"), nullptr);
  EXPECT_EQ(e.FindPath("detail.b"), nullptr);
  EXPECT_NE(e.FindPath("detail.c"), nullptr);
}

TEST(NormalizerTest, NoMatchingRuleSetIsUnchanged) {
  auto n = MustCompile(R"([{"name":"s","detail-type":"nope","steps":[{"delete":{"path":"$.detail"}}]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kUnchanged);
  EXPECT_TRUE(r.rule_sets.empty());
  EXPECT_EQ(e, Event());
}

TEST(NormalizerTest, MatchingRuleSetThatChangesNothingIsUnchanged) {
  auto n = MustCompile(R"([{"name":"s","steps":[{"delete":{"path":"$.detail.absent"}}]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kUnchanged);
  EXPECT_EQ(r.rule_sets, "s");
}

TEST(NormalizerTest, LaterRuleSetsSeeEarlierRenames) {
  auto n = MustCompile(R"([
      {"name":"rename","detail-type":"old.{id}","steps":[{"rename_topic":{"from":"old.{id}","to":"new.{id}"}}]},
      {"name":"shape","detail-type":"new.{id}","steps":[{"default":{"path":"$.detail.shaped","value":true}}]}])");
  json::Value e = J(R"({"detail-type":"old.{id}","detail":{}})");
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.rule_sets, "rename,shape");
  EXPECT_EQ(json::Serialize(e), R"({"detail-type":"new.{id}","detail":{"shaped":true}})");
}

TEST(NormalizerTest, RequiredFieldMissingQuarantines) {
  auto n = MustCompile(R"([{"name":"s","steps":[{"copy":{"from":"$.detail.eventBody.participantId","to":"$.detail.participantId"}}],
      "require":["$.detail.eventBody.conversationId","$.detail.participantId"]}])");
  json::Value e = Event();
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_EQ(r.reason, "schema s: required field $.detail.participantId is missing after normalization");
}

TEST(NormalizerTest, NullCountsAsMissingForRequire) {
  auto n = MustCompile(R"([{"name":"s","require":["$.detail.z"]}])");
  json::Value e = Event();
  e.Find("detail")->Set("z", json::Value::Null());
  EXPECT_EQ(Normalize(*n, &e).outcome, NormalizeOutcome::kQuarantine);
}

TEST(NormalizerTest, VersionSelectsRuleSet) {
  auto n = MustCompile(R"([
      {"name":"v2","version":{"path":"$.detail.version","values":["2"]},"steps":[{"default":{"path":"$.detail.v","value":2}}]},
      {"name":"v3","version":{"path":"$.detail.version","values":[3]},"steps":[{"default":{"path":"$.detail.v","value":3}}]}])");
  json::Value e = Event();
  EXPECT_EQ(Normalize(*n, &e).rule_sets, "v2");
  json::Value e3 = Event();
  e3.Find("detail")->Set("version", json::Value::String("3"));
  NormalizeResult r3 = Normalize(*n, &e3);
  EXPECT_EQ(r3.rule_sets, "v3");
  EXPECT_EQ(json::Serialize(*e3.FindPath("detail.v")), "3");
}

TEST(NormalizerTest, UnknownDeclaredVersionQuarantines) {
  auto n = MustCompile(R"([{"name":"v2","detail-type":"v2.detail.*","version":{"path":"$.detail.version","values":["2"]},
      "steps":[{"default":{"path":"$.detail.v","value":2}}]}])");
  json::Value e = Event();
  e.Find("detail")->Set("version", json::Value::String("4"));
  NormalizeResult r = Normalize(*n, &e);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_NE(r.reason.find("version '\"4\"' at $.detail.version is not declared"), std::string::npos) << r.reason;
  json::Value none = Event();
  none.Find("detail")->Erase("version");
  EXPECT_EQ(Normalize(*n, &none).outcome, NormalizeOutcome::kQuarantine);
  // An event the versioned rule set does not select is not its business.
  json::Value other = J(R"({"detail-type":"v1.other","detail":{"version":"9"}})");
  EXPECT_EQ(Normalize(*n, &other).outcome, NormalizeOutcome::kUnchanged);
}

TEST(NormalizerTest, NullConfigMeansNoRuleSets) {
  auto n = CompileNormalizer(json::Value());
  ASSERT_TRUE(n.ok());
  json::Value e = Event();
  EXPECT_EQ(Normalize(**n, &e).outcome, NormalizeOutcome::kUnchanged);
}

// --- config errors name the field ---

TEST(NormalizerConfigTest, ErrorsNameTheField) {
  EXPECT_EQ(CompileError(R"({"name":"x"})"), "schemas: must be a list of rule sets");
  EXPECT_EQ(CompileError(R"([{"steps":[]}])"), "schemas[0]: 'name' is required");
  EXPECT_EQ(CompileError(R"([{"name":"a","steps":[{"copy":{"to":"$.x"}}]}])"),
            "schemas[0] (a).steps[0].copy: 'from' is required");
  EXPECT_EQ(CompileError(R"([{"name":"a","steps":[{"copy":{"from":"$.y","to":"$.x","bogus":1}}]}])"),
            "schemas[0] (a).steps[0].copy: unknown key 'bogus' (allowed: from, to, overwrite)");
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"frobnicate":{}}]}])")
                .find("schemas[0] (a).steps[0]: unknown step kind 'frobnicate' (expected one of: rename, move, copy"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"copy":{"from":"$.y","to":"$.x"},"delete":{"path":"$.z"}}]}])")
                .find("exactly one key"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"copy":{"from":"$.y","to":"$.x[*]"}}]}])").find("'to' must name one field"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"timestamp":{"path":"$.t","format":"unix"}}]}])").find("'format' must be"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"map":{"path":"$.t"}}]}])").find("'values' is required"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","steps":[{"rename_topic":{"from":"a","to":"b.{id}"}}]}])").find("more {id}"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","detail-type":5,"require":["$.x"]}])").find("schemas[0] (a).detail-type"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","version":{"path":"$.v"}}])").find("schemas[0] (a).version: 'values' is required"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","require":["nope"]}])").find("schemas[0] (a).require"), std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a","colour":"red","require":["$.x"]}])").find("unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(CompileError(R"([{"name":"a"}])").find("would do nothing"), std::string::npos);
  EXPECT_EQ(CompileError(R"([{"name":"a","require":["$.x"]},{"name":"a","require":["$.y"]}])"),
            "schemas[1]: duplicate name 'a'");
}

// --- extension: one new step kind = one factory + one Register line ---

class UppercaseStep : public Step {
 public:
  Status Apply(json::Value* event, bool* changed) const override {
    json::Value* v = event->Find("source");
    if (v == nullptr || !v->is_string()) return Status::Ok();
    std::string s = v->as_string();
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    *v = json::Value::String(s);
    *changed = true;
    return Status::Ok();
  }
};

TEST(StepRegistryTest, CustomStepKindPlugsIn) {
  StepRegistry registry;
  RegisterBuiltins(&registry);
  ASSERT_TRUE(registry.Register("uppercase_source", [](const json::Value&) -> Result<std::unique_ptr<const Step>> {
    return std::unique_ptr<const Step>(new UppercaseStep());
  }).ok());
  EXPECT_EQ(registry.Register("copy", nullptr).code(), StatusCode::kAlreadyExists);
  auto n = CompileNormalizer(J(R"([{"name":"u","steps":[{"uppercase_source":{}}]}])"), registry);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  json::Value e = Event();
  Normalize(**n, &e);
  EXPECT_EQ(e.Find("source")->as_string(), "GENESYS.CLOUD");
  EXPECT_FALSE(CompileNormalizer(J(R"([{"name":"u","steps":[{"uppercase_source":{}}]}])")).ok());
}

}  // namespace
}  // namespace cxbridge::transform
