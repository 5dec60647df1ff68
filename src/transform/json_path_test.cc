#include "transform/json_path.h"

#include <gtest/gtest.h>

namespace cxbridge::transform {
namespace {

json::Value Doc() {
  return *json::Parse(R"({"a":{"b-c":{"d/e":1},"arr":[10,{"x":"y"}]},"detail-type":"t","s":"str"})");
}

TEST(JsonPathTest, DotBracketAndIndex) {
  json::Value d = Doc();
  EXPECT_EQ(json::Serialize(*JsonPath::Compile("$.a.b-c.d/e")->Find(d)), "1");
  EXPECT_EQ(json::Serialize(*JsonPath::Compile("$['a']['b-c']")->Find(d)), R"({"d/e":1})");
  EXPECT_EQ(json::Serialize(*JsonPath::Compile("$.a[\"arr\"][1].x")->Find(d)), R"("y")");
  EXPECT_EQ(json::Serialize(*JsonPath::Compile("$.detail-type")->Find(d)), R"("t")");
  EXPECT_EQ(JsonPath::Compile("$")->Find(d), &d);
}

TEST(JsonPathTest, MissingStepsAndWrongTypes) {
  json::Value d = Doc();
  EXPECT_EQ(JsonPath::Compile("$.a.zz")->Find(d), nullptr);
  EXPECT_EQ(JsonPath::Compile("$.a.arr[2]")->Find(d), nullptr);
  EXPECT_EQ(JsonPath::Compile("$.s.x")->Find(d), nullptr);
  EXPECT_EQ(JsonPath::Compile("$.a[0]")->Find(d), nullptr);
}

TEST(JsonPathTest, WildcardsCollectInDocumentOrder) {
  json::Value d = Doc();
  auto p = JsonPath::Compile("$.a.arr[*]");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->definite());
  std::vector<const json::Value*> out;
  p->Collect(d, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(json::Serialize(*out[0]), "10");
  out.clear();
  JsonPath::Compile("$.a.*")->Collect(d, &out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(p->Find(d), nullptr);
}

TEST(JsonPathTest, RejectsUnsupportedSyntax) {
  for (const char* bad : {"", "a.b", "$..a", "$.", "$.a[", "$.a[-1]", "$.a[?(@.x)]", "$.a[1:2]",
                          "$.a['x", "$.a b", "$a", "$.a*b", "$.a[1", "$['']"}) {
    auto p = JsonPath::Compile(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(JsonPathTest, SetCreatesIntermediateObjects) {
  json::Value d = Doc();
  ASSERT_TRUE(JsonPath::Compile("$.n.m.o")->Set(&d, json::Value::Int(5)).ok());
  EXPECT_EQ(json::Serialize(*d.FindPath("n.m.o")), "5");
  ASSERT_TRUE(JsonPath::Compile("$.a.arr[0]")->Set(&d, json::Value::Int(11)).ok());
  EXPECT_EQ(json::Serialize(d.FindPath("a.arr")->items()[0]), "11");
  EXPECT_FALSE(JsonPath::Compile("$.s.x")->Set(&d, json::Value::Int(1)).ok());
  EXPECT_FALSE(JsonPath::Compile("$.a.arr[5]")->Set(&d, json::Value::Int(1)).ok());
  EXPECT_FALSE(JsonPath::Compile("$")->Set(&d, json::Value::Int(1)).ok());
  EXPECT_FALSE(JsonPath::Compile("$.a.*")->Set(&d, json::Value::Int(1)).ok());
}

TEST(JsonPathTest, Erase) {
  json::Value d = Doc();
  EXPECT_TRUE(JsonPath::Compile("$.a.b-c")->Erase(&d));
  EXPECT_EQ(d.FindPath("a.b-c"), nullptr);
  EXPECT_FALSE(JsonPath::Compile("$.a.b-c")->Erase(&d));
  EXPECT_TRUE(JsonPath::Compile("$.a.arr[0]")->Erase(&d));
  EXPECT_EQ(d.FindPath("a.arr")->items().size(), 1u);
  EXPECT_FALSE(JsonPath::Compile("$.s.x")->Erase(&d));
}

}  // namespace
}  // namespace cxbridge::transform
