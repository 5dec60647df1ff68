// The AWS target kinds against the real thing: moto_server as EventBridge and SQS (skipped with a
// message when moto_server is absent).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "deliver/aws_target_test_util.h"
#include "deliver/aws_targets.h"
#include "http/client.h"
#include "http/testing/moto_server.h"

namespace cxbridge::deliver {
namespace {

using aws_testing::Creds;
using aws_testing::Def;
using aws_testing::EnvWith;
using aws_testing::Req;
using aws_testing::Results;

constexpr const char* kMotoAccount = "123456789012";  // moto's default account

// ---- against moto_server ----

// A signed AWS JSON call to moto, synchronously (test setup and checks).
json::Value MotoCall(const std::string& service, const std::string& op, const std::string& body,
                     const std::string& region = "us-east-1") {
  static http::HttpClient client;
  AwsSettings s = *Creds();
  std::promise<http::ClientResponse> p;
  AwsCall call;
  call.endpoint = moto_testing::MotoServer::Get()->endpoint();
  call.region = region;
  call.service = service;
  call.content_type = service == "sqs" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
  call.op = op;
  call.body = body;
  SendAwsCall(&client, s, &SystemClock(), call,
              [&p](http::ClientResponse r) { p.set_value(std::move(r)); });
  http::ClientResponse r = p.get_future().get();
  EXPECT_EQ(r.status, 200) << op << ": " << r.body;
  auto doc = json::Parse(r.body.empty() ? "{}" : r.body);
  return doc.ok() ? *doc : json::Value();
}

// Receives (and deletes) up to `want` messages, polling until they arrive.
std::vector<std::string> Drain(const std::string& queue_url, size_t want, int seconds = 20) {
  std::vector<std::string> bodies;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (bodies.size() < want && std::chrono::steady_clock::now() < deadline) {
    json::Value r = MotoCall(
        "sqs", "AmazonSQS.ReceiveMessage",
        R"({"QueueUrl":")" + queue_url + R"(","MaxNumberOfMessages":10,"WaitTimeSeconds":1})");
    const json::Value* msgs = r.Find("Messages");
    if (msgs == nullptr) continue;
    for (const auto& m : msgs->items()) {
      bodies.push_back(m.Find("Body")->as_string());
      MotoCall("sqs", "AmazonSQS.DeleteMessage",
               R"({"QueueUrl":")" + queue_url + R"(","ReceiptHandle":)" +
                   json::Serialize(*m.Find("ReceiptHandle")) + "}");
    }
  }
  return bodies;
}

class AwsTargetMotoTest : public ::testing::Test {
 protected:
  void SetUp() override { CXB_REQUIRE_MOTO(); }
  std::shared_ptr<Target> Make(const std::string& arn, const std::string& extra = "") {
    env_ = EnvWith(Creds(moto_testing::MotoServer::Get()->endpoint(), 5));
    env_.http = &client_;
    TargetRegistry reg;
    RegisterBuiltins(reg);
    auto t = reg.Create(Def(arn, extra), env_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : nullptr;
  }
  std::string CreateQueue(const std::string& name, bool fifo) {
    std::string attrs = fifo ? R"(,"Attributes":{"FifoQueue":"true"})" : "";
    json::Value r =
        MotoCall("sqs", "AmazonSQS.CreateQueue", R"({"QueueName":")" + name + "\"" + attrs + "}");
    return r.Find("QueueUrl") ? r.Find("QueueUrl")->as_string() : "";
  }
  http::HttpClient client_;
  TargetEnv env_;
};

TEST_F(AwsTargetMotoTest, PutEventsReachTheBusAndItsRules) {
  const std::string queue_url = CreateQueue("from-bus", false);
  MotoCall("events", "AWSEvents.CreateEventBus", R"({"Name":"central"})");
  MotoCall(
      "events", "AWSEvents.PutRule",
      R"({"Name":"all","EventBusName":"central","EventPattern":"{\"source\":[\"genesys.cloud\"]}"})");
  MotoCall(
      "events", "AWSEvents.PutTargets",
      R"({"Rule":"all","EventBusName":"central","Targets":[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:)" +
          std::string(kMotoAccount) + R"(:from-bus"}]})");
  auto t = Make("arn:aws:events:us-east-1:" + std::string(kMotoAccount) + ":event-bus/central");
  ASSERT_TRUE(t);
  Results r;
  for (size_t i = 0; i < 12; ++i)
    t->Send(Req("m" + std::to_string(i), R"({"i":)" + std::to_string(i) + "}"), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(12));
  for (size_t i = 0; i < 12; ++i)
    EXPECT_EQ(r.at(i).kind, SendResult::kOk) << r.at(i).error_code << r.at(i).message;
  std::vector<std::string> bodies = Drain(queue_url, 12);
  ASSERT_EQ(bodies.size(), 12u);
  std::set<int64_t> seen;
  for (const auto& b : bodies) {
    auto ev = json::Parse(b);
    ASSERT_TRUE(ev.ok()) << b;
    EXPECT_EQ(ev->Find("source")->as_string(), "genesys.cloud");
    EXPECT_EQ(ev->Find("detail-type")->as_string(), "v2.users.{id}.presence");
    int64_t i = -1;
    ev->FindPath("detail.i")->as_int64(&i);
    seen.insert(i);
  }
  EXPECT_EQ(seen.size(), 12u);
}

TEST_F(AwsTargetMotoTest, MalformedDetailIsPermanentWithAwsCode) {
  MotoCall("events", "AWSEvents.CreateEventBus", R"({"Name":"strict"})");
  auto t = Make("arn:aws:events:us-east-1:" + std::string(kMotoAccount) + ":event-bus/strict",
                R"(,"InputPath":"$.detail")");
  ASSERT_TRUE(t);
  SendRequest bad = Req("x1");
  bad.payload = "not json";  // a transform that rendered text: it becomes the Detail
  SendRequest good = Req("x2");
  good.payload = R"({"ok":true})";
  Results r;
  t->Send(bad, r.Slot(0));
  t->Send(good, r.Slot(1));
  ASSERT_TRUE(r.WaitFor(2));
  EXPECT_EQ(r.at(0).kind, SendResult::kPermanent);
  EXPECT_EQ(r.at(0).error_code, "MalformedDetail");
  EXPECT_EQ(r.at(0).message, "Detail is malformed.");
  EXPECT_EQ(r.at(1).kind, SendResult::kOk);
}

TEST_F(AwsTargetMotoTest, UnknownBusAndQueueArePermanent) {
  auto bus = Make("arn:aws:events:us-east-1:" + std::string(kMotoAccount) + ":event-bus/missing");
  auto queue = Make("arn:aws:sqs:us-east-1:" + std::string(kMotoAccount) + ":missing");
  ASSERT_TRUE(bus && queue);
  Results r;
  bus->Send(Req("u1"), r.Slot(0));
  queue->Send(Req("u2"), r.Slot(1));
  ASSERT_TRUE(r.WaitFor(2));
  EXPECT_EQ(r.at(0).kind, SendResult::kPermanent);
  EXPECT_EQ(r.at(0).error_code, "ResourceNotFoundException");  // moto; AWS itself drops the event
  EXPECT_EQ(r.at(1).kind, SendResult::kPermanent);
  EXPECT_EQ(r.at(1).error_code, "QueueDoesNotExist");
}

TEST_F(AwsTargetMotoTest, StandardQueueBatches) {
  const std::string url = CreateQueue("plain", false);
  auto t = Make("arn:aws:sqs:us-east-1:" + std::string(kMotoAccount) + ":plain");
  ASSERT_TRUE(t);
  Results r;
  for (size_t i = 0; i < 15; ++i) t->Send(Req("p" + std::to_string(i)), r.Slot(i));
  ASSERT_TRUE(r.WaitFor(15));
  for (size_t i = 0; i < 15; ++i)
    EXPECT_EQ(r.at(i).kind, SendResult::kOk) << r.at(i).error_code << r.at(i).message;
  EXPECT_EQ(Drain(url, 15).size(), 15u);
}

TEST_F(AwsTargetMotoTest, FifoQueueKeepsOrderPerGroup) {
  const std::string url = CreateQueue("calls.fifo", true);
  auto t = Make("arn:aws:sqs:us-east-1:" + std::string(kMotoAccount) + ":calls.fifo",
                R"(,"SqsParameters":{"MessageGroupId":"$.detail.conv"})");
  ASSERT_TRUE(t);
  Results r;
  for (size_t i = 0; i < 30; ++i) {
    t->Send(Req("o" + std::to_string(i),
                R"({"conv":"c)" + std::to_string(i % 3) + R"(","i":)" + std::to_string(i) + "}"),
            r.Slot(i));
  }
  // The same event again: SQS drops it by MessageDeduplicationId (the event id).
  Results again;
  t->Send(Req("o0", R"({"conv":"c0","i":0})"), again.Slot(0));
  ASSERT_TRUE(r.WaitFor(30));
  ASSERT_TRUE(again.WaitFor(1));
  for (size_t i = 0; i < 30; ++i)
    EXPECT_EQ(r.at(i).kind, SendResult::kOk) << r.at(i).error_code << r.at(i).message;
  std::vector<std::string> bodies = Drain(url, 30);
  ASSERT_EQ(bodies.size(), 30u);
  EXPECT_TRUE(Drain(url, 1, 2).empty());  // the repeated event was deduplicated
  std::map<std::string, std::vector<int64_t>> per_group;
  for (const auto& b : bodies) {
    auto ev = json::Parse(b);
    int64_t i = -1;
    ev->FindPath("detail.i")->as_int64(&i);
    per_group[ev->FindPath("detail.conv")->as_string()].push_back(i);
  }
  ASSERT_EQ(per_group.size(), 3u);
  for (const auto& [g, seq] : per_group) {
    EXPECT_TRUE(std::is_sorted(seq.begin(), seq.end())) << g;
    EXPECT_EQ(seq.size(), 10u) << g;
  }
}

}  // namespace
}  // namespace cxbridge::deliver
