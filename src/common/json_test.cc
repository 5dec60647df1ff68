#include "common/json.h"

#include <gtest/gtest.h>

#include <cstdio>

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

// Quote escapes exactly '"', '\\' and the control characters, wherever they fall relative to
// the 8-byte words it scans: every byte value at every offset of strings of several lengths,
// checked against a byte-at-a-time reference and by parsing the result back.
TEST(JsonTest, QuoteEscapesEveryByteAtEveryOffset) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      const char* named = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                                      : nullptr;
      if (named != nullptr) {
        out += named;
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out + "\"";
  };
  for (size_t len : {1, 7, 8, 9, 16, 23, 40}) {
    for (size_t at = 0; at < len; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'x');
        s[at] = static_cast<char>(b);
        ASSERT_EQ(Quote(s), reference(s)) << "byte " << b << " at " << at << " of " << len;
      }
    }
  }
  const std::string mixed =
      "plain ascii, then \"quotes\" and \\ and\ttabs\x01\x1f\x7f \xc3\xa9 end";
  auto back = Parse(Quote(mixed));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->as_string(), mixed);
  EXPECT_EQ(Quote(""), "\"\"");
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
