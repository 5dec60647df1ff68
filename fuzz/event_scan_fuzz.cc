// The matcher's lazy event scanner on any event bytes, against a fixed set of rules that name
// nested fields, arrays, prefixes, numbers, exists and anything-but: every rule's answer from
// the automaton (early exit on and off, on an exact-size padded buffer) must equal the
// reference evaluator's, whenever the reference reads the text as a JSON event. The pattern
// side is fuzzed by pattern_fuzz.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "pattern/compile.h"
#include "pattern/machine.h"
#include "pattern/reference.h"

namespace {
using namespace cxbridge::pattern;

const char* const kPatterns[] = {
    R"({"source":["a"]})",
    R"({"detail":{"b":[1,2.5,"x"]}})",
    R"({"detail":{"c":{"d":[{"prefix":"p"}]}}})",
    R"({"detail":{"n":[{"numeric":[">",0,"<=",100]}]}})",
    R"({"detail":{"e":[{"exists":true}],"f":[{"exists":false}]}})",
    R"({"detail":{"s":[{"anything-but":["no"]}]}})",
    R"({"detail":{"arr":[{"suffix":"z"}],"k":[null]}})",
    R"({"$or":[{"a":[true]},{"b":{"c":[false]}}]})",
    R"({"detail":{"w":[{"wildcard":"a*b"}],"i":[{"equals-ignore-case":"Äb"}]}})",
    R"({"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}})",
};

struct Rules {
  std::vector<internal::CompiledPattern> compiled;
  std::shared_ptr<const Machine> machine;
  Rules() {
    for (const char* p : kPatterns) {
      auto c = internal::CompilePattern(p);
      if (!c.ok()) cxbridge::fuzz::Fail();
      compiled.push_back(std::move(*c));
    }
    std::vector<const internal::CompiledPattern*> ptrs;
    for (auto& c : compiled) ptrs.push_back(&c);
    machine = Machine::Build(ptrs);
  }
};

// Documented differences not compared (src/pattern/pattern_fuzz.cc says why).
bool Incomparable(std::string_view event) {
  for (size_t i = event.find("\"\""); i != std::string_view::npos; i = event.find("\"\"", i + 1)) {
    size_t j = i + 2;
    while (j < event.size() && (event[j] == ' ' || event[j] == '\t' || event[j] == '\n' || event[j] == '\r')) ++j;
    if (j < event.size() && event[j] == ':') return true;
  }
  for (size_t i = 1; i < event.size(); ++i) {
    if ((event[i] == 'e' || event[i] == 'E') && event[i - 1] >= '0' && event[i - 1] <= '9') return true;
  }
  return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Rules rules;
  std::string_view event = cxbridge::fuzz::AsText(data, size);
  std::vector<char> buf(size + MatchContext::kPadding);
  if (size) std::memcpy(buf.data(), data, size);
  static const char kPad[] = "\"]}\\,\"a\":[1,{\"b\":\"";
  for (size_t i = 0; i < MatchContext::kPadding; ++i) buf[size + i] = kPad[i % (sizeof kPad - 1)];

  std::vector<uint32_t> early, full;
  MatchContext fast;
  (void)fast.MatchPadded(*rules.machine, buf.data(), size, &early);
  MatchContext ctx;
  ctx.set_early_exit(false);
  if (!ctx.MatchPadded(*rules.machine, buf.data(), size, &full).ok()) return 0;
  if (Incomparable(event)) return 0;
  std::vector<bool> matched(rules.compiled.size(), false);
  for (uint32_t id : full) {
    if (id >= matched.size()) cxbridge::fuzz::Fail();
    matched[id] = true;
  }
  for (size_t i = 0; i < rules.compiled.size(); ++i) {
    auto ref = internal::ReferenceMatch(rules.compiled[i], event);
    if (!ref.ok()) return 0;  // the reference validates the whole event; the scanner reads lazily
    if (*ref != matched[i]) cxbridge::fuzz::Fail();
  }
  return 0;
}
