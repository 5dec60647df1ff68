// Every row of the rendering table in ../shared/reference/eventbridge.md §4.2 has a test here
// (named Row*), plus the reserved variables, compile-time errors and limits.
#include "transform/input.h"

#include <gtest/gtest.h>

#include <string>

namespace cxbridge::transform {
namespace {

// The event of the AWS-recorded snapshot tests (test_events_inputs.snapshot.json).
const char* kEvent = R"({"version":"0","id":"7d2d6b2e-1d5c-4b8e-9f40-000000000001",)"
                     R"("detail-type":"core.update-account-command","source":"core.update-account",)"
                     R"("account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1",)"
                     R"("resources":[],"detail":{"command":"update-account",)"
                     R"("payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"},"listsingle":["HIGH"],)"
                     R"("listmulti":["ACTIVE","INACTIVE"],"valid":true}})";

json::Value Event() { return *json::Parse(kEvent); }

json::Value Target(const std::string& tmpl, const std::string& paths_json) {
  std::string text = R"({"Id":"t1","Arn":"arn:aws:sqs:us-east-1:123456789012:q","InputTransformer":{"InputPathsMap":)" +
                     paths_json + R"(,"InputTemplate":)" + json::Quote(tmpl) + "}}";
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return *v;
}

const char* kPaths = R"({"userId":"$.detail.payload.acc_id","payload":"$.detail.payload",)"
                     R"("listsingle":"$.detail.listsingle","listmulti":"$.detail.listmulti",)"
                     R"("valid":"$.detail.valid","command":"$.detail.command",)"
                     R"("detail-type":"$.detail-type"})";
const char* kMissingCommand = R"({"command":"$.detail.notinmessage"})";

RenderContext Ctx() {
  RenderContext ctx;
  ctx.rule_arn = "arn:aws:events:us-east-1:123456789012:rule/r1";
  ctx.rule_name = "r1";
  ctx.ingestion_time_ms = 1704110400123;
  return ctx;
}

Result<std::string> RenderTemplate(const std::string& tmpl, const char* paths = kPaths) {
  auto compiled = CompileInput(Target(tmpl, paths));
  if (!compiled.ok()) return compiled.status();
  return Render(**compiled, Event(), Ctx());
}

std::string MustRender(const std::string& tmpl, const char* paths = kPaths) {
  auto r = RenderTemplate(tmpl, paths);
  EXPECT_TRUE(r.ok()) << tmpl << " -> " << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(InputTransformerTest, RowBareStringIsQuoted) {
  EXPECT_EQ(MustRender(R"({"id": <userId>})"), R"({"id": "0a787ecb-4015"})");
}

TEST(InputTransformerTest, RowStringInsideQuotesIsInsertedRaw) {
  EXPECT_EQ(MustRender(R"({"id" : "<userId>"})"), R"({"id" : "0a787ecb-4015"})");
}

TEST(InputTransformerTest, RowRepeatedInlineSubstitution) {
  EXPECT_EQ(MustRender(R"({"path": "users/<userId>/second/<userId>"})"),
            R"({"path": "users/0a787ecb-4015/second/0a787ecb-4015"})");
}

TEST(InputTransformerTest, RowBareObject) {
  EXPECT_EQ(MustRender(R"({"bod": <payload>})"),
            R"({"bod": {"acc_id":"0a787ecb-4015","sf_id":"baz"}})");
}

TEST(InputTransformerTest, RowBareArray) {
  EXPECT_EQ(MustRender(R"({"singlelistitem": <listsingle>})"), R"({"singlelistitem": ["HIGH"]})");
}

TEST(InputTransformerTest, RowStringInArray) {
  EXPECT_EQ(MustRender(R"({"bod": [<userId>, "hardcoded"]})"),
            R"({"bod": ["0a787ecb-4015", "hardcoded"]})");
}

TEST(InputTransformerTest, RowObjectInStringTemplateLosesQuotes) {
  EXPECT_EQ(MustRender(R"("Payload of <payload> and more")"),
            R"("Payload of {acc_id:0a787ecb-4015,sf_id:baz} and more")");
}

TEST(InputTransformerTest, RowArrayInStringTemplateLosesQuotes) {
  EXPECT_EQ(MustRender(R"("<listmulti> multiple list items")"),
            R"("[ACTIVE,INACTIVE] multiple list items")");
}

TEST(InputTransformerTest, RowBoolInStringTemplate) {
  EXPECT_EQ(MustRender(R"("Command is <valid>!")"), R"("Command is true!")");
}

TEST(InputTransformerTest, RowMissingPathBareGivesEmptyString) {
  EXPECT_EQ(MustRender(R"({"command": <command>})", kMissingCommand), R"({"command": ""})");
}

TEST(InputTransformerTest, RowMissingPathInStringTemplateGivesNothing) {
  EXPECT_EQ(MustRender(R"("This is from detail <command>")", kMissingCommand),
            R"("This is from detail ")");
}

TEST(InputTransformerTest, RowObjectInsideQuotesOfJsonTemplateIsInvalidJson) {
  auto r = RenderTemplate(R"({"payload": "<payload>"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("rendered invalid JSON"), std::string::npos)
      << r.status().message();
}

TEST(InputTransformerTest, RowArrayInsideQuotesOfJsonTemplateIsInvalidJson) {
  auto r = RenderTemplate(R"({"singlelistitem": "<listsingle>"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(InputTransformerTest, RowLeadingBracesInsideQuotedTemplateAreVerbatim) {
  EXPECT_EQ(MustRender(R"("{[/Check with special starting characters for event of <detail-type> type")"),
            R"("{[/Check with special starting characters for event of core.update-account-command type")");
}

TEST(InputTransformerTest, StringTemplateKeepsItsQuotesAsSqsBody) {
  EXPECT_EQ(MustRender(R"("Event of <detail-type> type, at time <aws.events.event.ingestion-time>")"),
            R"("Event of core.update-account-command type, at time 2024-01-01T12:00:00.123Z")");
}

TEST(InputTransformerTest, NumberNullAndBoolBare) {
  auto e = R"({"n":"$.detail.n","z":"$.detail.z","b":"$.detail.valid"})";
  auto compiled = CompileInput(Target(R"({"n": <n>, "z": <z>, "b": <b>})", e));
  ASSERT_TRUE(compiled.ok());
  json::Value ev = Event();
  ev.Find("detail")->Set("n", json::Value::NumberText("1.50"));
  ev.Find("detail")->Set("z", json::Value::Null());
  auto r = Render(**compiled, ev, Ctx());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, R"({"n": 1.50, "z": null, "b": true})");
}

TEST(InputTransformerTest, QuoteInsideRawStringIsInvalidJson) {
  auto compiled = CompileInput(Target(R"({"c": "<c>"})", R"({"c":"$.detail.c"})"));
  ASSERT_TRUE(compiled.ok());
  json::Value ev = Event();
  ev.Find("detail")->Set("c", json::Value::String("say \"hi\""));
  auto r = Render(**compiled, ev, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(InputTransformerTest, BareStringIsEscaped) {
  auto compiled = CompileInput(Target(R"({"c": <c>})", R"({"c":"$.detail.c"})"));
  ASSERT_TRUE(compiled.ok());
  json::Value ev = Event();
  ev.Find("detail")->Set("c", json::Value::String("say \"hi\"\n"));
  auto r = Render(**compiled, ev, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, R"({"c": "say \"hi\"\n"})");
}

TEST(InputTransformerTest, PlainTextTemplateQuotesBareStrings) {
  auto compiled = CompileInput(Target("<command> is in state <valid>", kPaths));
  ASSERT_TRUE(compiled.ok());
  EXPECT_FALSE((*compiled)->output_is_json());
  auto r = Render(**compiled, Event(), Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, R"("update-account" is in state true)");
  RenderContext strict = Ctx();
  strict.require_json = true;
  EXPECT_FALSE(Render(**compiled, Event(), strict).ok());
}

TEST(InputTransformerTest, WildcardPathRendersArrayOfMatches) {
  EXPECT_EQ(MustRender(R"({"v": <all>})", R"({"all":"$.detail.payload.*"})"),
            R"({"v": ["0a787ecb-4015","baz"]})");
  EXPECT_EQ(MustRender(R"({"v": <first>})", R"({"first":"$.detail.listmulti[0]"})"),
            R"({"v": "ACTIVE"})");
  EXPECT_EQ(MustRender(R"({"v": <none>})", R"({"none":"$.detail.nothing.*"})"), R"({"v": ""})");
}

// --- reserved variables ---

TEST(InputTransformerTest, ReservedRuleArnAndNameBareAndQuoted) {
  EXPECT_EQ(MustRender(R"({"arn": <aws.events.rule-arn>, "n": "rule <aws.events.rule-name>"})"),
            R"({"arn": "arn:aws:events:us-east-1:123456789012:rule/r1", "n": "rule r1"})");
}

TEST(InputTransformerTest, ReservedIngestionTimeIsIso8601) {
  EXPECT_EQ(MustRender(R"({"t": <aws.events.event.ingestion-time>})"),
            R"({"t": "2024-01-01T12:00:00.123Z"})");
}

TEST(InputTransformerTest, ReservedEventHasNoDetailAndDetailTypeInAwsOrder) {
  EXPECT_EQ(MustRender(R"({"e": <aws.events.event>})"),
            R"({"e": {"id":"7d2d6b2e-1d5c-4b8e-9f40-000000000001","account":"123456789012",)"
            R"("detailType":"core.update-account-command","time":"2024-01-01T12:00:00Z",)"
            R"("source":"core.update-account","region":"us-east-1","resources":[],"version":"0"}})");
}

TEST(InputTransformerTest, ReservedEventKeepsReplayName) {
  auto compiled = CompileInput(Target("<aws.events.event>", "{}"));
  ASSERT_TRUE(compiled.ok());
  json::Value ev = Event();
  ev.InsertBefore("resources", "replay-name", json::Value::String("rp1"));
  auto r = Render(**compiled, ev, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find(R"("version":"0","replay-name":"rp1"})"), std::string::npos) << *r;
}

TEST(InputTransformerTest, ReservedEventJsonIsTheWholeEvent) {
  std::string out = MustRender(R"({"e": <aws.events.event.json>})");
  EXPECT_EQ(out, std::string(R"({"e": )") + json::Serialize(Event()) + "}");
}

TEST(InputTransformerTest, ReservedEventInsideQuotesIsRejected) {
  auto r = CompileInput(Target(R"({"e": "<aws.events.event>"})", "{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "InputTemplate for target t1 contains invalid placeholder aws.events.event.");
}

// --- compile-time errors (AWS text where recorded) ---

TEST(CompileInputTest, UnknownPlaceholderUsesAwsText) {
  auto r = CompileInput(Target(R"({"a": <notdefinedkey>})", R"({"a":"$.detail"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "InputTemplate for target t1 contains invalid placeholder notdefinedkey.");
}

TEST(CompileInputTest, MoreThanOneModeUsesAwsText) {
  auto t = json::Parse(R"({"Id":"t1","InputPath":"$.detail","InputTransformer":{"InputTemplate":"{}"}})");
  auto r = CompileInput(*t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "Only one of Input, InputPath, or InputTransformer must be provided for target t1.");
  auto t2 = json::Parse(R"({"Id":"t2","Input":"{}","InputPath":"$"})");
  EXPECT_FALSE(CompileInput(*t2).ok());
}

TEST(CompileInputTest, TextThatLooksLikeTagButIsNotAPlaceholderIsLiteral) {
  EXPECT_EQ(MustRender(R"("a < b and c> d <>")"), R"("a < b and c> d <>")");
}

TEST(CompileInputTest, InputPathsMapLimits) {
  std::string many = "{";
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"$.id\"";
  many += "}";
  EXPECT_FALSE(CompileInput(Target("{}", many.c_str())).ok());
  EXPECT_FALSE(CompileInput(Target("{}", R"({"aws.x":"$.id"})")).ok());
  EXPECT_FALSE(CompileInput(Target("{}", R"({"bad key":"$.id"})")).ok());
  EXPECT_FALSE(CompileInput(Target("{}", R"({"k":"detail.id"})")).ok());
  EXPECT_FALSE(CompileInput(Target("{}", R"({"k":"$..id"})")).ok());
  EXPECT_FALSE(CompileInput(Target("{}", R"({"k":5})")).ok());
  EXPECT_FALSE(CompileInput(Target("{}", (R"({"k":"$.)" + std::string(260, 'a') + "\"}").c_str())).ok());
  EXPECT_FALSE(CompileInput(Target(std::string(8193, ' '), "{}")).ok());
  EXPECT_FALSE(CompileInput(Target("", "{}")).ok());
  auto r = CompileInput(Target("{}", R"({"k":"$.[x"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("key k in target t1"), std::string::npos) << r.status().message();
}

TEST(CompileInputTest, TemplateRequired) {
  auto t = json::Parse(R"({"Id":"t1","InputTransformer":{"InputPathsMap":{}}})");
  EXPECT_FALSE(CompileInput(*t).ok());
}

// --- Input / InputPath / nothing ---

TEST(InputTest, NoFieldSendsWholeEvent) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","Arn":"x"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->mode(), InputMode::kWholeEvent);
  EXPECT_EQ(*Render(**c, Event(), Ctx()), json::Serialize(Event()));
}

TEST(InputTest, ConstantInputIsSentVerbatim) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","Input":"{\"a\": 1}"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*Render(**c, Event(), Ctx()), R"({"a": 1})");
  EXPECT_FALSE(CompileInput(*json::Parse(R"({"Id":"t1","Input":"{nope"})")).ok());
  EXPECT_FALSE(CompileInput(*json::Parse(R"({"Id":"t1","Input":")" + std::string(8193, ' ') + "\"}")).ok());
}

TEST(InputTest, ConstantInputWrittenAsYamlMapping) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","Input":{"a":[1,2]}})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*Render(**c, Event(), Ctx()), R"({"a":[1,2]})");
}

TEST(InputTest, InputPathToStringIsJsonEncoded) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","InputPath":"$.detail.payload.sf_id"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*Render(**c, Event(), Ctx()), R"("baz")");
}

TEST(InputTest, InputPathToObjectAndRoot) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","InputPath":"$.detail.payload"})"));
  EXPECT_EQ(*Render(**c, Event(), Ctx()), R"({"acc_id":"0a787ecb-4015","sf_id":"baz"})");
  auto root = CompileInput(*json::Parse(R"({"Id":"t1","InputPath":"$"})"));
  EXPECT_EQ(*Render(**root, Event(), Ctx()), json::Serialize(Event()));
}

TEST(InputTest, InputPathMissingIsADeadLetterReason) {
  auto c = CompileInput(*json::Parse(R"({"Id":"t1","InputPath":"$.detail.nothing"})"));
  ASSERT_TRUE(c.ok());
  auto r = Render(**c, Event(), Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("$.detail.nothing"), std::string::npos);
}

TEST(InputTest, InvalidInputPathRejected) {
  EXPECT_FALSE(CompileInput(*json::Parse(R"({"Id":"t1","InputPath":"detail"})")).ok());
  EXPECT_FALSE(CompileInput(*json::Parse(R"({"Id":"t1","InputPath":7})")).ok());
}

TEST(InputTest, RenderToReusesBuffer) {
  auto c = CompileInput(Target(R"({"id": <userId>})", kPaths));
  std::string buf = "stale";
  ASSERT_TRUE(RenderTo(**c, Event(), Ctx(), &buf).ok());
  EXPECT_EQ(buf, R"({"id": "0a787ecb-4015"})");
}

}  // namespace
}  // namespace cxbridge::transform
