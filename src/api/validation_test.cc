#include "api/validation.h"

#include <gtest/gtest.h>

#include "api/shapes.h"

namespace cxbridge::api {
namespace {

ValidationFailure V(std::string_view op, std::string_view body) {
  auto parsed = json::Parse(body);
  EXPECT_TRUE(parsed.ok()) << body;
  return ValidateRequest(op, *parsed);
}

TEST(ValidationTest, EveryModelPatternCompiles) {
  for (int i = 0; i < model::kNumShapes; ++i) {
    const model::Shape& s = model::kShapes[i];
    if (s.pattern) EXPECT_TRUE(ModelPatternCompiles(s.pattern)) << s.name << ": " << s.pattern;
  }
}

TEST(ValidationTest, AllServedOperationsHaveInputShapes) {
  for (const char* op : {"PutEvents", "PutRule", "PutTargets", "StartReplay", "CreateConnection",
                         "ListTagsForResource", "DeauthorizeConnection"})
    EXPECT_NE(model::FindInput(op), nullptr) << op;
  EXPECT_EQ(model::FindInput("CreateEndpoint"), nullptr);
}

TEST(ValidationTest, TargetIdPatternMatchesAwsText) {
  auto f = V("PutTargets", R"({"Rule":"r","Targets":[{"Id":"!@#$@!#$","Arn":"arn:x"}]})");
  EXPECT_EQ(f.error_type, "ValidationException");
  EXPECT_EQ(f.message,
            "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
}

TEST(ValidationTest, TargetIdTooLongMatchesAwsText) {
  std::string id(65, 'a');
  auto f = V("PutTargets", R"({"Rule":"r","Targets":[{"Id":"ok","Arn":"a"},{"Id":")" + id + R"(","Arn":"arn:x"}]})");
  EXPECT_EQ(f.message, "1 validation error detected: Value '" + id +
                           "' at 'targets.2.member.id' failed to satisfy constraint: Member must have length "
                           "less than or equal to 64");
}

TEST(ValidationTest, ConnectionAuthorizationTypeEnum) {
  auto f = V("CreateConnection", R"({"Name":"c","AuthorizationType":"INVALID_AUTH_TYPE","AuthParameters":{}})");
  EXPECT_EQ(f.message,
            "1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]");
}

TEST(ValidationTest, ConnectionNameWithSpaces) {
  auto f = V("CreateConnection", R"({"Name":"Invalid Name With Spaces!","AuthorizationType":"BASIC","AuthParameters":{}})");
  EXPECT_EQ(f.message,
            "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
}

TEST(ValidationTest, NamePatternAndLengthBothReportedPatternFirst) {
  std::string name = "This should fail with two errors 123467890123412341234123412341234";
  auto f = V("CreateConnection", R"({"Name":")" + name + R"(","AuthorizationType":"BASIC","AuthParameters":{}})");
  EXPECT_EQ(f.message.substr(0, 30), "2 validation errors detected: ");
  EXPECT_NE(f.message.find("regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value '" + name +
                           "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64"),
            std::string::npos)
      << f.message;
}

TEST(ValidationTest, ApiDestinationTwoErrorsInModelOrder) {
  auto f = V("CreateApiDestination",
             R"({"Name":"d","ConnectionArn":"invalid-connection-arn","InvocationEndpoint":"https://x","HttpMethod":"INVALID_METHOD"})");
  EXPECT_EQ(f.message,
            "2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:connection\\/[\\.\\-_A-Za-z0-9]+\\/[\\-A-Za-z0-9]+$; "
            "Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: "
            "[POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE]");
}

TEST(ValidationTest, PutEventsMoreThanTenEntries) {
  std::string entries;
  for (int i = 0; i < 11; ++i) entries += std::string(i ? "," : "") + R"({"Source":"s","DetailType":"d","Detail":"{}"})";
  auto f = V("PutEvents", R"({"Entries":[)" + entries + "]}");
  EXPECT_EQ(f.error_type, "ValidationException");
  EXPECT_EQ(f.message.substr(0, 37), "1 validation error detected: Value '[");
  EXPECT_NE(f.message.find("]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"),
            std::string::npos)
      << f.message;
}

TEST(ValidationTest, MissingRequiredMember) {
  auto f = V("PutRule", R"({"EventPattern":"{}"})");
  EXPECT_EQ(f.message, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
}

TEST(ValidationTest, RuleNameTooLongAndBadState) {
  std::string name(65, 'r');
  auto f = V("PutRule", R"({"Name":")" + name + R"(","State":"ON"})");
  EXPECT_EQ(f.message.substr(0, 30), "2 validation errors detected: ");
  EXPECT_NE(f.message.find("Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: ["),
            std::string::npos);
}

TEST(ValidationTest, LimitAboveMaximum) {
  auto f = V("ListRules", R"({"Limit":101})");
  EXPECT_EQ(f.message,
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value "
            "less than or equal to 100");
}

TEST(ValidationTest, RetryPolicyNestedPath) {
  auto f = V("PutTargets", R"({"Rule":"r","Targets":[{"Id":"t","Arn":"a","RetryPolicy":{"MaximumRetryAttempts":186}}]})");
  EXPECT_EQ(f.message,
            "1 validation error detected: Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed "
            "to satisfy constraint: Member must have value less than or equal to 185");
}

TEST(ValidationTest, WrongTypeIsSerializationException) {
  EXPECT_EQ(V("PutRule", R"({"Name":5})").error_type, "SerializationException");
  EXPECT_EQ(V("PutEvents", R"({"Entries":{}})").error_type, "SerializationException");
}

TEST(ValidationTest, ValidRequestsPass) {
  EXPECT_TRUE(V("PutRule", R"({"Name":"r1","EventPattern":"{}","State":"ENABLED","EventBusName":"custom-bus"})").ok());
  EXPECT_TRUE(V("PutEvents", R"({"Entries":[{"Time":1704110400,"Source":"s","DetailType":"d","Detail":"{}"}]})").ok());
  EXPECT_TRUE(V("ListEventBuses", "{}").ok());
  EXPECT_TRUE(V("TagResource", R"({"ResourceARN":"arn:aws:events:us-east-1:123456789012:rule/r","Tags":[{"Key":"ключ","Value":"значение @x"}]})").ok());
}

TEST(ValidationTest, LengthCountsUtf16Units) {
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("é"), 1u);
  EXPECT_EQ(Utf16Length("😀"), 2u);
}

TEST(ValidationTest, LongValuesDoNotOverflowTheRegexEngine) {
  std::string detail(200000, 'x');
  EXPECT_TRUE(MatchesModelPattern("[^\\x00-\\x1F\\x7F]+", detail));
  EXPECT_TRUE(MatchesModelPattern("^(?!\\s*$).+", "abc"));
  EXPECT_FALSE(MatchesModelPattern("^(?!\\s*$).+", "   "));
}

}  // namespace
}  // namespace cxbridge::api
