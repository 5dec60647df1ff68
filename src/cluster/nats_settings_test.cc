#include "cluster/nats_settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace cxbridge::cluster {
namespace {

json::Value Storage(const char* text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return *v;
}

TEST(NatsSettingsTest, ServersListWithSchemesAndDefaults) {
  auto s = ParseNatsSettings(
      Storage(R"({"servers":["nats://10.0.0.1:4222","10.0.0.2","tls://h.example:7422"]})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->servers, (std::vector<std::string>{"nats://10.0.0.1:4222", "nats://10.0.0.2:4222",
                                                  "tls://h.example:7422"}));
  EXPECT_TRUE(s->tls) << "a tls:// URL turns TLS on";
}

TEST(NatsSettingsTest, CommaSeparatedString) {
  auto s = ParseNatsSettings(Storage(R"({"servers":"nats://a:1, nats://b:2"})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->servers.size(), 2u);
  EXPECT_FALSE(s->tls);
}

TEST(NatsSettingsTest, CredentialsInUrlBecomeUserPasswordAndAreNotDescribed) {
  auto s = ParseNatsSettings(
      Storage(R"({"servers":["nats://alice:s3cret@a:4222","nats://alice:s3cret@b:4222"]})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->user, "alice");
  EXPECT_EQ(s->password, "s3cret");
  EXPECT_EQ(s->Describe().find("s3cret"), std::string::npos);
  EXPECT_EQ(s->Describe(), "nats://a:4222,nats://b:4222");
}

TEST(NatsSettingsTest, TokenInUrl) {
  auto s = ParseNatsSettings(Storage(R"({"servers":["nats://T0KEN@a:4222"]})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token, "T0KEN");
  EXPECT_TRUE(s->user.empty());
}

TEST(NatsSettingsTest, SecretsResolvedFromEnv) {
  ::setenv("CXB_TEST_NATS_PW", "pw-from-env", 1);
  auto s = ParseNatsSettings(
      Storage(R"({"servers":["a"],"user":"u","password":{"env":"CXB_TEST_NATS_PW"}})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->password, "pw-from-env");
}

TEST(NatsSettingsTest, RefusesTwoKindsOfAuth) {
  auto s = ParseNatsSettings(Storage(R"({"servers":["a"],"user":"u","password":"p","token":"t"})"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("one kind"), std::string::npos);
}

TEST(NatsSettingsTest, RefusesBadUrlsWithTheUrl) {
  for (const char* bad : {R"({"servers":["http://a:4222"]})", R"({"servers":["nats://:4222"]})",
                          R"({"servers":["nats://a:99999"]})", R"({"servers":["nats://a:4222/x"]})",
                          R"({"servers":[]})", R"({})", R"({"servers":[4222]})"}) {
    auto s = ParseNatsSettings(Storage(bad));
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NatsSettingsTest, TlsBlock) {
  auto s = ParseNatsSettings(
      Storage(R"({"servers":["a"],"tls":{"ca":"/ca.pem","cert":"/c.pem","key":"/k.pem"}})"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->tls_files.ca_file, "/ca.pem");
  EXPECT_FALSE(ParseNatsSettings(Storage(R"({"servers":["a"],"tls":{"cert":"/c.pem"}})")).ok());
  EXPECT_FALSE(ParseNatsSettings(Storage(R"({"servers":["a"],"tls":{"verify":false}})")).ok());
}

TEST(NatsSettingsTest, NkeyNeedsItsSeedFile) {
  EXPECT_FALSE(ParseNatsSettings(Storage(R"({"servers":["a"],"nkey":"UABC"})")).ok());
  auto s =
      ParseNatsSettings(Storage(R"({"servers":["a"],"nkey":"UABC","nkey_seed_file":"/seed"})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->nkey_seed_file, "/seed");
}

TEST(NatsSettingsTest, Ipv6Url) {
  auto p = ParseServerUrl("nats://[::1]:4333");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->host, "::1");
  EXPECT_EQ(p->port, 4333);
  EXPECT_EQ(p->url, "nats://[::1]:4333");
}

}  // namespace
}  // namespace cxbridge::cluster
