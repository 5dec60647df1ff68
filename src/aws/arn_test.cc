#include "aws/arn.h"

#include <gtest/gtest.h>

namespace cxbridge::aws {
namespace {

TEST(ArnTest, ParsesTheSixParts) {
  auto a = ParseArn("arn:aws:events:eu-west-1:123456789012:rule/bus/r");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->partition, "aws");
  EXPECT_EQ(a->service, "events");
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->resource, "rule/bus/r");
  EXPECT_EQ(a->ToString(), "arn:aws:events:eu-west-1:123456789012:rule/bus/r");
}

TEST(ArnTest, ResourceKeepsItsColons) {
  auto a = ParseArn("arn:aws:lambda:us-east-1:123456789012:function:f:live");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->resource, "function:f:live");
  EXPECT_EQ(ResourceName(*a, "function"), "f:live");
  EXPECT_EQ(ResourceName(*a, "stream"), std::nullopt);
}

TEST(ArnTest, OtherPartitionsAndEmptyRegion) {
  EXPECT_TRUE(ParseArn("arn:aws-cn:sqs:cn-north-1:123456789012:q"));
  auto s3 = ParseArn("arn:aws:s3:::bucket");
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->region, "");
  EXPECT_EQ(s3->account, "");
}

TEST(ArnTest, RefusesWhatIsNotAnArn) {
  for (const char* bad : {"test-bucket", "", "arn:", "arn:aws", "arn:aws:sqs:r:a", "arn:aws:sqs:r:a:",
                          "arn:xyz:sqs:r:123456789012:q", "arn:aws::r:123456789012:q",
                          "https://sqs.us-east-1.amazonaws.com/1/q"}) {
    EXPECT_FALSE(ParseArn(bad)) << bad;
  }
}

TEST(ArnTest, AccountIds) {
  EXPECT_TRUE(IsAccountId("123456789012"));
  EXPECT_FALSE(IsAccountId("12345678901"));
  EXPECT_FALSE(IsAccountId("12345678901a"));
}

}  // namespace
}  // namespace cxbridge::aws
