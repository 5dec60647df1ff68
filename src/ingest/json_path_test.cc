#include "ingest/json_path.h"

#include <gtest/gtest.h>

#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

using testing::J;

std::string At(std::string_view path, std::string_view doc) {
  auto p = JsonPath::Parse(path);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return "<bad path>";
  json::Value v = J(doc);
  const json::Value* f = p->Find(v);
  return f ? json::Serialize(*f) : "<absent>";
}

TEST(JsonPathTest, DottedIndexedQuoted) {
  const char* doc = R"({"a":{"b":[10,{"c":"x"}],"d.e":1,"f g":2}})";
  EXPECT_EQ(At("$", doc), json::Serialize(J(doc)));
  EXPECT_EQ(At("$.a.b[0]", doc), "10");
  EXPECT_EQ(At("$.a.b[1].c", doc), "\"x\"");
  EXPECT_EQ(At("$.a['d.e']", doc), "1");
  EXPECT_EQ(At("$.a[\"f g\"]", doc), "2");
  EXPECT_EQ(At("a.b[1].c", doc), "\"x\"");
  EXPECT_EQ(At("$['a']['b'][0]", doc), "10");
}

TEST(JsonPathTest, AbsentSteps) {
  const char* doc = R"({"a":{"b":[10]},"s":"str"})";
  EXPECT_EQ(At("$.z", doc), "<absent>");
  EXPECT_EQ(At("$.a.b[5]", doc), "<absent>");
  EXPECT_EQ(At("$.a[0]", doc), "<absent>");
  EXPECT_EQ(At("$.s.x", doc), "<absent>");
  EXPECT_EQ(At("$.a.b.c", doc), "<absent>");
}

TEST(JsonPathTest, SyntaxErrors) {
  for (const char* bad : {"", "$.", "$..a", "$[", "$[x]", "$['a'", "$['a'x", "$a", "$.a[1", ".a"}) {
    auto p = JsonPath::Parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_NE(p.status().message().find("invalid JSON path"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cxbridge::ingest
