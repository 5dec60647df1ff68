// QueueService semantics with a FakeClock and a real RocksDB in a temp folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <random>

#include "queue/md5.h"
#include "queue/record.h"
#include "queue/service.h"
#include "queue/sqs_handler.h"
#include "store/embedded.h"

namespace cxbridge::queue {
namespace {

namespace fs = std::filesystem;

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cxb-queue-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    Close();
    fs::remove_all(dir_);
  }
  void Open() {
    auto db = store::Db::Open(dir_.string(), clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    qs_ = std::make_unique<store::EmbeddedQueueStore>(*db_);
    svc_ = std::make_unique<QueueService>(*qs_, clock_, "123456789012", "us-east-1");
    ASSERT_TRUE(svc_->Open().ok());
  }
  void Close() {
    svc_.reset();
    qs_.reset();
    db_.reset();
  }

  std::string Send(const std::string& q, const std::string& body, const std::string& group = "",
                   const std::string& dedup = "", int delay = -1) {
    SendInput in;
    in.body = body;
    in.group_id = group;
    in.dedup_id = dedup;
    in.delay_seconds = delay;
    std::vector<SendInput> v;
    v.push_back(std::move(in));
    auto r = svc_->Send(q, std::move(v), true);
    EXPECT_TRUE(r[0].first.ok()) << r[0].first.message;
    return r[0].second.message_id;
  }

  std::vector<ReceivedMessage> Receive(const std::string& q, int max = 10, int vis = -1) {
    std::vector<ReceivedMessage> out;
    ReceiveInput in{q, max, vis, 0};
    svc_->Receive(in, [&](QueueError e, std::vector<ReceivedMessage> m) {
      EXPECT_TRUE(e.ok()) << e.message;
      out = std::move(m);
    });
    return out;
  }

  std::vector<std::string> Bodies(const std::vector<ReceivedMessage>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.body);
    return out;
  }

  std::string Attr(const std::string& q, const std::string& name) {
    std::map<std::string, std::string> a;
    EXPECT_TRUE(svc_->GetAttributes(q, {name}, &a).ok());
    return a[name];
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<store::EmbeddedQueueStore> qs_;
  std::unique_ptr<QueueService> svc_;
};

TEST_F(QueueTest, StandardSendReceiveDelete) {
  ASSERT_TRUE(svc_->CreateQueue("jobs", {}).ok());
  Send("jobs", "a");
  Send("jobs", "b");
  Send("jobs", "c");
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessages"), "3");
  auto got = Receive("jobs");
  EXPECT_EQ(Bodies(got), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(got[0].md5_body, Md5Hex("a"));
  EXPECT_TRUE(Receive("jobs").empty());  // all in flight
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessagesNotVisible"), "3");
  for (const auto& m : got) EXPECT_TRUE(svc_->DeleteMessage("jobs", m.receipt_handle).ok());
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessages"), "0");
}

TEST_F(QueueTest, BatchDeleteReportsEachEntryAndIsDurable) {
  ASSERT_TRUE(svc_->CreateQueue("jobs", {}).ok());
  ASSERT_TRUE(svc_->CreateQueue("other", {}).ok());
  Send("jobs", "a");
  Send("jobs", "b");
  Send("jobs", "c");
  Send("other", "x");
  auto got = Receive("jobs");
  ASSERT_EQ(got.size(), 3u);
  auto foreign = Receive("other");
  ASSERT_EQ(foreign.size(), 1u);
  auto results = svc_->DeleteMessages(
      "jobs", {got[0].receipt_handle, "garbage", foreign[0].receipt_handle, got[2].receipt_handle});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code, Errc::kReceiptHandleIsInvalid);
  EXPECT_EQ(results[2].code, Errc::kReceiptHandleIsInvalid);  // another queue's receipt
  EXPECT_TRUE(results[3].ok());
  EXPECT_EQ(svc_->DeleteMessages("nope", {got[1].receipt_handle})[0].code,
            Errc::kQueueDoesNotExist);
  // The deletes are on disk: after a restart only "b" comes back (once its visibility ends).
  Close();
  Open();
  clock_.AdvanceMs(31'000);
  EXPECT_EQ(Bodies(Receive("jobs")), (std::vector<std::string>{"b"}));
}

TEST_F(QueueTest, VisibilityTimeoutRedeliversAndStaleReceiptIsANoOp) {
  ASSERT_TRUE(svc_->CreateQueue("jobs", {{"VisibilityTimeout", "30"}}).ok());
  Send("jobs", "a");
  auto first = Receive("jobs");
  ASSERT_EQ(first.size(), 1u);
  clock_.AdvanceMs(29'000);
  EXPECT_TRUE(Receive("jobs").empty());
  clock_.AdvanceMs(2'000);
  auto second = Receive("jobs");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].receive_count, 2u);
  EXPECT_EQ(second[0].message_id, first[0].message_id);
  // The first consumer's receipt is stale: success, but the message stays.
  EXPECT_TRUE(svc_->DeleteMessage("jobs", first[0].receipt_handle).ok());
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_TRUE(svc_->DeleteMessage("jobs", second[0].receipt_handle).ok());
  EXPECT_EQ(Attr("jobs", "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(svc_->DeleteMessage("jobs", "garbage").code, Errc::kReceiptHandleIsInvalid);
}

TEST_F(QueueTest, ChangeVisibility) {
  ASSERT_TRUE(svc_->CreateQueue("jobs", {}).ok());
  Send("jobs", "a");
  auto got = Receive("jobs");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(svc_->ChangeVisibility("jobs", got[0].receipt_handle, 0).ok());
  auto again = Receive("jobs", 10, 100);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(svc_->ChangeVisibility("jobs", again[0].receipt_handle, 5).ok());
  clock_.AdvanceMs(6'000);
  EXPECT_EQ(svc_->ChangeVisibility("jobs", again[0].receipt_handle, 5).code, Errc::kMessageNotInflight);
}

TEST_F(QueueTest, FifoDeliversEachGroupInOrderAndBlocksAGroupInFlight) {
  ASSERT_TRUE(svc_->CreateQueue("orders.fifo", {{"FifoQueue", "true"}}).ok());
  Send("orders.fifo", "A1", "A", "1");
  Send("orders.fifo", "A2", "A", "2");
  Send("orders.fifo", "B1", "B", "3");
  auto a1 = Receive("orders.fifo", 1);
  EXPECT_EQ(Bodies(a1), (std::vector<std::string>{"A1"}));
  EXPECT_EQ(Bodies(Receive("orders.fifo", 1)), (std::vector<std::string>{"B1"}));  // A is blocked
  EXPECT_TRUE(Receive("orders.fifo", 10).empty());
  ASSERT_TRUE(svc_->DeleteMessage("orders.fifo", a1[0].receipt_handle).ok());
  auto a2 = Receive("orders.fifo", 10);
  EXPECT_EQ(Bodies(a2), (std::vector<std::string>{"A2"}));
  EXPECT_EQ(a2[0].group_id, "A");
  EXPECT_EQ(a2[0].sequence_number.size(), 20u);
}

TEST_F(QueueTest, FifoBatchHandsOutAGroupInOrder) {
  ASSERT_TRUE(svc_->CreateQueue("o.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}).ok());
  for (int i = 1; i <= 5; ++i) Send("o.fifo", "m" + std::to_string(i), "g");
  EXPECT_EQ(Bodies(Receive("o.fifo", 10)), (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5"}));
}

TEST_F(QueueTest, FifoDeduplicatesWithinFiveMinutes) {
  ASSERT_TRUE(svc_->CreateQueue("d.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}).ok());
  std::string id1 = Send("d.fifo", "x", "g", "same");
  std::string id2 = Send("d.fifo", "y", "g", "same");
  EXPECT_EQ(id1, id2);
  Send("d.fifo", "body", "g");
  EXPECT_EQ(Send("d.fifo", "body", "g"), Send("d.fifo", "body", "g"));  // content-based
  EXPECT_EQ(Attr("d.fifo", "ApproximateNumberOfMessages"), "2");
  clock_.AdvanceMs(5 * 60 * 1000 + 1);
  EXPECT_NE(Send("d.fifo", "x", "g", "same"), id1);
  EXPECT_EQ(Attr("d.fifo", "ApproximateNumberOfMessages"), "3");
}

TEST_F(QueueTest, ForgetUndoesAnAddThatWasNotWritten) {
  // What Send does when its write fails: the index must not keep a message the store lacks
  // (a receive would find it unreadable) nor its dedup id (a retry would be a "duplicate").
  QueueConfig cfg;
  cfg.fifo = true;
  Queue q("f.fifo", cfg, clock_.NowMs());
  MessageRecord rec;
  rec.message_id = "m1";
  rec.body = "b";
  rec.group_id = "g";
  rec.dedup_id = "d";
  store::QueueWrite wb;
  q.Add(7, rec, 0, clock_.NowMs(), &wb);
  ASSERT_NE(q.FindDuplicate("d", clock_.NowMs()), nullptr);
  q.Forget(7, "d");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.FindDuplicate("d", clock_.NowMs()), nullptr);
  EXPECT_FALSE(q.HasVisible(clock_.NowMs()));
  std::vector<uint64_t> to_dlq;
  EXPECT_TRUE(q.Receive(10, 1000, clock_.NowMs(), 0, [] { return uint64_t{1}; }, &wb, &to_dlq).empty());
  q.Add(8, rec, 0, clock_.NowMs(), &wb);  // the retry is a new message of its group
  auto got = q.Receive(10, 1000, clock_.NowMs(), 0, [] { return uint64_t{1}; }, &wb, &to_dlq);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 8u);
}

TEST_F(QueueTest, NearlyFullDiskRefusesSendsAndLeavesNothingUnreadable) {
  ASSERT_TRUE(svc_->CreateQueue("s", {}).ok());
  Send("s", "before");
  Close();
  store::Db::Options o;
  o.min_free_bytes = UINT64_MAX;  // no file system has this much free
  auto db = store::Db::Open(dir_.string(), clock_, o);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  qs_ = std::make_unique<store::EmbeddedQueueStore>(*db_);
  svc_ = std::make_unique<QueueService>(*qs_, clock_, "123456789012", "us-east-1");
  ASSERT_TRUE(svc_->Open().ok());
  for (bool durable : {true, false}) {  // SendMessage and a rule target's delivery
    std::vector<SendInput> v(1);
    v[0].body = "refused";
    auto r = svc_->Send("s", std::move(v), durable);
    EXPECT_EQ(r[0].first.code, Errc::kUnavailable);
    EXPECT_NE(r[0].first.message.find("nearly full"), std::string::npos) << r[0].first.message;
  }
  // Consumers still drain: receive and delete only need the database's own reserve.
  auto got = Receive("s");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "before");
  EXPECT_TRUE(svc_->DeleteMessages("s", {got[0].receipt_handle})[0].ok());
  EXPECT_TRUE(Receive("s").empty());
}

TEST_F(QueueTest, FifoSendNeedsGroupAndDedup) {
  ASSERT_TRUE(svc_->CreateQueue("f.fifo", {{"FifoQueue", "true"}}).ok());
  std::vector<SendInput> v(2);
  v[0].body = "x";  // no group
  v[1].body = "x";
  v[1].group_id = "g";  // no dedup id and no content-based dedup
  auto r = svc_->Send("f.fifo", std::move(v), true);
  EXPECT_EQ(r[0].first.code, Errc::kMissingParameter);
  EXPECT_EQ(r[1].first.code, Errc::kInvalidParameterValue);
  EXPECT_EQ(svc_->CreateQueue("plain", {{"FifoQueue", "true"}}).code, Errc::kInvalidParameterValue);
  EXPECT_EQ(svc_->CreateQueue("bad name!", {}).code, Errc::kInvalidParameterValue);
}

TEST_F(QueueTest, RedrivePolicyMovesToTheDeadLetterQueue) {
  ASSERT_TRUE(svc_->CreateQueue("dlq", {}).ok());
  ASSERT_TRUE(svc_->CreateQueue("work", {{"RedrivePolicy",
                                          R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"2"})"}})
                  .ok());
  std::string id = Send("work", "poison");
  EXPECT_EQ(Receive("work", 10, 0).size(), 1u);
  EXPECT_EQ(Receive("work", 10, 0).size(), 1u);
  EXPECT_TRUE(Receive("work", 10, 0).empty());  // third receive: moved instead
  auto dead = Receive("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, id);
  EXPECT_EQ(dead[0].body, "poison");
  EXPECT_EQ(dead[0].receive_count, 1u);
  EXPECT_EQ(svc_->CreateQueue("x", {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:nope","maxReceiveCount":1})"}}).code,
            Errc::kInvalidParameterValue);
}

TEST_F(QueueTest, AttributesCountsDelayAndAge) {
  ASSERT_TRUE(svc_->CreateQueue("q", {{"DelaySeconds", "10"}}).ok());
  Send("q", "late");
  Send("q", "now", "", "", 0);
  clock_.AdvanceMs(4'000);
  EXPECT_EQ(Attr("q", "ApproximateNumberOfMessagesDelayed"), "1");
  EXPECT_EQ(Attr("q", "ApproximateNumberOfMessages"), "1");
  EXPECT_EQ(Attr("q", "ApproximateAgeOfOldestMessage"), "4");
  EXPECT_EQ(Attr("q", "QueueArn"), "arn:aws:sqs:us-east-1:123456789012:q");
  std::map<std::string, std::string> all;
  ASSERT_TRUE(svc_->GetAttributes("q", {"All"}, &all).ok());
  EXPECT_EQ(all["DelaySeconds"], "10");
  EXPECT_EQ(all["VisibilityTimeout"], "30");
  std::map<std::string, std::string> none;
  EXPECT_EQ(svc_->GetAttributes("q", {"Bogus"}, &none).code, Errc::kInvalidAttributeName);
  EXPECT_EQ(svc_->CreateQueue("q2", {{"VisibilityTimeout", "99999"}}).code, Errc::kInvalidAttributeValue);
  EXPECT_EQ(svc_->CreateQueue("q", {{"DelaySeconds", "5"}}).code, Errc::kQueueNameExists);
  EXPECT_TRUE(svc_->CreateQueue("q", {{"DelaySeconds", "10"}}).ok());
}

TEST_F(QueueTest, StateSurvivesRestart) {
  ASSERT_TRUE(svc_->CreateQueue("r.fifo", {{"FifoQueue", "true"}}).ok());
  std::string id = Send("r.fifo", "A1", "A", "d1");
  Send("r.fifo", "A2", "A", "d2");
  Send("r.fifo", "B1", "B", "d3");
  auto a1 = Receive("r.fifo", 1);
  ASSERT_EQ(Bodies(a1), (std::vector<std::string>{"A1"}));
  Close();
  Open();
  // A1 is still in flight (group A blocked), B1 is ready, dedup ids are remembered.
  EXPECT_EQ(Bodies(Receive("r.fifo", 10)), (std::vector<std::string>{"B1"}));
  EXPECT_EQ(Send("r.fifo", "again", "A", "d1"), id);
  ASSERT_TRUE(svc_->DeleteMessage("r.fifo", a1[0].receipt_handle).ok());  // receipts survive too
  EXPECT_EQ(Bodies(Receive("r.fifo", 10)), (std::vector<std::string>{"A2"}));
  std::string id4 = Send("r.fifo", "A3", "A", "d4");
  EXPECT_NE(id4, id);
}

TEST_F(QueueTest, LongPollIsAnsweredBySendOrByTheDeadline) {
  ASSERT_TRUE(svc_->CreateQueue("lp", {}).ok());
  svc_->Start();
  std::promise<std::vector<ReceivedMessage>> p;
  svc_->Receive(ReceiveInput{"lp", 10, -1, 20}, [&](QueueError, std::vector<ReceivedMessage> m) { p.set_value(std::move(m)); });
  auto f = p.get_future();
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  Send("lp", "wake");
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(Bodies(f.get()), (std::vector<std::string>{"wake"}));

  std::promise<std::vector<ReceivedMessage>> p2;
  svc_->Receive(ReceiveInput{"lp", 10, -1, 20}, [&](QueueError, std::vector<ReceivedMessage> m) { p2.set_value(std::move(m)); });
  auto f2 = p2.get_future();
  EXPECT_EQ(f2.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  clock_.AdvanceMs(20'001);
  svc_->Wake();
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(f2.get().empty());

  // A message that becomes visible again answers a parked receive, and Stop answers the rest.
  std::promise<std::vector<ReceivedMessage>> p3;
  svc_->Receive(ReceiveInput{"lp", 10, -1, 20}, [&](QueueError, std::vector<ReceivedMessage> m) { p3.set_value(std::move(m)); });
  clock_.AdvanceMs(31'000);  // "wake" was never deleted: its visibility timeout ends
  svc_->Wake();
  auto f3 = p3.get_future();
  ASSERT_EQ(f3.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f3.get().size(), 1u);
  std::promise<std::vector<ReceivedMessage>> p4;
  svc_->Receive(ReceiveInput{"lp", 10, -1, 20}, [&](QueueError, std::vector<ReceivedMessage> m) { p4.set_value(std::move(m)); });
  svc_->Stop();
  EXPECT_EQ(p4.get_future().wait_for(std::chrono::seconds(1)), std::future_status::ready);
}

TEST_F(QueueTest, RetentionPeriodDropsOldMessages) {
  ASSERT_TRUE(svc_->CreateQueue("short", {{"MessageRetentionPeriod", "60"}}).ok());
  Send("short", "old");
  svc_->Start();
  clock_.AdvanceMs(61'000);
  svc_->Wake();
  for (int i = 0; i < 200 && Attr("short", "ApproximateNumberOfMessages") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Attr("short", "ApproximateNumberOfMessages"), "0");
}

// Acceptance: 50 interleaved groups, a consumer that randomly fails (does not delete, so the
// message comes back after its visibility timeout) — each group is still processed in order.
TEST_F(QueueTest, FifoFiftyGroupsWithRandomFailuresKeepPerGroupOrder) {
  ASSERT_TRUE(svc_->CreateQueue("g.fifo", {{"FifoQueue", "true"}, {"VisibilityTimeout", "5"}}).ok());
  const int kGroups = 50, kPerGroup = 20;
  for (int i = 0; i < kPerGroup; ++i) {
    for (int g = 0; g < kGroups; ++g) {
      std::string body = std::to_string(g) + ":" + std::to_string(i);
      Send("g.fifo", body, "group-" + std::to_string(g), body);
    }
  }
  std::mt19937 rng(7);
  std::map<int, int> next;  // group → next expected index
  int processed = 0, rounds = 0;
  while (processed < kGroups * kPerGroup && rounds++ < 10000) {
    auto got = Receive("g.fifo", 10);
    if (got.empty()) {
      clock_.AdvanceMs(5'001);  // let failed messages come back
      continue;
    }
    std::set<std::string> failed_groups;
    for (const auto& m : got) {
      int g = std::stoi(m.body.substr(0, m.body.find(':')));
      int i = std::stoi(m.body.substr(m.body.find(':') + 1));
      // Once a message of a group fails in this batch, later ones of the group are not processed.
      if (failed_groups.count(m.group_id)) continue;
      if (std::uniform_int_distribution<>(0, 9)(rng) < 3) {
        failed_groups.insert(m.group_id);
        continue;
      }
      ASSERT_EQ(i, next[g]) << "group " << g << " out of order";
      next[g]++;
      processed++;
      ASSERT_TRUE(svc_->DeleteMessage("g.fifo", m.receipt_handle).ok());
    }
  }
  EXPECT_EQ(processed, kGroups * kPerGroup);
  for (int g = 0; g < kGroups; ++g) EXPECT_EQ(next[g], kPerGroup);
}

TEST(QueueFormatTest, Md5MatchesSqs) {
  EXPECT_EQ(Md5Hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  // The digest AWS (and moto) return for {"a": String "v"}.
  auto attrs = json::Parse(R"({"a":{"DataType":"String","StringValue":"v"}})");
  EXPECT_EQ(MessageAttributesMd5(*attrs), "a18cbb58171ebf4ce88d9fb787f9210b");
  EXPECT_EQ(MessageAttributesMd5(json::Value::Object()), "");
}

TEST_F(QueueTest, DigestsAreKeptFromTheSendAndComputedForOlderRecords) {
  ASSERT_TRUE(svc_->CreateQueue("jobs", {}).ok());
  SendInput in;
  in.body = "hello";
  in.attributes = *json::Parse(R"({"a":{"DataType":"String","StringValue":"v"}})");
  std::vector<SendInput> batch;
  batch.push_back(in);
  auto sent = svc_->Send("jobs", std::move(batch), true);
  ASSERT_TRUE(sent[0].first.ok());
  EXPECT_EQ(sent[0].second.md5_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(sent[0].second.md5_attributes, "a18cbb58171ebf4ce88d9fb787f9210b");
  // Rewrite the stored record as format 1 (no digests), as an older cxbridge left it.
  std::string key;
  std::optional<MessageRecord> rec;
  ASSERT_TRUE(qs_->Scan(QueuePrefix(kMessageKey, "jobs"), [&](std::string_view k, std::string_view v) {
                   key = std::string(k);
                   rec = DecodeMessage(v);
                   return false;
                 }).ok());
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->has_digests);
  EXPECT_EQ(rec->md5_body, sent[0].second.md5_body);
  rec->has_digests = false;
  std::string v1 = EncodeMessage(*rec);
  EXPECT_EQ(v1[0], 1);
  store::QueueWrite w;
  w.Put(key, v1);
  ASSERT_TRUE(qs_->WriteSynced(w).ok());
  Close();
  Open();
  for (int pass = 0; pass < 2; ++pass) {  // the older record, then one sent now
    auto got = Receive("jobs");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].md5_body, sent[0].second.md5_body);
    EXPECT_EQ(got[0].md5_attributes, sent[0].second.md5_attributes);
    ASSERT_TRUE(svc_->DeleteMessage("jobs", got[0].receipt_handle).ok());
    std::vector<SendInput> again;
    again.push_back(in);
    ASSERT_TRUE(svc_->Send("jobs", std::move(again), true)[0].first.ok());
  }
}

TEST_F(QueueTest, HandlerAnswersARequestWithoutTargetOrAction) {
  // Found by fuzz/sqs_fuzz.cc: a request that is neither JSON protocol (no AmazonSQS. target)
  // nor query protocol (no Action) threw std::out_of_range in Handle, ending the process.
  SqsHandler handler(*svc_);
  for (const char* target : {"", "Amazon", "AWSEvents.PutEvents"}) {
    http::Request req;
    req.method = "POST";
    req.target = req.path = "/";
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (*target) req.headers.emplace_back("X-Amz-Target", target);
    req.body = "{}";  // no Action: not the query protocol
    http::Response answer;
    handler.Handle(std::move(req), [&](http::Response r) { answer = std::move(r); });
    EXPECT_EQ(answer.status, 400) << target;
    EXPECT_NE(answer.body.find("\"__type\""), std::string::npos) << answer.body;
  }
}

TEST(QueueFormatTest, QueueUrlsAndReceiptHandles) {
  EXPECT_EQ(QueueNameFromUrl("http://127.0.0.1:8088/123456789012/jobs", "123456789012"), "jobs");
  EXPECT_EQ(QueueNameFromUrl("https://h/123456789012/a.fifo", "123456789012"), "a.fifo");
  EXPECT_FALSE(QueueNameFromUrl("http://h/999/jobs", "123456789012"));
  EXPECT_FALSE(QueueNameFromUrl("http://h/123456789012/", "123456789012"));
  // A bare queue name is a queue URL, as SQS accepts it (issue 13); other text is not.
  EXPECT_EQ(QueueNameFromUrl("jobs", "123456789012"), "jobs");
  EXPECT_FALSE(QueueNameFromUrl("not a queue", "123456789012"));
  std::string q;
  uint64_t seq = 0, nonce = 0;
  ASSERT_TRUE(ParseReceiptHandle(MakeReceiptHandle("jobs", 42, 7), &q, &seq, &nonce));
  EXPECT_EQ(q, "jobs");
  EXPECT_EQ(seq, 42u);
  EXPECT_EQ(nonce, 7u);
  EXPECT_FALSE(ParseReceiptHandle("!!", &q, &seq, &nonce));
  EXPECT_TRUE(ValidQueueName("a-b_c.fifo"));
  EXPECT_FALSE(ValidQueueName(".fifo"));
  EXPECT_FALSE(ValidQueueName(std::string(81, 'a')));
}

}  // namespace
}  // namespace cxbridge::queue
