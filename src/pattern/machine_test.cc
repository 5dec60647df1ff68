// The automaton against the reference evaluator (randomized differential test), RuleMatcher
// behaviour, and concurrent Match while rules change (run under ASan/UBSan in the Debug build).
#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pattern/compile.h"
#include "pattern/event_scan.h"
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

  // For the scanner: members no pattern names ("q", "zz", ...) holding values that are hard to
  // skip: brackets and quotes inside strings, escaped quotes and backslashes, strings longer than
  // a 64-byte block, deep nesting; mixed between the named members of Object().
  std::string TrickyString() {
    static const char* const kBodies[] = {"]}", "[{", "\\\"]}", "\\\\", "x\\\\\\\"{[", "\\u005d",
                                          "é}]", "\\/", ""};
    std::string s = "\"";
    const int parts = N(4) == 0 ? 30 : 1 + N(3);
    for (int i = 0; i < parts; ++i) s += Pick(kBodies) + std::string(N(3) == 0 ? 40 : N(5), 'y');
    return s + "\"";
  }
  std::string Tricky(int depth) {
    switch (depth < 6 ? N(6) : 0) {
      case 0: case 1: return TrickyString();
      case 2: return N(2) ? "-1.5e+3" : (N(2) ? "true" : "null");
      case 3: {
        std::string s = "[";
        const int k = N(5);
        for (int j = 0; j < k; ++j) s += (j ? "," : "") + Tricky(depth + 1);
        return s + "]";
      }
      default: {
        std::string s = "{";
        const int k = N(4);
        for (int j = 0; j < k; ++j) {
          s += (j ? "," : "") + TrickyString() + ":" + Tricky(depth + 1);
        }
        return s + "}";
      }
    }
  }
  std::string NoisyObject(int depth, bool dotted) {
    std::string s = "{";
    std::vector<std::string> used;
    const int n = N(5);
    bool first = true;
    for (int i = 0; i < n; ++i) {
      if (N(3) == 0) {
        static const char* const kOther[] = {"q", "zz", "a_", "\u00e9", "A"};
        s += (first ? "\"" : ",\"") + Pick(kOther) + "\":" + Tricky(0);
        first = false;
        continue;
      }
      std::string k = Key(dotted);
      if (std::find(used.begin(), used.end(), k) != used.end()) continue;
      used.push_back(k);
      std::string v;
      if (depth < 3 && N(4) == 0) {
        v = NoisyObject(depth + 1, dotted);
      } else if (depth < 3 && N(6) == 0) {
        v = "[" + NoisyObject(depth + 1, dotted) + "," + Value(depth + 1, dotted) + "]";
      } else {
        v = Value(depth, dotted);
      }
      s += (first ? "\"" : ",\"") + k + "\":" + v;
      first = false;
    }
    return s + "}";
  }

  // Re-renders compact JSON text: random whitespace between tokens and random (equivalent)
  // escapes inside strings (keys included), so the scanner meets every form of the same event.
  std::string Rerender(const std::string& in) {
    static const char* const kWs[] = {" ", "\n", "\t", "\r", "  \n "};
    std::string out;
    bool in_str = false;
    for (size_t i = 0; i < in.size(); ++i) {
      const char c = in[i];
      if (in_str) {
        if (c == '\\') {  // keep existing escapes as they are
          const size_t n = in[i + 1] == 'u' ? 6 : 2;
          out.append(in, i, n);
          i += n - 1;
          continue;
        }
        if (c == '"') {
          in_str = false;
          out += c;
          continue;
        }
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x80 && N(6) == 0) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else if (c == '/' && N(2) == 0) {
          out += "\\/";
        } else {
          out += c;
        }
        continue;
      }
      const bool structural = std::strchr("{}[],:", c) != nullptr;
      if (structural && N(4) == 0) out += Pick(kWs);
      out += c;
      if (structural && N(4) == 0) out += Pick(kWs);
      if (c == '"') in_str = true;
    }
    if (N(4) == 0) out += Pick(kWs);
    return out;
  }

  // A malformed (or accidentally still valid) variant of an event.
  std::string Mutate(std::string s) {
    static const char kBytes[] = {'{', '}', '[', ']', '"', ',', ':', '\\', ' ', 'x', '1', '-',
                                  '.', 'e', 't', 'n', '\0', '\x80', '\xff'};
    const int edits = 1 + N(3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = static_cast<size_t>(N(static_cast<int>(s.size())));
      switch (N(4)) {
        case 0: s.resize(at); break;
        case 1: s.erase(at, 1); break;
        case 2: s.insert(s.begin() + at, kBytes[N(sizeof kBytes)]); break;
        default: s[at] = kBytes[N(sizeof kBytes)]; break;
      }
    }
    return s;
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

// Matches through MatchPadded on a buffer of exactly len + kPadding bytes whose padding looks like
// JSON that would continue the event (quotes, brackets, backslashes): ASan catches any read past
// the padding, and a wrong result shows any padding byte that was taken for event text.
Status MatchExact(MatchContext& ctx, const Machine& m, const std::string& event,
                  std::vector<uint32_t>* out) {
  std::vector<char> buf(event.size() + MatchContext::kPadding);
  std::memcpy(buf.data(), event.data(), event.size());
  static const char kPad[] = "\"]}\\,\"a\":[1,{\"b\":\"";
  for (size_t i = 0; i < MatchContext::kPadding; ++i) buf[event.size() + i] = kPad[i % (sizeof kPad - 1)];
  return ctx.MatchPadded(m, buf.data(), event.size(), out);
}

// The reference flattens an empty key at the root away ({"":{"b":1}} reads as b = 1); the
// automaton treats "" as a key like any other. Mutations can create one; such events are not
// compared.
bool HasEmptyKey(const std::string& s) {
  for (size_t i = s.find("\"\""); i != std::string::npos; i = s.find("\"\"", i + 1)) {
    size_t j = i + 2;
    while (j < s.size() && std::strchr(" \t\r\n", s[j]) && s[j]) ++j;
    if (j < s.size() && s[j] == ':') return true;
  }
  return false;
}

std::vector<bool> AsBits(const std::vector<uint32_t>& v, size_t n) {
  std::vector<bool> b(n);
  for (uint32_t i : v) b[i] = true;
  return b;
}

// The lazy scanner on events with random whitespace, escapes, noise members that must be skipped
// (brackets in strings, escaped quotes, long strings, deep nesting), against the reference and
// the simdjson walker; then malformed variants must never crash, and when the reference still
// finds them valid the scanner must agree.
TEST(MachineDifferentialTest, ScannerOnNoisyEscapedAndMalformedEvents) {
  size_t compared = 0, matched = 0, malformed = 0, malformed_valid = 0;
  for (uint32_t round = 0; round < 30; ++round) {
    Gen g(777 + round);
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
    MatchContext exact, fast, sj;
    exact.set_early_exit(false);
    sj.set_early_exit(false);
    sj.set_simdjson(true);
    for (int e = 0; e < 150; ++e) {
      const bool dotted = g.N(3) == 0;
      const std::string event = g.Rerender(g.NoisyObject(0, dotted));
      std::vector<uint32_t> got_exact, got_fast, got_sj;
      ASSERT_TRUE(MatchExact(exact, **m, event, &got_exact).ok()) << event;
      ASSERT_TRUE(MatchExact(fast, **m, event, &got_fast).ok()) << event;
      ASSERT_TRUE(sj.Match(**m, event, &got_sj).ok()) << event;
      const auto ge = AsBits(got_exact, patterns.size()), gf = AsBits(got_fast, patterns.size()),
                 gs = AsBits(got_sj, patterns.size());
      for (size_t p = 0; p < patterns.size(); ++p) {
        auto ref = internal::ReferenceMatch(compiled[p], event);
        ASSERT_TRUE(ref.ok()) << event;
        ASSERT_EQ(ge[p], *ref) << "pattern " << patterns[p] << "\nevent " << event;
        ASSERT_EQ(gs[p], *ref) << "simdjson walker; pattern " << patterns[p] << "\nevent " << event;
        if (!dotted) ASSERT_EQ(gf[p], *ref) << "pattern " << patterns[p] << "\nevent " << event;
        ++compared;
        matched += *ref;
      }
      for (int k = 0; k < 4; ++k) {
        const std::string bad = g.Mutate(event);
        std::vector<uint32_t> got_bad, got_bad_fast;
        const Status st = MatchExact(exact, **m, bad, &got_bad);
        (void)MatchExact(fast, **m, bad, &got_bad_fast);
        ++malformed;
        auto tree_ok = internal::ReferenceMatch(compiled[0], bad);
        if (!tree_ok.ok()) continue;
        if (bad.find('\0') != std::string::npos || !simdjson::validate_utf8(bad.data(), bad.size()) ||
            HasEmptyKey(bad)) {
          continue;  // the reference lets control bytes and bad UTF-8 through; the scanner does not
        }
        ++malformed_valid;
        ASSERT_TRUE(st.ok()) << bad;
        const auto gb = AsBits(got_bad, patterns.size());
        for (size_t p = 0; p < patterns.size(); ++p) {
          auto ref = internal::ReferenceMatch(compiled[p], bad);
          ASSERT_TRUE(ref.ok());
          ASSERT_EQ(gb[p], *ref) << "pattern " << patterns[p] << "\nevent " << bad;
        }
      }
    }
  }
  std::cout << "[ scanner ] " << compared << " (pattern, noisy event) pairs, " << matched
            << " matches; " << malformed << " malformed variants (" << malformed_valid
            << " still valid JSON, compared)\n";
  EXPECT_GT(matched, compared / 50);
}

TEST(ScannerTest, MalformedAndEdgeEvents) {
  auto m = Machine::Compile({R"({"a":["x"]})", R"({"b":{"c":[{"numeric":[">",1]}]}})",
                             R"({"d":[{"exists":true}]})"});
  ASSERT_TRUE(m.ok());
  MatchContext ctx;
  ctx.set_early_exit(false);
  auto run = [&](const std::string& ev) -> std::string {
    std::vector<uint32_t> out;
    Status st = MatchExact(ctx, **m, ev, &out);
    if (!st.ok()) return "error";
    std::sort(out.begin(), out.end());
    std::string r;
    for (uint32_t i : out) r += std::to_string(i);
    return r.empty() ? "none" : r;
  };
  EXPECT_EQ(run(R"({"a":"x"})"), "0");
  EXPECT_EQ(run("  {\"a\"\n:\t\"x\" }\r\n"), "0");
  EXPECT_EQ(run(R"({"\u0061":"\u0078"})"), "0");
  EXPECT_EQ(run(R"({"b":{"c":2}})"), "1");
  EXPECT_EQ(run(R"({"b.c":2})"), "1");
  EXPECT_EQ(run(R"({"b":{"c":1e400}})"), "none");  // out of double range: never numeric
  EXPECT_EQ(run(R"({"b":{"c":2},"d":null})"), "12");
  EXPECT_EQ(run(R"({"z":"]}\"{","a":"x"})"), "0");
  EXPECT_EQ(run(R"({"z":[[[{"q":"\\"}]]],"a":"x"})"), "0");
  EXPECT_EQ(run(std::string(R"({"z":")") + std::string(200, 'y') + R"(\"]}", "a":"x"})"), "0");
  for (const char* bad : {"", " ", "{", "[]", "\"a\"", R"({"a":"x")", R"({"a":"x"} x)",
                          R"({"a":"x",})", R"({"a" "x"})", R"({a:"x"})", R"({"a":"x\q"})",
                          R"({"a":"\ud800"})", "{\"a\":\"\x01\"}", "{\"a\":\"\xc3\x28\"}",
                          R"({"b":{"c":01}})", R"({"b":{"c":1.}})", R"({"b":{"c":-}})",
                          R"({"b":{"c":tru}})", R"({"z":[1,2)", R"({"z":"abc)", R"({"z":"ab\)",
                          R"({"d":nul})", R"({"a":"x"]})"}) {
    EXPECT_EQ(run(bad), "error") << bad;
  }
  // Deep nesting in a skipped member is fine; in a named one it is bounded.
  EXPECT_EQ(run(R"({"z":)" + std::string(5000, '[') + std::string(5000, ']') + R"(,"a":"x"})"), "0");
  EXPECT_EQ(run(R"({"a":)" + std::string(5000, '[') + std::string(5000, ']') + "}"), "error");
}

// The scanner's number conversion must equal a correctly rounded parse (strtod) bit for bit.
TEST(ScannerTest, NumberValueIsCorrectlyRounded) {
  std::mt19937_64 rng(42);
  auto check = [](const std::string& t) {
    const char* e = internal::scan::ScanNumber(t.data(), t.data() + t.size());
    ASSERT_EQ(e, t.data() + t.size()) << t;
    const double got = internal::scan::NumberValue(t.data(), e);
    const double want = std::strtod(t.c_str(), nullptr);
    if (std::isinf(want)) {
      EXPECT_TRUE(std::isnan(got)) << t;
      return;
    }
    uint64_t a, b;
    std::memcpy(&a, &got, 8);
    std::memcpy(&b, &want, 8);
    ASSERT_EQ(a, b) << t << " got " << got << " want " << want;
  };
  for (const char* t : {"0", "-0", "1", "-1", "0.1", "1e23", "9007199254740993", "9007199254740992",
                        "-122.42916360922355", "37.729900216217324", "2.2250738585072011e-308",
                        "4.9e-324", "1e-400", "8.98846567431158e307", "1.7976931348623157e308",
                        "123456789012345678901234567890", "0.000000000000000000000000000001",
                        "1e400", "-1e400", "100000000000000000000000000000e-30", "3e2", "300.0"}) {
    check(t);
  }
  for (int i = 0; i < 300000; ++i) {
    std::string t = rng() % 2 ? "-" : "";
    const int ndig = 1 + static_cast<int>(rng() % 20);
    std::string digits;
    for (int k = 0; k < ndig; ++k) digits += static_cast<char>('0' + rng() % 10);
    while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
    const size_t point = rng() % (digits.size() + 1);
    if (point == 0 || point == digits.size() || rng() % 3 == 0) {
      t += digits;
    } else {
      t += digits.substr(0, point) + "." + digits.substr(point);
    }
    if (rng() % 3 == 0) t += "e" + std::to_string(static_cast<int>(rng() % 80) - 40);
    check(t);
  }
  // Doubles printed with 17 digits (exactly the citylots coordinates' shape) and their
  // neighbours' midpoints, where double rounding would show.
  for (int i = 0; i < 200000; ++i) {
    const double v = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 120) - 100);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    check(buf);
    // The exact midpoint to the next double (54 significant bits: exact in long double),
    // printed with enough digits to be exact or within a hair of it.
    const long double mid = (static_cast<long double>(v) + std::nextafter(v, 1e300)) / 2;
    std::snprintf(buf, sizeof buf, "%.30Lg", mid);
    check(buf);
    std::snprintf(buf, sizeof buf, "%.19Lg", mid);
    check(buf);
  }
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
  // Keep changing rules until every reader has matched many times while the
  // rule set moved under it (on a loaded machine the readers may start late).
  for (int i = 0; i < 200 || matches.load() < 300; ++i) {
    const std::string id = "r" + std::to_string(i % 17);
    if (i % 3 == 2) {
      rm.RemoveRule(id);
    } else {
      const std::string pattern =
          "{\"detail\":{\"n\":[{\"numeric\":[\">\"," + std::to_string(i % 9) + "]}]}}";
      if (!rm.AddRule(id, pattern).ok()) {
        ADD_FAILURE() << "AddRule failed for " << pattern;
        break;  // still join the readers below
      }
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(matches.load(), 0);
}

}  // namespace
}  // namespace cxbridge::pattern
