#include "ingest/hmac.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/encoding.h"

namespace cxbridge::ingest {
namespace {

TEST(HmacSha256KeyTest, MatchesOneShotHmac) {
  HmacSha256Key key("secret");
  for (std::string data : {std::string(), std::string("a"), std::string(2048, 'x')}) {
    EXPECT_EQ(key.Compute(data), HmacSha256("secret", data));
  }
  // Parts are concatenated.
  unsigned char out[HmacSha256Key::kDigestBytes];
  key.Compute({"id", ".", "123", ".", "body"}, out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), sizeof out), HmacSha256("secret", "id.123.body"));
}

TEST(HmacSha256KeyTest, ReusedContextsGiveTheSameAnswer) {
  HmacSha256Key key("k");
  std::string first = key.Compute("payload");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(key.Compute("payload"), first);
  EXPECT_NE(key.Compute("payload2"), first);
}

TEST(HmacSha256KeyTest, LongKeysAreHashed) {
  std::string long_key(200, 'k');
  HmacSha256Key key(long_key);
  EXPECT_EQ(key.Compute("x"), HmacSha256(long_key, "x"));
}

TEST(HmacSha256KeyTest, MatchesIsExactAndLengthChecked) {
  HmacSha256Key key("k");
  std::string mac = HmacSha256("k", "body");
  EXPECT_TRUE(key.Matches({"body"}, mac));
  EXPECT_FALSE(key.Matches({"body "}, mac));
  EXPECT_FALSE(key.Matches({"body"}, mac.substr(0, 31)));
  EXPECT_FALSE(key.Matches({"body"}, ""));
}

TEST(HmacSha256KeyTest, ConcurrentUse) {
  HmacSha256Key key("shared");
  const std::string expected = HmacSha256("shared", "data");
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (key.Compute("data") != expected) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace cxbridge::ingest
