// The libnats layer against a real nats-server (JetStream, one server, loopback).
#include "cluster/client.h"

#include <gtest/gtest.h>

#include "cluster/server_info.h"
#include "cluster/testing/nats_cluster.h"

namespace cxbridge::cluster {
namespace {

bool HaveNatsServer() { return std::system("command -v nats-server >/dev/null 2>&1") == 0; }

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveNatsServer())
      GTEST_SKIP() << "nats-server is not installed (scripts/install-deps.sh installs it)";
    testing::NatsCluster::Options o;
    o.size = 1;
    nats_ = std::make_unique<testing::NatsCluster>(o);
    ASSERT_TRUE(nats_->Start().ok());
    auto c = Connection::Connect(nats_->settings());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
    auto j = JetStream::Create(*conn_);
    ASSERT_TRUE(j.ok());
    js_ = std::move(*j);
  }
  StreamState MakeStream(const std::string& name, const std::vector<std::string>& subjects) {
    StreamSpec s;
    s.name = name;
    s.subjects = subjects;
    auto st = js_->EnsureStream(s);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    return st.ok() ? *st : StreamState{};
  }
  std::unique_ptr<testing::NatsCluster> nats_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<JetStream> js_;
};

TEST_F(ClientTest, ConnectsAndJetStreamIsEnabled) {
  EXPECT_TRUE(conn_->connected());
  EXPECT_EQ(conn_->connected_url(), nats_->url(0));
  EXPECT_TRUE(js_->CheckEnabled().ok());
}

TEST_F(ClientTest, ServerInfoProbeReadsVersionAndJetStream) {
  auto info = ProbeServerInfo("127.0.0.1", nats_->client_port(0), 2000);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->jetstream);
  EXPECT_TRUE(info->AtLeast(2, 9)) << info->version;
  EXPECT_EQ(info->server_name, "n0");
}

TEST_F(ClientTest, ServerInfoProbeOfAClosedPortIsUnavailable) {
  auto info = ProbeServerInfo("127.0.0.1", testing::FreePort(), 500);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kUnavailable);
}

TEST(ServerInfoTest, ParsesAnInfoLineAndRefusesOthers) {
  auto i = ParseInfoLine(
      R"(INFO {"server_id":"X","server_name":"n1","version":"2.8.4","jetstream":true})"
      "\r\n");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->major, 2);
  EXPECT_EQ(i->minor, 8);
  EXPECT_EQ(i->patch, 4);
  EXPECT_FALSE(i->AtLeast(2, 9));
  EXPECT_TRUE(i->AtLeast(2, 8));
  EXPECT_FALSE(ParseInfoLine("HTTP/1.1 400 Bad Request").ok());
  EXPECT_FALSE(ParseInfoLine("INFO [1,2]").ok());
}

TEST_F(ClientTest, ConnectToNothingIsUnavailableNamingTheServers) {
  NatsSettings s;
  s.servers = {"nats://127.0.0.1:" + std::to_string(testing::FreePort())};
  s.connect_timeout_ms = 300;
  auto c = Connection::Connect(s);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(c.status().message().find(s.servers[0]), std::string::npos) << c.status().message();
}

TEST_F(ClientTest, PublishDeduplicatesByMsgIdWithinTheWindow) {
  MakeStream("T", {"t.>"});
  PublishOptions o;
  o.msg_id = "event-1";
  auto a = js_->Publish("t.a", "one", o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->duplicate);
  auto b = js_->Publish("t.a", "one again", o);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->duplicate);
  EXPECT_EQ(b->seq, a->seq);
  auto info = js_->StreamInfo("T");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->messages, 1u);
}

TEST_F(ClientTest, ExpectedLastSubjectSequenceIsCompareAndSet) {
  MakeStream("T", {"t.>"});
  PublishOptions first;
  first.expect_last_subject_seq = 0;  // only when the subject is empty
  auto a = js_->Publish("t.k", "v1", first);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto again = js_->Publish("t.k", "v1'", first);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition) << again.status().ToString();
  PublishOptions next;
  next.expect_last_subject_seq = a->seq;
  auto b = js_->Publish("t.k", "v2", next);
  ASSERT_TRUE(b.ok());
  auto stale = js_->Publish("t.k", "v3", next);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  // Another subject is not affected.
  EXPECT_TRUE(js_->Publish("t.other", "x", first).ok());
}

TEST_F(ClientTest, GetDeleteAndPurgeBySubjectBelowASequence) {
  MakeStream("T", {"t.>"});
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 6; ++i) {
    PublishOptions o;
    o.headers = {{"Cxb-N", std::to_string(i)}};
    auto a = js_->Publish(i % 2 ? "t.odd" : "t.even", "m" + std::to_string(i), o);
    ASSERT_TRUE(a.ok());
    seqs.push_back(a->seq);
  }
  auto m = js_->GetMessage("T", seqs[3]);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->data, "m3");
  EXPECT_EQ(m->subject, "t.odd");
  EXPECT_EQ(m->Header("Cxb-N").value_or(""), "3");
  EXPECT_GT(m->time_ms, 0);
  auto last = js_->GetLastMessage("T", "t.even");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->data, "m4");
  EXPECT_EQ(js_->GetLastMessage("T", "t.none").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(js_->DeleteMessage("T", seqs[0]).ok());
  EXPECT_EQ(js_->GetMessage("T", seqs[0]).status().code(), StatusCode::kNotFound);
  // Purge the odd subject below seqs[5]: removes m1 and m3, keeps m5 and every even message.
  ASSERT_TRUE(js_->Purge("T", "t.odd", seqs[5]).ok());
  EXPECT_EQ(js_->GetMessage("T", seqs[1]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(js_->GetMessage("T", seqs[3]).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(js_->GetMessage("T", seqs[5]).ok());
  EXPECT_TRUE(js_->GetMessage("T", seqs[2]).ok());
  auto info = js_->StreamInfo("T", "t.even");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->messages, 3u);
  EXPECT_EQ(info->subject_messages, 2u);
}

TEST_F(ClientTest, StreamInfoOfAMissingStreamIsNotFound) {
  EXPECT_EQ(js_->StreamInfo("NOPE").status().code(), StatusCode::kNotFound);
}

TEST_F(ClientTest, EnsureStreamUpdatesLimitsAndRefusesAnImpossibleChange) {
  MakeStream("T", {"t.>"});
  StreamSpec s;
  s.name = "T";
  s.subjects = {"t.>"};
  s.max_bytes = 1 << 20;
  ASSERT_TRUE(js_->EnsureStream(s).ok());
  StreamSpec clash;
  clash.name = "U";
  clash.subjects = {"t.>"};  // overlaps T's subjects
  EXPECT_FALSE(js_->EnsureStream(clash).ok());
}

TEST_F(ClientTest, OrderedSubscriptionReplaysASubjectFromASequence) {
  MakeStream("T", {"t.>"});
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(js_->Publish(i % 5 ? "t.p1" : "t.p2", std::to_string(i)).ok());
  auto sub = js_->SubscribeOrdered("T", "t.p1", 1);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  std::vector<std::string> got;
  uint64_t last_seq = 0;
  for (int i = 0; i < 40; ++i) {
    auto m = (*sub)->Next(2000);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    auto md = m->Metadata();
    ASSERT_TRUE(md.ok());
    EXPECT_GT(md->stream_seq, last_seq);
    last_seq = md->stream_seq;
    got.emplace_back(m->data());
  }
  EXPECT_EQ(got.front(), "1");
  EXPECT_EQ(got.back(), "49");
  EXPECT_EQ((*sub)->Next(100).status().code(), StatusCode::kUnavailable);  // caught up
  // New messages keep coming on the same subscription.
  ASSERT_TRUE(js_->Publish("t.p1", "live").ok());
  auto live = (*sub)->Next(2000);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->data(), "live");
  // From a later sequence.
  auto from = js_->SubscribeOrdered("T", "t.p2", 40);
  ASSERT_TRUE(from.ok());
  auto m = (*from)->Next(2000);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->data(), "40");
}

TEST_F(ClientTest, PullConsumerAckNakWithDelayInMillisecondsAndAckFromAnotherConnection) {
  MakeStream("Q", {"q.>"});
  ConsumerSpec c;
  c.durable = "q-a";
  c.filter_subject = "q.a";
  c.ack_wait_ms = 30000;
  ASSERT_TRUE(js_->EnsureConsumer("Q", c).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(js_->Publish("q.a", "m" + std::to_string(i)).ok());
  auto sub = js_->PullSubscribe("Q", "q-a", "q.a");
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  auto batch = (*sub)->Fetch(3, 2000);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 3u);
  // m0: acked here. m1: NAKed with a 300 ms delay (milliseconds, not nanoseconds: it must come
  // back soon). m2: acked through a second connection by its reply subject (a receipt handle
  // honoured by another node).
  ASSERT_TRUE((*batch)[0].AckSync(2000).ok());
  ASSERT_TRUE((*batch)[1].NakWithDelay(300).ok());
  {
    auto other = Connection::Connect(nats_->settings());
    ASSERT_TRUE(other.ok());
    auto reply = (*other)->Request(std::string((*batch)[2].reply()), "+ACK", 2000);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  }
  auto again = (*sub)->Fetch(1, 3000);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].data(), "m1");
  auto md = (*again)[0].Metadata();
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->num_delivered, 2u);
  ASSERT_TRUE((*again)[0].AckSync(2000).ok());
  auto info = js_->ConsumerInfo("Q", "q-a");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->num_ack_pending, 0u);
  EXPECT_EQ(info->num_pending, 0u);
  auto none = (*sub)->Fetch(1, 200);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(ClientTest, RequestTimeoutWhenTheServerIsGoneIsUnavailable) {
  MakeStream("T", {"t.>"});
  nats_->Kill(0);
  PublishOptions o;
  o.timeout_ms = 300;
  auto r = js_->Publish("t.x", "lost?", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_FALSE(conn_->connected());
  // The connection comes back by itself when the server does (same store: the stream is there).
  ASSERT_TRUE(nats_->Restart(0).ok());
  for (int i = 0; i < 100 && !conn_->connected(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(conn_->connected());
  Result<StreamState> info = Status::Unavailable("not yet");
  for (int i = 0; i < 50 && !info.ok(); ++i) {
    info = js_->StreamInfo("T");
    if (!info.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(info.ok()) << info.status().ToString();
}

TEST(AuthTest, UserPasswordTokenAndRefusal) {
  if (!HaveNatsServer()) GTEST_SKIP() << "nats-server is not installed";
  testing::NatsCluster nats({1, "authorization { users: [ {user: alice, password: s3cret} ] }",
                             20000, "alice", "s3cret", ""});
  ASSERT_TRUE(nats.Start().ok());
  NatsSettings s = nats.settings();
  auto ok = Connection::Connect(s);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  s.password = "wrong";
  auto bad = Connection::Connect(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition) << bad.status().ToString();

  testing::NatsCluster tok({1, "authorization { token: t0ken }", 20000, "", "", "t0ken"});
  ASSERT_TRUE(tok.Start().ok());
  EXPECT_TRUE(Connection::Connect(tok.settings()).ok());
  NatsSettings none = tok.settings();
  none.token.clear();
  EXPECT_EQ(Connection::Connect(none).status().code(), StatusCode::kFailedPrecondition);
  auto parsed = ParseNatsSettings(*json::Parse(
      "{\"servers\":[\"nats://t0ken@127.0.0.1:" + std::to_string(tok.client_port(0)) + "\"]}"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(Connection::Connect(*parsed).ok())
      << "a token inside the URL, as NATS users write it";
}

}  // namespace
}  // namespace cxbridge::cluster
