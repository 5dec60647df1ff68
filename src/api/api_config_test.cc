#include "api/api_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

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

// Issue 16: an empty secret (or key id) would let anyone sign requests; refused at load.
TEST(ApiConfigTest, EmptySecretOrKeyIdIsRefused) {
  auto o = ParseApiConfig(J(R"({"access_keys":[{"id":"AK","secret":{"value":""}}]})"), "a", "r");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), "api.access_keys[0].secret: must not be empty");
  setenv("CXB_API_CONFIG_TEST_EMPTY", "", 1);
  o = ParseApiConfig(J(R"({"access_keys":[{"id":"AK","secret":{"env":"CXB_API_CONFIG_TEST_EMPTY"}}]})"), "a", "r");
  EXPECT_FALSE(o.ok());
  unsetenv("CXB_API_CONFIG_TEST_EMPTY");
  EXPECT_FALSE(ParseApiConfig(J(R"({"access_keys":[{"id":"","secret":{"value":"s"}}]})"), "a", "r").ok());
}

TEST(ApiConfigTest, EnabledIsRead) {
  auto o = ParseApiConfig(J(R"({"enabled":false})"), "a", "r");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->enabled);
  EXPECT_TRUE(ParseApiConfig(J(R"({"enabled":true})"), "a", "r")->enabled);
  EXPECT_TRUE(ParseApiConfig(json::Value(), "a", "r")->enabled);
}

}  // namespace
}  // namespace cxbridge::api
