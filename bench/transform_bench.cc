// Per-event cost of the transform stage: schema normalization of a Genesys conversation detail
// event with the shipped preset (examples/genesys-normalize.yaml) and rendering of a typical
// InputTransformer. Run through bench/bench_transform.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "transform/input.h"
#include "transform/normalizer.h"

namespace {

using namespace cxbridge;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SharedDir() {
  if (const char* s = std::getenv("CXBRIDGE_SHARED")) return s;
  return std::string(CXBRIDGE_SOURCE_DIR) + "/../shared";
}

json::Value LoadSample() {
  auto v = json::Parse(ReadFile(SharedDir() + "/genesys/eb-v2.detail.events.conversation.acd.end.json"));
  if (!v.ok()) {
    std::fprintf(stderr, "sample: %s\n", v.status().ToString().c_str());
    std::exit(1);
  }
  return *v;
}

std::shared_ptr<const transform::Normalizer> LoadPreset() {
  std::string path = std::string(CXBRIDGE_SOURCE_DIR) + "/examples/genesys-normalize.yaml";
  auto cfg = config::ParseConfig(ReadFile(path), path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "preset: %s\n", cfg.status().ToString().c_str());
    std::exit(1);
  }
  auto n = transform::CompileNormalizer(cfg->schemas);
  if (!n.ok()) std::exit(1);
  return *n;
}

// Baseline: copying the parsed event (what Normalize's caller pays to keep the original).
void BM_CopyEvent(benchmark::State& state) {
  json::Value sample = LoadSample();
  for (auto _ : state) {
    json::Value e = sample;
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CopyEvent);

// Copy + normalize with the Genesys preset: subtract BM_CopyEvent for normalization alone.
void BM_NormalizeGenesysDetail(benchmark::State& state) {
  json::Value sample = LoadSample();
  auto normalizer = LoadPreset();
  for (auto _ : state) {
    json::Value e = sample;
    transform::NormalizeResult r = transform::Normalize(*normalizer, &e);
    if (r.outcome != transform::NormalizeOutcome::kNormalized) state.SkipWithError("not normalized");
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeGenesysDetail);

// An event no rule set selects: the cost every non-Genesys event pays.
void BM_NormalizeNoMatch(benchmark::State& state) {
  json::Value e = LoadSample();
  e.Set("detail-type", json::Value::String("v2.users.{id}.presence"));
  auto normalizer = LoadPreset();
  for (auto _ : state) {
    transform::NormalizeResult r = transform::Normalize(*normalizer, &e);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeNoMatch);

const char* kTypicalTarget = R"({"Id":"crm","Arn":"http://crm/hook","InputTransformer":{
  "InputPathsMap":{"conv":"$.detail.eventBody.conversationId","queue":"$.detail.eventBody.queueId",
    "time":"$.time","disc":"$.detail.eventBody.disconnectType","ms":"$.detail.eventBody.connectedDurationMs",
    "type":"$.detail-type"},
  "InputTemplate":"{\"conversation\": <conv>, \"queue\": <queue>, \"at\": <time>, \"durationMs\": <ms>, \"rule\": <aws.events.rule-name>, \"summary\": \"Conversation <conv> ended (<disc>) on <type>\"}"}})";

// A typical InputTransformer: six paths, bare and quoted placeholders, one reserved variable.
void BM_InputTransformerTypical(benchmark::State& state) {
  json::Value event = LoadSample();
  auto compiled = transform::CompileInput(*json::Parse(kTypicalTarget));
  if (!compiled.ok()) std::exit(1);
  transform::RenderContext ctx{"arn:aws:events:us-east-1:123456789012:rule/crm", "crm", 1773842604731};
  std::string out;
  for (auto _ : state) {
    Status st = transform::RenderTo(**compiled, event, ctx, &out);
    if (!st.ok()) state.SkipWithError(st.message().c_str());
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InputTransformerTypical);

// The same through Render (a fresh std::string per delivery).
void BM_InputTransformerTypicalFreshString(benchmark::State& state) {
  json::Value event = LoadSample();
  auto compiled = transform::CompileInput(*json::Parse(kTypicalTarget));
  transform::RenderContext ctx{"arn:aws:events:us-east-1:123456789012:rule/crm", "crm", 1773842604731};
  for (auto _ : state) {
    auto r = transform::Render(**compiled, event, ctx);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InputTransformerTypicalFreshString);

// A template whose raw insertion forces the output to be re-parsed (a value with a quote).
void BM_InputTransformerValidated(benchmark::State& state) {
  json::Value event = LoadSample();
  const_cast<json::Value*>(event.FindPath("detail.eventBody"))
      ->Set("disconnectType", json::Value::String("say \\\"x\\\""));
  auto compiled = transform::CompileInput(*json::Parse(kTypicalTarget));
  transform::RenderContext ctx{"arn", "crm", 1773842604731};
  std::string out;
  for (auto _ : state) {
    Status st = transform::RenderTo(**compiled, event, ctx, &out);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InputTransformerValidated);

}  // namespace

BENCHMARK_MAIN();
