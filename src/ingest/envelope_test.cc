#include "ingest/envelope.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "common/ids.h"
#include "ingest/test_util.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::ingest {
namespace {

using testing::FakeRequest;
using testing::J;
namespace fs = std::filesystem;

constexpr int64_t kNow = 1'773'842'531'123;  // 2026-03-18T14:02:11.123Z

EnvelopeOptions Opts(std::string_view config, std::string_view account = "111122223333",
                     std::string_view region = "eu-west-1") {
  auto o = ParseEnvelopeOptions(J(config), account, region);
  EXPECT_TRUE(o.ok()) << o.status().message();
  return o.ok() ? std::move(*o) : EnvelopeOptions{};
}

std::string OptsError(std::string_view config) {
  auto o = ParseEnvelopeOptions(J(config), "1", "r");
  EXPECT_FALSE(o.ok()) << config;
  return o.ok() ? "" : o.status().message();
}

Result<Envelope> Build(std::string body, const EnvelopeOptions& opts,
                       std::map<std::string, std::string> headers = {}) {
  FakeRequest r;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return BuildEnvelope(r.View(), opts, kNow);
}

std::vector<std::string> Keys(const json::Value& obj) {
  std::vector<std::string> out;
  for (const auto& m : obj.members()) out.push_back(m.first);
  return out;
}

const std::vector<std::string> kAwsOrder = {"version", "id",     "detail-type", "source", "account",
                                            "time",    "region", "resources",   "detail"};

bool IsUuid4(const std::string& s) {
  static const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

// ---------------------------------------------------------------- options

TEST(EnvelopeOptionsTest, Defaults) {
  EnvelopeOptions o = Opts(R"({"auth":{"scheme":"none"},"bus":"default","type":"whatever"})");
  EXPECT_EQ(o.account, "111122223333");
  EXPECT_EQ(o.region, "eu-west-1");
  EXPECT_EQ(o.detail_type.kind, DetailTypeRule::Kind::kSourceName);
  EXPECT_EQ(o.idempotency.mode, IdempotencySpec::Mode::kDefault);
  EXPECT_TRUE(o.event_source.empty());
  EXPECT_TRUE(o.recognize_eventbridge && o.recognize_genesys);
}

TEST(EnvelopeOptionsTest, ErrorsNameTheField) {
  EXPECT_NE(OptsError(R"({"event_source": 5})").find("event_source"), std::string::npos);
  EXPECT_NE(OptsError(R"({"event_source": ""})").find("event_source"), std::string::npos);
  EXPECT_NE(OptsError(R"({"detail_type": {"path": "$.a", "value": "b"}})").find("exactly one"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"detail_type": {}})").find("exactly one"), std::string::npos);
  EXPECT_NE(OptsError(R"({"detail_type": {"path": "$..a"}})").find("invalid JSONPath"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"detail_type": {"pth": "$.a"}})").find("unknown key 'pth'"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"detail_type": {"value": "x", "default": "y"}})").find("'default'"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"idempotency_key": {"paths": []}})").find("idempotency_key"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"idempotency_key": {"path": "$["}})").find("idempotency_key"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"idempotency_key": {"hdr": "x"}})").find("unknown key 'hdr'"),
            std::string::npos);
  EXPECT_NE(OptsError(R"({"recognize": ["xml"]})").find("recognize"), std::string::npos);
  EXPECT_NE(OptsError(R"({"name": 7})").find("name"), std::string::npos);
  EXPECT_FALSE(ParseEnvelopeOptions(J("[]"), "1", "r").ok());
}

// ---------------------------------------------------------------- rejections (400 reasons)

TEST(EnvelopeTest, RejectsNonObjectsAndBadJson) {
  EnvelopeOptions o = Opts(R"({"name":"s"})");
  for (const char* body : {"[1,2,3]", "\"text\"", "42", "null", "true"}) {
    auto e = Build(body, o);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(e.status().message(), "body is not a JSON object");
  }
  for (const char* body : {"{\"kind\": \"x\",", "", "{} {}", "{'a':1}"}) {
    auto e = Build(body, o);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(e.status().message().rfind("invalid JSON", 0), 0u) << e.status().message();
  }
}

TEST(EnvelopeTest, EveryTruncationIsAnswered) {
  // Untrusted input never crashes or asserts: each prefix of a frame builds or is a 400.
  EnvelopeOptions o = Opts(R"({"name":"s","detail_type":{"path":"$.eventBody.x"},"idempotency_key":{"paths":["$.eventBody.id","$.a[3]"]}})");
  std::string frame =
      R"({"topicName":"v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.presence","version":"2",)"
      R"("eventBody":{"id":"x\u00e9\"y","n":[1,2.5e3,-0,{"k":null}]},"metadata":{"CorrelationId":"c"}})";
  for (size_t n = 0; n <= frame.size(); ++n) {
    auto e = Build(frame.substr(0, n), o);
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << n;
    }
  }
  auto whole = Build(frame, o);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(whole->idempotency_key, "[\"s\",\"x\xC3\xA9\\\"y\",null]");
}

// ---------------------------------------------------------------- plain bodies

TEST(EnvelopeTest, PlainBodyWithPathDetailType) {
  EnvelopeOptions o = Opts(R"({"name":"hmac","event_source":"e2e.hmac","detail_type":{"path":"$.kind"},
                               "idempotency_key":{"paths":["$.eventId"]}})");
  std::string body = R"({"eventId":"e-1","kind":"Order","n":1.0})";
  auto e = Build(body, o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->kind, Envelope::Kind::kPlain);
  EXPECT_EQ(e->detail_type, "Order");
  EXPECT_EQ(e->source, "e2e.hmac");
  EXPECT_EQ(e->time_ms, kNow);
  EXPECT_TRUE(IsUuid4(e->id)) << e->id;
  EXPECT_EQ(e->idempotency_key, R"(["hmac","e-1"])");
  json::Value ev = J(e->event_json);
  EXPECT_EQ(Keys(ev), kAwsOrder);
  EXPECT_EQ(ev.Find("version")->as_string(), "0");
  EXPECT_EQ(ev.Find("id")->as_string(), e->id);
  EXPECT_EQ(ev.Find("account")->as_string(), "111122223333");
  EXPECT_EQ(ev.Find("region")->as_string(), "eu-west-1");
  EXPECT_EQ(ev.Find("time")->as_string(), "2026-03-18T14:02:11Z");
  EXPECT_TRUE(ev.Find("resources")->is_array());
  // detail is the body, numbers unchanged.
  EXPECT_EQ(json::Serialize(*ev.Find("detail")), R"({"eventId":"e-1","kind":"Order","n":1.0})");
  EXPECT_NE(e->event_json.find(R"("n":1.0)"), std::string::npos);
}

TEST(EnvelopeTest, PlainDetailTypeConstantDefaultAndErrors) {
  auto e = Build(R"({"a":1})", Opts(R"({"name":"om","detail_type":{"value":"OpenMessaging"}})"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->detail_type, "OpenMessaging");
  EXPECT_EQ(e->source, kDefaultPlainSource);
  EXPECT_TRUE(e->idempotency_key.empty());

  e = Build(R"({"a":1})", Opts(R"({"name":"om","detail_type":"Short"})"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->detail_type, "Short");

  e = Build(R"({"a":1})", Opts(R"({"name":"data-action"})"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->detail_type, "data-action");

  EnvelopeOptions by_path = Opts(R"({"name":"p","detail_type":{"path":"$.meta.type"}})");
  e = Build(R"({"meta":{"type":7}})", by_path);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->detail_type, "7");
  e = Build(R"({"meta":{}})", by_path);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "body has no value at detail_type path $.meta.type");
  e = Build(R"({"meta":{"type":""}})", by_path);
  EXPECT_FALSE(e.ok());
  e = Build(R"({"meta":{"type":[1]}})", by_path);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("string or a number"), std::string::npos);

  e = Build(R"({"meta":{}})", Opts(R"({"name":"p","detail_type":{"path":"$.meta.type","default":"Other"}})"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->detail_type, "Other");
}

TEST(EnvelopeTest, FreshIdsPerEvent) {
  EnvelopeOptions o = Opts(R"({"name":"s"})");
  auto a = Build("{}", o);
  auto b = Build("{}", o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id, b->id);
}

// ---------------------------------------------------------------- EventBridge bodies

TEST(EnvelopeTest, EventBridgeBodyTakenAsItIsInAwsOrder) {
  EnvelopeOptions o = Opts(R"({"name":"eb","event_source":"ignored.for.eb"})");
  // Shuffled order, missing account/region/resources, an extra member.
  std::string body = R"({"detail":{"x":1},"id":"my-id","source":"my.src","detail-type":"T",
                         "version":"0","time":"2024-01-01T12:00:00Z","x-extra":true})";
  auto e = Build(body, o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->kind, Envelope::Kind::kEventBridge);
  EXPECT_EQ(e->id, "my-id");
  EXPECT_EQ(e->source, "my.src");
  EXPECT_EQ(e->detail_type, "T");
  EXPECT_EQ(e->time_ms, 1'704'110'400'000);
  EXPECT_EQ(e->event_json,
            R"({"version":"0","id":"my-id","detail-type":"T","source":"my.src","account":"111122223333",)"
            R"("time":"2024-01-01T12:00:00Z","region":"eu-west-1","resources":[],"detail":{"x":1},"x-extra":true})");
  // Non-Genesys EventBridge events dedup on their id by default.
  EXPECT_EQ(e->idempotency_key, R"(["eb","eventbridge-id","my-id"])");
}

TEST(EnvelopeTest, EventBridgeKeepsReplayNameAndFillsTime) {
  auto e = Build(R"({"version":"0","id":"i","detail-type":"T","source":"s","account":"9","region":"r",
                     "replay-name":"rp","resources":["arn:1"],"detail":{}})",
                 Opts(R"({"name":"eb"})"));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->time_ms, kNow);
  json::Value ev = J(e->event_json);
  EXPECT_EQ(Keys(ev), (std::vector<std::string>{"version", "id", "detail-type", "source", "account",
                                                "time", "region", "replay-name", "resources",
                                                "detail"}));
  EXPECT_EQ(ev.Find("account")->as_string(), "9");
  EXPECT_EQ(ev.Find("time")->as_string(), "2026-03-18T14:02:11Z");
}

TEST(EnvelopeTest, EventBridgeRecognitionCanBeTurnedOff) {
  auto e = Build(R"({"version":"0","id":"i","detail-type":"T","source":"s","detail":{}})",
                 Opts(R"({"name":"p","recognize":[],"detail_type":"Raw"})"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, Envelope::Kind::kPlain);
  EXPECT_EQ(e->detail_type, "Raw");
}

TEST(EnvelopeTest, ManyMembersKeepTheirOrder) {
  // Issue 16: extra members are appended in one pass (no search per member); order and values
  // are kept for an EventBridge body and a Genesys frame with thousands of members.
  std::string extra;
  for (int i = 0; i < 5000; ++i) extra += ",\"x" + std::to_string(i) + "\":" + std::to_string(i);
  auto eb = Build(R"({"version":"0","id":"i","detail-type":"T","source":"s","detail":{})" + extra + "}",
                  Opts(R"({"name":"eb"})"));
  ASSERT_TRUE(eb.ok()) << eb.status().message();
  json::Value ev = J(eb->event_json);
  ASSERT_EQ(ev.members().size(), kAwsOrder.size() + 5000);
  EXPECT_EQ(ev.members()[kAwsOrder.size()].first, "x0");
  EXPECT_EQ(ev.members().back().first, "x4999");
  EXPECT_EQ(ev.members().back().second.number_text(), "4999");

  auto frame = Build(R"({"topicName":"v2.users.u1.presence","eventBody":{})" + extra + "}",
                     Opts(R"({"name":"ws"})"));
  ASSERT_TRUE(frame.ok()) << frame.status().message();
  json::Value fev = J(frame->event_json);
  const json::Value& d = *fev.Find("detail");
  ASSERT_EQ(d.members().size(), 3u + 5000);  // topicName, eventBody, timestamp, then the rest
  EXPECT_EQ(d.members()[2].first, "timestamp");
  EXPECT_EQ(d.members()[3].first, "x0");
  EXPECT_EQ(d.members().back().first, "x4999");
}

TEST(EnvelopeTest, TooManyMembersIsA400Reason) {
  std::string body = "{";
  for (size_t i = 0; i <= json::kMaxObjectMembers; ++i) body += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  body += "}";
  auto e = Build(body, Opts(R"({"name":"p"})"));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("more than 10000 members"), std::string::npos)
      << e.status().message();
}

// ---------------------------------------------------------------- Genesys frames

TEST(EnvelopeTest, GenesysFrameBecomesTopicPatternAndDetail) {
  EnvelopeOptions o = Opts(R"({"name":"ws"})");
  std::string frame =
      R"({"topicName":"v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.presence","version":"2",)"
      R"("eventBody":{"source":"PURECLOUD","modifiedDate":"2026-03-18T13:15:11.312Z",)"
      R"("presenceDefinition":{"id":"e08eaf1b-ee47-4fa9-a231-1200e284798f","systemPresence":"On Queue"}},)"
      R"("metadata":{"CorrelationId":"c-1"}})";
  auto e = Build(frame, o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->kind, Envelope::Kind::kGenesysNotification);
  EXPECT_EQ(e->detail_type, "v2.users.{id}.presence");
  EXPECT_EQ(e->source, kDefaultGenesysSource);
  EXPECT_TRUE(IsUuid4(e->id));
  json::Value ev = J(e->event_json);
  EXPECT_EQ(Keys(ev), kAwsOrder);
  const json::Value& d = *ev.Find("detail");
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"topicName", "version", "eventBody", "metadata",
                                               "timestamp"}));
  EXPECT_EQ(d.Find("timestamp")->as_string(), "2026-03-18T14:02:11.123Z");
  EXPECT_EQ(ev.Find("time")->as_string(), "2026-03-18T14:02:11Z");
  EXPECT_EQ(e->idempotency_key,
            R"(["ws","genesys","v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.presence",)"
            R"("2026-03-18T13:15:11.312Z","e08eaf1b-ee47-4fa9-a231-1200e284798f"])");
}

TEST(EnvelopeTest, GenesysFrameWithTimestampKeepsIt) {
  auto e = Build(R"({"metadata":{},"eventBody":{"a":1},"timestamp":"2021-06-25T15:11:52.123Z",)"
                 R"("topicName":"v2.flows.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","extra":1})",
                 Opts(R"({"name":"ws","event_source":"genesys.custom"})"));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->source, "genesys.custom");
  EXPECT_EQ(e->detail_type, "v2.flows.{id}");
  EXPECT_EQ(e->time_ms, 1'624'633'912'123);
  json::Value ev = J(e->event_json);
  EXPECT_EQ(ev.Find("time")->as_string(), "2021-06-25T15:11:52Z");
  EXPECT_EQ(Keys(*ev.Find("detail")),
            (std::vector<std::string>{"topicName", "eventBody", "metadata", "timestamp", "extra"}));
}

// ---------------------------------------------------------------- idempotency through the envelope

// Issue 16: an hmac source's signature covers the body only. Keying its events on the unsigned
// webhook-id let anyone holding one signed request replay it for ever under fresh ids; by default
// such a source now keys on the body's digest. standard-webhooks signs webhook-id and keeps it.
TEST(EnvelopeTest, HmacSourcesKeyOnTheSignedBodyNotTheUnsignedWebhookId) {
  EnvelopeOptions hmac = Opts(R"({"name":"h","auth":{"scheme":"hmac","header":"X-Sig","secret":"s"}})");
  auto a = Build(R"({"order":1})", hmac, {{"webhook-id", "msg_1"}});
  auto replayed = Build(R"({"order":1})", hmac, {{"webhook-id", "msg_fresh"}});
  auto other = Build(R"({"order":2})", hmac, {{"webhook-id", "msg_1"}});
  auto no_id = Build(R"({"order":1})", hmac);
  ASSERT_TRUE(a.ok() && replayed.ok() && other.ok() && no_id.ok());
  EXPECT_FALSE(a->idempotency_key.empty());
  EXPECT_EQ(a->idempotency_key, replayed->idempotency_key);  // the replay is a duplicate
  EXPECT_EQ(a->idempotency_key, no_id->idempotency_key);
  EXPECT_NE(a->idempotency_key, other->idempotency_key);
  EXPECT_NE(a->idempotency_key.find("body-sha256"), std::string::npos) << a->idempotency_key;

  EnvelopeOptions sw = Opts(R"({"name":"sw","auth":{"scheme":"standard-webhooks","secret":"whsec_x"}})");
  auto s1 = Build(R"({"order":1})", sw, {{"webhook-id", "msg_1"}});
  auto s2 = Build(R"({"order":1})", sw, {{"webhook-id", "msg_2"}});
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_NE(s1->idempotency_key, s2->idempotency_key);  // the signed id decides
  // A configured key still wins over the default.
  EnvelopeOptions explicit_key = Opts(
      R"({"name":"h","auth":{"scheme":"hmac"},"idempotency_key":{"header":"webhook-id"}})");
  auto k = Build(R"({"order":1})", explicit_key, {{"webhook-id", "msg_1"}});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->idempotency_key, R"(["h","msg_1"])");
}

TEST(EnvelopeTest, HeaderKeysAndJoinedPaths) {
  EnvelopeOptions sw = Opts(R"({"name":"sw","idempotency_key":{"header":"webhook-id"}})");
  auto e = Build("{}", sw, {{"Webhook-Id", "msg_1"}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->idempotency_key, R"(["sw","msg_1"])");
  e = Build("{}", sw);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->idempotency_key.empty()) << "no header, no key";

  EnvelopeOptions joined =
      Opts(R"({"name":"j","idempotency_key":{"paths":["$.eventBody.id","$.metadata.CorrelationId"]}})");
  e = Build(R"({"topicName":"t","eventBody":{"id":"a|b"},"metadata":{"CorrelationId":"c"}})", joined);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->idempotency_key, R"(["j","a|b","c"])");
  auto e2 = Build(R"({"topicName":"t","eventBody":{"id":"a"},"metadata":{"CorrelationId":"b|c"}})", joined);
  ASSERT_TRUE(e2.ok());
  EXPECT_NE(e->idempotency_key, e2->idempotency_key) << "joining is unambiguous";
  e = Build(R"({"topicName":"t","eventBody":{"id":7}})", joined);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->idempotency_key, R"(["j",7,null])");

  // The same path works whether the Genesys event arrives as a frame or as an EventBridge event.
  e = Build(R"({"version":"0","id":"x","detail-type":"t","source":"s",)"
            R"("detail":{"topicName":"t","eventBody":{"id":"a|b"},"metadata":{"CorrelationId":"c"}}})",
            joined);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->idempotency_key, R"(["j","a|b","c"])");
}

TEST(EnvelopeTest, KeysAreNamespacedBySource) {
  std::string body = R"({"eventId":"same"})";
  auto a = Build(body, Opts(R"({"name":"a","idempotency_key":"$.eventId"})"));
  auto b = Build(body, Opts(R"({"name":"b","idempotency_key":"$.eventId"})"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->idempotency_key, b->idempotency_key);
}

TEST(EnvelopeTest, DefaultKeyForPlainUsesWebhookIdHeader) {
  EnvelopeOptions o = Opts(R"({"name":"p"})");
  auto e = Build("{}", o, {{"webhook-id", "msg_9"}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->idempotency_key, R"(["p","webhook-id","msg_9"])");
  e = Build("{}", Opts(R"({"name":"p","idempotency_key":"none"})"), {{"webhook-id", "msg_9"}});
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->idempotency_key.empty());
}

// ---------------------------------------------------------------- Genesys samples (../shared)

struct Sample {
  std::string name;
  json::Value value;
};

std::vector<Sample> LoadSamples(std::string_view prefix) {
  std::vector<Sample> out;
  auto dir = testing::SharedDir();
  if (!dir) return out;
  for (const auto& entry : fs::directory_iterator(*dir + "/genesys")) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || entry.path().extension() != ".json") continue;
    auto text = testing::ReadFile(entry.path().string());
    if (!text) continue;
    auto v = json::Parse(*text);
    EXPECT_TRUE(v.ok()) << name;
    if (v.ok()) out.push_back({name, std::move(*v)});
  }
  std::sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.name < b.name; });
  return out;
}

#define SKIP_WITHOUT_SHARED()                                                             \
  if (!testing::SharedDir()) {                                                            \
    GTEST_SKIP() << "Genesys samples not found: set CXBRIDGE_SHARED to the shared folder " \
                    "(ctest does) or run from the repo with ../shared present";           \
  }

TEST(GenesysSamplesTest, EventBridgeSamplesAreTakenAsTheyAre) {
  SKIP_WITHOUT_SHARED();
  auto samples = LoadSamples("eb-");
  ASSERT_GE(samples.size(), 10u);
  EnvelopeOptions o = Opts(R"({"name":"genesys-eventbridge","event_source":"genesys.cloud"})");
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.name);
    auto e = Build(json::Serialize(s.value), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kEventBridge);
    EXPECT_EQ(e->id, s.value.Find("id")->as_string());
    EXPECT_EQ(e->source, s.value.Find("source")->as_string());
    EXPECT_EQ(e->detail_type, s.value.Find("detail-type")->as_string());
    // The samples are in AWS order with every field: the event is the sample, compacted.
    EXPECT_EQ(e->event_json, json::Serialize(s.value));
    EXPECT_EQ(e->idempotency_key.rfind(R"(["genesys-eventbridge","genesys",)", 0), 0u)
        << e->idempotency_key;
  }
}

TEST(GenesysSamplesTest, FramesRebuiltFromEventBridgeSamplesGetGenesysDetailType) {
  // The strongest check of the topic pattern: strip each real EventBridge event down to the
  // notification frame it came from, and the detail-type we derive must be the one Genesys's
  // integration produced; the detail must come back unchanged.
  SKIP_WITHOUT_SHARED();
  auto samples = LoadSamples("eb-");
  ASSERT_GE(samples.size(), 10u);
  EnvelopeOptions o = Opts(R"({"name":"ws"})");
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.name);
    const json::Value& detail = *s.value.Find("detail");
    auto e = Build(json::Serialize(detail), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kGenesysNotification);
    EXPECT_EQ(e->detail_type, s.value.Find("detail-type")->as_string());
    json::Value ev = J(e->event_json);
    EXPECT_EQ(*ev.Find("detail"), detail);
    // The frame keeps Genesys's timestamp; time is its second.
    EXPECT_EQ(ev.Find("time")->as_string(), FormatRfc3339(*ParseRfc3339(detail.Find("timestamp")->as_string())));
    // Same event → same key whichever way it arrived.
    auto via_eb = Build(json::Serialize(s.value), o);
    ASSERT_TRUE(via_eb.ok());
    EXPECT_EQ(e->idempotency_key, via_eb->idempotency_key);
  }
}

TEST(GenesysSamplesTest, WebSocketFrames) {
  SKIP_WITHOUT_SHARED();
  auto samples = LoadSamples("ws-");
  for (auto& more : LoadSamples("0")) samples.push_back(std::move(more));  // 04_, 05_ verbatim
  ASSERT_GE(samples.size(), 8u);
  EnvelopeOptions o = Opts(R"({"name":"genesys-live"})");
  const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.name);
    auto e = Build(json::Serialize(s.value), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kGenesysNotification);
    EXPECT_EQ(e->source, "genesys.cloud");
    EXPECT_EQ(e->detail_type, TopicPattern(s.value.Find("topicName")->as_string()));
    EXPECT_FALSE(std::regex_search(e->detail_type, uuid)) << e->detail_type;
    EXPECT_FALSE(e->idempotency_key.empty());
    json::Value ev = J(e->event_json);
    EXPECT_EQ(Keys(ev), kAwsOrder);
    EXPECT_EQ(*ev.Find("detail")->Find("eventBody"), *s.value.Find("eventBody"));
  }
  // Spot checks against the README's topic table.
  auto pattern_of = [&](std::string_view file) -> std::string {
    for (const Sample& s : samples) {
      if (s.name == file) return TopicPattern(s.value.Find("topicName")->as_string());
    }
    return "<missing " + std::string(file) + ">";
  };
  EXPECT_EQ(pattern_of("ws-v2.users.activity.json"), "v2.users.{id}.activity");
  EXPECT_EQ(pattern_of("ws-v2.routing.queues.users.joined.json"), "v2.routing.queues.{id}.users");
  EXPECT_EQ(pattern_of("ws-v2.routing.queues.conversations.json"), "v2.routing.queues.{id}.conversations");
  EXPECT_EQ(pattern_of("ws-v2.analytics.queues.observations.json"), "v2.analytics.queues.{id}.observations");
  EXPECT_EQ(pattern_of("ws-v2.system.socket_closing.json"), "v2.system.socket_closing");
  EXPECT_EQ(pattern_of("ws-v2.integrations.inbound.webhook.invocation.json"),
            "v2.integrations.inbound.webhook.{id}.invocation");
  EXPECT_EQ(pattern_of("ws-channel.metadata.heartbeat.json"), "channel.metadata");
}

TEST(GenesysSamplesTest, HttpAndProcessAutomationBodiesArePlain) {
  SKIP_WITHOUT_SHARED();
  EnvelopeOptions o = Opts(R"({"name":"genesys-open-messaging","event_source":"genesys.openmessaging",
                               "detail_type":{"value":"OpenMessagingOutbound"},
                               "idempotency_key":{"paths":["$.id"]}})");
  int seen = 0;
  for (const Sample& s : LoadSamples("http-")) {
    SCOPED_TRACE(s.name);
    const json::Value* body = s.value.Find("body");
    ASSERT_NE(body, nullptr);
    auto e = Build(json::Serialize(*body), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kPlain);
    EXPECT_EQ(e->detail_type, "OpenMessagingOutbound");
    EXPECT_EQ(e->source, "genesys.openmessaging");
    EXPECT_EQ(e->idempotency_key,
              json::Serialize(json::Value::Array({json::Value::String("genesys-open-messaging"),
                                                  *body->Find("id")})));
    ++seen;
  }
  for (const Sample& s : LoadSamples("30_")) {  // verbatim Open Messaging outbound body
    SCOPED_TRACE(s.name);
    auto e = Build(json::Serialize(s.value), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kPlain);
    ++seen;
  }
  for (const Sample& s : LoadSamples("pa-")) {  // topicName but no eventBody: not a frame
    SCOPED_TRACE(s.name);
    auto e = Build(json::Serialize(s.value), o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->kind, Envelope::Kind::kPlain);
    ++seen;
  }
  EXPECT_GE(seen, 3);
}

// ---------------------------------------------------------------- in-repo corpus

TEST(EnvelopeCorpusTest, PassAndFailFiles) {
  std::string dir = testing::TestdataDir();
  auto config = testing::ReadFile(dir + "/source-config.json");
  ASSERT_TRUE(config.has_value()) << "testdata not found at " << dir;
  EnvelopeOptions o = Opts(*config);
  int pass = 0, fail = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "source-config.json" ||
        name.find(".expect.") != std::string::npos) {
      continue;
    }
    SCOPED_TRACE(name);
    auto body = testing::ReadFile(entry.path().string());
    ASSERT_TRUE(body.has_value());
    auto e = Build(*body, o);
    if (name.rfind("fail-", 0) == 0) {
      ++fail;
      ASSERT_FALSE(e.ok());
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(e.status().message().empty());
      continue;
    }
    ASSERT_EQ(name.rfind("pass-", 0), 0u) << "corpus files are pass-* or fail-*";
    ++pass;
    ASSERT_TRUE(e.ok()) << e.status().message();
    std::string expect_path = entry.path().string();
    expect_path.replace(expect_path.size() - 5, 5, ".expect.json");
    auto expect_text = testing::ReadFile(expect_path);
    ASSERT_TRUE(expect_text.has_value()) << expect_path;
    json::Value expect = J(*expect_text);
    EXPECT_EQ(EnvelopeKindName(e->kind), expect.Find("kind")->as_string());
    EXPECT_EQ(e->detail_type, expect.Find("detail-type")->as_string());
    EXPECT_EQ(e->source, expect.Find("source")->as_string());
    if (auto* id = expect.Find("id")) {
      EXPECT_EQ(e->id, id->as_string());
    }
    if (auto* k = expect.Find("idempotency_key")) {
      EXPECT_EQ(e->idempotency_key, k->as_string());
    }
    json::Value ev = J(e->event_json);
    if (auto* t = expect.Find("time")) {
      EXPECT_EQ(ev.Find("time")->as_string(), t->as_string());
    }
    std::vector<std::string> keys = Keys(ev);
    keys.resize(std::min<size_t>(keys.size(), 9));
    EXPECT_EQ(keys, kAwsOrder);
  }
  EXPECT_GE(pass, 5);
  EXPECT_GE(fail, 5);
}

}  // namespace
}  // namespace cxbridge::ingest
