// cxbridge-matchbench DATA RULES BANKS WARMUP MEASURE
//
// DATA   JSON-lines file of events, optionally gzipped (one event per line).
// RULES  JSON object: bank name -> list of patterns (each a JSON string holding the pattern).
// BANKS  comma-separated bank names to run.
// For each bank: compile all its patterns into one Machine, run WARMUP untimed and MEASURE timed
// passes over all events (simdjson On-Demand parse + match, one thread), and print
//   RESULT engine=cxbridge bank=<B> events=<N> mean_eps=<x> min_eps=<x> max_eps=<x> counts=[...]
// or UNSUPPORTED engine=cxbridge bank=<B> error=<msg> when the bank does not compile.
// counts[i] = events matched by pattern i.
//
// MATCHBENCH_VERIFY=K (environment) cross-checks the counts on a sample of K events against the
// reference evaluator (pattern/reference.h) and prints VERIFY lines; a mismatch exits 1.
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/json.h"
#include "pattern/compile.h"
#include "pattern/machine.h"
#include "pattern/reference.h"

namespace {

using cxbridge::pattern::Machine;
using cxbridge::pattern::MatchContext;

bool ReadAll(const char* path, std::string* out) {
  gzFile f = gzopen(path, "rb");
  if (!f) return false;
  gzbuffer(f, 1 << 20);
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out->append(buf, n);
  gzclose(f);
  return n == 0;
}

struct Events {
  std::string text;  // all events back to back, padded at the end
  std::vector<std::pair<size_t, size_t>> spans;
};

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DATA RULES BANKS WARMUP MEASURE\n", argv[0]);
    return 2;
  }
  const int warmup = std::atoi(argv[4]);
  const int measure = std::max(1, std::atoi(argv[5]));
  Events ev;
  if (!ReadAll(argv[1], &ev.text)) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  for (size_t pos = 0; pos < ev.text.size();) {
    size_t nl = ev.text.find('\n', pos);
    if (nl == std::string::npos) nl = ev.text.size();
    size_t a = pos, b = nl;
    while (a < b && (ev.text[a] == ' ' || ev.text[a] == '\r')) ++a;
    while (b > a && (ev.text[b - 1] == ' ' || ev.text[b - 1] == '\r')) --b;
    if (b > a) ev.spans.emplace_back(a, b - a);
    pos = nl + 1;
  }
  ev.text.append(MatchContext::kPadding, ' ');

  std::string rules_text;
  if (!ReadAll(argv[2], &rules_text)) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  auto rules = cxbridge::json::Parse(rules_text);
  if (!rules.ok() || !rules->is_object()) {
    std::fprintf(stderr, "bad rules file %s\n", argv[2]);
    return 2;
  }
  std::fprintf(stderr, "simdjson kernel: %s; %zu events\n",
               std::string(cxbridge::pattern::SimdjsonKernel()).c_str(), ev.spans.size());
  const char* verify_env = std::getenv("MATCHBENCH_VERIFY");
  const size_t verify = verify_env ? std::strtoul(verify_env, nullptr, 10) : 0;

  int exit_code = 0;
  std::string banks = argv[3];
  for (size_t pos = 0; pos <= banks.size();) {
    size_t comma = banks.find(',', pos);
    if (comma == std::string::npos) comma = banks.size();
    const std::string bank = banks.substr(pos, comma - pos);
    pos = comma + 1;
    if (bank.empty()) continue;
    const cxbridge::json::Value* list = rules->Find(bank);
    if (!list || !list->is_array()) {
      std::printf("UNSUPPORTED engine=cxbridge bank=%s error=no such bank\n", bank.c_str());
      continue;
    }
    std::vector<std::string> texts;
    for (const auto& p : list->items()) {
      texts.push_back(p.is_string() ? p.as_string() : cxbridge::json::Serialize(p));
    }
    std::vector<std::string_view> views(texts.begin(), texts.end());
    auto machine = Machine::Compile(views);
    if (!machine.ok()) {
      std::printf("UNSUPPORTED engine=cxbridge bank=%s error=%s\n", bank.c_str(),
                  OneLine(machine.status().message()).c_str());
      std::fflush(stdout);
      continue;
    }
    const Machine& m = **machine;
    MatchContext ctx;
    std::vector<uint32_t> out;
    std::vector<uint64_t> counts(texts.size(), 0);
    size_t errors = 0;
    auto pass = [&](bool count) {
      for (const auto& [off, len] : ev.spans) {
        out.clear();
        if (!ctx.MatchPadded(m, ev.text.data() + off, len, &out).ok()) {
          ++errors;
          continue;
        }
        if (count) {
          for (uint32_t i : out) ++counts[i];
        }
      }
    };
    pass(true);  // counting pass (also warms up)
    for (int i = 0; i < warmup; ++i) pass(false);
    std::vector<double> eps;
    for (int i = 0; i < measure; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      pass(false);
      std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
      eps.push_back(ev.spans.size() / dt.count());
    }
    double mean = 0;
    for (double e : eps) mean += e;
    mean /= eps.size();
    std::string cs;
    for (size_t i = 0; i < counts.size(); ++i) cs += (i ? "," : "") + std::to_string(counts[i]);
    std::printf("RESULT engine=cxbridge bank=%s events=%zu mean_eps=%.0f min_eps=%.0f max_eps=%.0f "
                "counts=[%s]\n",
                bank.c_str(), ev.spans.size(), mean, *std::min_element(eps.begin(), eps.end()),
                *std::max_element(eps.begin(), eps.end()), cs.c_str());
    if (errors) std::fprintf(stderr, "bank %s: %zu events failed to parse\n", bank.c_str(), errors);
    std::fflush(stdout);

    if (verify > 0) {
      // Sample evenly across the file; compare automaton vs reference per pattern.
      std::vector<cxbridge::pattern::internal::CompiledPattern> compiled;
      for (auto v : views) compiled.push_back(*cxbridge::pattern::internal::CompilePattern(v));
      const size_t step = std::max<size_t>(1, ev.spans.size() / verify);
      size_t checked = 0, mismatches = 0;
      for (size_t e = 0; e < ev.spans.size(); e += step) {
        std::string_view text(ev.text.data() + ev.spans[e].first, ev.spans[e].second);
        out.clear();
        (void)ctx.Match(m, text, &out);
        std::vector<bool> got(texts.size());
        for (uint32_t i : out) got[i] = true;
        for (size_t p = 0; p < compiled.size(); ++p) {
          auto r = cxbridge::pattern::internal::ReferenceMatch(compiled[p], text);
          if (!r.ok() || *r != got[p]) ++mismatches;
        }
        ++checked;
      }
      std::printf("VERIFY engine=cxbridge bank=%s sampled_events=%zu mismatches=%zu\n", bank.c_str(),
                  checked, mismatches);
      if (mismatches) exit_code = 1;
    }
  }
  return exit_code;
}
