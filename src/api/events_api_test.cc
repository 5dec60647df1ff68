// Operations end to end through EventsApi::Handle, over in-memory stores and recording sinks.
#include "api/events_api.h"

#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "api/protocol.h"
#include "aws/sigv4.h"

namespace cxbridge::api {
namespace {

using testing::BodyOf;
using testing::Call;
using testing::ErrorMessage;
using testing::ErrorType;
using testing::Fixture;

class EventsApiTest : public ::testing::Test {
 protected:
  http::Response Do(std::string_view op, std::string_view body) { return Call(*f.api, op, body); }
  json::Value Ok(std::string_view op, std::string_view body) {
    http::Response r = Do(op, body);
    EXPECT_EQ(r.status, 200) << op << " " << r.body;
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
    return BodyOf(r);
  }
  void ExpectError(std::string_view op, std::string_view body, std::string_view type, std::string_view message,
                   int status = 400) {
    http::Response r = Do(op, body);
    EXPECT_EQ(r.status, status) << op << " " << r.body;
    EXPECT_EQ(ErrorType(r), type) << op << " " << r.body;
    EXPECT_EQ(ErrorMessage(r), message) << op;
  }
  Fixture f;
};

TEST_F(EventsApiTest, UnknownOperation) {
  http::Response r = Do("CreateEndpoint", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorType(r), "UnknownOperationException");
}

TEST_F(EventsApiTest, UnknownOperationWithInvalidUtf8AnswersValidJson) {
  // Found by eventbridge_fuzz: the name was echoed byte for byte into the message.
  http::Response r = Do("Create\xff\xfeRule", "{}");
  EXPECT_EQ(r.status, 400);
  ASSERT_TRUE(json::Parse(r.body).ok()) << r.body;
  EXPECT_EQ(ErrorType(r), "UnknownOperationException");
  EXPECT_EQ(ErrorMessage(r), "This operation is not supported by cxbridge.");
  EXPECT_EQ(ErrorMessage(Do("CreateEndpoint", "{}")), "Operation CreateEndpoint is not supported by cxbridge.");
}

TEST_F(EventsApiTest, MalformedBodyIsSerializationException) {
  EXPECT_EQ(ErrorType(Do("ListRules", "{nope")), "SerializationException");
}

TEST_F(EventsApiTest, EmptyBodyMeansNoParameters) {
  json::Value b = Ok("ListEventBuses", "");
  ASSERT_EQ(b.Find("EventBuses")->items().size(), 1u);
}

TEST_F(EventsApiTest, DefaultBusAlwaysExists) {
  json::Value b = Ok("DescribeEventBus", "{}");
  EXPECT_EQ(b.Find("Name")->as_string(), "default");
  EXPECT_EQ(b.Find("Arn")->as_string(), "arn:aws:events:us-east-1:123456789012:event-bus/default");
  ExpectError("DeleteEventBus", R"({"Name":"default"})", "ValidationException", "Cannot delete event bus default.");
}

TEST_F(EventsApiTest, EventBusLifecycle) {
  json::Value c = Ok("CreateEventBus", R"({"Name":"custom-bus","Description":"d"})");
  EXPECT_EQ(c.Find("EventBusArn")->as_string(), "arn:aws:events:us-east-1:123456789012:event-bus/custom-bus");
  ExpectError("CreateEventBus", R"({"Name":"custom-bus"})", "ResourceAlreadyExistsException",
              "Event bus custom-bus already exists.");
  json::Value d = Ok("DescribeEventBus", R"({"Name":"custom-bus"})");
  EXPECT_EQ(d.Find("Description")->as_string(), "d");
  EXPECT_EQ(d.Find("CreationTime")->number_text(), "1704067200");
  Ok("UpdateEventBus", R"({"Name":"custom-bus","Description":"d2"})");
  EXPECT_EQ(Ok("DescribeEventBus", R"({"Name":"arn:aws:events:us-east-1:123456789012:event-bus/custom-bus"})")
                .Find("Description")->as_string(),
            "d2");
  EXPECT_EQ(Ok("ListEventBuses", "{}").Find("EventBuses")->items().size(), 2u);
  EXPECT_EQ(Ok("ListEventBuses", R"({"NamePrefix":"cus"})").Find("EventBuses")->items().size(), 1u);
  Ok("DeleteEventBus", R"({"Name":"custom-bus"})");
  ExpectError("DescribeEventBus", R"({"Name":"custom-bus"})", "ResourceNotFoundException",
              "Event bus custom-bus does not exist.");
  ExpectError("DeleteEventBus", R"({"Name":"custom-bus"})", "ResourceNotFoundException",
              "Event bus custom-bus does not exist.");
}

TEST_F(EventsApiTest, PutRuleUpsertAndDescribe) {
  Ok("CreateEventBus", R"({"Name":"custom-bus"})");
  json::Value r = Ok("PutRule", R"({"Name":"r1","EventPattern":"{\"source\":[\"genesys.cloud\"]}","State":"ENABLED","Description":"d","EventBusName":"custom-bus"})");
  EXPECT_EQ(r.Find("RuleArn")->as_string(), "arn:aws:events:us-east-1:123456789012:rule/custom-bus/r1");
  json::Value d = Ok("DescribeRule", R"({"Name":"r1","EventBusName":"custom-bus"})");
  EXPECT_EQ(json::Serialize(d),
            R"({"Name":"r1","Arn":"arn:aws:events:us-east-1:123456789012:rule/custom-bus/r1","EventPattern":"{\"source\":[\"genesys.cloud\"]}","State":"ENABLED","Description":"d","EventBusName":"custom-bus","CreatedBy":"123456789012"})");
  // Upsert: omitted Description resets; targets are kept.
  Ok("PutTargets", R"({"Rule":"r1","EventBusName":"custom-bus","Targets":[{"Id":"t1","Arn":"arn:aws:sqs:us-east-1:123456789012:q"}]})");
  Ok("PutRule", R"({"Name":"r1","EventPattern":"{\"source\":[\"x\"]}","EventBusName":"custom-bus"})");
  d = Ok("DescribeRule", R"({"Name":"r1","EventBusName":"custom-bus"})");
  EXPECT_EQ(d.Find("Description"), nullptr);
  EXPECT_EQ(Ok("ListTargetsByRule", R"({"Rule":"r1","EventBusName":"custom-bus"})").Find("Targets")->items().size(), 1u);
  // Default-bus ARN has no bus segment.
  EXPECT_EQ(Ok("PutRule", R"({"Name":"r2","EventPattern":"{}"})").Find("RuleArn")->as_string(),
            "arn:aws:events:us-east-1:123456789012:rule/r2");
}

TEST_F(EventsApiTest, RuleErrors) {
  ExpectError("DescribeRule", R"({"Name":"nope"})", "ResourceNotFoundException", "Rule nope does not exist on EventBus default.");
  ExpectError("PutRule", R"({"Name":"r","EventPattern":"{}","EventBusName":"missing"})", "ResourceNotFoundException",
              "Event bus missing does not exist.");
  ExpectError("PutRule", R"({"Name":"r","EventPattern":"[1]"})", "InvalidEventPatternException",
              "Event pattern is not valid. Reason: Filter is not an object");
  Ok("CreateEventBus", R"({"Name":"b"})");
  ExpectError("PutRule", R"j({"Name":"r","ScheduleExpression":"rate(5 minutes)","EventBusName":"b"})j", "ValidationException",
              "ScheduleExpression is supported only on the default event bus.");
  for (const char* bad : {"cron(INVALID)", "cron(0 dummy ? * MON-FRI *)", "cron(7 20 * * NOT *)", "cron(71 8 1 * ? *)",
                          "cron(0 1 * * * *)", "rate(1 minutes)", "rate(0 days)"})
    ExpectError("PutRule", std::string(R"({"Name":"r","ScheduleExpression":")") + bad + "\"}", "ValidationException",
                "Parameter ScheduleExpression is not valid.");
  for (const char* good : {"rate(5 minutes)", "rate(1 hour)", "cron(0 12 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)",
                           "cron(0 10 ? * 6L 2025)", "cron(0 8 1W * ? *)", "cron(0 8 ? * 2#1 *)"})
    Ok("PutRule", std::string(R"({"Name":"s","ScheduleExpression":")") + good + "\"}");
}

TEST_F(EventsApiTest, DeleteRuleWithTargetsFails) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}"})");
  Ok("PutTargets", R"({"Rule":"r","Targets":[{"Id":"t1","Arn":"arn:aws:sqs:us-east-1:123456789012:x"}]})");
  ExpectError("DeleteRule", R"({"Name":"r"})", "ValidationException", "Rule can't be deleted since it has targets.");
  json::Value rm = Ok("RemoveTargets", R"({"Rule":"r","Ids":["t1","zz"]})");
  EXPECT_EQ(rm.Find("FailedEntryCount")->number_text(), "1");
  EXPECT_EQ(rm.Find("FailedEntries")->items()[0].Find("TargetId")->as_string(), "zz");
  Ok("DeleteRule", R"({"Name":"r"})");
  ExpectError("DescribeRule", R"({"Name":"r"})", "ResourceNotFoundException", "Rule r does not exist on EventBus default.");
}

TEST_F(EventsApiTest, EnableDisable) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}"})");
  Ok("DisableRule", R"({"Name":"r"})");
  EXPECT_EQ(Ok("DescribeRule", R"({"Name":"r"})").Find("State")->as_string(), "DISABLED");
  Ok("EnableRule", R"({"Name":"r"})");
  EXPECT_EQ(Ok("DescribeRule", R"({"Name":"r"})").Find("State")->as_string(), "ENABLED");
  ExpectError("EnableRule", R"({"Name":"zz"})", "ResourceNotFoundException", "Rule zz does not exist on EventBus default.");
}

TEST_F(EventsApiTest, TargetValidation) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}"})");
  ExpectError("PutTargets", R"({"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a","Input":"{}","InputPath":"$.detail"}]})",
              "ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target t.");
  ExpectError("PutTargets",
              R"({"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a","InputTransformer":{"InputPathsMap":{"s":"$.source"},"InputTemplate":"{\"a\": <s>, \"b\": <notdefinedkey>}"}}]})",
              "ValidationException", "InputTemplate for target t contains invalid placeholder notdefinedkey.");
  Ok("PutTargets",
     R"({"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a","InputTransformer":{"InputPathsMap":{"s":"$.source"},"InputTemplate":"{\"a\": <s>, \"r\": <aws.events.rule-name>}"}}]})");
  ExpectError("PutTargets", R"({"Rule":"zz","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a"}]})", "ResourceNotFoundException",
              "Rule zz does not exist on EventBus default.");
}

TEST_F(EventsApiTest, AtMostFiveTargetsPerRule) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}"})");
  std::string targets;
  for (int i = 0; i < 6; ++i) targets += std::string(i ? "," : "") + R"({"Id":"t)" + std::to_string(i) + R"(","Arn":"arn:aws:sqs:us-east-1:123456789012:x"})";
  ExpectError("PutTargets", R"({"Rule":"r","Targets":[)" + targets + "]}", "LimitExceededException",
              "The requested resource exceeds the maximum number allowed.");
}

TEST_F(EventsApiTest, TargetsAreUpsertedByIdAndKeptWhole) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}"})");
  Ok("PutTargets", R"({"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a1","RetryPolicy":{"MaximumRetryAttempts":3}}]})");
  Ok("PutTargets", R"({"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a2","Http":{"Url":"http://x"}}]})");
  json::Value t = Ok("ListTargetsByRule", R"({"Rule":"r"})");
  ASSERT_EQ(t.Find("Targets")->items().size(), 1u);
  EXPECT_EQ(json::Serialize(t.Find("Targets")->items()[0]), R"({"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:a2","Http":{"Url":"http://x"}})");
  // The router sees the whole target object.
  std::lock_guard<std::mutex> lock(f.sink.mu);
  ASSERT_EQ(f.sink.rules.size(), 1u);
  EXPECT_EQ(f.sink.rules[0].targets[0].arn, "arn:aws:sqs:us-east-1:123456789012:a2");
  EXPECT_EQ(f.sink.rules[0].origin, bus::Origin::kApi);
}

TEST_F(EventsApiTest, ListRuleNamesByTarget) {
  Ok("PutRule", R"({"Name":"a","EventPattern":"{}"})");
  Ok("PutRule", R"({"Name":"b","EventPattern":"{}"})");
  Ok("PutTargets", R"({"Rule":"a","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:q"}]})");
  Ok("PutTargets", R"({"Rule":"b","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:other"}]})");
  json::Value r = Ok("ListRuleNamesByTarget", R"({"TargetArn":"arn:aws:sqs:us-east-1:123456789012:q"})");
  EXPECT_EQ(json::Serialize(*r.Find("RuleNames")), R"(["a"])");
}

TEST_F(EventsApiTest, PaginationWithNextTokenAndLimit) {
  for (int i = 0; i < 7; ++i) Ok("PutRule", R"({"Name":"r)" + std::to_string(i) + R"(","EventPattern":"{}"})");
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string body = R"({"Limit":3)" + (token.empty() ? std::string() : R"(,"NextToken":")" + token + "\"") + "}";
    json::Value page = Ok("ListRules", body);
    for (const auto& r : page.Find("Rules")->items()) names.push_back(r.Find("Name")->as_string());
    const json::Value* next = page.Find("NextToken");
    token = next ? next->as_string() : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 7u);
  EXPECT_EQ(names.front(), "r0");
  EXPECT_EQ(names.back(), "r6");
  ExpectError("ListRules", R"({"NextToken":"garbage!"})", "ValidationException", "The NextToken provided is invalid.");
}

TEST_F(EventsApiTest, DefinitionsPushedOnEveryChange) {
  int before = f.sink.definition_pushes;
  Ok("CreateEventBus", R"({"Name":"b"})");
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}","EventBusName":"b"})");
  Ok("DescribeRule", R"({"Name":"r","EventBusName":"b"})");
  std::lock_guard<std::mutex> lock(f.sink.mu);
  EXPECT_EQ(f.sink.definition_pushes, before + 2);
  EXPECT_EQ(f.sink.buses.size(), 2u);
  ASSERT_EQ(f.sink.rules.size(), 1u);
  EXPECT_EQ(f.sink.rules[0].bus, "b");
}

TEST_F(EventsApiTest, DefinitionsSurviveRestart) {
  Ok("CreateEventBus", R"({"Name":"b"})");
  Ok("PutRule", R"({"Name":"r","EventPattern":"{\"source\":[\"s\"]}","EventBusName":"b"})");
  Ok("PutTargets", R"({"Rule":"r","EventBusName":"b","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:123456789012:x"}]})");
  f.Restart();
  {
    std::lock_guard<std::mutex> lock(f.sink.mu);
    ASSERT_EQ(f.sink.rules.size(), 1u);
    EXPECT_EQ(f.sink.rules[0].targets.size(), 1u);
    EXPECT_EQ(f.sink.rules[0].event_pattern, R"({"source":["s"]})");
  }
  EXPECT_EQ(Ok("DescribeRule", R"({"Name":"r","EventBusName":"b"})").Find("State")->as_string(), "ENABLED");
}

TEST_F(EventsApiTest, StoreFailureIsInternalAndChangesNothing) {
  f.resources.fail_writes = true;
  http::Response r = Do("CreateEventBus", R"({"Name":"b"})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(ErrorType(r), "InternalException");
  f.resources.fail_writes = false;
  ExpectError("DescribeEventBus", R"({"Name":"b"})", "ResourceNotFoundException", "Event bus b does not exist.");
}

TEST_F(EventsApiTest, PutEventsBuildsEventBridgeEvents) {
  json::Value r = Ok("PutEvents",
                     R"({"Entries":[{"Time":1704110400,"Source":"genesys.cloud","DetailType":"v2.users.presence","Detail":"{\"a\":1.0}","Resources":["arn:x"],"EventBusName":"custom-bus"}]})");
  EXPECT_EQ(r.Find("FailedEntryCount")->number_text(), "0");
  std::string id = r.Find("Entries")->items()[0].Find("EventId")->as_string();
  std::lock_guard<std::mutex> lock(f.sink.mu);
  ASSERT_EQ(f.sink.events.size(), 1u);
  const bus::IncomingEvent& ev = f.sink.events[0];
  EXPECT_EQ(ev.id, id);
  EXPECT_EQ(ev.bus, "custom-bus");
  EXPECT_EQ(ev.time_ms, 1704110400000);
  EXPECT_EQ(ev.event_json, R"({"version":"0","id":")" + id +
                               R"(","detail-type":"v2.users.presence","source":"genesys.cloud","account":"123456789012","time":"2024-01-01T12:00:00Z","region":"us-east-1","resources":["arn:x"],"detail":{"a":1.0}})");
}

TEST_F(EventsApiTest, PutEventsPerEntryErrors) {
  json::Value r = Ok("PutEvents", R"({"Entries":[
      {"DetailType":"d","Detail":"{}"},
      {"Source":"s","Detail":"{}"},
      {"Source":"s","DetailType":"d"},
      {"Source":"s","DetailType":"d","Detail":"NotJSON"},
      {"Source":"s","DetailType":"d","Detail":"[]"},
      {"Source":"s","DetailType":"d","Detail":"\"NotJSON\""},
      {"Source":"s","DetailType":"d","Detail":"{}","EventBusName":"arn:aws:events:us-east-1:123456789012:event-bus/b"}]})");
  EXPECT_EQ(r.Find("FailedEntryCount")->number_text(), "6");
  const auto& e = r.Find("Entries")->items();
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(Str(e[0], "ErrorMessage"), "Parameter Source is not valid. Reason: Source is a required argument.");
  EXPECT_EQ(Str(e[1], "ErrorMessage"), "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
  EXPECT_EQ(Str(e[2], "ErrorMessage"), "Parameter Detail is not valid. Reason: Detail is a required argument.");
  for (int i = 3; i < 6; ++i) {
    EXPECT_EQ(Str(e[i], "ErrorCode"), "MalformedDetail");
    EXPECT_EQ(Str(e[i], "ErrorMessage"), "Detail is malformed.");
  }
  EXPECT_FALSE(Str(e[6], "EventId").empty());
  std::lock_guard<std::mutex> lock(f.sink.mu);
  ASSERT_EQ(f.sink.events.size(), 1u);
  EXPECT_EQ(f.sink.events[0].bus, "b");
}

TEST_F(EventsApiTest, PutEventsTooBig) {
  // AWS-recorded: Detail {"payload":["p"*(262144-17)]} is over the limit.
  std::string detail = R"({\"payload\":[\")" + std::string(262144 - 17, 'p') + R"(\"]})";
  ExpectError("PutEvents", R"({"Entries":[{"Source":"core.update-account-command","DetailType":"core.update-account-command","Detail":")" + detail + "\"}]}",
              "ValidationException", "Total size of the entries in the request is over the limit.");
}

TEST_F(EventsApiTest, PutEventsLimitIsConfigurable) {
  ApiOptions o = Fixture::DefaultOptions();
  o.max_put_events_bytes = 1024 * 1024;
  Fixture big(o);
  std::string detail = R"({\"payload\":[\")" + std::string(300000, 'p') + R"(\"]})";
  http::Response r = Call(*big.api, "PutEvents", R"({"Entries":[{"Source":"s","DetailType":"d","Detail":")" + detail + "\"}]}");
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
}

TEST_F(EventsApiTest, PutEventsStorageUnavailableIsServiceUnavailable) {
  f.sink.next_outcome = bus::AcceptOutcome::kUnavailable;
  http::Response r = Call(*f.api, "PutEvents", R"({"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("ServiceUnavailable"), std::string::npos) << r.body;
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after |= k == "Retry-After";
  EXPECT_TRUE(retry_after);
  // With an invalid entry beside it, the request is answered entry by entry (as EventBridge).
  json::Value mixed = Ok("PutEvents", R"({"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"},{"Source":"s","DetailType":"d"}]})");
  EXPECT_EQ(mixed.Find("FailedEntryCount")->number_text(), "2");
  EXPECT_EQ(Str(mixed.Find("Entries")->items()[0], "ErrorCode"), "InternalFailure");
}

TEST_F(EventsApiTest, TestEventPattern) {
  std::string ev = R"({\"id\":\"1\",\"detail-type\":\"x\",\"source\":\"genesys.cloud\",\"account\":\"123456789012\",\"time\":\"2024-01-01T00:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}})";
  json::Value r = Ok("TestEventPattern", R"({"EventPattern":"{\"source\":[\"genesys.cloud\"]}","Event":")" + ev + "\"}");
  EXPECT_EQ(json::Serialize(r), R"({"Result":true})");
  r = Ok("TestEventPattern", R"({"EventPattern":"{\"source\":[\"other\"]}","Event":")" + ev + "\"}");
  EXPECT_EQ(json::Serialize(r), R"({"Result":false})");
  ExpectError("TestEventPattern", R"({"EventPattern":"{}","Event":"\"plain\""})", "ValidationException", "Parameter Event is not valid.");
  ExpectError("TestEventPattern", R"({"EventPattern":"{}","Event":"[]"})", "ValidationException", "Parameter Event is not valid.");
  ExpectError("TestEventPattern", R"({"EventPattern":"{}","Event":"{\"id\":\"1\"}"})", "ValidationException", "Parameter Event is not valid.");
  ExpectError("TestEventPattern", R"({"EventPattern":"[]","Event":")" + ev + "\"}", "InvalidEventPatternException",
              "Event pattern is not valid. Reason: Filter is not an object");
}

TEST_F(EventsApiTest, TagsOnBusesAndRules) {
  Ok("PutRule", R"({"Name":"r","EventPattern":"{}","Tags":[{"Key":"a","Value":"1"}]})");
  std::string rule_arn = "arn:aws:events:us-east-1:123456789012:rule/r";
  Ok("TagResource", R"({"ResourceARN":")" + rule_arn + R"(","Tags":[{"Key":"b","Value":"2"},{"Key":"a","Value":"3"}]})");
  EXPECT_EQ(json::Serialize(Ok("ListTagsForResource", R"({"ResourceARN":")" + rule_arn + "\"}")),
            R"({"Tags":[{"Key":"a","Value":"3"},{"Key":"b","Value":"2"}]})");
  Ok("UntagResource", R"({"ResourceARN":")" + rule_arn + R"(","TagKeys":["a"]})");
  EXPECT_EQ(json::Serialize(Ok("ListTagsForResource", R"({"ResourceARN":")" + rule_arn + "\"}")),
            R"({"Tags":[{"Key":"b","Value":"2"}]})");
  Ok("TagResource", R"({"ResourceARN":"arn:aws:events:us-east-1:123456789012:event-bus/default","Tags":[{"Key":"k","Value":"v"}]})");
  ExpectError("ListTagsForResource", R"({"ResourceARN":"arn:aws:events:us-east-1:123456789012:rule/nope"})",
              "ResourceNotFoundException", "Rule nope does not exist on EventBus default.");
  ExpectError("TagResource", R"({"ResourceARN":"arn:aws:events:us-east-1:123456789012:event-bus/nope","Tags":[]})",
              "ResourceNotFoundException", "Event bus nope does not exist.");
  ExpectError("ListTagsForResource", R"({"ResourceARN":"arn:aws:events:us-east-1:123456789012:rule/b1/r9"})",
              "ResourceNotFoundException", "Rule r9 does not exist on EventBus b1.");
}

TEST_F(EventsApiTest, ConnectionsAndApiDestinations) {
  json::Value c = Ok("CreateConnection",
                     R"({"Name":"c1","AuthorizationType":"API_KEY","AuthParameters":{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"s3cret"}}})");
  std::string arn = c.Find("ConnectionArn")->as_string();
  EXPECT_EQ(arn.rfind("arn:aws:events:us-east-1:123456789012:connection/c1/", 0), 0u);
  EXPECT_EQ(c.Find("ConnectionState")->as_string(), "AUTHORIZED");
  json::Value d = Ok("DescribeConnection", R"({"Name":"c1"})");
  EXPECT_EQ(json::Serialize(*d.Find("AuthParameters")), R"({"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key"}})");
  ExpectError("CreateConnection", R"({"Name":"c2","AuthorizationType":"BASIC","AuthParameters":{}})", "ValidationException",
              "Parameter AuthParameters is not valid. Reason: BasicAuthParameters must be provided for AuthorizationType BASIC.");
  ExpectError("DescribeConnection", R"({"Name":"zz"})", "ResourceNotFoundException",
              "Failed to describe the connection(s). Connection 'zz' does not exist.");
  json::Value a = Ok("CreateApiDestination",
                     R"({"Name":"d1","ConnectionArn":")" + arn + R"(","InvocationEndpoint":"https://example.com/*","HttpMethod":"POST"})");
  EXPECT_EQ(a.Find("ApiDestinationState")->as_string(), "ACTIVE");
  json::Value ad = Ok("DescribeApiDestination", R"({"Name":"d1"})");
  EXPECT_EQ(ad.Find("InvocationRateLimitPerSecond")->number_text(), "300");
  Ok("UpdateApiDestination", R"({"Name":"d1","InvocationRateLimitPerSecond":5})");
  EXPECT_EQ(Ok("ListApiDestinations", "{}").Find("ApiDestinations")->items().size(), 1u);
  Ok("DeleteApiDestination", R"({"Name":"d1"})");
  ExpectError("DescribeApiDestination", R"({"Name":"d1"})", "ResourceNotFoundException",
              "Failed to describe the api-destination(s). An api-destination 'd1' does not exist.");
  EXPECT_EQ(Ok("DeauthorizeConnection", R"({"Name":"c1"})").Find("ConnectionState")->as_string(), "DEAUTHORIZED");
  Ok("UpdateConnection", R"({"Name":"c1","Description":"x"})");
  EXPECT_EQ(Ok("ListConnections", "{}").Find("Connections")->items().size(), 1u);
  EXPECT_EQ(Ok("DeleteConnection", R"({"Name":"c1"})").Find("ConnectionState")->as_string(), "DELETING");
  ExpectError("DeleteConnection", R"({"Name":"c1"})", "ResourceNotFoundException", "Connection 'c1' does not exist.");
}

TEST_F(EventsApiTest, SigV4RequiredWhenKeysConfigured) {
  ApiOptions o = Fixture::DefaultOptions();
  o.access_keys = {{"K", "s3cr3t"}};
  Fixture secured(o);
  http::Response r = Call(*secured.api, "ListEventBuses", "{}");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorType(r), "MissingAuthenticationTokenException");
  // Signed with the right key at the fake clock's time.
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers = {{"Host", "h"}, {"X-Amz-Date", "20240101T000000Z"}, {"X-Amz-Target", "AWSEvents.ListEventBuses"}};
  req.body = "{}";
  std::string scope = "20240101/us-east-1/events/aws4_request";
  std::string sig = aws::SigV4Verifier::Sign(req, "s3cr3t", "20240101T000000Z", scope, "host;x-amz-date;x-amz-target");
  auto auth = [&](const std::string& key) {
    return std::pair<std::string, std::string>(
        "Authorization", "AWS4-HMAC-SHA256 Credential=" + key + "/" + scope +
                             ", SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + sig);
  };
  r = Call(*secured.api, "ListEventBuses", "{}", {{"Host", "h"}, {"X-Amz-Date", "20240101T000000Z"}, auth("K")});
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call(*secured.api, "ListEventBuses", "{}", {{"Host", "h"}, {"X-Amz-Date", "20240101T000000Z"}, auth("OTHER")});
  EXPECT_EQ(ErrorType(r), "UnrecognizedClientException");
}

}  // namespace
}  // namespace cxbridge::api
