#include "api/validation.h"

#include <gtest/gtest.h>

#include <chrono>

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

// Issue 16: these two requests crashed (stack overflow) and hung (exponential backtracking) the
// I/O thread under std::regex. RE2 answers both in linear time.
double MsToValidate(std::string_view op, const std::string& body, ValidationFailure* f) {
  auto parsed = json::Parse(body);
  EXPECT_TRUE(parsed.ok());
  auto t0 = std::chrono::steady_clock::now();
  *f = ValidateRequest(op, *parsed);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

TEST(ValidationTest, HugeEventBusNameIsRefusedQuickly) {
  std::string bus(50000, 'b');
  ValidationFailure f;
  double ms = MsToValidate(
      "PutEvents",
      R"({"Entries":[{"Source":"s","DetailType":"d","Detail":"{}","EventBusName":")" + bus + R"("}]})", &f);
  EXPECT_EQ(f.error_type, "ValidationException");
  EXPECT_NE(f.message.find("at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must have "
                           "length less than or equal to 1600"),
            std::string::npos)
      << f.message.substr(f.message.size() - 200);
  EXPECT_LT(ms, 200.0);
}

TEST(ValidationTest, BacktrackingHeaderValueIsRefusedQuickly) {
  const std::string value = "a" + std::string(40, ' ') + "\\u0001";
  ValidationFailure f;
  double ms = MsToValidate("PutTargets",
                           R"({"Rule":"r","Targets":[{"Id":"t","Arn":"https://example.com/",)"
                           R"("HttpParameters":{"HeaderParameters":{"x-h":")" + value + R"("}}}]})",
                           &f);
  EXPECT_EQ(f.error_type, "ValidationException");
  EXPECT_NE(f.message.find("at 'targets.1.member.httpParameters.headerParameters.x-h' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern"),
            std::string::npos)
      << f.message;
  EXPECT_LT(ms, 200.0);
  ms = MsToValidate("CreateConnection",
                    R"({"Name":"c","AuthorizationType":"API_KEY","AuthParameters":{)"
                    R"("ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"},)"
                    R"("InvocationHttpParameters":{"HeaderParameters":[{"Key":"x-h","Value":")" + value +
                        R"("}]}}})",
                    &f);
  EXPECT_EQ(f.error_type, "ValidationException");
  EXPECT_NE(f.message.find("Member must satisfy regular expression pattern"), std::string::npos) << f.message;
  EXPECT_LT(ms, 200.0);
}

TEST(ValidationTest, JavaSemanticsOnRe2) {
  // `.` excludes line terminators, as in Java.
  EXPECT_TRUE(MatchesModelPattern("^(?!\\s*$).+", " a "));
  EXPECT_FALSE(MatchesModelPattern("^(?!\\s*$).+", "a\nb"));
  EXPECT_FALSE(MatchesModelPattern("^(?!\\s*$).+", ""));
  EXPECT_FALSE(MatchesModelPattern("^(?!\\s*$).+", "\t \f"));
  // \p{L}: Unicode letters, not just any non-ASCII byte.
  EXPECT_TRUE(MatchesModelPattern("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", "équipe 42"));
  EXPECT_FALSE(MatchesModelPattern("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", "a\xE2\x82\xAC"));  // €
  // A header value: printable ASCII with spaces inside.
  const char* header = "^[ \\t]*[\\x20-\\x7E]+([ \\t]+[\\x20-\\x7E]+)*[ \\t]*$";
  EXPECT_TRUE(MatchesModelPattern(header, "Bearer abc"));
  EXPECT_FALSE(MatchesModelPattern(header, "a" + std::string(40, ' ') + "\x01"));
}

}  // namespace
}  // namespace cxbridge::api
