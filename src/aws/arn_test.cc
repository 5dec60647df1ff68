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

// Issue 16: a region goes into a hostname (https://sqs.<region>.amazonaws.com); anything but an
// AWS region name could point the signed request elsewhere.
TEST(ArnTest, RegionsAreStrict) {
  for (const char* good : {"us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4",
                           "cn-north-1", "il-central-1", "ab-c-0"}) {
    EXPECT_TRUE(IsRegion(good)) << good;
  }
  for (const char* bad : {"", "x", "us-east", "us-east-", "useast-1", "us--east-1", "us-east-1a",
                          "US-east-1", "u-east-1", "us-1", "-us-east-1", "us-east-1-",
                          "x@10.1.2.3", "x@10.1.2.3:8443/#", "us-east-1.evil.com#",
                          "127.0.0.1", "us-east-1/", "us-eastttttttttttttttttttttttttt-1"}) {
    EXPECT_FALSE(IsRegion(bad)) << bad;
  }
  EXPECT_FALSE(ParseArn("arn:aws:sqs:x@10.1.2.3:8443/#:123456789012:q"));
  EXPECT_FALSE(ParseArn("arn:aws:lambda:x@10.1.2.3#:123456789012:function:f"));
  EXPECT_TRUE(ParseArn("arn:aws:s3:::bucket"));  // an empty region stays allowed
}

TEST(ArnTest, AccountIds) {
  EXPECT_TRUE(IsAccountId("123456789012"));
  EXPECT_FALSE(IsAccountId("12345678901"));
  EXPECT_FALSE(IsAccountId("12345678901a"));
}

}  // namespace
}  // namespace cxbridge::aws
