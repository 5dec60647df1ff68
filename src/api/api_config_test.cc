#include "api/api_config.h"

#include <gtest/gtest.h>

namespace cxbridge::api {
namespace {

json::Value J(std::string_view text) { return *json::Parse(text); }

TEST(ApiConfigTest, DefaultsWhenAbsent) {
  auto o = ParseApiConfig(json::Value(), "111122223333", "eu-west-1");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->account, "111122223333");
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_TRUE(o->access_keys.empty());
  EXPECT_EQ(o->max_put_events_bytes, 262144u);
}

TEST(ApiConfigTest, AccessKeysAndLimit) {
  auto o = ParseApiConfig(J(R"({"max_put_events_bytes":1048576,"access_keys":[{"id":"AK","secret":{"value":"s"}}]})"), "a", "r");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->access_keys.at("AK"), "s");
  EXPECT_EQ(o->max_put_events_bytes, 1048576u);
}

TEST(ApiConfigTest, Errors) {
  EXPECT_FALSE(ParseApiConfig(J(R"({"max_put_events_bytes":2000000})"), "a", "r").ok());
  EXPECT_FALSE(ParseApiConfig(J(R"({"access_keys":[{"id":"AK"}]})"), "a", "r").ok());
  EXPECT_FALSE(ParseApiConfig(J(R"({"bogus":1})"), "a", "r").ok());
}

}  // namespace
}  // namespace cxbridge::api
