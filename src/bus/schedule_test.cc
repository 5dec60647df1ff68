#include "bus/schedule.h"

#include <gtest/gtest.h>

#include "common/ids.h"

namespace cxbridge::bus {
namespace {

int64_t At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// The firing after `from`, as RFC 3339 ("never" when there is none).
std::string Next(const char* expression, const char* from) {
  auto s = Schedule::Parse(expression);
  EXPECT_TRUE(s.ok()) << expression << ": " << s.status().message();
  if (!s.ok()) return "";
  int64_t n = s->NextAfter(At(from));
  return n < 0 ? "never" : FormatRfc3339(n);
}

TEST(ScheduleTest, RatesAddTheirPeriod) {
  auto s = Schedule::Parse("rate(5 minutes)");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->is_rate());
  EXPECT_EQ(s->NextAfter(1000), 1000 + 5 * 60'000);
  EXPECT_EQ(Schedule::Parse("rate(1 hour)")->NextAfter(0), 3'600'000);
  EXPECT_EQ(Schedule::Parse("rate(2 days)")->NextAfter(0), 2 * 86'400'000LL);
}

TEST(ScheduleTest, CronFieldsListsRangesAndSteps) {
  EXPECT_EQ(Next("cron(0 12 * * ? *)", "2026-11-28T12:00:00Z"), "2026-11-29T12:00:00Z");
  EXPECT_EQ(Next("cron(0 12 * * ? *)", "2026-11-28T11:59:30Z"), "2026-11-28T12:00:00Z");
  EXPECT_EQ(Next("cron(0/15 8-17 ? * MON-FRI *)", "2026-11-27T17:50:00Z"), "2026-11-30T08:00:00Z");  // Fri → Mon
  EXPECT_EQ(Next("cron(0/15 8-17 ? * MON-FRI *)", "2026-11-30T08:01:00Z"), "2026-11-30T08:15:00Z");
  EXPECT_EQ(Next("cron(5,35 22-2 * * ? *)", "2026-11-28T23:40:00Z"), "2026-11-29T00:05:00Z");  // wrapping hours
  EXPECT_EQ(Next("cron(0 9 1 JAN,JUL ? *)", "2026-02-01T00:00:00Z"), "2026-07-01T09:00:00Z");
  EXPECT_EQ(Next("cron(30 6 ? * FRI-MON *)", "2026-11-24T00:00:00Z"), "2026-11-27T06:30:00Z");  // Tue → Fri
  EXPECT_EQ(Next("cron(* * * * ? *)", "2026-11-28T10:00:59.500Z"), "2026-11-28T10:01:00Z");
}

TEST(ScheduleTest, CronSpecialDays) {
  EXPECT_EQ(Next("cron(0 0 L * ? *)", "2026-02-10T00:00:00Z"), "2026-02-28T00:00:00Z");
  EXPECT_EQ(Next("cron(0 0 L * ? *)", "2028-02-10T00:00:00Z"), "2028-02-29T00:00:00Z");  // leap year
  // 2026-08-01 is a Saturday: the nearest weekday within August is Monday the 3rd.
  EXPECT_EQ(Next("cron(0 8 1W * ? *)", "2026-07-15T00:00:00Z"), "2026-08-03T08:00:00Z");
  // 2026-11-15 is a Sunday: Monday the 16th; 2026-11-14 a Saturday: Friday the 13th.
  EXPECT_EQ(Next("cron(0 8 15W * ? *)", "2026-11-01T00:00:00Z"), "2026-11-16T08:00:00Z");
  EXPECT_EQ(Next("cron(0 8 14W * ? *)", "2026-11-01T00:00:00Z"), "2026-11-13T08:00:00Z");
  EXPECT_EQ(Next("cron(0 8 ? * 2#1 *)", "2026-11-28T00:00:00Z"), "2026-12-07T08:00:00Z");  // first Monday
  EXPECT_EQ(Next("cron(0 10 ? * 6L *)", "2026-11-01T00:00:00Z"), "2026-11-27T10:00:00Z");  // last Friday
  EXPECT_EQ(Next("cron(0 10 ? * L *)", "2026-11-23T00:00:00Z"), "2026-11-28T10:00:00Z");   // Saturday
}

TEST(ScheduleTest, YearsAndSchedulesThatNeverFire) {
  EXPECT_EQ(Next("cron(0 10 ? * 6L 2027)", "2026-11-01T00:00:00Z"), "2027-01-29T10:00:00Z");
  EXPECT_EQ(Next("cron(0 0 1 1 ? 2020)", "2026-11-01T00:00:00Z"), "never");
  EXPECT_EQ(Next("cron(0 0 31 FEB ? *)", "2026-11-01T00:00:00Z"), "never");
}

TEST(ScheduleTest, InvalidExpressionsSayWhy) {
  for (const char* bad : {"cron(INVALID)", "cron(0 dummy ? * MON-FRI *)", "cron(7 20 * * NOT *)", "cron(71 8 1 * ? *)",
                          "cron(0 1 * * * *)", "cron(0 1 ? * ? *)", "rate(1 minutes)", "rate(0 days)",
                          "rate(5 weeks)", "every(5 minutes)", "cron(0 0 1 1 ? 2200)", "cron(0/0 * * * ? *)"}) {
    auto s = Schedule::Parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.status().message().find(bad), std::string::npos) << s.status().message();
    }
  }
}

}  // namespace
}  // namespace cxbridge::bus
