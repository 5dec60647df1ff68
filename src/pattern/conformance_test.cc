// Runs every case of ../shared/conformance/eventbridge-patterns.json: 155 TestEventPattern cases
// recorded against real AWS EventBridge (derived from LocalStack's AWS-validated templates,
// Apache-2.0). Each must give AWS's outcome: match, no match, or the exact error message.
// Both the automaton (TestEventPattern) and the reference evaluator are checked.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/json.h"
#include "pattern/compile.h"
#include "pattern/pattern.h"
#include "pattern/reference.h"

namespace cxbridge::pattern {
namespace {

std::string SharedDir() {
  if (const char* env = std::getenv("CXBRIDGE_SHARED"); env && *env) return env;
  if (const char* src = std::getenv("CXBRIDGE_SOURCE"); src && *src) {
    return std::string(src) + "/../shared";
  }
  std::string here = __FILE__;  // <repo>/src/pattern/conformance_test.cc
  return here.substr(0, here.rfind('/')) + "/../../../shared";
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

TEST(ConformanceTest, AllAwsRecordedCases) {
  const std::string path = SharedDir() + "/conformance/eventbridge-patterns.json";
  std::string text;
  if (!ReadFile(path, &text)) {
    GTEST_SKIP() << "conformance data not found at " << path
                 << " (set CXBRIDGE_SHARED to the shared folder)";
  }
  auto doc = json::Parse(text);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_TRUE(doc->is_array());
  int passed = 0, total = 0;
  for (const json::Value& c : doc->items()) {
    ++total;
    const std::string name = c.Find("name")->as_string();
    const std::string expected = c.Find("expected")->as_string();
    const std::string pattern = json::Serialize(*c.Find("pattern"));
    const std::string event = json::Serialize(*c.Find("event"));
    auto r = TestEventPattern(pattern, event);
    bool ok = false;
    if (expected == "EXCEPTION") {
      const std::string want = c.Find("aws_error_message")->as_string();
      ok = !r.ok() && r.status().code() == StatusCode::kInvalidArgument &&
           r.status().message() == want;
      EXPECT_TRUE(ok) << name << ": want error \"" << want << "\", got "
                      << (r.ok() ? (*r ? "match" : "no match") : r.status().message());
    } else {
      const bool want = expected == "MATCH";
      ok = r.ok() && *r == want;
      EXPECT_TRUE(ok) << name << ": want " << expected << ", got "
                      << (r.ok() ? (*r ? "match" : "no match") : r.status().message())
                      << "\n pattern " << pattern;
      // The reference evaluator must agree.
      auto compiled = internal::CompilePattern(pattern);
      ASSERT_TRUE(compiled.ok()) << name;
      auto ref = internal::ReferenceMatch(*compiled, event);
      ASSERT_TRUE(ref.ok()) << name;
      EXPECT_EQ(*ref, want) << name << " (reference evaluator)";
    }
    passed += ok;
  }
  std::cout << "[ conformance ] " << passed << "/" << total << " AWS-recorded cases pass\n";
  EXPECT_EQ(total, 155);
  EXPECT_EQ(passed, total);
}

}  // namespace
}  // namespace cxbridge::pattern
