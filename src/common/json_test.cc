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

// An object of `n` members "k0".."k{n-1}", each key followed by a duplicate of key 0 every
// `dup_every` members (0: none).
std::string ManyKeys(size_t n, size_t dup_every = 0) {
  std::string s = "{";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
    if (dup_every && i % dup_every == dup_every - 1) s += ",\"k0\":" + std::to_string(i);
  }
  return s + "}";
}

TEST(JsonTest, DuplicateKeysLastWinsPastTheIndexThreshold) {
  // Objects beyond a few members look duplicates up in a hash index: same semantics.
  auto v = Parse(ManyKeys(200, 7));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->members().size(), 200u);
  for (size_t i = 0; i < 200; ++i) EXPECT_EQ(v->members()[i].first, "k" + std::to_string(i));
  EXPECT_EQ(v->Find("k0")->number_text(), "195");  // the last duplicate's value, first position
  EXPECT_EQ(v->Find("k199")->number_text(), "199");
  auto late = Parse(R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,)"
                    R"("l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"b":20,"q":30,"r":18})");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(Serialize(*late), R"({"a":1,"b":20,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,)"
                              R"("k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":30,"r":18})");
}

TEST(JsonTest, MembersPerObjectAreCapped) {
  // Exactly the limit parses (duplicates do not count); one more distinct key is refused.
  auto at_limit = Parse(ManyKeys(kMaxObjectMembers, 1000));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(at_limit->members().size(), kMaxObjectMembers);
  auto over = Parse(ManyKeys(kMaxObjectMembers + 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().message(), "invalid JSON: an object has more than 10000 members");
  // Nested objects each have their own count.
  std::string nested = "[" + ManyKeys(kMaxObjectMembers) + "," + ManyKeys(kMaxObjectMembers) + "]";
  EXPECT_TRUE(Parse(nested).ok());
}

TEST(JsonTest, ManyKeysBodyIsRefusedFast) {
  // Issue 16: a 1 MiB body of ~116k distinct short keys took ~10 s of CPU (a linear search per
  // key). Now it is refused at the member cap, after reading about 10,000 members.
  std::string body = "{";
  for (size_t i = 0; body.size() < (1u << 20) - 16; ++i) {
    if (i) body += ',';
    body += "\"" + std::to_string(i) + "\":0";
  }
  body += "}";
  auto v = Parse(body);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("more than 10000 members"), std::string::npos);
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
