// NotificationSource against FakeGenesys on loopback: token refresh, socket_closing rotation,
// killed sockets and gap events, ping watchdog, rejected topics, 429s, channel loss, and a
// 10-minute accelerated soak.
#include "genesys/source.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/ids.h"
#include "genesys/api_client.h"
#include "genesys/fake_genesys.h"
#include "genesys/setup.h"
#include "ingest/topic_pattern.h"

#include <prometheus/registry.h>

namespace cxbridge::genesys {
namespace {

// Issue 16: "Retry-After: 9223372036854775807" overflowed seconds × 1000 (undefined; on x86 a
// negative wait, i.e. no wait at all). Clamped first: the wait stays at its 5-minute cap.
TEST(RetryAfterTest, HugeValuesAreClampedBeforeTheyOverflow) {
  http::ClientResponse r;
  r.headers.emplace_back("retry-after", "9223372036854775807");
  EXPECT_EQ(RetryAfterMs(r), 300'000);
  r.headers[0].second = "9223372036854776";
  EXPECT_EQ(RetryAfterMs(r), 300'000);
  r.headers[0].second = "7";
  EXPECT_EQ(RetryAfterMs(r), 7'000);
}

const std::string kUser = "d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
const std::string kUser2 = "278522be-1683-4877-8257-4164a177be89";
const std::string kQueue = "8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a";
const std::string kPresence = "v2.users." + kUser + ".presence";
const std::string kQueueConv = "v2.routing.queues." + kQueue + ".conversations";

// A minimal stand-in for ingest's envelope (the source only needs *an* enveloper).
class TestEnveloper : public FrameEnveloper {
 public:
  Result<bus::IncomingEvent> Envelope(json::Value frame, int64_t now_ms) const override {
    const json::Value* t = frame.Find("topicName");
    if (t == nullptr || !t->is_string()) return Status::InvalidArgument("no topicName");
    bus::IncomingEvent e;
    e.id = NewUuid4();
    e.source = "genesys.test";
    e.detail_type = ingest::TopicPattern(t->as_string());
    e.time_ms = now_ms;
    e.event_json = "{\"detail-type\":" + json::Quote(e.detail_type) + ",\"detail\":" + json::Serialize(frame) + "}";
    return e;
  }
};

// Stores everything (or answers kUnavailable while `unavailable` > 0).
class TestSink : public bus::EventSink {
 public:
  void Submit(std::vector<bus::IncomingEvent> events, std::function<void(std::vector<bus::AcceptResult>)> done) override {
    std::vector<bus::AcceptResult> results;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : events) {
        bus::AcceptResult r;
        if (unavailable_ > 0) {
          --unavailable_;
          r.outcome = bus::AcceptOutcome::kUnavailable;
        } else {
          r.outcome = bus::AcceptOutcome::kStored;
          events_.push_back(std::move(e));
        }
        results.push_back(r);
      }
    }
    done(std::move(results));
  }
  std::vector<bus::IncomingEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t Count(const std::string& detail_type) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& e : events_) n += e.detail_type == detail_type;
    return n;
  }
  std::vector<json::Value> Gaps() {
    std::vector<json::Value> out;
    for (const auto& e : events())
      if (e.detail_type == "cxbridge.source.gap") out.push_back(*json::Parse(e.event_json));
    return out;
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    unavailable_ = n;
  }

 private:
  std::mutex mu_;
  std::vector<bus::IncomingEvent> events_;
  int unavailable_ = 0;
};

// Polls `cond` for up to `ms` of real time, calling `step` (e.g. advance a FakeClock) between polls.
bool WaitFor(const std::function<bool()>& cond, int ms = 10000, const std::function<void()>& step = {}) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    if (step) step();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return cond();
}

class SourceTest : public ::testing::Test {
 protected:
  void StartFake(FakeGenesysOptions o = {}) {
    o.tick_ms = 2;
    fake_ = std::make_unique<FakeGenesys>(*clock_, o);
    ASSERT_TRUE(fake_->Start().ok());
  }

  NotificationsSettings Settings(const std::string& extra = "") {
    std::string text = R"({"type":"genesys-notifications","api_base_url":")" + fake_->base_url() +
                       R"(","login_base_url":")" + fake_->base_url() +
                       R"(","client_id":"fake-client-id","client_secret":{"value":"fake-client-secret"},
        "ids":{"users":[")" + kUser + R"(",")" + kUser2 + R"("],"queues":[")" + kQueue + R"("]},
        "topics":["v2.users.{id}.presence","v2.users.{id}.routingStatus","v2.routing.queues.{id}.conversations"],
        "backoff_initial_ms":20,"backoff_max_ms":200)" + extra + "}";
    auto raw = json::Parse(text);
    EXPECT_TRUE(raw.ok()) << raw.status().ToString();
    auto s = ParseNotificationsSettings("live", *raw, "123456789012", "us-east-1");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    s->tick_ms = 2;
    return *s;
  }

  void StartSource(NotificationsSettings s) {
    source_ = std::make_unique<NotificationSource>(std::move(s), std::make_unique<TestEnveloper>(), sink_, *clock_);
    ASSERT_TRUE(source_->Start().ok());
  }

  // Streaming = the fake has a socket and the client holds no open gap.
  bool Streaming(int sockets = 1) {
    return fake_->counts().live_sockets == sockets && source_->stats().open_gaps == 0 &&
           !fake_->subscriptions().empty();
  }

  // Publishes until the frame lands in the sink (the first ones may race the subscription).
  void ExpectDelivered(const std::string& topic) {
    const size_t before = sink_.Count(ingest::TopicPattern(topic));
    ASSERT_GT(fake_->Publish(topic, R"({"id":"x"})"), 0) << topic;
    EXPECT_TRUE(WaitFor([&] { return sink_.Count(ingest::TopicPattern(topic)) > before; })) << topic;
  }

  void TearDown() override {
    if (source_) source_->Stop();
    if (fake_) fake_->Stop();
  }

  FakeClock fake_clock_{1'773'842'400'000};
  Clock* clock_ = &fake_clock_;
  TestSink sink_;
  std::unique_ptr<FakeGenesys> fake_;
  std::unique_ptr<NotificationSource> source_;
};

TEST_F(SourceTest, SubscribesCombinedTopicsAndDeliversFrames) {
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  auto subs = fake_->subscriptions();
  ASSERT_EQ(subs.size(), 3u);
  EXPECT_EQ(subs[0], "v2.users." + kUser + "?presence&routingStatus");
  ExpectDelivered(kPresence);
  ExpectDelivered("v2.users." + kUser2 + ".routingStatus");
  ExpectDelivered(kQueueConv);
  EXPECT_TRUE(WaitFor([&] { return source_->stats().tokens_fetched == 1; }));
  auto st = source_->stats();
  EXPECT_EQ(st.channels_created, 1u);
  EXPECT_EQ(st.gaps, 0u);
}

TEST_F(SourceTest, TokenIsRefreshedBeforeItExpires) {
  FakeGenesysOptions o;
  o.token_lifetime_s = 60;
  StartFake(o);
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  // 5 fake minutes in 1 s steps: the token (60 s) must be renewed ahead of expiry each time.
  for (int i = 0; i < 300; ++i) {
    fake_clock_.AdvanceMs(1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  auto c = fake_->counts();
  EXPECT_GE(c.tokens_issued, 5);
  EXPECT_EQ(c.unauthorized, 0);  // never used an expired token
  EXPECT_GE(c.subscribe_calls, 5);  // channels rebound to each new token
  EXPECT_EQ(source_->stats().gaps, 0u);
  ExpectDelivered(kPresence);
}

TEST_F(SourceTest, SocketClosingRotationLosesNoFrames) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  int published = 0;
  for (int i = 0; i < 1500; ++i) {
    if (i == 500) fake_->SendSocketClosing();
    published += fake_->Publish(i % 2 ? kPresence : kQueueConv, "{\"seq\":" + std::to_string(i) + "}");
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(published, 1500);
  ASSERT_TRUE(WaitFor([&] { return sink_.events().size() >= 1500u; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(sink_.events().size(), 1500u);
  auto st = source_->stats();
  EXPECT_EQ(st.rotations, 1u);
  EXPECT_EQ(st.gaps, 0u);
  EXPECT_EQ(fake_->counts().ws_connects, 2);
  EXPECT_EQ(fake_->counts().frames_unrouted, 0);
  EXPECT_TRUE(WaitFor([&] { return fake_->counts().live_sockets == 1; }));
}

TEST_F(SourceTest, KilledSocketProducesAGapEvent) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  const int64_t before_kill = clock_->NowMs();
  fake_->KillSockets();
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }));
  json::Value gap = sink_.Gaps()[0];
  EXPECT_EQ(gap.Find("source")->as_string(), "cxbridge");
  const json::Value& d = *gap.Find("detail");
  int64_t start = 0, end = 0;
  ASSERT_TRUE(d.Find("startMs")->as_int64(&start));
  ASSERT_TRUE(d.Find("endMs")->as_int64(&end));
  EXPECT_GE(start, before_kill);
  EXPECT_GE(end, start);
  EXPECT_EQ(d.Find("topics")->items().size(), 5u);  // 2 users × 2 + 1 queue
  EXPECT_NE(d.Find("reason")->as_string().find("socket closed"), std::string::npos);
  EXPECT_EQ(d.Find("sourceName")->as_string(), "live");
  EXPECT_FALSE(d.FindPath("backfill.queries")->items().empty());
  EXPECT_EQ(fake_->counts().channels_created, 1);  // same channel, new socket
  ExpectDelivered(kPresence);
}

TEST_F(SourceTest, SilentSocketIsPingedThenReplaced) {
  StartFake();
  StartSource(Settings(R"(,"ping_after_seconds":40,"pong_timeout_seconds":10)"));
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  fake_->SetHeartbeats(false);
  // Answered pings keep the socket.
  for (int i = 0; i < 45; ++i) {
    fake_clock_.AdvanceMs(1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ASSERT_TRUE(WaitFor([&] { return fake_->counts().pings >= 1 && source_->stats().pongs >= 1; }));
  EXPECT_EQ(source_->stats().open_gaps, 0u);
  // Unanswered pings: the socket is declared dead, a gap recorded, a new socket opened.
  fake_->SetAnswerPings(false);
  ASSERT_TRUE(WaitFor([&] { return source_->stats().open_gaps == 1; }, 10000, [&] { fake_clock_.AdvanceMs(1000); }));
  fake_->SetAnswerPings(true);
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }, 10000, [&] { fake_clock_.AdvanceMs(50); }));
  EXPECT_NE(sink_.Gaps()[0].FindPath("detail.reason")->as_string().find("no pong"), std::string::npos);
  ASSERT_TRUE(WaitFor([&] { return fake_->counts().ws_connects == 2; }));
  ExpectDelivered(kQueueConv);
}

TEST_F(SourceTest, RejectedTopicsAreReportedAndTheRestStream) {
  clock_ = &SystemClock();
  StartFake();
  fake_->RejectTopics("v2.users.", "Missing permission", "directory:user:view");
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return fake_->subscriptions().size() == 1; }));
  EXPECT_EQ(fake_->subscriptions()[0], kQueueConv);
  EXPECT_TRUE(WaitFor([&] { return source_->stats().topics_rejected == 2; }));
  EXPECT_EQ(fake_->Publish(kPresence, "{}"), 0);
  ExpectDelivered(kQueueConv);
}

TEST_F(SourceTest, RateLimitedCallsWaitForRetryAfter) {
  StartFake();
  fake_->FailNext("/oauth/token", 1, 429, 3);
  fake_->FailNext("/api/v2/notifications/channels", 2, 429, 5);
  const int64_t t0 = fake_clock_.NowMs();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }, 10000, [&] { fake_clock_.AdvanceMs(100); }));
  EXPECT_EQ(fake_->counts().rate_limited, 3);
  EXPECT_EQ(source_->stats().rate_limited, 3u);
  EXPECT_GE(fake_clock_.NowMs() - t0, 3000 + 5000 + 5000);  // every Retry-After waited out
  EXPECT_EQ(source_->stats().channels_created, 1u);
}

TEST_F(SourceTest, NoLongerSubscribedIsResubscribedAndRecordedAsAGap) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  const int calls = fake_->counts().subscribe_calls;
  fake_->SendSystemMessage("v2.system.no_longer_subscribed.streaming-0", "no_longer_subscribed");
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }));
  EXPECT_EQ(sink_.Gaps()[0].FindPath("detail.reason")->as_string(), "no_longer_subscribed");
  EXPECT_GT(fake_->counts().subscribe_calls, calls);
  EXPECT_EQ(fake_->subscriptions().size(), 3u);
  ExpectDelivered(kPresence);
}

// Issue 14: Genesys may answer a combined subscription with its expanded topics, one entity
// each; those are the channel's topics all the same (the gap event lists them).
TEST_F(SourceTest, CombinedSubscriptionsAnsweredAsExpandedTopicsCount) {
  clock_ = &SystemClock();
  FakeGenesysOptions o;
  o.expand_combined_in_answers = true;
  StartFake(o);
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  ExpectDelivered(kPresence);
  fake_->KillSockets();
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }));
  const std::vector<json::Value> gaps = sink_.Gaps();
  const json::Value* topics = gaps[0].FindPath("detail.topics");
  ASSERT_NE(topics, nullptr);
  EXPECT_EQ(topics->items().size(), 5u);  // 2 users × (presence, routingStatus) + 1 queue
}

// Issue 14: v2.system.no_longer_subscribed with reason another_channel_subscribed means another
// channel of the same client took the topics (a second replica, a `genesys check` probe). Two
// sources taking them back at once would fight forever; with the backoff each displacement
// doubles the wait. 60 fake seconds: a fight at once would resubscribe on every step (~1200).
TEST_F(SourceTest, AnotherChannelSubscribedBacksOffInsteadOfFighting) {
  FakeGenesysOptions o;
  o.exclusive_topics = true;
  StartFake(o);
  const std::string backoff = R"(,"backoff_initial_ms":1000,"backoff_max_ms":8000)";
  StartSource(Settings(backoff));
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  TestSink other_sink;
  NotificationSource other(Settings(backoff), std::make_unique<TestEnveloper>(), other_sink, *clock_);
  ASSERT_TRUE(other.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return source_->stats().subscriptions_displaced >= 1; }, 10000,
                      [&] { fake_clock_.AdvanceMs(10); }));
  const int calls_before = fake_->counts().subscribe_calls;
  for (int step = 0; step < 600; ++step) {
    fake_clock_.AdvanceMs(100);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  const int calls = fake_->counts().subscribe_calls - calls_before;
  const uint64_t displaced = source_->stats().subscriptions_displaced + other.stats().subscriptions_displaced;
  other.Stop();
  EXPECT_GE(displaced, 4u);  // they do contend ...
  EXPECT_LE(calls, 40);      // ... at 1 s, 2 s, 4 s, then every ≤ 8 s each, not on every step
  EXPECT_GE(source_->stats().gaps + other.stats().gaps, 2u);
  bool reason_seen = false;
  for (const auto& g : sink_.Gaps()) {
    reason_seen = reason_seen ||
                  g.FindPath("detail.reason")->as_string() == "no_longer_subscribed: another_channel_subscribed";
  }
  EXPECT_TRUE(reason_seen);
}

// `cxbridge genesys check` probes on a scratch channel of the same client: the running source
// loses its topics to it, backs off, and has them back once the probe is gone.
TEST_F(SourceTest, GenesysCheckProbeDisplacesTheSourceOnlyForAMoment) {
  clock_ = &SystemClock();
  FakeGenesysOptions o;
  o.exclusive_topics = true;
  StartFake(o);
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  const std::string path = ::testing::TempDir() + "/genesys-check-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream f(path);
    f << "sources:\n  live:\n    type: genesys-notifications\n    api_base_url: " << fake_->base_url()
      << "\n    login_base_url: " << fake_->base_url()
      << "\n    client_id: fake-client-id\n    client_secret: fake-client-secret\n    ids: {users: [" << kUser << ", "
      << kUser2 << "], queues: [" << kQueue << "]}\n    topics:\n      - v2.users.{id}.presence\n"
         "      - v2.users.{id}.routingStatus\n      - v2.routing.queues.{id}.conversations\n";
  }
  GenesysCommandArgs a;
  a.config_path = path;
  a.source = "live";
  std::ostringstream out, err;
  EXPECT_EQ(RunGenesysCheck(a, out, err), 0) << err.str() << out.str();
  std::remove(path.c_str());
  EXPECT_GE(fake_->counts().displacements, 1);
  ASSERT_TRUE(WaitFor([&] { return source_->stats().subscriptions_displaced >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return Streaming() && fake_->subscriptions().size() == 3u; }));
  ExpectDelivered(kPresence);
  ExpectDelivered(kQueueConv);
}

// Without another channel to blame, the topics are taken back at once and the reason logged.
TEST_F(SourceTest, NoLongerSubscribedForAnotherReasonResubscribesAtOnce) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings(R"(,"backoff_initial_ms":60000,"backoff_max_ms":60000)"));
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  fake_->SendSystemMessage("v2.system.no_longer_subscribed.streaming-0", "no_longer_subscribed", "maintenance");
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }));  // well before a 60 s backoff
  EXPECT_EQ(sink_.Gaps()[0].FindPath("detail.reason")->as_string(), "no_longer_subscribed: maintenance");
  EXPECT_EQ(source_->stats().subscriptions_displaced, 0u);
  ExpectDelivered(kPresence);
}

TEST_F(SourceTest, VanishedChannelIsRecreated) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  fake_->DeleteChannels();
  ASSERT_TRUE(WaitFor([&] { return sink_.Gaps().size() == 1; }));
  EXPECT_EQ(fake_->counts().channels_created, 2);
  ExpectDelivered(kQueueConv);
}

TEST_F(SourceTest, MetricsMirrorTheStats) {
  clock_ = &SystemClock();
  StartFake();
  prometheus::Registry registry;
  source_ = std::make_unique<NotificationSource>(Settings(), std::make_unique<TestEnveloper>(), sink_, *clock_);
  source_->ExportMetrics(registry);
  ASSERT_TRUE(source_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  ExpectDelivered(kPresence);
  auto value = [&](const std::string& family, const std::string& outcome) {
    for (const auto& f : registry.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric) {
        bool match = outcome.empty();
        for (const auto& l : m.label) match |= l.name == "outcome" && l.value == outcome;
        if (match) return f.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
      }
    }
    return -1.0;
  };
  EXPECT_TRUE(WaitFor([&] { return value("cxbridge_genesys_events_total", "stored") >= 1; }));
  EXPECT_EQ(value("cxbridge_genesys_connects_total", ""), 1);
  EXPECT_EQ(value("cxbridge_genesys_open_gaps", ""), 0);
}

TEST_F(SourceTest, UnstoredEventsAreRetried) {
  clock_ = &SystemClock();
  StartFake();
  StartSource(Settings());
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  sink_.FailNext(3);
  for (int i = 0; i < 5; ++i) fake_->Publish(kPresence, "{}");
  ASSERT_TRUE(WaitFor([&] { return sink_.events().size() == 5; }));
  EXPECT_EQ(source_->stats().events_retried, 3u);
}

TEST_F(SourceTest, DiscoversQueuesAndGroupMembersBeforeSubscribing) {
  clock_ = &SystemClock();
  StartFake();
  std::vector<std::string> queues;
  for (int i = 0; i < 130; ++i) {  // more than one page of 100
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    queues.push_back(id);
  }
  fake_->SetDirectory(queues, {}, {{"g1", {kUser, kUser2}}});
  fake_->FailNext("/api/v2/routing/queues", 1, 503, -1);  // discovery retries
  auto raw = json::Parse(R"({"type":"genesys-notifications","api_base_url":")" + fake_->base_url() +
                         R"(","login_base_url":")" + fake_->base_url() +
                         R"(","client_id":"fake-client-id","client_secret":"fake-client-secret",
      "ids":{"queues":{"discover":"all"},"users":{"discover":{"group":"g1"}}},
      "topics":["v2.routing.queues.{id}.conversations","v2.users.{id}.presence"],"backoff_initial_ms":20})");
  ASSERT_TRUE(raw.ok());
  auto s = ParseNotificationsSettings("live", *raw, "123456789012", "us-east-1");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  s->tick_ms = 2;
  StartSource(*s);
  ASSERT_TRUE(WaitFor([&] { return fake_->subscriptions().size() == 132u; }));
  EXPECT_EQ(source_->plan().size(), 1u);
  ExpectDelivered("v2.routing.queues." + queues[129] + ".conversations");
  ExpectDelivered(kPresence);
}

// The issue's soak: 10 accelerated minutes with 2-minute tokens and 3-minute channels, a
// socket_closing rotation in the middle, one frame per simulated second — nothing lost.
TEST_F(SourceTest, TenMinuteSoakThroughTokenRefreshChannelExpiryAndRotation) {
  FakeGenesysOptions o;
  o.token_lifetime_s = 120;
  o.channel_lifetime_ms = 180'000;
  StartFake(o);
  StartSource(Settings(R"(,"channel_lifetime_seconds":180,"resubscribe_before_seconds":60)"));
  ASSERT_TRUE(WaitFor([&] { return Streaming(); }));
  int published = 0;
  for (int second = 0; second < 600; ++second) {
    if (second == 300) fake_->SendSocketClosing();
    published += fake_->Publish(second % 2 ? kPresence : kQueueConv, "{\"s\":" + std::to_string(second) + "}");
    fake_clock_.AdvanceMs(1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ASSERT_TRUE(WaitFor([&] { return sink_.events().size() >= static_cast<size_t>(published); }));
  auto c = fake_->counts();
  auto st = source_->stats();
  EXPECT_EQ(published, 600);
  EXPECT_EQ(sink_.events().size(), 600u);
  EXPECT_EQ(c.channels_expired, 0);
  EXPECT_EQ(c.unauthorized, 0);
  EXPECT_GE(c.tokens_issued, 5);
  EXPECT_EQ(st.rotations, 1u);
  EXPECT_EQ(st.gaps, 0u);
  EXPECT_GE(st.heartbeats, 15u);
}

}  // namespace
}  // namespace cxbridge::genesys
