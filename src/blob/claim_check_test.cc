#include "blob/claim_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "blob/local_blob_store.h"
#include "blob/test_util.h"
#include "common/encoding.h"

namespace cxbridge::blob {
namespace {

namespace fs = std::filesystem;

json::Value ParseOrDie(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? std::move(*v) : json::Value();
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

json::Value Event(json::Value detail) {
  return json::Value::Object({
      {"version", json::Value::String("0")},
      {"id", json::Value::String("7ac9b8d0-360c-4abb-8fe6-01ae80579cab")},
      {"detail-type", json::Value::String("v2.conversations.{id}.transcription")},
      {"source", json::Value::String("genesys.cloud")},
      {"account", json::Value::String("123456789012")},
      {"time", json::Value::String("2026-03-21T00:55:36Z")},
      {"region", json::Value::String("us-east-1")},
      {"resources", json::Value::Array()},
      {"detail", std::move(detail)},
  });
}

// A transcription detail of about `bytes` bytes: utterances with word timings, as Genesys sends.
json::Value SyntheticTranscription(size_t bytes) {
  json::Value transcripts = json::Value::Array();
  size_t size = 0;
  for (int u = 0; size < bytes; ++u) {
    json::Value words = json::Value::Array();
    std::string text;
    for (int w = 0; w < 40; ++w) {
      std::string word = "w" + std::to_string(u) + "_" + std::to_string(w) + "\xc3\xa9";
      text += (w ? " " : "") + word;
      words.Push(json::Value::Object({{"confidence", json::Value::NumberText("0.9350")},
                                      {"offsetMs", json::Value::Int(u * 1000 + w * 20)},
                                      {"durationMs", json::Value::Int(160)},
                                      {"word", json::Value::String(word)}}));
    }
    json::Value alt = json::Value::Object({{"confidence", json::Value::NumberText("7.6e-1")},
                                           {"transcript", json::Value::String(text)},
                                           {"words", std::move(words)}});
    json::Value utt = json::Value::Object(
        {{"utteranceId", json::Value::String("u-" + std::to_string(u))},
         {"isFinal", json::Value::Bool(true)},
         {"channel", json::Value::String(u % 2 ? "INTERNAL" : "EXTERNAL")},
         {"alternatives", json::Value::Array({std::move(alt)})}});
    size += json::Serialize(utt).size() + 1;
    transcripts.Push(std::move(utt));
  }
  return json::Value::Object(
      {{"topicName", json::Value::String("v2.conversations.b986f068.transcription")},
       {"version", json::Value::String("2")},
       {"eventBody", json::Value::Object({{"conversationId", json::Value::String("b986f068")},
                                          {"transcripts", std::move(transcripts)}})}});
}

class ClaimCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalBlobStore::Open(dir_.path() / "blobs");
    ASSERT_TRUE(s.ok());
    store_ = std::shared_ptr<LocalBlobStore>(std::move(*s));
  }
  ClaimCheck Make(size_t threshold, std::vector<std::string> fields, std::string uri_base = "") {
    ClaimCheckPolicy p;
    p.threshold_bytes = threshold;
    for (const auto& f : fields) {
      auto path = transform::JsonPath::Compile(f);
      EXPECT_TRUE(path.ok()) << f;
      p.fields.push_back(*path);
    }
    p.uri_base = std::move(uri_base);
    return ClaimCheck(std::move(p), store_);
  }

  testing::TempDir dir_;
  std::shared_ptr<LocalBlobStore> store_;
};

TEST_F(ClaimCheckTest, SmallEventIsUnchanged) {
  json::Value e = Event(ParseOrDie(R"({"a":1})"));
  std::string before = json::Serialize(e);
  auto out = Make(1024, {}).Apply(&e);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->refs.empty());
  EXPECT_EQ(out->bytes_before, before.size());
  EXPECT_EQ(out->bytes_after, before.size());
  EXPECT_EQ(json::Serialize(e), before);
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ClaimCheckTest, WholeDetailWhenNoFieldsAreNamed) {
  json::Value e = Event(SyntheticTranscription(4000));
  std::string detail = json::Serialize(*e.Find("detail"));
  auto out = Make(1024, {}).Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->refs.size(), 1u);
  const json::Value* ref = e.Find("detail");
  ASSERT_TRUE(IsRef(*ref));
  const json::Value& body = *ref->Find("$ref");
  EXPECT_EQ(body.Find("sha256")->as_string(), Sha256Hex(detail));
  EXPECT_EQ(body.Find("contentType")->as_string(), "application/json");
  EXPECT_EQ(body.Find("uri")->as_string(), store_->Uri(Sha256Hex(detail)));
  int64_t size = 0;
  ASSERT_TRUE(body.Find("size")->as_int64(&size));
  EXPECT_EQ(static_cast<size_t>(size), detail.size());
  EXPECT_EQ(out->bytes_after, json::Serialize(e).size());
  // The envelope (routing fields) is untouched and keeps its order.
  EXPECT_EQ(e.members()[2].first, "detail-type");
  EXPECT_EQ(e.members().back().first, "detail");
}

TEST_F(ClaimCheckTest, LargestRealGenesysSampleRoundTrips) {
  fs::path sample = testing::SharedDir() / "genesys" /
                    "eb-v2.conversations.transcription.largest-observed-real-anonymized.json";
  std::string text = ReadFile(sample);
  ASSERT_FALSE(text.empty()) << sample;
  json::Value e = ParseOrDie(text);
  const std::string original = json::Serialize(e);
  const std::string original_detail = json::Serialize(*e.Find("detail"));

  ClaimCheck cc = Make(4096, {"$.detail.eventBody.transcripts"});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->refs.size(), 1u);
  EXPECT_LE(out->bytes_after, 4096u);
  EXPECT_EQ(out->bytes_after, json::Serialize(e).size());
  EXPECT_TRUE(IsRef(*e.FindPath("detail.eventBody.transcripts")));
  EXPECT_EQ(e.FindPath("detail.eventBody.conversationId")->as_string(),
            "b986f068-1f3f-4bb2-8519-505e7516af2a");
  EXPECT_EQ(FindRef(e), "$.detail.eventBody.transcripts");

  auto resolved = cc.Resolve(&e);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(*resolved, 1u);
  EXPECT_EQ(json::Serialize(*e.Find("detail")), original_detail);
  EXPECT_EQ(json::Serialize(e), original);
}

TEST_F(ClaimCheckTest, SyntheticFiveMegabyteEventByField) {
  json::Value e = Event(SyntheticTranscription(5 * 1024 * 1024));
  const std::string original_detail = json::Serialize(*e.Find("detail"));
  ASSERT_GT(original_detail.size(), 5u * 1024 * 1024);
  ClaimCheck cc = Make(kDefaultThresholdBytes, {"$.detail.eventBody.transcripts"});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->refs.size(), 1u);
  EXPECT_GT(out->refs[0].size, 5u * 1024 * 1024);
  EXPECT_LT(json::Serialize(e).size(), 1024u);
  ASSERT_TRUE(cc.Resolve(&e).ok());
  EXPECT_EQ(json::Serialize(*e.Find("detail")), original_detail);
}

TEST_F(ClaimCheckTest, SyntheticFiveMegabyteEventWholeDetail) {
  json::Value e = Event(SyntheticTranscription(5 * 1024 * 1024));
  const std::string original = json::Serialize(e);
  ClaimCheck cc = Make(kDefaultThresholdBytes, {});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->bytes_before, original.size());
  ASSERT_TRUE(IsRef(*e.Find("detail")));
  // The event now travels through EventBridge-sized pipes; a fresh Resolve restores it.
  json::Value copy = ParseOrDie(json::Serialize(e));
  ASSERT_TRUE(cc.Resolve(&copy).ok());
  EXPECT_EQ(json::Serialize(copy), original);
}

TEST_F(ClaimCheckTest, LargestFieldFirstUntilTheEventFits) {
  std::string big(3000, 'b'), mid(1500, 'm'), small(200, 's');
  json::Value e = Event(json::Value::Object({{"big", json::Value::String(big)},
                                             {"mid", json::Value::String(mid)},
                                             {"small", json::Value::String(small)}}));
  ClaimCheck cc = Make(2500, {"$.detail.small", "$.detail.mid", "$.detail.big"});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->refs.size(), 1u);
  EXPECT_TRUE(IsRef(*e.FindPath("detail.big")));
  EXPECT_TRUE(e.FindPath("detail.mid")->is_string());
  EXPECT_LE(out->bytes_after, 2500u);

  // Lower threshold: mid goes too; small is never worth a reference.
  json::Value e2 = Event(json::Value::Object({{"big", json::Value::String(big)},
                                              {"mid", json::Value::String(mid)},
                                              {"small", json::Value::String(small)}}));
  auto out2 = Make(100, {"$.detail.small", "$.detail.mid", "$.detail.big"}).Apply(&e2);
  ASSERT_TRUE(out2.ok());
  EXPECT_EQ(out2->refs.size(), 2u);
  EXPECT_TRUE(e2.FindPath("detail.small")->is_string());
  EXPECT_GT(out2->bytes_after, 100u);  // the caller sees it still does not fit
  EXPECT_EQ(out2->bytes_after, json::Serialize(e2).size());
}

TEST_F(ClaimCheckTest, WildcardPathsClaimEachParticipantsAttributes) {
  json::Value e = ParseOrDie(R"({"version":"0","detail":{"participants":[
      {"id":"p1","attributes":{"notes":")" + std::string(2000, 'x') + R"("}},
      {"id":"p2","attributes":{"notes":")" + std::string(2000, 'y') + R"("}},
      {"id":"p3"}]}})");
  std::string original = json::Serialize(e);
  ClaimCheck cc = Make(1000, {"$.detail.participants[*].attributes"});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->refs.size(), 2u);
  EXPECT_TRUE(IsRef(*e.FindPath("detail.participants")->items()[0].Find("attributes")));
  EXPECT_TRUE(IsRef(*e.FindPath("detail.participants")->items()[1].Find("attributes")));
  auto n = cc.Resolve(&e);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(json::Serialize(e), original);
}

TEST_F(ClaimCheckTest, OverlappingPathsMoveTheOuterValueOnce) {
  json::Value e = Event(ParseOrDie(R"({"a":{"b":")" + std::string(3000, 'z') + R"(","c":1}})"));
  std::string original = json::Serialize(e);
  ClaimCheck cc = Make(500, {"$.detail.a.b", "$.detail.a", "$.detail.*"});
  auto out = cc.Apply(&e);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->refs.size(), 1u);
  EXPECT_TRUE(IsRef(*e.FindPath("detail.a")));
  ASSERT_TRUE(cc.Resolve(&e).ok());
  EXPECT_EQ(json::Serialize(e), original);
}

TEST_F(ClaimCheckTest, MissingFieldsAreNotAnError) {
  json::Value e = Event(json::Value::Object({{"other", json::Value::String(std::string(5000, 'o'))}}));
  auto out = Make(1000, {"$.detail.eventBody.transcripts"}).Apply(&e);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->refs.empty());
  EXPECT_GT(out->bytes_after, 1000u);
}

TEST_F(ClaimCheckTest, UriBaseNamesTheBlobEndpoint) {
  json::Value e = Event(SyntheticTranscription(3000));
  auto out = Make(1000, {}, "https://gw.example.com/blobs/").Apply(&e);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->refs.size(), 1u);
  std::string want = "https://gw.example.com/blobs/" + out->refs[0].sha256;
  EXPECT_EQ(out->refs[0].uri, want);
  EXPECT_EQ(e.FindPath("detail.$ref.uri")->as_string(), want);
  EXPECT_EQ(out->bytes_after, json::Serialize(e).size());
}

TEST_F(ClaimCheckTest, EventsCarryingAReferenceAreRefused) {
  // A forged reference could make Resolve fetch another sender's payload.
  json::Value e = Event(ParseOrDie(
      R"({"x":[{"$ref":{"sha256":")" + std::string(64, 'a') + R"(","size":1}}]})"));
  auto out = Make(1 << 20, {}).Apply(&e);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "event already carries a claim-check reference ($ref) at $.detail.x[0]");
  // An object that merely has a "$ref" key among others is data, not a reference.
  json::Value ok = Event(ParseOrDie(R"({"schema":{"$ref":"#/defs/a","type":"object"}})"));
  EXPECT_TRUE(Make(1 << 20, {}).Apply(&ok).ok());
}

TEST_F(ClaimCheckTest, ApplyToPayloadAllowsSourceReferencesAndTakesWholeNonEvents) {
  // An event the source already claim-checked, still over the target's own limit.
  json::Value e = Event(ParseOrDie(R"({"t":{"$ref":{"sha256":")" + std::string(64, 'a') +
                                   R"(","size":1}},"big":")" + std::string(2000, 'y') + R"("})"));
  auto out = Make(1024, {}).ApplyToPayload(&e);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->refs.size(), 1u);
  EXPECT_TRUE(IsRef(*e.Find("detail")));
  // A transformed payload without `detail`: replaced whole; resolving gives it back.
  json::Value payload = ParseOrDie(R"({"summary":")" + std::string(2000, 'z') + R"("})");
  const std::string before = json::Serialize(payload);
  out = Make(1024, {}).ApplyToPayload(&payload);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(IsRef(payload));
  EXPECT_EQ(out->bytes_before, before.size());
  EXPECT_EQ(out->bytes_after, json::Serialize(payload).size());
  EXPECT_EQ(store_->Get(out->refs[0].sha256)->bytes, before);
  // Under the limit: untouched.
  json::Value small = ParseOrDie(R"(["a"])");
  ASSERT_TRUE(Make(1024, {}).ApplyToPayload(&small).ok());
  EXPECT_EQ(json::Serialize(small), R"(["a"])");
}

TEST_F(ClaimCheckTest, ResolveReportsMissingAndCorruptBlobs) {
  ClaimCheck cc = Make(100, {});
  json::Value e = Event(SyntheticTranscription(2000));
  ASSERT_TRUE(cc.Apply(&e).ok());
  std::string sha = e.FindPath("detail.$ref.sha256")->as_string();

  {
    std::fstream f(store_->PathFor(sha), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('#');
  }
  json::Value corrupt = e;
  EXPECT_EQ(cc.Resolve(&corrupt).status().code(), StatusCode::kCorruption);

  ASSERT_TRUE(store_->Delete(sha).ok());
  json::Value missing = e;
  EXPECT_EQ(cc.Resolve(&missing).status().code(), StatusCode::kNotFound);

  json::Value bad_ref = Event(ParseOrDie(R"({"$ref":{"sha256":"nothex","size":1}})"));
  EXPECT_EQ(cc.Resolve(&bad_ref).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClaimCheckTest, ResolveChecksTheSizeInTheReference) {
  auto ref = store_->Put(R"({"k":1})", "application/json");
  ASSERT_TRUE(ref.ok());
  BlobRef wrong = *ref;
  wrong.size = 99;
  json::Value e = Event(json::Value::Object({{"$ref", wrong.ToJson()}}));
  EXPECT_EQ(Make(100, {}).Resolve(&e).status().code(), StatusCode::kCorruption);
}

TEST_F(ClaimCheckTest, ResolveGivesNonJsonPayloadsAsStrings) {
  auto ref = store_->Put("plain text", "text/plain");
  ASSERT_TRUE(ref.ok());
  json::Value e = Event(json::Value::Object({{"note", json::Value::Object({{"$ref", ref->ToJson()}})}}));
  auto n = ResolveRefs(*store_, &e);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(e.FindPath("detail.note")->as_string(), "plain text");
}

TEST(ClaimCheckPolicyTest, ParsesTheConfigShape) {
  auto p = ParseClaimCheckPolicy(*json::Parse(
      R"({"threshold_bytes":1000,"fields":["$.detail.eventBody.transcripts","$.detail.participants[*].attributes"],
          "uri_base":"https://x/blobs/","store":{"type":"local"}})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threshold_bytes, 1000u);
  ASSERT_EQ(p->fields.size(), 2u);
  EXPECT_EQ(p->fields[1].text(), "$.detail.participants[*].attributes");
  EXPECT_EQ(p->uri_base, "https://x/blobs/");

  auto defaults = ParseClaimCheckPolicy(*json::Parse("{}"));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->threshold_bytes, 262144u);
  EXPECT_TRUE(defaults->fields.empty());
}

TEST(ClaimCheckPolicyTest, ErrorsNameTheKey) {
  auto err = [](std::string_view text) {
    return ParseClaimCheckPolicy(*json::Parse(text)).status().message();
  };
  EXPECT_EQ(err(R"({"threshold_bytes":0})"),
            "claim_check.threshold_bytes: must be an integer from 1 to 1073741824");
  EXPECT_EQ(err(R"({"threshold_bytes":"big"})"),
            "claim_check.threshold_bytes: must be an integer from 1 to 1073741824");
  EXPECT_EQ(err(R"({"fields":"$.detail"})"), "claim_check.fields: must be a list of JSONPaths");
  EXPECT_EQ(err(R"({"fields":["$.detail.a",3]})"), "claim_check.fields[1]: must be a string");
  EXPECT_EQ(err(R"({"fields":["$.source"]})"),
            "claim_check.fields[0]: must start with $.detail (routing fields stay)");
  EXPECT_EQ(err(R"({"fields":["$"]})"),
            "claim_check.fields[0]: must start with $.detail (routing fields stay)");
  EXPECT_TRUE(err(R"({"fields":["$..x"]})").starts_with("claim_check.fields[0]: ")) << err(R"({"fields":["$..x"]})");
  EXPECT_EQ(err(R"({"treshold_bytes":1})"),
            "claim_check: unknown key 'treshold_bytes' (did you mean 'threshold_bytes'?)");
  EXPECT_EQ(err(R"({"zzz":1})"),
            "claim_check: unknown key 'zzz' (allowed: threshold_bytes, fields, uri_base, store)");
  EXPECT_EQ(err("[]"), "claim_check: must be an object");
}

TEST(ClaimCheckPolicyTest, FromConfigBuildsTheStore) {
  testing::TempDir dir;
  BlobStoreRegistry registry;
  RegisterBuiltins(&registry);
  StoreContext ctx;
  ctx.data_dir = dir.path();
  auto cc = ClaimCheck::FromConfig(*json::Parse(R"({"threshold_bytes":10})"), registry, ctx);
  ASSERT_TRUE(cc.ok()) << cc.status().ToString();
  json::Value e = Event(json::Value::Object({{"a", json::Value::String(std::string(2000, 'a'))}}));
  ASSERT_TRUE((*cc)->Apply(&e).ok());
  EXPECT_EQ((*cc)->store().List()->size(), 1u);
  EXPECT_TRUE(fs::exists(dir.path() / "blobs"));

  auto bad = ClaimCheck::FromConfig(*json::Parse(R"({"store":{"type":"s3"}})"), registry, ctx);
  EXPECT_EQ(bad.status().message(), "claim_check.store.endpoint: required for s3");
}

}  // namespace
}  // namespace cxbridge::blob
