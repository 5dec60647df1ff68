// The AWS target kinds (eventbridge_target.cc, sqs_target.cc): wire encoding and result mapping
// (pure), batching and SigV4 against a scripted fake AWS endpoint on loopback (verified with the
// API's own SigV4 verifier). The real thing, moto_server, is in aws_target_moto_test.cc.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>

#include "aws/sigv4.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_target_test_util.h"
#include "deliver/aws_targets.h"
#include "deliver/dead_letter_queue.h"
#include "http/server.h"

namespace cxbridge::deliver {
namespace {

using aws_testing::Creds;
using aws_testing::Def;
using aws_testing::EnvWith;
using aws_testing::Event;
using aws_testing::kKeyId;
using aws_testing::kSecret;
using aws_testing::Req;
using aws_testing::Results;

// ---- wire encoding and result mapping (no network) ----

TEST(PutEventsEncodingTest, EntryCarriesTheEventsFieldsAndAwsSize) {
  auto e =
      EncodePutEventsEntry(Req("e1"), false, "arn:aws:events:eu-west-1:222222222222:event-bus/b");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto doc = json::Parse(e->json);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->Find("Source")->as_string(), "genesys.cloud");
  EXPECT_EQ(doc->Find("DetailType")->as_string(), "v2.users.{id}.presence");
  EXPECT_EQ(doc->Find("Detail")->as_string(), R"({"n":1})");
  EXPECT_EQ(json::Serialize(*doc->Find("Resources")), R"(["arn:r1"])");
  int64_t t = 0;
  ASSERT_TRUE(doc->Find("Time")->as_int64(&t));
  EXPECT_EQ(t, 1704110400);  // epoch seconds, as the SDKs send Time
  EXPECT_EQ(doc->Find("EventBusName")->as_string(),
            "arn:aws:events:eu-west-1:222222222222:event-bus/b");
  // 14 (Time) + Source + DetailType + Detail + Resources.
  EXPECT_EQ(e->size, 14u + 13 + 22 + 7 + 6);
}

TEST(PutEventsEncodingTest, TransformedPayloadBecomesTheDetail) {
  SendRequest r = Req("e2");
  r.payload = R"({"who":"agent-7"})";  // what the target's InputTransformer rendered
  auto e = EncodePutEventsEntry(r, true, "arn:aws:events:eu-west-1:222222222222:event-bus/b");
  ASSERT_TRUE(e.ok());
  auto doc = json::Parse(e->json);
  EXPECT_EQ(doc->Find("Detail")->as_string(), R"({"who":"agent-7"})");
  EXPECT_EQ(doc->Find("Source")->as_string(), "genesys.cloud");  // still from the event
}

TEST(PutEventsEncodingTest, NotAnEventIsRefused) {
  SendRequest r;
  r.payload = "[1,2]";
  EXPECT_EQ(EncodePutEventsEntry(r, false, "arn").status().code(), StatusCode::kInvalidArgument);
  r.payload = R"({"detail":{}})";
  EXPECT_EQ(EncodePutEventsEntry(r, false, "arn").status().code(), StatusCode::kInvalidArgument);
}

http::ClientResponse Resp(int status, std::string body) {
  http::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(PutEventsResultTest, EachEntryMapsOnItsOwn) {
  auto results = MapPutEventsResponse(
      Resp(200,
           R"({"FailedEntryCount":4,"Entries":[{"EventId":"a"},)"
           R"({"ErrorCode":"ThrottlingException","ErrorMessage":"Rate exceeded"},)"
           R"({"ErrorCode":"InternalFailure","ErrorMessage":"oops"},)"
           R"({"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."},)"
           R"({"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid."}]})"),
      5);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0].kind, SendResult::kOk);
  EXPECT_EQ(results[1].kind, SendResult::kRetryable);
  EXPECT_EQ(results[1].error_code, "ThrottlingException");
  EXPECT_EQ(results[2].kind, SendResult::kRetryable);
  EXPECT_EQ(results[3].kind, SendResult::kPermanent);
  EXPECT_EQ(results[3].error_code, "MalformedDetail");
  EXPECT_EQ(results[3].message, "Detail is malformed.");
  EXPECT_EQ(results[4].kind, SendResult::kPermanent);
  EXPECT_EQ(results[4].error_code, "InvalidArgument");
}

TEST(PutEventsResultTest, RequestLevelFailuresApplyToEveryEntry) {
  auto v = MapPutEventsResponse(
      Resp(
          400,
          R"({"__type":"ValidationException","message":"Total size of the entries in the request is over the limit."})"),
      2);
  EXPECT_EQ(v[0].kind, SendResult::kPermanent);
  EXPECT_EQ(v[1].error_code, "ValidationException");
  EXPECT_EQ(v[1].message, "Total size of the entries in the request is over the limit.");
  EXPECT_EQ(MapPutEventsResponse(Resp(400, R"({"__type":"ThrottlingException"})"), 1)[0].kind,
            SendResult::kRetryable);
  EXPECT_EQ(MapPutEventsResponse(Resp(503, ""), 1)[0].kind, SendResult::kRetryable);
  EXPECT_EQ(MapPutEventsResponse(Resp(0, ""), 1)[0].error_code, "CONNECTION_ERROR");
  EXPECT_EQ(MapPutEventsResponse(
                Resp(403, R"({"__type":"com.amazon.coral#AccessDeniedException"})"), 1)[0]
                .error_code,
            "AccessDeniedException");
  // A 200 whose Entries do not line up: repeat rather than guess.
  EXPECT_EQ(MapPutEventsResponse(Resp(200, R"({"Entries":[{"EventId":"a"}]})"), 2)[1].kind,
            SendResult::kRetryable);
}

TEST(SqsResultTest, BatchEntriesMapBySenderFault) {
  auto v = MapSqsResponse(
      Resp(200,
           R"({"Successful":[{"Id":"0","MessageId":"m"}],"Failed":[)"
           R"({"Id":"1","SenderFault":true,"Code":"InvalidMessageContents","Message":"bad char"},)"
           R"({"Id":"2","SenderFault":false,"Code":"InternalError","Message":"later"}]})"),
      4, true);
  EXPECT_EQ(v[0].kind, SendResult::kOk);
  EXPECT_EQ(v[1].kind, SendResult::kPermanent);
  EXPECT_EQ(v[1].error_code, "InvalidMessageContents");
  EXPECT_EQ(v[2].kind, SendResult::kRetryable);
  EXPECT_EQ(v[3].kind, SendResult::kRetryable);  // listed nowhere
  auto one = MapSqsResponse(
      Resp(400, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"nope"})"), 1, false);
  EXPECT_EQ(one[0].kind, SendResult::kPermanent);
  EXPECT_EQ(one[0].error_code, "QueueDoesNotExist");
  EXPECT_EQ(
      MapSqsResponse(Resp(400, R"({"__type":"com.amazonaws.sqs#RequestThrottled"})"), 1, false)[0]
          .kind,
      SendResult::kRetryable);
}

TEST(SqsEncodingTest, SendMessageAndBatchBodies) {
  EncodedEntry a = EncodeSqsEntry(R"({"x":1})", "g1", "id-1");
  EncodedEntry b = EncodeSqsEntry("plain", "", "");
  EXPECT_EQ(a.size, 7u);
  EXPECT_EQ(
      SqsRequestBody("http://q/1/a.fifo", {a.json}, false),
      R"({"QueueUrl":"http://q/1/a.fifo","MessageBody":"{\"x\":1}","MessageGroupId":"g1","MessageDeduplicationId":"id-1"})");
  EXPECT_EQ(
      SqsRequestBody("http://q/1/b", {a.json, b.json}, true),
      R"({"QueueUrl":"http://q/1/b","Entries":[{"Id":"0","MessageBody":"{\"x\":1}","MessageGroupId":"g1",)"
      R"("MessageDeduplicationId":"id-1"},{"Id":"1","MessageBody":"plain"}]})");
}

TEST(KinesisEncodingTest, RecordsAndRequestBody) {
  EncodedEntry r = EncodeKinesisRecord(R"({"x":1})", "conv-\"1\"");
  EXPECT_EQ(r.size, 7u + 8u);  // data bytes + partition key bytes
  EXPECT_EQ(r.json,
            R"({"Data":")" + Base64Encode(R"({"x":1})") + R"(","PartitionKey":"conv-\"1\""})");
  EXPECT_EQ(KinesisRequestBody("calls", {r.json, r.json}),
            R"({"StreamName":"calls","Records":[)" + r.json + "," + r.json + "]}");
}

TEST(KinesisResultTest, EachRecordMapsOnItsOwn) {
  auto v = MapKinesisResponse(
      Resp(200,
           R"({"FailedRecordCount":2,"Records":[{"SequenceNumber":"1","ShardId":"s"},)"
           R"({"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"slow down"},)"
           R"({"ErrorCode":"KMSAccessDeniedException","ErrorMessage":"no key"}]})"),
      3);
  EXPECT_EQ(v[0].kind, SendResult::kOk);
  EXPECT_EQ(v[1].kind, SendResult::kRetryable);
  EXPECT_EQ(v[1].error_code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(v[2].kind, SendResult::kPermanent);
  EXPECT_EQ(v[2].message, "no key");
  // Request level: no such stream is permanent, throttling retries, a short answer retries all.
  auto missing = MapKinesisResponse(
      Resp(400, R"({"__type":"ResourceNotFoundException","message":"Stream x not found"})"), 2);
  EXPECT_EQ(missing[1].kind, SendResult::kPermanent);
  EXPECT_EQ(missing[1].error_code, "ResourceNotFoundException");
  EXPECT_EQ(MapKinesisResponse(Resp(400, R"({"__type":"ThrottlingException"})"), 1)[0].kind,
            SendResult::kRetryable);
  auto short_answer = MapKinesisResponse(Resp(200, R"({"Records":[{"SequenceNumber":"1"}]})"), 2);
  EXPECT_EQ(short_answer[0].error_code, "MALFORMED_RESPONSE");
}

TEST(FirehoseTest, RecordsRequestAndResults) {
  EncodedEntry r = EncodeFirehoseRecord(R"({"x":1})");
  EXPECT_EQ(r.size, 7u);
  EXPECT_EQ(r.json, R"({"Data":")" + Base64Encode(R"({"x":1})") + R"("})");
  EXPECT_EQ(FirehoseRequestBody("calls", {r.json}),
            R"({"DeliveryStreamName":"calls","Records":[)" + r.json + "]}");
  auto v = MapFirehoseResponse(
      Resp(200, R"({"FailedPutCount":2,"Encrypted":false,"RequestResponses":[{"RecordId":"a"},)"
                R"({"ErrorCode":"ServiceUnavailableException","ErrorMessage":"busy"},)"
                R"({"ErrorCode":"KMS.AccessDeniedException","ErrorMessage":"no key"}]})"),
      3);
  EXPECT_EQ(v[0].kind, SendResult::kOk);
  EXPECT_EQ(v[1].kind, SendResult::kRetryable);
  EXPECT_EQ(v[2].kind, SendResult::kPermanent);
  EXPECT_EQ(v[2].error_code, "KMS.AccessDeniedException");
  EXPECT_EQ(MapFirehoseResponse(Resp(400, R"({"__type":"ResourceNotFoundException"})"), 1)[0].kind,
            SendResult::kPermanent);
}

TEST(StatesTest, StartExecutionBodyAndResults) {
  EXPECT_EQ(
      StartExecutionBody("arn:aws:states:eu-west-1:222222222222:stateMachine:m", R"({"x":1})"),
      R"({"stateMachineArn":"arn:aws:states:eu-west-1:222222222222:stateMachine:m","input":"{\"x\":1}"})");
  EXPECT_EQ(MapStartExecutionResponse(Resp(200, R"({"executionArn":"e","startDate":1})")).kind,
            SendResult::kOk);
  auto missing = MapStartExecutionResponse(Resp(
      400, R"({"__type":"StateMachineDoesNotExist","message":"State Machine Does Not Exist"})"));
  EXPECT_EQ(missing.kind, SendResult::kPermanent);
  EXPECT_EQ(missing.error_code, "StateMachineDoesNotExist");
  EXPECT_EQ(MapStartExecutionResponse(Resp(400, R"({"__type":"ExecutionLimitExceeded"})")).kind,
            SendResult::kRetryable);
}

TEST(SnsTest, PublishBodyAndXmlErrors) {
  EXPECT_EQ(SnsPublishBody("arn:aws:sns:eu-west-1:222222222222:alerts", R"({"a":"b c&d"})"),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A222222222222%"
            "3Aalerts"
            "&Message=%7B%22a%22%3A%22b%20c%26d%22%7D");
  EXPECT_EQ(MapSnsResponse(Resp(200, "<PublishResponse/>")).kind, SendResult::kOk);
  auto missing = MapSnsResponse(
      Resp(404, R"(<ErrorResponse><Error><Type>Sender</Type>)"
                R"(<Code>NotFound</Code><Message>Topic does not exist &amp; never did</Message>)"
                R"(</Error><RequestId>r</RequestId></ErrorResponse>)"));
  EXPECT_EQ(missing.kind, SendResult::kPermanent);
  EXPECT_EQ(missing.error_code, "NotFound");
  EXPECT_EQ(missing.message, "Topic does not exist & never did");
  auto throttled = MapSnsResponse(Resp(400,
                                       "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate "
                                       "exceeded</Message></Error></ErrorResponse>"));
  EXPECT_EQ(throttled.kind, SendResult::kRetryable);
  EXPECT_EQ(MapSnsResponse(Resp(503, "")).kind, SendResult::kRetryable);
  EXPECT_EQ(MapSnsResponse(Resp(503, "")).error_code, "HTTP_503");
}

TEST(AwsSettingsTest, TheDefaultChainOrKeysNotBoth) {
  auto chain = ParseAwsSettings(*json::Parse(R"({"credentials":"default"})"));
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_TRUE(chain->use_default_chain);
  EXPECT_TRUE(chain->has_credentials());
  EXPECT_FALSE(ParseAwsSettings(*json::Parse(R"({"credentials":"env"})")).ok());
  auto both = ParseAwsSettings(
      *json::Parse(R"({"credentials":"default","access_key_id":"A","secret_access_key":"B"})"));
  EXPECT_FALSE(both.ok());
}

TEST(AwsSettingsTest, ACallWithoutCredentialsIsRetryableAndNotSent) {
  AwsSettings s;
  s.use_default_chain = true;  // but no chain was started
  // Port 9 (discard) on loopback: a request that went out would fail as CONNECTION_ERROR.
  AwsCall call{"http://127.0.0.1:9",         "eu-west-1",           "events",
               "application/x-amz-json-1.1", "AWSEvents.PutEvents", "{}"};
  http::HttpClient client;
  std::promise<http::ClientResponse> got;
  SendAwsCall(&client, s, &SystemClock(), call,
              [&](http::ClientResponse r) { got.set_value(std::move(r)); });
  http::ClientResponse resp = got.get_future().get();
  SendResult r = ClassifyAwsResponse(resp, json::Value());
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "CREDENTIALS_UNAVAILABLE");
  EXPECT_NE(r.message.find("not started"), std::string::npos) << r.message;
}

TEST(AwsSettingsTest, SecretsEndpointsAndErrors) {
  ::setenv("CXB_AWS_TEST_SECRET", "s3cr3t", 1);
  auto s = ParseAwsSettings(*json::Parse(
      R"({"access_key_id":"AKID","secret_access_key":{"env":"CXB_AWS_TEST_SECRET"},)"
      R"("endpoints":{"events":"https://vpce-1.events.{region}.vpce.amazonaws.com/","sqs":"http://127.0.0.1:9"},)"
      R"("timeout_seconds":3,"batch_window_ms":0})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->has_credentials());
  EXPECT_EQ(s->credentials->Current()->secret_access_key, "s3cr3t");
  EXPECT_EQ(s->Endpoint("events", "eu-west-1"),
            "https://vpce-1.events.eu-west-1.vpce.amazonaws.com");
  EXPECT_EQ(s->Endpoint("sqs", "eu-west-1"), "http://127.0.0.1:9");
  EXPECT_EQ(s->timeout_ms, 3000);
  EXPECT_EQ(s->batch_window_ms, 0);
  EXPECT_EQ(ParseAwsSettings(json::Value())->Endpoint("sqs", "ap-south-1"),
            "https://sqs.ap-south-1.amazonaws.com");
  EXPECT_FALSE(ParseAwsSettings(json::Value())->has_credentials());

  auto missing = ParseAwsSettings(
      *json::Parse(R"({"access_key_id":"A","secret_access_key":{"env":"CXB_UNSET_VAR"}})"));
  EXPECT_NE(missing.status().message().find("aws.secret_access_key"), std::string::npos);
  EXPECT_NE(missing.status().message().find("CXB_UNSET_VAR"), std::string::npos);
  EXPECT_FALSE(ParseAwsSettings(*json::Parse(R"({"access_key_id":"A"})")).ok());
  EXPECT_FALSE(ParseAwsSettings(*json::Parse(R"({"endpoints":{"s3":"http://x"}})")).ok());
  EXPECT_FALSE(ParseAwsSettings(*json::Parse(R"({"region":"x"})")).ok());
  // The secret never appears in an error.
  auto bad = ParseAwsSettings(
      *json::Parse(R"({"access_key_id":"A","secret_access_key":"s3cr3t","timeout_seconds":0})"));
  EXPECT_EQ(bad.status().message().find("s3cr3t"), std::string::npos);
}

// ---- which kind serves an ARN; what is refused when a target is saved ----

TEST(AwsTargetRegistryTest, WhatIsRefusedWhenSaved) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv none = EnvWith(nullptr), with = EnvWith(Creds());
  // The own account and region: the built-in queue, no AWS credentials needed.
  EXPECT_TRUE(reg.Validate(Def("arn:aws:sqs:eu-west-1:111111111111:local"), none).ok());
  // Another account: AWS, and without credentials it is refused with the reason.
  Status st = reg.Validate(Def("arn:aws:sqs:eu-west-1:222222222222:q"), none);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(reg.Validate(Def("arn:aws:sqs:eu-west-1:222222222222:q"), with).ok());
  EXPECT_TRUE(
      reg.Validate(Def("arn:aws:sqs:us-east-1:111111111111:q"), with).ok());  // another region
  // The own account with Aws.Remote goes to AWS too.
  EXPECT_FALSE(
      reg.Validate(Def("arn:aws:sqs:eu-west-1:111111111111:q", R"(,"Aws":{"Remote":true})"), none)
          .ok());
  // FIFO needs a group id; a group id needs FIFO.
  EXPECT_FALSE(reg.Validate(Def("arn:aws:sqs:eu-west-1:222222222222:q.fifo"), with).ok());
  EXPECT_TRUE(reg.Validate(Def("arn:aws:sqs:eu-west-1:222222222222:q.fifo",
                               R"(,"SqsParameters":{"MessageGroupId":"$.id"})"),
                           with)
                  .ok());
  EXPECT_FALSE(reg.Validate(Def("arn:aws:sqs:eu-west-1:222222222222:q",
                                R"(,"SqsParameters":{"MessageGroupId":"g"})"),
                            with)
                   .ok());
  // Event buses.
  st = reg.Validate(Def("arn:aws:events:eu-west-1:222222222222:event-bus/b"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(reg.Validate(Def("arn:aws:events:eu-west-1:222222222222:event-bus/b"), with).ok());
  st = reg.Validate(Def("arn:aws:events:eu-west-1:111111111111:event-bus/b"), with);
  EXPECT_NE(st.message().find("own account"), std::string::npos) << st.message();
  EXPECT_TRUE(reg.Validate(Def("arn:aws:events:eu-west-1:111111111111:event-bus/b",
                               R"(,"Aws":{"Remote":true})"),
                           with)
                  .ok());
  EXPECT_FALSE(reg.Validate(Def("arn:aws:events:eu-west-1:22:event-bus/b"), with).ok());
  // Kinesis streams.
  st = reg.Validate(Def("arn:aws:kinesis:eu-west-1:111111111111:stream/calls"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(reg.Validate(Def("arn:aws:kinesis:eu-west-1:111111111111:stream/calls",
                               R"(,"KinesisParameters":{"PartitionKeyPath":"$.detail.id"})"),
                           with)
                  .ok());
  EXPECT_FALSE(reg.Validate(Def("arn:aws:kinesis:eu-west-1:111111111111:calls"), with).ok());
  EXPECT_FALSE(reg.Validate(Def("arn:aws:kinesis:eu-west-1:111111111111:stream/calls",
                                R"(,"KinesisParameters":{"PartitionKeyPath":"detail.id"})"),
                            with)
                   .ok());
  // Firehose delivery streams.
  st = reg.Validate(Def("arn:aws:firehose:eu-west-1:111111111111:deliverystream/calls"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(
      reg.Validate(Def("arn:aws:firehose:eu-west-1:111111111111:deliverystream/calls"), with).ok());
  EXPECT_FALSE(
      reg.Validate(Def("arn:aws:firehose:eu-west-1:111111111111:stream/calls"), with).ok());
  // Step Functions state machines.
  st = reg.Validate(Def("arn:aws:states:eu-west-1:111111111111:stateMachine:post-call"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(
      reg.Validate(Def("arn:aws:states:eu-west-1:111111111111:stateMachine:post-call"), with).ok());
  EXPECT_FALSE(
      reg.Validate(Def("arn:aws:states:eu-west-1:111111111111:execution:post-call:1"), with).ok());
  // SNS topics.
  st = reg.Validate(Def("arn:aws:sns:eu-west-1:111111111111:alerts"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  EXPECT_TRUE(reg.Validate(Def("arn:aws:sns:eu-west-1:111111111111:alerts"), with).ok());
  st = reg.Validate(Def("arn:aws:sns:eu-west-1:111111111111:alerts.fifo"), with);
  EXPECT_NE(st.message().find("FIFO topic"), std::string::npos) << st.message();
  EXPECT_FALSE(reg.Validate(Def("arn:aws:sns:eu-west-1:111111111111:a/b"), with).ok());
  // Create refuses the same way (a target saved before the credentials were removed).
  EXPECT_EQ(
      reg.Create(Def("arn:aws:events:eu-west-1:222222222222:event-bus/b"), none).status().code(),
      StatusCode::kInvalidArgument);
}

// Issue 16: an ARN's region becomes part of the endpoint's hostname; a region such as
// "x@10.1.2.3" made it https://sqs.x@10.1.2.3…, i.e. signed requests (with the access key id) to
// 10.1.2.3. Every AWS kind, and dead-letter queues, refuse it when saved.
TEST(AwsTargetRegistryTest, ArnsWithoutARealRegionAreRefused) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv with = EnvWith(Creds());
  for (const char* arn : {"arn:aws:sqs:x@10.1.2.3:8443/#:123456789012:q",
                          "arn:aws:sqs:x@10.1.2.3#:123456789012:q",
                          "arn:aws:lambda:x@10.1.2.3#:123456789012:function:f",
                          "arn:aws:events:evil.com#:123456789012:event-bus/b",
                          "arn:aws:kinesis:127.0.0.1#:123456789012:stream/s",
                          "arn:aws:sns:a@b#:123456789012:t",
                          "arn:aws:firehose:x#:123456789012:deliverystream/d",
                          "arn:aws:states:x#:123456789012:stateMachine:m",
                          "arn:aws:logs:x#:123456789012:log-group:g"}) {
    bus::TargetDef def = Def(arn);
    def.origin = bus::Origin::kApi;
    EXPECT_FALSE(reg.Validate(def, with).ok()) << arn;
    EXPECT_FALSE(reg.Create(def, with).ok()) << arn;
  }
  EXPECT_FALSE(DeadLetterQueue::Validate("arn:aws:sqs:x@10.1.2.3#:123456789012:q", with).ok());
  EXPECT_EQ(with.aws->Endpoint("sqs", "x@10.1.2.3#"), "https://invalid-region.invalid");
  EXPECT_EQ(with.aws->Endpoint("sqs", "eu-west-1"), "https://sqs.eu-west-1.amazonaws.com");
}

// AWS targets saved through the API go through the outbound address guard on AWS's public
// endpoints, like HTTP targets; a configured endpoint override is the operator's and is not.
TEST(AwsTargetRegistryTest, ApiTargetsToPublicEndpointsAreGuarded) {
  TargetEnv env = EnvWith(Creds());
  EXPECT_TRUE(AwsService::For(env, "sqs", "eu-west-1", bus::Origin::kApi).refuse_private_addresses);
  EXPECT_FALSE(
      AwsService::For(env, "sqs", "eu-west-1", bus::Origin::kConfig).refuse_private_addresses);
  env.allow_private_targets = true;
  EXPECT_FALSE(AwsService::For(env, "sqs", "eu-west-1", bus::Origin::kApi).refuse_private_addresses);
  TargetEnv overridden = EnvWith(Creds("http://127.0.0.1:1"));
  EXPECT_FALSE(
      AwsService::For(overridden, "sqs", "eu-west-1", bus::Origin::kApi).refuse_private_addresses);
}

// ---- a scripted fake AWS endpoint on loopback ----

class FakeAws : public http::Handler {
 public:
  struct Seen {
    std::string target, body;
    aws::AuthResult auth;  // as the EventBridge API verifies it (scope must say "events")
    http::Request request;
  };
  // Answers each request; default: every PutEvents/SendMessage entry succeeds.
  std::function<http::Response(const http::Request&)> answer;

  FakeAws() : verifier_(std::map<std::string, std::string>{{kKeyId, kSecret}}) {
    server_ =
        std::make_unique<http::Server>(http::ServerOptions{"127.0.0.1", 0, 2, 4 << 20, 60}, *this);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~FakeAws() override { server_->Stop(1000); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  void Handle(http::Request req, http::Respond respond) override {
    Seen s;
    s.target = std::string(req.Header("X-Amz-Target").value_or(""));
    s.body = req.body;
    s.auth = verifier_.Verify(req, SystemClock().NowMs());
    s.request = req;
    http::Response r = answer ? answer(req) : Succeed(req);
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(std::move(s));
    }
    respond(std::move(r));
  }
  static http::Response Succeed(const http::Request& req) {
    auto doc = json::Parse(req.body);
    if (doc.ok() && doc->Find("Entries") &&
        req.Header("X-Amz-Target").value_or("") == "AWSEvents.PutEvents") {
      std::string out = R"({"FailedEntryCount":0,"Entries":[)";
      for (size_t i = 0; i < doc->Find("Entries")->items().size(); ++i)
        out += (i ? "," : "") + std::string(R"({"EventId":"x"})");
      return http::Response::Json(200, out + "]}");
    }
    if (doc.ok() && doc->Find("Entries")) {
      std::string out = R"({"Successful":[)";
      for (size_t i = 0; i < doc->Find("Entries")->items().size(); ++i) {
        out += (i ? "," : "") + std::string(R"({"Id":")") + std::to_string(i) +
               R"(","MessageId":"m","MD5OfMessageBody":"x"})";
      }
      return http::Response::Json(200, out + R"(],"Failed":[]})");
    }
    return http::Response::Json(200, R"({"MessageId":"m","MD5OfMessageBody":"x"})");
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  aws::SigV4Verifier verifier_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

size_t EntriesIn(const std::string& body) {
  auto doc = json::Parse(body);
  if (!doc.ok()) return 0;
  const json::Value* e = doc->Find("Entries");
  return e != nullptr ? e->items().size() : 1;
}

class AwsTargetFakeTest : public ::testing::Test {
 protected:
  std::shared_ptr<Target> Make(const std::string& arn, const std::string& extra = "",
                               int64_t window_ms = 50, size_t max_bytes = 256 * 1024) {
    AwsSettings s = *Creds(fake_.url(), window_ms);
    s.max_request_bytes = max_bytes;
    env_ = EnvWith(std::make_shared<const AwsSettings>(s));
    env_.http = &client_;
    env_.metrics = &metrics_;
    TargetRegistry reg;
    RegisterBuiltins(reg);
    auto t = reg.Create(Def(arn, extra), env_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return *t;
  }
  FakeAws fake_;
  http::HttpClient client_;
  prometheus::Registry metrics_;
  TargetEnv env_;
};

constexpr const char* kBus = "arn:aws:events:eu-west-1:222222222222:event-bus/central";

TEST_F(AwsTargetFakeTest, PutEventsBatchesABurstIntoTens) {
  auto t = Make(kBus);
  Results r;
  for (size_t i = 0; i < 25; ++i) t->Send(Req("e" + std::to_string(i)), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(25));
  for (size_t i = 0; i < 25; ++i) EXPECT_EQ(r.at(i).kind, SendResult::kOk) << i;
  auto seen = fake_.seen();
  ASSERT_EQ(seen.size(), 3u);
  std::multiset<size_t> sizes;
  for (const auto& s : seen) sizes.insert(EntriesIn(s.body));
  EXPECT_EQ(sizes, (std::multiset<size_t>{10, 10, 5}));
}

TEST_F(AwsTargetFakeTest, LoneEventIsNotHeldLong) {
  auto t = Make(kBus, "", /*window_ms=*/2);
  Results r;
  auto start = std::chrono::steady_clock::now();
  t->Send(Req("lone"), r.Slot(0));
  ASSERT_TRUE(r.WaitFor(1));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took,
            std::chrono::milliseconds(1000));  // the window is 2 ms; generous for a loaded machine
  EXPECT_EQ(fake_.seen().size(), 1u);
}

TEST_F(AwsTargetFakeTest, RequestSizeLimitSplitsBatches) {
  auto t = Make(kBus, "", 50, /*max_bytes=*/4096);
  std::string big = R"({"pad":")" + std::string(1500, 'x') + "\"}";
  Results r;
  for (size_t i = 0; i < 5; ++i) t->Send(Req("b" + std::to_string(i), big), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(5));
  auto seen = fake_.seen();
  for (const auto& s : seen)
    EXPECT_LE(EntriesIn(s.body), 2u);  // 2 × ~1.5 KB fit in 4 KiB, 3 do not
  EXPECT_EQ(seen.size(), 3u);
  // An entry that cannot fit any request is dead-lettered without a request.
  Results r2;
  t->Send(Req("huge", R"({"pad":")" + std::string(5000, 'x') + "\"}"), r2.Slot(0));
  ASSERT_TRUE(r2.WaitFor(1));
  EXPECT_EQ(r2.at(0).kind, SendResult::kPermanent);
  EXPECT_EQ(r2.at(0).error_code, "ENTRY_TOO_LARGE");
}

TEST_F(AwsTargetFakeTest, RequestsAreSigV4Signed) {
  auto bus = Make(kBus);
  auto queue = Make("arn:aws:sqs:us-east-2:222222222222:orders");
  Results r;
  bus->Send(Req("s1"), r.Slot(0));
  queue->Send(Req("s2"), r.Slot(1));
  ASSERT_TRUE(r.WaitFor(2));
  auto seen = fake_.seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& s : seen) {
    // Recompute the signature the way AWS does (the API's verifier, any service scope).
    std::string authz = std::string(s.request.Header("Authorization").value_or(""));
    std::string amz_date = std::string(s.request.Header("X-Amz-Date").value_or(""));
    ASSERT_FALSE(amz_date.empty());
    const std::string prefix = std::string("AWS4-HMAC-SHA256 Credential=") + kKeyId + "/";
    ASSERT_TRUE(authz.starts_with(prefix)) << authz;
    size_t scope_end = authz.find(", SignedHeaders=");
    size_t sig = authz.find(", Signature=");
    ASSERT_NE(scope_end, std::string::npos);
    ASSERT_NE(sig, std::string::npos);
    std::string scope = authz.substr(prefix.size(), scope_end - prefix.size());
    std::string signed_headers = authz.substr(scope_end + 16, sig - scope_end - 16);
    EXPECT_TRUE(scope.ends_with(s.target == "AWSEvents.PutEvents" ? "/eu-west-1/events/aws4_request"
                                                                  : "/us-east-2/sqs/aws4_request"))
        << scope;
    EXPECT_NE(signed_headers.find("x-amz-target"), std::string::npos) << signed_headers;
    EXPECT_NE(signed_headers.find("host"), std::string::npos) << signed_headers;
    EXPECT_EQ(authz.substr(sig + 12),
              aws::SigV4Verifier::Sign(s.request, kSecret, amz_date, scope, signed_headers));
    if (s.target == "AWSEvents.PutEvents")
      EXPECT_EQ(s.auth.outcome, aws::AuthOutcome::kOk) << s.auth.message;
  }
  std::set<std::string> targets = {seen[0].target, seen[1].target};
  EXPECT_EQ(targets, (std::set<std::string>{"AWSEvents.PutEvents", "AmazonSQS.SendMessage"}));
}

TEST_F(AwsTargetFakeTest, PerEntryFailuresReachEachDelivery) {
  fake_.answer = [](const http::Request&) {
    return http::Response::Json(
        200, R"({"FailedEntryCount":2,"Entries":[{"EventId":"a"},)"
             R"({"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."},)"
             R"({"ErrorCode":"ThrottlingException","ErrorMessage":"slow down"}]})");
  };
  auto t = Make(kBus);
  Results r;
  for (size_t i = 0; i < 3; ++i) t->Send(Req("f" + std::to_string(i)), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(3));
  ASSERT_EQ(fake_.seen().size(), 1u);
  EXPECT_EQ(r.at(0).kind, SendResult::kOk);
  EXPECT_EQ(r.at(1).kind, SendResult::kPermanent);
  EXPECT_EQ(r.at(1).error_code, "MalformedDetail");
  EXPECT_EQ(r.at(1).message, "Detail is malformed.");
  EXPECT_EQ(r.at(2).kind, SendResult::kRetryable);
  EXPECT_EQ(r.at(2).error_code, "ThrottlingException");
  // The same series the target counted into.
  auto m = AwsMetricsFor(&metrics_, "events");
  EXPECT_EQ(m->requests->Value(), 1);
  EXPECT_EQ(m->delivered->Value(), 1);
  EXPECT_EQ(m->permanent->Value(), 1);
  EXPECT_EQ(m->retryable->Value(), 1);
}

TEST_F(AwsTargetFakeTest, FifoQueueSendsGroupAndDedupIdsInOrder) {
  auto t = Make("arn:aws:sqs:eu-west-1:222222222222:calls.fifo",
                R"(,"SqsParameters":{"MessageGroupId":"$.detail.conv"})", 20);
  Results r;
  for (size_t i = 0; i < 14; ++i) {
    t->Send(Req("id-" + std::to_string(i),
                R"({"conv":"c)" + std::to_string(i % 2) + R"(","i":)" + std::to_string(i) + "}"),
            r.Slot(i));
  }
  SendRequest no_group = Req("id-x", R"({"other":1})");
  Results r2;
  t->Send(no_group, r2.Slot(0));
  ASSERT_TRUE(r.WaitFor(14));
  ASSERT_TRUE(r2.WaitFor(1));
  EXPECT_EQ(r2.at(0).error_code, "NO_GROUP_ID");
  std::vector<std::string> order;
  for (const auto& s : fake_.seen()) {
    auto doc = json::Parse(s.body);
    ASSERT_TRUE(doc.ok());
    std::vector<json::Value> entries;
    if (const json::Value* e = doc->Find("Entries")) {
      EXPECT_EQ(s.target, "AmazonSQS.SendMessageBatch");
      entries = e->items();
    } else {
      entries.push_back(*doc);
    }
    for (const auto& e : entries) {
      auto body = json::Parse(e.Find("MessageBody")->as_string());
      std::string conv = body->FindPath("detail.conv")->as_string();
      EXPECT_EQ(e.Find("MessageGroupId")->as_string(), conv);
      EXPECT_EQ(e.Find("MessageDeduplicationId")->as_string(), body->Find("id")->as_string());
      order.push_back(body->Find("id")->as_string());
    }
  }
  ASSERT_EQ(order.size(), 14u);
  for (size_t i = 0; i < 14; ++i)
    EXPECT_EQ(order[i], "id-" + std::to_string(i));  // one request at a time
}

}  // namespace
}  // namespace cxbridge::deliver
