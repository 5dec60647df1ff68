// The shipped preset examples/genesys-normalize.yaml, loaded through the real config loader and
// checked against the Genesys samples in ../shared/genesys (skipped when they are absent).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/ids.h"
#include "config/config.h"
#include "transform/normalizer.h"

namespace cxbridge::transform {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path SourceDir() {
  if (const char* s = std::getenv("CXBRIDGE_SOURCE")) return s;
#ifdef CXBRIDGE_SOURCE_DIR
  return CXBRIDGE_SOURCE_DIR;
#else
  return ".";
#endif
}

fs::path SharedDir() {
  if (const char* s = std::getenv("CXBRIDGE_SHARED")) return s;
  return SourceDir() / ".." / "shared";
}

std::shared_ptr<const Normalizer> LoadPreset() {
  fs::path preset = SourceDir() / "examples" / "genesys-normalize.yaml";
  auto cfg = config::ParseConfig(ReadFile(preset), preset.string());
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  if (!cfg.ok()) return nullptr;
  auto n = CompileNormalizer(cfg->schemas);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : nullptr;
}

TEST(GenesysPresetTest, LoadsThroughTheConfigLoader) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->rule_sets().size(), 2u);
}

TEST(GenesysPresetTest, EveryConversationDetailSampleGetsTheSameShape) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  fs::path dir = SharedDir() / "genesys";
  if (!fs::exists(dir)) GTEST_SKIP() << "samples absent: " << dir;
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("eb-v2.detail.events.conversation.", 0) != 0) continue;
    SCOPED_TRACE(name);
    auto parsed = json::Parse(ReadFile(entry.path()));
    ASSERT_TRUE(parsed.ok());
    json::Value event = *parsed;
    const json::Value body = *event.FindPath("detail.eventBody");
    NormalizeResult r = Normalize(*n, &event);
    ASSERT_EQ(r.outcome, NormalizeOutcome::kNormalized) << r.reason;
    EXPECT_EQ(r.rule_sets, "genesys-conversation-detail");
    const json::Value& detail = *event.Find("detail");
    // The stable top-level shape: ids copied from eventBody where Genesys sent them.
    for (const char* field : {"conversationId", "participantId", "sessionId", "direction", "queueId", "userId"}) {
      const json::Value* src = body.Find(field);
      const json::Value* dst = detail.Find(field);
      if (src == nullptr) {
        EXPECT_EQ(dst, nullptr) << field;
      } else {
        ASSERT_NE(dst, nullptr) << field;
        EXPECT_EQ(*dst, *src) << field;
      }
    }
    ASSERT_NE(detail.Find("conversationId"), nullptr);
    ASSERT_NE(detail.Find("participantId"), nullptr);
    // eventTime: epoch ms in the body, RFC 3339 (UTC, ms) on top; same instant.
    const json::Value* t = detail.Find("eventTime");
    ASSERT_NE(t, nullptr);
    ASSERT_TRUE(t->is_string());
    int64_t body_ms = 0;
    ASSERT_TRUE(body.Find("eventTime")->as_int64(&body_ms));
    EXPECT_EQ(t->as_string(), FormatRfc3339Millis(body_ms));
    EXPECT_EQ(t->as_string().size(), 24u);
    // mediaType everywhere, attribute events included (from communications[0]).
    ASSERT_NE(detail.Find("mediaType"), nullptr);
    const json::Value* media = body.Find("mediaType");
    if (media == nullptr) media = body.FindPath("communications")->items()[0].Find("mediaType");
    EXPECT_EQ(*detail.Find("mediaType"), *media);
    // The raw body is untouched.
    EXPECT_EQ(*event.FindPath("detail.eventBody"), body);
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(GenesysPresetTest, AgentStateAndTranscriptionAreNotConversationDetail) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  fs::path dir = SharedDir() / "genesys";
  if (!fs::exists(dir)) GTEST_SKIP() << "samples absent";
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  for (const char* name : {"eb-v2.detail.events.agent.state.json", "eb-v2.conversations.transcription.real-anonymized.json"}) {
    auto parsed = json::Parse(ReadFile(dir / name));
    ASSERT_TRUE(parsed.ok()) << name;
    json::Value event = *parsed;
    json::Value before = event;
    EXPECT_EQ(Normalize(*n, &event).outcome, NormalizeOutcome::kUnchanged) << name;
    EXPECT_EQ(event, before);
  }
}

TEST(GenesysPresetTest, OldTranscriptionsTopicIsRenamed) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  fs::path sample = SharedDir() / "genesys" / "eb-v2.conversations.transcription.real-anonymized.json";
  if (!fs::exists(sample)) GTEST_SKIP() << "samples absent";
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  json::Value event = *json::Parse(ReadFile(sample));
  const std::string topic = event.FindPath("detail.topicName")->as_string();
  // Make it an event from before the 2021-06 rename.
  event.Set("detail-type", json::Value::String("v2.conversations.{id}.transcriptions"));
  event.Find("detail")->Set("topicName", json::Value::String(topic + "s"));
  NormalizeResult r = Normalize(*n, &event);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kNormalized);
  EXPECT_EQ(r.rule_sets, "genesys-transcription-topic-rename");
  EXPECT_EQ(event.Find("detail-type")->as_string(), "v2.conversations.{id}.transcription");
  EXPECT_EQ(event.FindPath("detail.topicName")->as_string(), topic);
}

TEST(GenesysPresetTest, UnknownNotificationVersionIsQuarantined) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  fs::path sample = SharedDir() / "genesys" / "eb-v2.detail.events.conversation.acd.end.json";
  if (!fs::exists(sample)) GTEST_SKIP() << "samples absent";
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  json::Value event = *json::Parse(ReadFile(sample));
  event.Find("detail")->Set("version", json::Value::String("3"));
  NormalizeResult r = Normalize(*n, &event);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_NE(r.reason.find("not declared"), std::string::npos) << r.reason;
}

TEST(GenesysPresetTest, MissingConversationIdIsQuarantined) {
  if (!fs::exists(SourceDir() / "examples" / "genesys-normalize.yaml")) GTEST_SKIP() << "no CXBRIDGE_SOURCE";
  fs::path sample = SharedDir() / "genesys" / "eb-v2.detail.events.conversation.acw.json";
  if (!fs::exists(sample)) GTEST_SKIP() << "samples absent";
  auto n = LoadPreset();
  ASSERT_NE(n, nullptr);
  json::Value event = *json::Parse(ReadFile(sample));
  const_cast<json::Value*>(event.FindPath("detail.eventBody"))->Erase("conversationId");
  NormalizeResult r = Normalize(*n, &event);
  EXPECT_EQ(r.outcome, NormalizeOutcome::kQuarantine);
  EXPECT_EQ(r.reason,
            "schema genesys-conversation-detail: required field $.detail.conversationId is missing after normalization");
}

}  // namespace
}  // namespace cxbridge::transform
