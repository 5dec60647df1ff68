#include <gtest/gtest.h>

#include "deliver/target.h"

namespace cxbridge::deliver {

TEST(ClassifyHttpTest, RetryOnlyWhatCanHeal) {
  EXPECT_EQ(ClassifyHttp(200, false, "", nullptr, 0).kind, SendResult::kOk);
  EXPECT_EQ(ClassifyHttp(204, false, "", nullptr, 0).kind, SendResult::kOk);
  EXPECT_EQ(ClassifyHttp(500, false, "", nullptr, 0).kind, SendResult::kRetryable);
  EXPECT_EQ(ClassifyHttp(503, false, "", nullptr, 0).kind, SendResult::kRetryable);
  EXPECT_EQ(ClassifyHttp(429, false, "", nullptr, 0).kind, SendResult::kRetryable);
  EXPECT_EQ(ClassifyHttp(408, false, "", nullptr, 0).kind, SendResult::kRetryable);
  EXPECT_EQ(ClassifyHttp(400, false, "", nullptr, 0).kind, SendResult::kPermanent);
  EXPECT_EQ(ClassifyHttp(404, false, "", nullptr, 0).kind, SendResult::kPermanent);
  EXPECT_EQ(ClassifyHttp(301, false, "", nullptr, 0).kind, SendResult::kPermanent);
  auto t = ClassifyHttp(0, true, "Operation timed out", nullptr, 0);
  EXPECT_EQ(t.kind, SendResult::kRetryable);
  EXPECT_EQ(t.error_code, "TIMEOUT");
  EXPECT_EQ(ClassifyHttp(0, false, "refused", nullptr, 0).error_code, "CONNECTION_ERROR");
}

TEST(ClassifyHttpTest, RetryAfterSecondsAndDate) {
  std::string secs = "7";
  EXPECT_EQ(ClassifyHttp(429, false, "", &secs, 0).retry_after_ms, 7000);
  std::string date = "Thu, 01 Jan 1970 00:00:10 GMT";
  EXPECT_EQ(ClassifyHttp(503, false, "", &date, 4000).retry_after_ms, 6000);
  std::string junk = "soon";
  EXPECT_EQ(ClassifyHttp(503, false, "", &junk, 0).retry_after_ms, -1);
}

TEST(TargetRegistryTest, BuiltinsResolveByArn) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  TargetEnv env;
  bus::TargetDef d;
  d.arn = "file:///tmp/cxb-registry-test.jsonl";
  EXPECT_TRUE(reg.Create(d, env).ok());
  d.arn = "file://";
  EXPECT_EQ(reg.Create(d, env).status().code(), StatusCode::kInvalidArgument);
  d.arn = "sqs://nope";
  EXPECT_EQ(reg.Create(d, env).status().code(), StatusCode::kNotFound);
}

}  // namespace cxbridge::deliver
