// Edge cases per operator (eventbridge.md §1), through the public TestEventPattern / Validate.
#include "pattern/pattern.h"

#include <gtest/gtest.h>

#include "pattern/case_fold.h"
#include "pattern/cidr.h"
#include "pattern/wildcard.h"

namespace cxbridge::pattern {
namespace {

// "match", "no", or the error message.
std::string T(std::string_view pattern, std::string_view event) {
  auto r = TestEventPattern(pattern, event);
  if (!r.ok()) return r.status().message();
  return *r ? "match" : "no";
}
std::string Err(std::string_view pattern) {
  Status s = Validate(pattern);
  EXPECT_FALSE(s.ok()) << pattern;
  const std::string prefix = "Event pattern is not valid. Reason: ";
  return s.message().rfind(prefix, 0) == 0 ? s.message().substr(prefix.size()) : s.message();
}

TEST(ExactTest, StringsNumbersBooleansNull) {
  EXPECT_EQ(T(R"({"a":["x"]})", R"({"a":"x"})"), "match");
  EXPECT_EQ(T(R"({"a":["x"]})", R"({"a":"X"})"), "no");
  EXPECT_EQ(T(R"({"a":[300]})", R"({"a":300.0})"), "match");
  EXPECT_EQ(T(R"({"a":[300]})", R"({"a":3e2})"), "match");
  EXPECT_EQ(T(R"({"a":[300]})", R"({"a":"300"})"), "no");
  EXPECT_EQ(T(R"({"a":["300"]})", R"({"a":300})"), "no");
  EXPECT_EQ(T(R"({"a":[true]})", R"({"a":"true"})"), "no");
  EXPECT_EQ(T(R"({"a":[false]})", R"({"a":false})"), "match");
  EXPECT_EQ(T(R"({"a":[null]})", R"({"a":null})"), "match");
  EXPECT_EQ(T(R"({"a":[null]})", R"({"a":"null"})"), "no");
  EXPECT_EQ(T(R"({"a":[null]})", R"({"b":1})"), "no");
  EXPECT_EQ(T(R"({"a":[""]})", R"({"a":""})"), "match");
  EXPECT_EQ(T(R"({"a":[""]})", R"({"a":null})"), "no");
  EXPECT_EQ(T(R"({"a":[0]})", R"({"a":-0.0})"), "match");
}

TEST(ExactTest, StringThatIsAnIpAddressMatchesEquivalentForms) {
  EXPECT_EQ(T(R"({"ip":["2001:db8::1"]})", R"({"ip":"2001:0db8:0000:0000:0000:0000:0000:0001"})"),
            "match");
  EXPECT_EQ(T(R"({"ip":["10.0.0.1"]})", R"({"ip":"10.0.0.1"})"), "match");
  EXPECT_EQ(T(R"({"ip":["10.0.0.1"]})", R"({"ip":"10.0.0.2"})"), "no");
}

TEST(KeysTest, CaseSensitiveDottedAndDuplicate) {
  EXPECT_EQ(T(R"({"MY_KEY":["v"]})", R"({"my_key":"v"})"), "no");
  EXPECT_EQ(T(R"({"d":{"s.t":["r"]}})", R"({"d":{"s":{"t":"r"}}})"), "match");
  EXPECT_EQ(T(R"({"d":{"s":{"t":["r"]}}})", R"({"d":{"s.t":"r"}})"), "match");
  // Duplicate keys: the last one wins.
  EXPECT_EQ(T(R"({"a":["x"],"a":["y"]})", R"({"a":"y"})"), "match");
  EXPECT_EQ(T(R"({"a":["x"],"a":["y"]})", R"({"a":"x"})"), "no");
  EXPECT_EQ(T(R"({"a":{"b":["x"]},"a.b":["y"]})", R"({"a":{"b":"y"}})"), "match");
  // A JSON string is never parsed as JSON.
  EXPECT_EQ(T(R"({"d":{"k":["v"]}})", R"({"d":"{\"k\":\"v\"}"})"), "no");
  // Escaped keys in the event.
  EXPECT_EQ(T(R"({"a\"b":["v"]})", R"({"a\u0022b":"v"})"), "match");
}

TEST(PrefixSuffixTest, CaseSensitivityEmptyAndNonStrings) {
  EXPECT_EQ(T(R"({"a":[{"prefix":"us-"}]})", R"({"a":"us-east"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"prefix":"us-"}]})", R"({"a":"US-east"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"prefix":""}]})", R"({"a":"anything"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"prefix":"1"}]})", R"({"a":12})"), "no");
  EXPECT_EQ(T(R"({"a":[{"suffix":".png"}]})", R"({"a":"x.png"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"suffix":".png"}]})", R"({"a":"x.PNG"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"prefix":{"equals-ignore-case":"EventB"}}]})", R"({"a":"eventbridge"})"),
            "match");
  EXPECT_EQ(T(R"({"a":[{"suffix":{"equals-ignore-case":".PNG"}}]})", R"({"a":"x.png"})"), "match");
  EXPECT_EQ(Err(R"({"a":[{"prefix":["x"]}]})"), "prefix match pattern must be a string");
  EXPECT_EQ(Err(R"({"a":[{"suffix":1}]})"), "suffix match pattern must be a string");
  EXPECT_EQ(Err(R"({"a":[{"prefix":{"wildcard":"x"}}]})"), "Unsupported prefix pattern: wildcard");
  EXPECT_EQ(Err(R"({"a":[{"prefix":"x","suffix":"y"}]})"),
            "Only one key allowed in match expression");
}

TEST(EqualsIgnoreCaseTest, UnicodeFoldsPerCharacter) {
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":"alice"}]})", R"({"a":"ALICE"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":"ÄÖÜ"}]})", R"({"a":"äöü"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":"STRASSE"}]})", R"({"a":"straße"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":"ΣΊΣΥΦΟΣ"}]})", R"({"a":"σίσυφοσ"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":""}]})", R"({"a":""})"), "match");
  EXPECT_EQ(T(R"({"a":[{"equals-ignore-case":"1"}]})", R"({"a":1})"), "no");
  EXPECT_EQ(Err(R"({"a":[{"equals-ignore-case":["x"]}]})"),
            "equals-ignore-case match pattern must be a string");
  EXPECT_EQ(internal::Folded("ÀÉÎ Kelvin\xE2\x84\xAA"), "àéî kelvink");
}

TEST(WildcardTest, StarsEscapesAndLimits) {
  EXPECT_EQ(T(R"({"a":[{"wildcard":"ab*"}]})", R"({"a":"ab"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"*"}]})", R"({"a":""})"), "match");
  EXPECT_EQ(T(R"({"a":[{"wildcard":""}]})", R"({"a":"x"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"a\\*b"}]})", R"({"a":"a*b"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"a\\*b"}]})", R"({"a":"axb"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"a\\\\b"}]})", R"({"a":"a\\b"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"*x*y*"}]})", R"({"a":"0x1y2"})"), "match");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"*x*y*"}]})", R"({"a":"0y1x2"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"a*a"}]})", R"({"a":"a"})"), "no");
  EXPECT_EQ(T(R"({"a":[{"wildcard":"a*"}]})", R"({"a":5})"), "no");
  EXPECT_EQ(Err(R"({"a":[{"wildcard":"a**"}]})"), "Consecutive wildcard characters at pos 2");
  EXPECT_EQ(Err(R"({"a":[{"wildcard":"a\\x"}]})"), "Invalid escape character at pos 2");
  EXPECT_EQ(Err(R"({"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]})"),
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character");
  EXPECT_TRUE(Validate(R"({"a":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]})").ok());
}

TEST(AnythingButTest, ScalarListAndTypes) {
  const char* p = R"({"s":[{"anything-but":"init"}]})";
  EXPECT_EQ(T(p, R"({"s":"run"})"), "match");
  EXPECT_EQ(T(p, R"({"s":"init"})"), "no");
  EXPECT_EQ(T(p, R"({"s":null})"), "match");
  EXPECT_EQ(T(p, R"({"t":1})"), "no");             // missing never matches
  EXPECT_EQ(T(p, R"({"s":{"x":1}})"), "no");       // an object is not a leaf
  EXPECT_EQ(T(p, R"({"s":["init","x"]})"), "match");  // any element outside the set
  EXPECT_EQ(T(p, R"({"s":["init","init"]})"), "no");
  EXPECT_EQ(T(R"({"n":[{"anything-but":[100,200]}]})", R"({"n":"100"})"), "match");
  EXPECT_EQ(T(R"({"n":[{"anything-but":[100,200]}]})", R"({"n":100.0})"), "no");
  EXPECT_EQ(T(R"({"n":[{"anything-but":0}]})", R"({"n":1})"), "match");
  EXPECT_EQ(Err(R"({"n":[{"anything-but":null}]})"),
            "Value of anything-but must be an array or single string/number value.");
  EXPECT_EQ(Err(R"({"n":[{"anything-but":["a",1]}]})"),
            "Inside anything but list, either all values are number or string, mixed type is not "
            "supported");
  EXPECT_EQ(Err(R"({"n":[{"anything-but":[true]}]})"),
            "Inside anything but list, start|null|boolean is not supported.");
  EXPECT_EQ(Err(R"({"n":[{"anything-but":{"numeric":[">",1]}}]})"),
            "Unsupported anything-but pattern: numeric");
}

TEST(AnythingButTest, PrefixSuffixIgnoreCaseWildcard) {
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"prefix":"init"}}]})", R"({"s":12})"), "match");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"prefix":["a","b"]}}]})", R"({"s":"bx"})"), "no");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"suffix":".txt"}}]})", R"({"s":"a.txt"})"), "no");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"equals-ignore-case":["Stop"]}}]})", R"({"s":"STOP"})"),
            "no");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"equals-ignore-case":"Stop"}}]})", R"({"s":"go"})"),
            "match");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"wildcard":"*/lib/*"}}]})", R"({"s":"/a/lib/b"})"), "no");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"wildcard":""}}]})", R"({"s":"x"})"), "match");
  EXPECT_EQ(T(R"({"s":[{"anything-but":{"wildcard":"x*"}}]})", R"({"s":123})"), "match");
  EXPECT_EQ(Err(R"({"s":[{"anything-but":{"prefix":""}}]})"), "Null prefix/suffix not allowed");
  EXPECT_EQ(Err(R"({"s":[{"anything-but":{"suffix":[1]}}]})"),
            "prefix/suffix match pattern must be a string");
  EXPECT_EQ(Err(R"({"s":[{"anything-but":{"equals-ignore-case":[1]}}]})"),
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
            "supported.");
  EXPECT_EQ(Err(R"({"s":[{"anything-but":{"wildcard":1}}]})"),
            "wildcard match pattern must be a string");
}

TEST(NumericTest, RangesAndErrors) {
  const char* p = R"({"n":[{"numeric":[">",0,"<=",5]}]})";
  EXPECT_EQ(T(p, R"({"n":5})"), "match");
  EXPECT_EQ(T(p, R"({"n":0})"), "no");
  EXPECT_EQ(T(p, R"({"n":5.0000001})"), "no");
  EXPECT_EQ(T(p, R"({"n":"3"})"), "no");
  EXPECT_EQ(T(p, R"({"n":null})"), "no");
  EXPECT_EQ(T(p, R"({"n":[9,3]})"), "match");
  EXPECT_EQ(T(R"({"n":[{"numeric":["=",301.8]}]})", R"({"n":3.018e2})"), "match");
  EXPECT_EQ(T(R"({"n":[{"numeric":[">=",6e9]}]})", R"({"n":6000000000})"), "match");
  EXPECT_EQ(T(R"({"n":[{"numeric":["<",-1]}]})", R"({"n":-1.5})"), "match");
  EXPECT_EQ(Err(R"({"n":[{"numeric":10}]})"), "Value of numeric must be an array.");
  EXPECT_EQ(Err(R"({"n":[{"numeric":[">",0,">",0]}]})"), "Bad numeric range operator: >");
  EXPECT_EQ(Err(R"({"n":[{"numeric":[">",0,"<"]}]})"), "Value of < must be numeric");
  EXPECT_EQ(Err(R"({"n":[{"numeric":["<",10,">",0]}]})"),
            "Too many elements in numeric expression");
  EXPECT_EQ(Err(R"({"n":[{"numeric":["=",1,"<",5]}]})"),
            "Too many elements in numeric expression");
  EXPECT_EQ(Err(R"({"n":[{"numeric":[">",5,"<",5]}]})"), "Bottom must be less than top");
  EXPECT_EQ(Err(R"({"n":[{"numeric":["~",5]}]})"), "Unrecognized numeric range operator: ~");
  EXPECT_EQ(Err(R"({"n":[{"numeric":[5]}]})"), "Invalid member in numeric match: 5");
}

TEST(CidrTest, V4V6AndErrors) {
  EXPECT_EQ(T(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.255"})"), "match");
  EXPECT_EQ(T(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.1.0"})"), "no");
  EXPECT_EQ(T(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":167772161})"), "no");
  EXPECT_EQ(T(R"({"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]})", R"({"ip":"2001:db8:1234:1a00::9"})"),
            "match");
  EXPECT_EQ(T(R"({"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]})", R"({"ip":"2001:db8:1234:1a01::"})"),
            "no");
  EXPECT_EQ(Err(R"({"ip":[{"cidr":"bad"}]})"), "Malformed CIDR, one '/' required");
  EXPECT_EQ(Err(R"({"ip":[{"cidr":"1.2.3.4/x"}]})"), "Malformed CIDR, mask bits must be an integer");
  EXPECT_EQ(Err(R"({"ip":[{"cidr":"1.2.3/8"}]})"), "Nonstandard IP address: 1.2.3");
  EXPECT_EQ(Err(R"({"ip":[{"cidr":1}]})"), "prefix match pattern must be a string");
  internal::IpAddress a;
  EXPECT_TRUE(internal::ParseIp("::ffff:1.2.3.4", &a));
  EXPECT_FALSE(internal::ParseIp("1:2:3:4:5:6:7:8:9", &a));
  EXPECT_FALSE(internal::ParseIp("1::2::3", &a));
}

TEST(ExistsTest, LeafOnlyNullEmptyArrayAndAbsentParents) {
  const char* yes = R"({"a":[{"exists":true}]})";
  const char* no = R"({"a":[{"exists":false}]})";
  EXPECT_EQ(T(yes, R"({"a":null})"), "match");
  EXPECT_EQ(T(yes, R"({"a":{}})"), "no");
  EXPECT_EQ(T(yes, R"({"a":{"b":1}})"), "no");
  EXPECT_EQ(T(yes, R"({"a":[]})"), "no");
  EXPECT_EQ(T(no, R"({"a":[]})"), "match");
  EXPECT_EQ(T(no, R"({"a":{"b":1}})"), "match");
  EXPECT_EQ(T(no, R"({"a":null})"), "no");
  EXPECT_EQ(T(R"({"p":{"c":[{"exists":false}]}})", R"({"p":"scalar"})"), "match");
  EXPECT_EQ(T(R"({"f":["v",{"exists":false}]})", R"({"g":1})"), "match");
  EXPECT_EQ(T(R"({"f":["v",{"exists":false}]})", R"({"f":"v"})"), "match");
  EXPECT_EQ(T(R"({"f":["v",{"exists":false}]})", R"({"f":"w"})"), "no");
  // Any array element that has the key defeats exists:false.
  EXPECT_EQ(T(R"({"d":{"b":[{"exists":false}]}})", R"({"d":[{"a":1},{"b":2}]})"), "no");
  EXPECT_EQ(Err(R"({"a":[{"exists":"yes"}]})"), "exists match pattern must be either true or false.");
  EXPECT_EQ(Err(R"({"a":[{"EXISTS":true}]})"), "Unrecognized match type EXISTS");
}

TEST(ArraysTest, AnyElementAndConsistency) {
  EXPECT_EQ(T(R"({"r":["x","y"]})", R"({"r":["z","y"]})"), "match");
  EXPECT_EQ(T(R"({"r":["x"]})", R"({"r":[]})"), "no");
  EXPECT_EQ(T(R"({"d":{"a":[1],"b":[2]}})", R"({"d":[{"a":1},{"b":2}]})"), "no");
  EXPECT_EQ(T(R"({"d":{"a":[1],"b":[2]}})", R"({"d":[{"a":1,"b":3},{"a":4,"b":2}]})"), "no");
  EXPECT_EQ(T(R"({"d":{"a":[1],"b":[2]}})", R"({"d":[{"a":9},{"a":1,"b":2}]})"), "match");
  EXPECT_EQ(T(R"({"e":{"n":["A"]}})", R"({"e":[{"n":"B"},{"n":"A"}]})"), "match");
  // Different arrays do not constrain each other.
  EXPECT_EQ(T(R"({"x":{"a":[1]},"y":{"b":[2]}})", R"({"x":[{"a":0},{"a":1}],"y":[{"b":2}]})"),
            "match");
  // Nested arrays: both values inside the same inner element.
  EXPECT_EQ(T(R"({"g":{"p":{"x":[1],"y":[2]}}})", R"({"g":[{"p":[{"x":1,"y":0},{"x":0,"y":2}]}]})"),
            "no");
  EXPECT_EQ(T(R"({"g":{"p":{"x":[1],"y":[2]}}})", R"({"g":[{"p":[{"x":1,"y":2}]}]})"), "match");
}

TEST(OrTest, CombinationsNestingAndLimits) {
  const char* p = R"({"s":["x"],"$or":[{"a":[1]},{"b":[2]}]})";
  EXPECT_EQ(T(p, R"({"s":"x","b":2})"), "match");
  EXPECT_EQ(T(p, R"({"s":"y","b":2})"), "no");
  EXPECT_EQ(T(p, R"({"s":"x","c":2})"), "no");
  EXPECT_EQ(T(R"({"d":{"$or":[{"a":[1]},{"$or":[{"b":[2]},{"c":[3]}]}]}})", R"({"d":{"c":3}})"),
            "match");
  EXPECT_EQ(Err(R"({"$or":[{"a":[1]}]})"), "There must have at least 2 Objects in $or relationship.");
  EXPECT_EQ(Err(R"({"$or":[{"a":[1]},2]})"),
            "Only JSON object is allowed in array of $or relationship.");
  EXPECT_EQ(Err(R"({"$or":[{"numeric":[1]},{"a":[2]}]})"),
            "numeric is Ruler reserved fieldName which cannot be used inside $or.");
  // 11 x 10 x 10 = 1100 combinations > 1000.
  std::string big = "{";
  for (int k = 0; k < 3; ++k) {
    big += std::string(k ? "," : "") + "\"f" + std::to_string(k) + "\":{\"$or\":[";
    for (int i = 0; i < (k == 0 ? 11 : 10); ++i) {
      big += std::string(i ? "," : "") + "{\"v" + std::to_string(i) + "\":[1]}";
    }
    big += "]}";
  }
  big += "}";
  EXPECT_FALSE(Validate(big).ok());
}

TEST(StructureTest, ErrorsForShapes) {
  EXPECT_EQ(Err(R"({"int":42})"), "\"int\" must be an object or an array");
  EXPECT_EQ(Err(R"({"a":[]})"), "Empty arrays are not allowed");
  EXPECT_EQ(Err(R"({})"), "Empty objects are not allowed");
  EXPECT_EQ(Err(R"({"a":{}})"), "Empty objects are not allowed");
  EXPECT_EQ(Err(R"({"a":[[1]]})"), "Match value must be String, number, true, false, or null");
  EXPECT_EQ(Err(R"({"a":[{}]})"), "Match expression name not found");
  EXPECT_EQ(Err(R"({"a":[{"exactly":"x"}]})"), "Unrecognized match type exactly");
}

TEST(JsonErrorsTest, JacksonStyleMessages) {
  EXPECT_EQ(Validate("this is valid json but not a dict").message(),
            "Event pattern is not valid. Reason: Unrecognized token 'this': was expecting (JSON "
            "String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: "
            "(String)\"this is valid json but not a dict\"; line: 1, column: 5]");
  EXPECT_EQ(Validate("{'bad': 'quotation'}").message(),
            "Event pattern is not valid. Reason: Unexpected character (''' (code 39)): was "
            "expecting double-quote to start field name\n at [Source: (String)\"{'bad': "
            "'quotation'}\"; line: 1, column: 2]");
  EXPECT_EQ(Validate("{\"not\": closed mark\"").message(),
            "Event pattern is not valid. Reason: Unrecognized token 'closed': was expecting (JSON "
            "String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: "
            "(String)\"{\"not\": closed mark\"\"; line: 1, column: 15]");
  EXPECT_EQ(Validate("[\"not\", \"a\", \"dict\", \"but valid json\"]").message(),
            "Event pattern is not valid. Reason: Filter is not an object\n at [Source: "
            "(String)\"[\"not\", \"a\", \"dict\", \"but valid json\"]\"; line: 1, column: 2]");
}

TEST(JsonErrorsTest, UnexpectedCharacterIsAWholeCharacter) {
  // Found by fuzz/eventbridge_fuzz: the description held the first byte of a multi-byte
  // character alone, so PutRule's InvalidEventPatternException answer was not valid UTF-8 (nor
  // JSON). Jackson reads characters and names the code point; a byte that is no character is
  // U+FFFD, as Java decodes it.
  EXPECT_EQ(Validate("{\"a\"\xc6\xa3}").message(),
            "Event pattern is not valid. Reason: Unexpected character ('\xc6\xa3' (code 419 / 0x1a3)): "
            "was expecting a colon to separate field name and value\n at [Source: (String)\"{\"a\"\xc6\xa3}\"; "
            "line: 1, column: 5]");
  EXPECT_NE(Validate("{\"a\"\xc3\xa9}").message().find("('\xc3\xa9' (code 233))"), std::string::npos);
  EXPECT_NE(Validate("{\"a\"\xc6}").message().find("('\xef\xbf\xbd' (code 65533 / 0xfffd))"),
            std::string::npos);
}

TEST(EventTest, MalformedOrNonObjectEventIsInvalidArgument) {
  auto r = TestEventPattern(R"({"a":["x"]})", R"(["a"])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "Parameter Event is not valid.");
  EXPECT_FALSE(TestEventPattern(R"({"a":["x"]})", R"({"a":"x")").ok());
  EXPECT_FALSE(TestEventPattern(R"({"a":["x"]})", R"({"a":"x"} trailing)").ok());
  EXPECT_FALSE(TestEventPattern(R"({"a":["x"]})", "").ok());
}

}  // namespace
}  // namespace cxbridge::pattern
