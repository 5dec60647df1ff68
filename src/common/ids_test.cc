#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace cxbridge {

TEST(IdsTest, Uuid4ShapeAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuid4();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, Rfc3339FormatAndParse) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Millis(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(*ParseRfc3339("2024-05-01T12:00:00.123Z"), 1714564800123);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T14:00:00+02:00"), 1714564800000);
  EXPECT_FALSE(ParseRfc3339("2024-05-01").has_value());
  EXPECT_FALSE(ParseRfc3339("2024-13-01T00:00:00Z").has_value());
}

}  // namespace cxbridge
