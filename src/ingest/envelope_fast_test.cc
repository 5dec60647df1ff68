// The envelope's direct path against its document path: the same bytes for every body the direct
// path takes, over the envelope corpus, the Genesys samples and hand-made edge cases, under
// several source configurations.
#include "ingest/envelope_fast.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kNow = 1767225600123;  // 2026-01-01T00:00:00.123Z

EnvelopeOptions Options(std::string_view yaml_json) {
  auto cfg = json::Parse(yaml_json);
  EXPECT_TRUE(cfg.ok()) << yaml_json;
  auto opts = ParseEnvelopeOptions(*cfg, "123456789012", "us-east-1");
  EXPECT_TRUE(opts.ok()) << opts.status().ToString();
  return std::move(*opts);
}

// Both paths for one body; when the direct path takes it, the results must be identical (the
// random event id aside).
void ExpectSame(const std::string& body, const EnvelopeOptions& opts, const std::string& what,
                int* taken) {
  testing::FakeRequest req;
  req.body = body;
  req.headers["webhook-id"] = "msg_1";
  req.headers["X-Trace"] = "t-1";
  std::optional<Envelope> direct = TryBuildEnvelopeDirect(req.View(), opts, kNow);
  if (!direct) return;
  ++*taken;
  Result<Envelope> doc = BuildEnvelope(req.View(), opts, kNow);
  ASSERT_TRUE(doc.ok()) << what << ": the direct path took a body the document path refuses: "
                        << doc.status().ToString();
  std::string want = doc->event_json;
  const size_t at = want.find(doc->id);
  ASSERT_NE(at, std::string::npos);
  want.replace(at, doc->id.size(), direct->id);
  EXPECT_EQ(direct->event_json, want) << what;
  EXPECT_EQ(direct->detail_type, doc->detail_type) << what;
  EXPECT_EQ(direct->source, doc->source) << what;
  EXPECT_EQ(direct->time_ms, doc->time_ms) << what;
  EXPECT_EQ(direct->idempotency_key, doc->idempotency_key) << what;
  EXPECT_EQ(direct->kind, doc->kind) << what;
}

std::vector<EnvelopeOptions> Configurations() {
  return {
      Options(R"({"name":"s"})"),
      Options(R"({"name":"s","auth":{"scheme":"hmac"}})"),
      Options(R"({"name":"s","event_source":"acme","detail_type":{"value":"T"},"idempotency_key":{"paths":["$.eventId"]}})"),
      Options(R"({"name":"s","detail_type":{"path":"$.kind","default":"Other"},"idempotency_key":{"paths":["$.a.b","$.eventBody.id"],"headers":["X-Trace"]}})"),
      Options(R"({"name":"s","detail_type":{"path":"$.n"},"idempotency_key":"none"})"),
      Options(R"({"name":"s","recognize":[],"idempotency_key":{"paths":["$.topicName","$.timestamp"]}})"),
  };
}

// Compact forms of every JSON file in a folder (the direct path only takes compact bodies).
std::vector<std::pair<std::string, std::string>> Corpus(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = testing::ReadFile(entry.path().string());
    if (!text) continue;
    out.emplace_back(entry.path().filename().string(), *text);
    if (auto v = json::Parse(*text); v.ok()) out.emplace_back(entry.path().filename().string() + " (compact)", json::Serialize(*v));
  }
  return out;
}

TEST(EnvelopeDirectTest, SameBytesAsTheDocumentPathOverTheCorpus) {
  auto corpus = Corpus(testing::TestdataDir());
  if (auto shared = testing::SharedDir()) {
    auto more = Corpus(*shared + "/genesys");
    corpus.insert(corpus.end(), more.begin(), more.end());
  }
  int taken = 0;
  for (const auto& opts : Configurations())
    for (const auto& [name, body] : corpus) ExpectSame(body, opts, name, &taken);
  EXPECT_GT(taken, 20);  // the direct path does take most compact bodies
}

TEST(EnvelopeDirectTest, EdgeCasesAgreeOrFallBack) {
  const std::vector<std::string> bodies = {
      R"({})",
      R"({"a":1})",
      R"({"eventId":"e1","kind":"K","a":{"b":"x"},"n":-0.5e-3,"t":true,"f":false,"z":null,"arr":[1,[],{},"s"]})",
      R"({"kind":"","a":{"b":null}})",
      R"({"kind":null})",
      R"({"kind":12})",
      R"({"kind":{"x":1}})",
      R"({"n":123})",
      R"({"a":{"b":{"c":[1,2,{"d":"e"}]}},"eventId":7})",
      R"({"topicName":"v2.users.u1.presence","version":"2","eventBody":{"id":"x"},"metadata":{"CorrelationId":"c"}})",
      R"({"eventBody":{"id":"x"},"extra":1,"topicName":"v2.users.u1.presence","timestamp":"2026-03-01T10:00:00.5Z"})",
      R"({"topicName":"v2.users.u1.presence","eventBody":{},"timestamp":17})",
      R"({"topicName":"v2.users.u1.presence","eventBody":{},"timestamp":"not a time"})",
      R"({"topicName":"v2.detail.events.conversation.{id}.customer.end","eventBody":{"conversationId":"c1"}})",
      R"({"topicName":"v2.x","eventBody":"{\"id\":1}"})",
      R"({"topicName":"","eventBody":{}})",
      R"({"version":"0","id":"i","detail-type":"d","source":"s","detail":{}})",
      R"({"a":1,"a":2})",
      R"({"a":{"k":1,"k":2}})",
      R"({"s":"caf\u00e9"})",
      R"({"s":"tab	inside"})",
      R"({"n":01})",
      R"({"n":1.})",
      R"({"n":1e400})",
      R"({"n":123456789012345678901234567890})",
      R"({"a":1} )",
      R"( {"a":1})",
      R"({"a": 1})",
      R"({"a":1}{"b":2})",
      R"({"a":[1,]})",
      R"({"a":tru})",
      R"({"":1})",
      R"({"a":"x")",
      R"(["not an object"])",
      "{\"s\":\"\xc3\xa9t\xc3\xa9\"}",
      "{\"s\":\"\xff\"}",
      std::string(300, '[') + std::string(300, ']'),
      "{\"a\":" + std::string(250, '[') + std::string(250, ']') + "}",
  };
  int taken = 0;
  for (const auto& opts : Configurations())
    for (const auto& body : bodies) ExpectSame(body, opts, body.substr(0, 120), &taken);
  EXPECT_GT(taken, 10);
}

TEST(EnvelopeDirectTest, RefusesWhatItCannotWriteTheSame) {
  const EnvelopeOptions opts = Options(R"({"name":"s"})");
  for (std::string body : {R"({"a":1,"a":2})", R"({"s":"\n"})", R"({"a": 1})", R"({"n":01})", R"([1])",
                           "{\"s\":\"\xff\"}", R"({"topicName":"v2.x","eventBody":"{}"})"}) {
    testing::FakeRequest req;
    req.body = body;
    EXPECT_FALSE(TryBuildEnvelopeDirect(req.View(), opts, kNow).has_value()) << body;
  }
}

}  // namespace
}  // namespace cxbridge::ingest
