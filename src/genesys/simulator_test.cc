#include "genesys/simulator.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "genesys/fake_genesys.h"
#include "genesys/simulate_command.h"
#include "genesys/source.h"
#include "http/server.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::genesys {
namespace {

TEST(ContactCenterTest, CallsFlowThroughQueueAgentAndWrapUpConsistently) {
  ContactCenterOptions o;
  o.agents = 10;
  o.queues = 2;
  o.seed = 7;
  ContactCenter cc(o);
  std::vector<SimFrame> frames;
  cc.RunUntil(o.start_ms + 2 * 3600 * 1000, &frames);
  const auto& st = cc.stats();
  ASSERT_GT(st.calls, 50u);
  EXPECT_GT(st.answered, st.calls / 2);
  EXPECT_LE(st.answered + st.abandoned, st.calls);
  int64_t last = 0;
  std::map<std::string, std::set<std::string>> per_conversation;  // id → event kinds
  std::map<std::string, std::string> routing;                     // agent → last status
  for (const auto& f : frames) {
    EXPECT_GE(f.time_ms, last);
    last = f.time_ms;
    const std::string pattern = ingest::TopicPattern(f.topic);
    if (pattern.starts_with("v2.detail.events.conversation.{id}.")) {
      per_conversation[f.body.Find("conversationId")->as_string()].insert(pattern.substr(35));
      EXPECT_EQ(f.body.Find("eventTime")->type(), json::Value::Type::kNumber);  // epoch ms
    } else if (pattern == "v2.users.{id}.routingStatus") {
      const std::string s = f.body.FindPath("routingStatus.status")->as_string();
      EXPECT_NE(routing[f.topic], s) << "no-op routing change";
      routing[f.topic] = s;
    }
  }
  int completed = 0;
  for (const auto& [id, kinds] : per_conversation) {
    EXPECT_TRUE(kinds.count("customer.start")) << id;
    if (kinds.count("acw")) {
      ++completed;
      for (const char* k : {"acd.start", "acd.end", "user.start", "user.end", "customer.end"}) {
        EXPECT_TRUE(kinds.count(k)) << id << " lacks " << k;
      }
    }
  }
  EXPECT_GT(completed, 0);
}

TEST(ContactCenterTest, SameSeedSameStream) {
  ContactCenterOptions o;
  o.seed = 42;
  ContactCenter a(o), b(o);
  std::vector<SimFrame> fa, fb;
  a.RunUntil(o.start_ms + 600'000, &fa);
  b.RunUntil(o.start_ms + 600'000, &fb);
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(fa[i].topic, fb[i].topic);
    EXPECT_EQ(json::Serialize(fa[i].body), json::Serialize(fb[i].body));
  }
}

// Counts what a webhook receives and checks each request carries the signer's header.
class Receiver : public http::Handler {
 public:
  void Handle(http::Request req, http::Respond respond) override {
    std::lock_guard<std::mutex> lock(mu);
    auto sig = req.Header("X-Test-Signature");
    if (!sig || *sig != Base64Encode(HmacSha256("k", req.body))) {
      ++bad_signatures;
      return respond(http::Response::Json(401, "{}"));
    }
    ++received;
    bodies.insert(req.body);
    respond(http::Response::Json(202, "{}"));
  }
  std::mutex mu;
  int received = 0, bad_signatures = 0;
  std::set<std::string> bodies;
};

TEST(SimulatorTest, PostsSignedFramesWithInjectedFaults) {
  Receiver rx;
  http::ServerOptions so;
  so.port = 0;
  so.max_body_bytes = 4 << 20;
  http::Server server(so, rx);
  ASSERT_TRUE(server.Start().ok());
  SimulateOptions o;
  o.center.agents = 8;
  o.center.queues = 2;
  o.duration_ms = 30 * 60 * 1000;
  o.speed = 0;
  o.target_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/webhooks/genesys";
  o.sign = [](const std::string& body, std::vector<std::pair<std::string, std::string>>* h) {
    h->emplace_back("X-Test-Signature", Base64Encode(HmacSha256("k", body)));
    return Status::Ok();
  };
  o.duplicate_pct = 10;
  o.out_of_order_pct = 5;
  o.oversized_pct = 1;
  o.oversized_bytes = 64 * 1024;
  o.variant_pct = 5;
  auto s = RunSimulation(o);
  server.Stop(1000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(s->frames, 100u);
  EXPECT_EQ(s->sent, s->frames + s->duplicates_injected);
  EXPECT_EQ(s->acknowledged, s->sent);
  EXPECT_GT(s->duplicates_injected, 0u);
  EXPECT_GT(s->reordered, 0u);
  EXPECT_GT(s->variants, 0u);
  EXPECT_EQ(rx.bad_signatures, 0);
  EXPECT_EQ(static_cast<uint64_t>(rx.received), s->sent);
  EXPECT_LT(rx.bodies.size(), static_cast<size_t>(rx.received));  // duplicates are byte-identical
  EXPECT_NE(FormatSummary(*s).find("acknowledged"), std::string::npos);
  // Issue 14: variants Genesys really sent are told apart from invented ones.
  uint64_t real = 0, synthetic = 0;
  for (const auto& [kind, n] : s->variants_by_kind) (kind.starts_with("real: ") ? real : synthetic) += n;
  EXPECT_EQ(real + synthetic, s->variants);
  EXPECT_GT(real, 0u);
  for (const auto& [kind, n] : s->variants_by_kind) {
    EXPECT_NE(FormatSummary(*s).find("variant " + kind + ": " + std::to_string(n)), std::string::npos) << kind;
  }
}

class CountingSink : public bus::EventSink {
 public:
  void Submit(std::vector<bus::IncomingEvent> events, std::function<void(std::vector<bus::AcceptResult>)> done) override {
    n += events.size();
    done(std::vector<bus::AcceptResult>(events.size(), bus::AcceptResult{bus::AcceptOutcome::kStored, ""}));
  }
  std::atomic<size_t> n{0};
};

class PassEnveloper : public FrameEnveloper {
 public:
  Result<bus::IncomingEvent> Envelope(json::Value frame, int64_t now_ms) const override {
    bus::IncomingEvent e;
    e.detail_type = ingest::TopicPattern(frame.Find("topicName")->as_string());
    e.event_json = json::Serialize(frame);
    return e;
  }
};

// simulate --target notifications: the model's frames reach a genesys-notifications source over
// the WebSocket, every one that a subscribed topic carries.
TEST(SimulatorTest, PlaysIntoTheNotificationsSource) {
  FakeGenesysOptions fo;
  fo.tick_ms = 2;
  FakeGenesys fake(SystemClock(), fo);
  ASSERT_TRUE(fake.Start().ok());
  SimulateOptions o;
  o.center.agents = 5;
  o.center.queues = 2;
  o.duration_ms = 20 * 60 * 1000;
  o.speed = 0;
  o.notifications = &fake;
  ContactCenter ids(o.center);  // same seed → same agent and queue ids
  json::Value users = json::Value::Array(), queues = json::Value::Array();
  for (const auto& id : ids.agent_ids()) users.Push(json::Value::String(id));
  for (const auto& id : ids.queue_ids()) queues.Push(json::Value::String(id));
  json::Value raw = *json::Parse(R"({"type":"genesys-notifications","client_id":"fake-client-id",
      "client_secret":"fake-client-secret","topics":["v2.users.{id}.presence","v2.users.{id}.routingStatus",
      "v2.users.{id}.conversations","v2.routing.queues.{id}.conversations","v2.routing.queues.{id}.users"]})");
  raw.Set("api_base_url", json::Value::String(fake.base_url()));
  raw.Set("login_base_url", json::Value::String(fake.base_url()));
  raw.Set("ids", json::Value::Object({{"users", users}, {"queues", queues}}));
  auto settings = ParseNotificationsSettings("sim", raw, "123456789012", "us-east-1");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  settings->tick_ms = 2;
  CountingSink sink;
  NotificationSource source(*settings, std::make_unique<PassEnveloper>(), sink, SystemClock());
  ASSERT_TRUE(source.Start().ok());
  for (int i = 0; i < 2000 && fake.subscriptions().size() < 7; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(fake.subscriptions().size(), 7u);  // 5 combined user topics + 2 combined queue topics
  auto s = RunSimulation(o);
  ASSERT_TRUE(s.ok());
  const int published = fake.counts().frames_published;
  EXPECT_GT(published, 50);
  for (int i = 0; i < 2000 && sink.n < static_cast<size_t>(published); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(sink.n.load(), static_cast<size_t>(published));
  source.Stop();
  fake.Stop();
}

TEST(SimulateCommandTest, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("90"), 90'000);
  EXPECT_EQ(*ParseDuration("90s"), 90'000);
  EXPECT_EQ(*ParseDuration("10m"), 600'000);
  EXPECT_EQ(*ParseDuration("1.5h"), 5'400'000);
  EXPECT_EQ(*ParseDuration("250ms"), 250);
  EXPECT_FALSE(ParseDuration("ten").ok());
  EXPECT_FALSE(ParseDuration("10d").ok());
  EXPECT_FALSE(ParseDuration("-1").ok());
}

}  // namespace
}  // namespace cxbridge::genesys
