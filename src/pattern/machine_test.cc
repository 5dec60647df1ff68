// The automaton against the reference evaluator (randomized differential test), RuleMatcher
// behaviour, and concurrent Match while rules change (run under ASan/UBSan in the Debug build).
#include <atomic>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "pattern/compile.h"
#include "pattern/machine.h"
#include "pattern/pattern.h"
#include "pattern/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace cxbridge::pattern {
namespace {

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  int N(int n) { return static_cast<int>(rng_() % n); }
  template <size_t K>
  std::string Pick(const char* const (&a)[K]) {
    return a[N(K)];
  }

  std::string Str() {
    static const char* const kStrs[] = {"",    "a",        "ab",    "abc",   "B",    "Ab",
                                        "ÄB",  "10.0.0.1", "x.png", "x.PNG", "a*b",  "ba",
                                        "ab.c", "2001:db8::1"};
    return "\"" + Pick(kStrs) + "\"";
  }
  std::string Num() {
    static const char* const kNums[] = {"0", "1", "1.5", "-2", "100", "300", "3e2", "1e-3"};
    return Pick(kNums);
  }
  std::string Scalar() {
    switch (N(6)) {
      case 0: case 1: return Str();
      case 2: case 3: return Num();
      case 4: return N(2) ? "true" : "false";
      default: return "null";
    }
  }
  std::string Key(bool dotted) {
    static const char* const kKeys[] = {"a", "b", "c", "d", "e"};
    std::string k = Pick(kKeys);
    if (dotted && N(5) == 0) k += "." + Pick(kKeys);
    return k;
  }

  std::string Condition() {
    static const char* const kWild[] = {"a*", "*b", "*", "a*b", "*.png", "A\\\\*b", ""};
    static const char* const kOps[] = {"<", "<=", ">", ">=", "="};
    switch (N(16)) {
      case 0: case 1: case 2: return Scalar();
      case 3: return "{\"prefix\":" + Str() + "}";
      case 4: return "{\"suffix\":" + Str() + "}";
      case 5: return "{\"equals-ignore-case\":" + Str() + "}";
      case 6: return "{\"prefix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 7: return "{\"suffix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 8: return "{\"wildcard\":\"" + Pick(kWild) + "\"}";
      case 9: {
        if (N(2)) return "{\"numeric\":[\"" + Pick(kOps) + "\"," + Num() + "]}";
        return "{\"numeric\":[\">\",-1,\"<=\",100]}";
      }
      case 10: return N(2) ? "{\"cidr\":\"10.0.0.0/8\"}" : "{\"cidr\":\"2001:db8::/32\"}";
      case 11: return N(2) ? "{\"exists\":true}" : "{\"exists\":false}";
      case 12: return "{\"anything-but\":" + (N(2) ? Str() : Num()) + "}";
      case 13: return "{\"anything-but\":[" + Str() + "," + Str() + "]}";
      case 14: {
        static const char* const kAb[] = {"prefix", "suffix", "equals-ignore-case", "wildcard"};
        return "{\"anything-but\":{\"" + Pick(kAb) + "\":[\"a\",\"x\"]}}";
      }
      default: return "{\"anything-but\":[1,100]}";
    }
  }

  std::string PatternObject(int depth) {
    std::string s = "{";
    const int n = 1 + N(2);
    for (int i = 0; i < n; ++i) {
      if (i) s += ",";
      if (depth == 0 && N(8) == 0) {
        s += "\"$or\":[" + PatternObject(depth + 1) + "," + PatternObject(depth + 1) + "]";
        continue;
      }
      s += "\"" + Key(true) + "\":";
      if (depth < 2 && N(3) == 0) {
        s += PatternObject(depth + 1);
      } else {
        s += "[";
        const int k = 1 + N(2);
        for (int j = 0; j < k; ++j) s += (j ? "," : "") + Condition();
        s += "]";
      }
    }
    return s + "}";
  }

  std::string Value(int depth, bool dotted) {
    switch (depth < 3 ? N(8) : 0) {
      case 0: case 1: case 2: case 3: return Scalar();
      case 4: case 5: return Object(depth + 1, dotted);
      case 6: {
        std::string s = "[";
        const int k = N(4);
        for (int j = 0; j < k; ++j) s += (j ? "," : "") + Value(depth + 1, dotted);
        return s + "]";
      }
      default: return N(2) ? "[]" : "{}";
    }
  }
  std::string Object(int depth, bool dotted) {
    std::string s = "{";
    std::vector<std::string> used;
    const int n = N(4);
    for (int i = 0; i < n; ++i) {
      std::string k = Key(dotted);
      if (std::find(used.begin(), used.end(), k) != used.end()) continue;
      used.push_back(k);
      s += (used.size() > 1 ? "," : "") + ("\"" + k + "\":") + Value(depth, dotted);
    }
    return s + "}";
  }

 private:
  std::mt19937 rng_;
};

TEST(MachineDifferentialTest, RandomPatternsAndEventsAgreeWithReference) {
  size_t compared = 0, matched = 0;
  for (uint32_t round = 0; round < 40; ++round) {
    Gen g(1234 + round);
    std::vector<std::string> patterns;
    std::vector<internal::CompiledPattern> compiled;
    while (patterns.size() < 30) {
      std::string p = g.PatternObject(0);
      auto c = internal::CompilePattern(p);
      if (!c.ok()) continue;
      patterns.push_back(p);
      compiled.push_back(std::move(*c));
    }
    std::vector<std::string_view> views(patterns.begin(), patterns.end());
    auto m = Machine::Compile(views);
    ASSERT_TRUE(m.ok()) << m.status().message();
    MatchContext exact, fast;
    exact.set_early_exit(false);
    for (int e = 0; e < 150; ++e) {
      const bool dotted = g.N(3) == 0;
      const std::string event = g.Object(0, dotted);
      std::vector<uint32_t> got_exact, got_fast;
      ASSERT_TRUE(exact.Match(**m, event, &got_exact).ok()) << event;
      ASSERT_TRUE(fast.Match(**m, event, &got_fast).ok()) << event;
      std::vector<bool> ge(patterns.size()), gf(patterns.size());
      for (uint32_t i : got_exact) ge[i] = true;
      for (uint32_t i : got_fast) gf[i] = true;
      for (size_t p = 0; p < patterns.size(); ++p) {
        auto ref = internal::ReferenceMatch(compiled[p], event);
        ASSERT_TRUE(ref.ok());
        ASSERT_EQ(ge[p], *ref) << "pattern " << patterns[p] << "\nevent " << event;
        // Early exit only differs for events with dotted keys that re-open a seen prefix.
        if (!dotted) ASSERT_EQ(gf[p], *ref) << "pattern " << patterns[p] << "\nevent " << event;
        ++compared;
        matched += *ref;
      }
    }
  }
  std::cout << "[ differential ] " << compared << " (pattern, event) pairs, " << matched
            << " matches\n";
  EXPECT_GT(matched, compared / 50);  // the generator must produce real matches
}

TEST(FuzzEntryTest, RunsOnSeedsWithoutAborting) {
  Gen g(99);
  for (int i = 0; i < 300; ++i) {
    std::string in = g.PatternObject(0) + "\n" + g.Object(0, false);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(in.data()), in.size());
  }
  const std::string junk = "{\"a\":[1]}\n{\"a\":";
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
}

TEST(MachineTest, ManyRulesOneAutomatonReportsEachPatternOnce) {
  std::vector<std::string> patterns;
  for (int i = 0; i < 2000; ++i) {
    patterns.push_back("{\"detail\":{\"id\":[\"v" + std::to_string(i) + "\",\"v" +
                       std::to_string(i + 1) + "\"]},\"$or\":[{\"s\":[\"x\"]},{\"t\":[\"y\"]}]}");
  }
  std::vector<std::string_view> views(patterns.begin(), patterns.end());
  auto m = Machine::Compile(views);
  ASSERT_TRUE(m.ok());
  MatchContext ctx;
  std::vector<uint32_t> out;
  ASSERT_TRUE(ctx.Match(**m, R"({"s":"x","t":"y","detail":{"id":"v7"}})", &out).ok());
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, (std::vector<uint32_t>{6, 7}));
}

TEST(MachineTest, CompileReportsFirstBadPattern) {
  size_t bad = 99;
  auto m = Machine::Compile({R"({"a":["x"]})", R"({"a":"x"})"}, &bad);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(m.status().message(),
            "Event pattern is not valid. Reason: \"a\" must be an object or an array");
}

TEST(RuleMatcherTest, AddReplaceRemoveAndInvalid) {
  RuleMatcher rm;
  std::vector<std::string> got;
  EXPECT_TRUE(rm.Match(R"({"a":"x"})", &got).ok());
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(rm.AddRule("r1", R"({"a":["x"]})").ok());
  ASSERT_TRUE(rm.AddRule("r2", R"({"a":[{"prefix":"x"}]})").ok());
  EXPECT_EQ(rm.size(), 2u);
  ASSERT_TRUE(rm.Match(R"({"a":"x"})", &got).ok());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"r1", "r2"}));
  ASSERT_TRUE(rm.AddRule("r1", R"({"a":["y"]})").ok());  // replaces
  EXPECT_EQ(rm.size(), 2u);
  got.clear();
  ASSERT_TRUE(rm.Match(R"({"a":"x"})", &got).ok());
  EXPECT_EQ(got, (std::vector<std::string>{"r2"}));
  EXPECT_FALSE(rm.AddRule("r3", R"({"a":[]})").ok());
  EXPECT_EQ(rm.size(), 2u);
  rm.RemoveRule("r2");
  rm.RemoveRule("nope");
  EXPECT_EQ(rm.size(), 1u);
  got.clear();
  ASSERT_TRUE(rm.Match(R"({"a":"y"})", &got).ok());
  EXPECT_EQ(got, (std::vector<std::string>{"r1"}));
  EXPECT_EQ(rm.Match("not json", &got).code(), StatusCode::kInvalidArgument);
}

TEST(RuleMatcherTest, ConcurrentMatchWhileRulesChange) {
  RuleMatcher rm;
  ASSERT_TRUE(rm.AddRule("stable", R"({"source":["app"]})").ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, matches{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      std::vector<std::string> got;
      while (!stop.load()) {
        got.clear();
        if (!rm.Match(R"({"source":"app","detail":{"n":5,"s":"abc"}})", &got).ok()) ++failures;
        if (std::find(got.begin(), got.end(), "stable") == got.end()) ++failures;
        ++matches;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    const std::string id = "r" + std::to_string(i % 17);
    if (i % 3 == 2) {
      rm.RemoveRule(id);
    } else {
      ASSERT_TRUE(
          rm.AddRule(id, "{\"detail\":{\"n\":[{\"numeric\":[\">\"," + std::to_string(i % 9) + "]}]}}")
              .ok());
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(matches.load(), 0);
}

}  // namespace
}  // namespace cxbridge::pattern
