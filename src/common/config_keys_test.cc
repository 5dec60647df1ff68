#include "common/config_keys.h"

#include <gtest/gtest.h>

namespace cxbridge {
namespace {

json::Value Obj(std::string_view text) { return *json::Parse(text); }

TEST(ClosestKeyTest, TyposOfOneOrTwoEdits) {
  const std::vector<std::string_view> known = {"address", "port", "threads", "event_source"};
  EXPECT_EQ(ClosestKey("addresss", known), "address");
  EXPECT_EQ(ClosestKey("adress", known), "address");
  EXPECT_EQ(ClosestKey("prot", known), "port");  // a swap of neighbours is one edit
  EXPECT_EQ(ClosestKey("evnt_source", known), "event_source");
  EXPECT_EQ(ClosestKey("theads", known), "threads");
}

TEST(ClosestKeyTest, CaseAndDashSpellingsAlwaysMatch) {
  const std::vector<std::string_view> known = {"event_source", "EventBusName"};
  EXPECT_EQ(ClosestKey("event-source", known), "event_source");
  EXPECT_EQ(ClosestKey("eventbusname", known), "EventBusName");
}

TEST(ClosestKeyTest, NothingCloseGivesEmpty) {
  const std::vector<std::string_view> known = {"address", "port"};
  EXPECT_EQ(ClosestKey("type", known), "");
  EXPECT_EQ(ClosestKey("", known), "");
  EXPECT_EQ(ClosestKey(std::string(200, 'a'), known), "");
}

TEST(ClosestKeyTest, ShortKeysNeedACloserMatch) {
  // Two edits turn "ab" into anything of two letters; short keys allow one.
  EXPECT_EQ(ClosestKey("xy", {"id"}), "");
  EXPECT_EQ(ClosestKey("ix", {"id"}), "id");
}

TEST(CheckKeysTest, AcceptsKnownKeys) {
  EXPECT_TRUE(CheckKeys(Obj(R"({"a":1,"b":2})"), "s", {"a", "b", "c"}).ok());
  EXPECT_TRUE(CheckKeys(Obj("{}"), "s", {"a"}).ok());
}

TEST(CheckKeysTest, NotAMapping) {
  Status st = CheckKeys(Obj("[1]"), "server", {"a"});
  EXPECT_EQ(st.message(), "server: must be a mapping");
}

TEST(CheckKeysTest, EveryUnknownKeyOnItsOwnLine) {
  Status st = CheckKeys(Obj(R"({"adress":1,"port":2,"zzz":3})"), "server", {"address", "port"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "server: unknown key 'adress' (did you mean 'address'?)\n"
            "server: unknown key 'zzz' (allowed: address, port)");
}

TEST(UnknownKeysInTest, ReadsBackTheKeys) {
  Status st = CheckKeys(Obj(R"({"adress":1,"it's":2})"), "a.b", {"address"});
  EXPECT_EQ(UnknownKeysIn(st.message()), (std::vector<std::string>{"adress", "it's"}));
  EXPECT_EQ(UnknownKeysIn("source x (line 3): auth: unknown key 'hedaer' (did you mean 'header'?)"),
            (std::vector<std::string>{"hedaer"}));
  EXPECT_EQ(UnknownKeysIn("aws: unknown key 'k'"), (std::vector<std::string>{"k"}));
  EXPECT_TRUE(UnknownKeysIn("topics must be a non-empty list").empty());
}

}  // namespace
}  // namespace cxbridge
