#include "deliver/flow.h"

#include <gtest/gtest.h>

namespace cxbridge::deliver {

TEST(TokenBucketTest, BurstThenRefill) {
  TokenBucket b(2);
  EXPECT_TRUE(b.TryTake(0));
  EXPECT_TRUE(b.TryTake(0));
  EXPECT_FALSE(b.TryTake(0));
  EXPECT_EQ(b.NextAvailableMs(0), 500);
  EXPECT_TRUE(b.TryTake(500));
  EXPECT_TRUE(TokenBucket().TryTake(0));
}

TEST(CircuitBreakerTest, OpensAfterWindowProbesAndCloses) {
  CircuitBreaker cb(1000, 500);
  EXPECT_FALSE(cb.OnFailure(0));
  EXPECT_TRUE(cb.Allow(900, 0));
  EXPECT_TRUE(cb.OnFailure(1000));  // failing for the whole window
  EXPECT_EQ(cb.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(cb.Allow(1200, 0));
  EXPECT_EQ(cb.NextProbeMs(), 1500);
  EXPECT_TRUE(cb.Allow(1500, 0));  // half-open: one probe
  EXPECT_FALSE(cb.Allow(1500, 1));
  EXPECT_TRUE(cb.OnFailure(1600));  // probe failed: open again
  EXPECT_TRUE(cb.Allow(2100, 0));
  EXPECT_TRUE(cb.OnSuccess(2200));
  EXPECT_EQ(cb.state(), CircuitBreaker::State::kClosed);
}

TEST(CircuitBreakerTest, SuccessResetsTheWindowAndManualPauseHolds) {
  CircuitBreaker cb(1000, 500);
  cb.OnFailure(0);
  cb.OnSuccess(500);
  EXPECT_FALSE(cb.OnFailure(1200));
  cb.Pause();
  EXPECT_FALSE(cb.Allow(5000, 0));
  cb.Resume(5000);
  EXPECT_TRUE(cb.Allow(5000, 0));
  EXPECT_FALSE(CircuitBreaker().OnFailure(1'000'000));  // disabled never opens
}

TEST(FlowConfigTest, ParsesAndRejects) {
  auto f = ParseFlowConfig(*json::Parse(R"({"Concurrency":4,"RateLimitPerSecond":2.5,
      "CircuitBreaker":{},"OrderingKey":"$.detail.id","MaxBacklog":10,"BacklogPolicy":"dead-letter-oldest"})"), 16);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->concurrency, 4);
  EXPECT_EQ(f->rate_per_second, 2.5);
  EXPECT_EQ(f->breaker_window_ms, 60000);
  EXPECT_EQ(f->ordering_path, "detail.id");
  EXPECT_TRUE(f->dead_letter_oldest);
  EXPECT_FALSE(ParseFlowConfig(*json::Parse(R"({"Concurrency":0})"), 16).ok());
  EXPECT_FALSE(ParseFlowConfig(*json::Parse(R"({"OrderingKey":"detail"})"), 16).ok());
  EXPECT_FALSE(ParseFlowConfig(*json::Parse(R"({"BacklogPolicy":"drop"})"), 16).ok());
  auto sqs = ParseFlowConfig(*json::Parse(R"({"SqsParameters":{"MessageGroupId":"$.detail.g"}})"), 16);
  EXPECT_EQ(sqs->ordering_path, "detail.g");
}

}  // namespace cxbridge::deliver
