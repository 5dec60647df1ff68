#include "console/session.h"

#include <gtest/gtest.h>

namespace cxbridge::console {
namespace {

http::Request With(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = std::move(method);
  r.path = "/admin/dlq/redrive";
  r.headers = std::move(headers);
  return r;
}

TEST(CookieValueTest, FindsTheNamedCookieAmongOthers) {
  auto r = With("GET", {{"cookie", "a=1; cxbridge_session=abc ;b=2"}});
  EXPECT_EQ(CookieValue(r, "cxbridge_session"), "abc");
  EXPECT_EQ(CookieValue(With("GET", {{"Cookie", "cxbridge_session=x"}}), kSessionCookie), "x");
  EXPECT_EQ(CookieValue(With("GET", {{"Cookie", "other=x"}}), kSessionCookie), "");
  EXPECT_EQ(CookieValue(With("GET", {}), kSessionCookie), "");
}

TEST(SessionsTest, RandomIdsAndTokens) {
  FakeClock clock;
  Sessions s(clock);
  auto a = s.Create();
  auto b = s.Create();
  EXPECT_EQ(a.id.size(), 64u);
  EXPECT_EQ(a.csrf.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, a.csrf);
  EXPECT_EQ(s.Find(a.id)->csrf, a.csrf);
  EXPECT_FALSE(s.Find("nope"));
  EXPECT_FALSE(s.Find(""));
}

TEST(SessionsTest, ReadsNeedTheCookieWritesAlsoTheCsrfToken) {
  FakeClock clock;
  Sessions s(clock);
  auto a = s.Create();
  const std::string cookie = "cxbridge_session=" + a.id;
  EXPECT_TRUE(s.Authorizes(With("GET", {{"Cookie", cookie}})));
  EXPECT_FALSE(s.Authorizes(With("GET", {})));
  EXPECT_FALSE(s.Authorizes(With("POST", {{"Cookie", cookie}})));  // no CSRF token
  EXPECT_FALSE(s.Authorizes(With("POST", {{"Cookie", cookie}, {"X-CSRF-Token", "wrong"}})));
  EXPECT_FALSE(s.Authorizes(With("POST", {{"Cookie", cookie}, {"X-CSRF-Token", ""}})));
  EXPECT_TRUE(s.Authorizes(With("POST", {{"Cookie", cookie}, {"X-CSRF-Token", a.csrf}})));
  // Another session's token does not do.
  auto b = s.Create();
  EXPECT_FALSE(s.Authorizes(With("POST", {{"Cookie", cookie}, {"X-CSRF-Token", b.csrf}})));
}

TEST(SessionsTest, IdleSessionsExpireAndRemoveSignsOut) {
  FakeClock clock;
  Sessions s(clock, Sessions::Options{1000, 10});
  auto a = s.Create();
  clock.AdvanceMs(900);
  EXPECT_TRUE(s.Find(a.id));  // restarts the idle time
  clock.AdvanceMs(900);
  EXPECT_TRUE(s.Find(a.id));
  clock.AdvanceMs(1001);
  EXPECT_FALSE(s.Find(a.id));
  auto b = s.Create();
  s.Remove(b.id);
  EXPECT_FALSE(s.Find(b.id));
}

TEST(SessionsTest, BoundedLeastRecentlyUsedGoFirst) {
  FakeClock clock;
  Sessions s(clock, Sessions::Options{1'000'000, 3});
  auto a = s.Create();
  clock.AdvanceMs(1);
  auto b = s.Create();
  clock.AdvanceMs(1);
  auto c = s.Create();
  clock.AdvanceMs(1);
  EXPECT_TRUE(s.Find(a.id));  // a is now the most recent
  clock.AdvanceMs(1);
  auto d = s.Create();
  EXPECT_TRUE(s.Find(a.id));
  EXPECT_FALSE(s.Find(b.id));
  EXPECT_TRUE(s.Find(c.id));
  EXPECT_TRUE(s.Find(d.id));
}

}  // namespace
}  // namespace cxbridge::console
