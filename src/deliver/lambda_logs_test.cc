// The Lambda and CloudWatch Logs target kinds (built on aws_target_kind.h): Lambda against a
// loopback server that checks the exact Invoke request (Lambda execution cannot run here) and
// answers as Lambda does; CloudWatch Logs against moto_server (skipped with a message when it is
// absent) and against the loopback server for its batching.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "aws/sigv4.h"
#include "deliver/aws_target_test_util.h"
#include "deliver/aws_targets.h"
#include "http/client.h"
#include "http/server.h"
#include "http/testing/moto_server.h"

namespace cxbridge::deliver {
namespace {

using aws_testing::Creds;
using aws_testing::Def;
using aws_testing::EnvWith;
using aws_testing::kKeyId;
using aws_testing::kSecret;
using aws_testing::Req;
using aws_testing::Results;

// Records every request and answers with `answer` (default 202, as Lambda's async Invoke).
class Loopback : public http::Handler {
 public:
  std::function<http::Response(const http::Request&)> answer;
  Loopback() {
    server_ = std::make_unique<http::Server>(http::ServerOptions{"127.0.0.1", 0, 2, 4 << 20, 60}, *this);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~Loopback() override { server_->Stop(1000); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void Handle(http::Request req, http::Respond respond) override {
    http::Response r = answer ? answer(req) : http::Response::Json(202, "");
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(req);
    }
    respond(std::move(r));
  }
  std::vector<http::Request> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<http::Request> seen_;
};

class AwsKindTest : public ::testing::Test {
 protected:
  std::shared_ptr<Target> Make(const std::string& endpoint, const std::string& arn,
                               int64_t window_ms = 2) {
    env_ = EnvWith(Creds(endpoint, window_ms));
    env_.http = &client_;
    TargetRegistry reg;
    RegisterBuiltins(reg);
    auto t = reg.Create(Def(arn), env_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : nullptr;
  }
  SendResult SendOne(Target& t, const SendRequest& req) {
    Results r;
    t.Send(req, r.Slot(0));
    EXPECT_TRUE(r.WaitFor(1));
    return r.at(0);
  }
  Loopback server_;
  http::HttpClient client_;
  TargetEnv env_;
};

constexpr const char* kFunction = "arn:aws:lambda:eu-west-1:222222222222:function:crm-sync:live";

TEST_F(AwsKindTest, LambdaInvokeIsTheExactAsyncRequest) {
  auto t = Make(server_.url(), kFunction);
  SendRequest req = Req("ev-1", R"({"conversationId":"c 1"})");
  EXPECT_EQ(SendOne(*t, req).kind, SendResult::kOk);
  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1u);
  const http::Request& r = seen[0];
  EXPECT_EQ(r.method, "POST");
  // The function ARN %-encoded in the path, as botocore sends it (src/aws/testdata).
  EXPECT_EQ(r.path,
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A222222222222%3Afunction%3Acrm-sync%3Alive/"
            "invocations");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(r.Header("X-Amz-Invocation-Type").value_or(""), "Event");
  EXPECT_FALSE(r.Header("X-Amz-Target").has_value());
  EXPECT_EQ(r.body, req.payload);  // the event itself, byte for byte
  // Signed for service lambda in the function's region, X-Amz-Invocation-Type included.
  aws::SigV4Verifier lambda(std::map<std::string, std::string>{{kKeyId, kSecret}}, "lambda");
  aws::AuthResult auth = lambda.Verify(r, SystemClock().NowMs());
  EXPECT_EQ(auth.outcome, aws::AuthOutcome::kOk) << auth.message;
  EXPECT_EQ(auth.region, "eu-west-1");
  std::string authz(r.Header("Authorization").value_or(""));
  EXPECT_NE(authz.find("SignedHeaders=host;x-amz-date;x-amz-invocation-type,"), std::string::npos)
      << authz;
}

TEST_F(AwsKindTest, LambdaErrorsRetryOrDeadLetterAsAwsDoes) {
  auto t = Make(server_.url(), kFunction);
  struct Case {
    int status;
    const char* type;
    SendResult::Kind kind;
  };
  const Case cases[] = {
      {429, "TooManyRequestsException", SendResult::kRetryable},
      {500, "ServiceException", SendResult::kRetryable},
      {502, "EC2ThrottledException", SendResult::kRetryable},
      {502, "ENILimitReachedException", SendResult::kRetryable},
      {409, "ResourceConflictException", SendResult::kRetryable},
      {503, "ResourceNotReadyException", SendResult::kRetryable},
      {404, "ResourceNotFoundException", SendResult::kPermanent},
      {403, "AccessDeniedException", SendResult::kPermanent},
      {413, "RequestTooLargeException", SendResult::kPermanent},
      {400, "InvalidRequestContentException", SendResult::kPermanent},
      {502, "KMSAccessDeniedException", SendResult::kPermanent},
      {502, "InvalidSubnetIDException", SendResult::kPermanent},
      {502, "EFSMountFailureException", SendResult::kPermanent},
  };
  for (const Case& c : cases) {
    server_.answer = [c](const http::Request&) {
      http::Response resp = http::Response::Json(
          c.status, std::string(R"({"Type":"User","message":"from lambda: )") + c.type + "\"}");
      resp.headers.emplace_back("x-amzn-ErrorType",
                                std::string(c.type) + ":http://internal.amazon.com/coral/com.amazon.coral.service/");
      return resp;
    };
    SendResult r = SendOne(*t, Req("e"));
    EXPECT_EQ(r.kind, c.kind) << c.type;
    EXPECT_EQ(r.error_code, c.type);
    EXPECT_EQ(r.message, std::string("from lambda: ") + c.type);
  }
}

TEST_F(AwsKindTest, LambdaRefusals) {
  auto t = Make(server_.url(), kFunction);
  SendRequest big = Req("big");
  big.payload = std::string(256 * 1024 + 1, 'x');
  SendResult r = SendOne(*t, big);
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "ENTRY_TOO_LARGE");
  EXPECT_TRUE(server_.seen().empty());

  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv with = EnvWith(Creds()), none = EnvWith(nullptr);
  EXPECT_TRUE(reg.Validate(Def("arn:aws:lambda:eu-west-1:222222222222:function:f"), with).ok());
  EXPECT_TRUE(reg.Validate(Def("arn:aws:lambda:eu-west-1:222222222222:function:f:3"), with).ok());
  Status st = reg.Validate(Def("arn:aws:lambda:eu-west-1:222222222222:function:f"), none);
  EXPECT_NE(st.message().find("no AWS credentials"), std::string::npos) << st.message();
  for (const char* bad : {"arn:aws:lambda:eu-west-1:222222222222:layer:l:1",
                          "arn:aws:lambda:eu-west-1:222222222222:function:",
                          "arn:aws:lambda:eu-west-1:222222222222:function:a:b:c",
                          "arn:aws:lambda:eu-west-1:2222:function:f"}) {
    st = reg.Validate(Def(bad), with);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
  }
}

// A target nobody delivers to is refused where it is saved, naming what is supported.
TEST_F(AwsKindTest, UndeliverableKindsAreRefused) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv with = EnvWith(Creds());
  for (const char* arn : {"arn:aws:ecs:eu-west-1:222222222222:cluster/c",
                          "arn:aws:batch:eu-west-1:222222222222:job-queue/q",
                          "arn:aws:codebuild:eu-west-1:222222222222:project/p",
                          "arn:aws:ssm:eu-west-1:222222222222:document/d",
                          "arn:aws:execute-api:eu-west-1:222222222222:abc/prod/POST/x", "test-bucket"}) {
    Status st = reg.Validate(Def(arn), with);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << arn;
    EXPECT_NE(st.message().find("no target kind serves it (supported: "), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("arn:aws:lambda:"), std::string::npos);
    EXPECT_EQ(reg.Create(Def(arn), with).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(AwsKindTest, LogsBatchesIntoOneStream) {
  std::atomic<int> puts{0};
  server_.answer = [&puts](const http::Request& r) {
    if (r.Header("X-Amz-Target").value_or("") == "Logs_20140328.PutLogEvents") ++puts;
    return http::Response::Json(200, "{}");
  };
  auto t = Make(server_.url(), "arn:aws:logs:eu-west-1:222222222222:log-group:/cx/events:*",
                /*window_ms=*/100);
  Results r;
  for (size_t i = 0; i < 30; ++i) t->Send(Req("l" + std::to_string(i)), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(30));
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(r.at(i).kind, SendResult::kOk) << i;
  auto seen = server_.seen();
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0].Header("X-Amz-Target").value_or(""), "Logs_20140328.CreateLogStream");
  EXPECT_EQ(seen[0].body, R"({"logGroupName":"/cx/events","logStreamName":"cxbridge-t"})");
  size_t events = 0;
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].Header("X-Amz-Target").value_or(""), "Logs_20140328.PutLogEvents");
    auto doc = json::Parse(seen[i].body);
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->Find("logStreamName")->as_string(), "cxbridge-t");
    const auto& items = doc->Find("logEvents")->items();
    events += items.size();
    for (const auto& e : items) {
      EXPECT_TRUE(e.Find("timestamp")->is_number());
      EXPECT_EQ(json::Parse(e.Find("message")->as_string())->Find("source")->as_string(),
                "genesys.cloud");
    }
    aws::SigV4Verifier logs(std::map<std::string, std::string>{{kKeyId, kSecret}}, "logs");
    EXPECT_EQ(logs.Verify(seen[i], SystemClock().NowMs()).outcome, aws::AuthOutcome::kOk);
  }
  EXPECT_EQ(events, 30u);
  EXPECT_LT(puts.load(), 30);  // batched: 30 events in fewer requests
  // Rejected events are dead-lettered one by one; the others delivered.
  auto mapped = MapPutLogEventsResponse(
      http::ClientResponse{200, false, "", false, {}, R"({"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1,"tooNewLogEventStartIndex":3}})"},
      4);
  EXPECT_EQ(mapped[0].error_code, "LOG_EVENT_REJECTED");
  EXPECT_EQ(mapped[1].error_code, "LOG_EVENT_REJECTED");
  EXPECT_EQ(mapped[2].kind, SendResult::kOk);
  EXPECT_EQ(mapped[3].kind, SendResult::kPermanent);
}

// ---- CloudWatch Logs against moto_server ----

json::Value MotoLogs(const std::string& op, const std::string& body, int want_status = 200) {
  static http::HttpClient client;
  AwsSettings s = *Creds();
  std::promise<http::ClientResponse> p;
  AwsCall call;
  call.endpoint = moto_testing::MotoServer::Get()->endpoint();
  call.region = "us-east-1";
  call.service = "logs";
  call.content_type = "application/x-amz-json-1.1";
  call.op = "Logs_20140328." + op;
  call.body = body;
  SendAwsCall(&client, s, &SystemClock(), call,
              [&p](http::ClientResponse r) { p.set_value(std::move(r)); });
  http::ClientResponse r = p.get_future().get();
  EXPECT_EQ(r.status, want_status) << op << ": " << r.body;
  auto doc = json::Parse(r.body.empty() ? "{}" : r.body);
  return doc.ok() ? *doc : json::Value();
}

TEST_F(AwsKindTest, LogsReachMotosLogGroup) {
  CXB_REQUIRE_MOTO();
  const std::string group = "/cxbridge/logs-" + std::to_string(SystemClock().NowMs());
  MotoLogs("CreateLogGroup", R"({"logGroupName":")" + group + R"("})");
  auto t = Make(moto_testing::MotoServer::Get()->endpoint(),
                "arn:aws:logs:us-east-1:123456789012:log-group:" + group, 20);
  Results r;
  std::vector<std::string> sent;
  for (size_t i = 0; i < 12; ++i) {
    SendRequest req = Req("m" + std::to_string(i));
    sent.push_back(req.payload);
    t->Send(req, r.Slot(i));
  }
  ASSERT_TRUE(r.WaitFor(12));
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(r.at(i).kind, SendResult::kOk) << r.at(i).message;
  json::Value got = MotoLogs("GetLogEvents", R"({"logGroupName":")" + group +
                                                 R"(","logStreamName":"cxbridge-t","startFromHead":true})");
  std::multiset<std::string> messages, expected(sent.begin(), sent.end());
  for (const auto& e : got.Find("events")->items()) messages.insert(e.Find("message")->as_string());
  EXPECT_EQ(messages, expected);

  // The stream deleted under the target: created again, nothing lost.
  MotoLogs("DeleteLogStream", R"({"logGroupName":")" + group + R"(","logStreamName":"cxbridge-t"})");
  SendResult first = SendOne(*t, Req("after-delete"));
  EXPECT_EQ(first.kind, SendResult::kRetryable);
  EXPECT_EQ(first.error_code, "LOG_STREAM_MISSING");
  EXPECT_EQ(SendOne(*t, Req("after-delete")).kind, SendResult::kOk);

  // A log group that does not exist: dead-lettered with AWS's code.
  auto missing = Make(moto_testing::MotoServer::Get()->endpoint(),
                      "arn:aws:logs:us-east-1:123456789012:log-group:/cxbridge/none");
  SendResult r2 = SendOne(*missing, Req("x"));
  EXPECT_EQ(r2.kind, SendResult::kPermanent);
  EXPECT_EQ(r2.error_code, "ResourceNotFoundException");
}

}  // namespace
}  // namespace cxbridge::deliver
