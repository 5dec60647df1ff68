#include "common/json.h"

#include <gtest/gtest.h>

namespace cxbridge::json {

TEST(JsonTest, RoundTripKeepsNumberTextAndOrder) {
  auto v = Parse(R"({"b":1.0,"a":[true,null,"x\n"],"c":{"d":3e2}})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(Serialize(*v), R"({"b":1.0,"a":[true,null,"x\n"],"c":{"d":3e2}})");
  EXPECT_EQ(v->FindPath("c.d")->as_double(), 300.0);
}

TEST(JsonTest, DuplicateKeysLastWins) {
  auto v = Parse(R"({"a":1,"b":2,"a":3})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), R"({"a":3,"b":2})");
}

TEST(JsonTest, RejectsMalformed) {
  EXPECT_FALSE(Parse("{").ok());
  EXPECT_FALSE(Parse(R"({"a":tru})").ok());
  EXPECT_FALSE(Parse(R"({"a":1} x)").ok());
  EXPECT_FALSE(Parse("").ok());
}

TEST(JsonTest, ScalarsAndEscapes) {
  auto v = Parse(R"("\u00e9\"")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->as_string(), "\xc3\xa9\"");
  EXPECT_EQ(Quote(std::string("a\x01")), "\"a\\u0001\"");
}

TEST(JsonTest, SetInsertErase) {
  Value o = Value::Object();
  o.Set("a", Value::Int(1));
  o.Set("c", Value::Int(3));
  o.InsertBefore("c", "b", Value::String("x"));
  EXPECT_EQ(Serialize(o), R"({"a":1,"b":"x","c":3})");
  EXPECT_TRUE(o.Erase("a"));
  EXPECT_EQ(Serialize(o), R"({"b":"x","c":3})");
}

}  // namespace cxbridge::json
