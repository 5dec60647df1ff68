#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "common/json.h"
#include "deliver/target.h"

namespace cxbridge::deliver {

// Issue 16: the file a file target creates holds customer events: owner-only, whatever the
// process umask (the server also sets umask 077 at start).
TEST(FileTargetTest, CreatesItsFileOwnerOnly) {
  const mode_t old = ::umask(022);
  const auto dir = std::filesystem::temp_directory_path() / ("cxb-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.jsonl").string();
  TargetRegistry reg;
  RegisterBuiltins(reg);
  bus::TargetDef def{"t", "file://" + path, *json::Parse("{}"), bus::Origin::kConfig};
  auto t = reg.Create(def, TargetEnv{});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::promise<SendResult> p;
  SendRequest req;
  req.event_id = "e";
  req.payload = "{}";
  (*t)->Send(req, [&p](SendResult r) { p.set_value(std::move(r)); });
  EXPECT_EQ(p.get_future().get().kind, SendResult::kOk);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::umask(old);
  std::filesystem::remove_all(dir);
}

// Issue 16: "Retry-After: 99999999999999999999" (strtol saturates at LONG_MAX) used to overflow
// int64 milliseconds; it and a date millennia ahead are clamped to kMaxRetryAfterMs.
TEST(ClassifyHttpTest, HugeRetryAfterIsClamped) {
  const std::string huge = "99999999999999999999";
  EXPECT_EQ(ClassifyHttp(503, false, "", &huge, 0).retry_after_ms, kMaxRetryAfterMs);
  const std::string big = "9223372036854776";  // × 1000 overflows
  EXPECT_EQ(ClassifyHttp(503, false, "", &big, 0).retry_after_ms, kMaxRetryAfterMs);
  const std::string far = "Fri, 31 Dec 9999 23:59:59 GMT";  // glibc's %Y stops at 4 digits
  EXPECT_EQ(ClassifyHttp(429, false, "", &far, 1'700'000'000'000).retry_after_ms, kMaxRetryAfterMs);
  const std::string past = "Wed, 21 Oct 2015 07:28:00 GMT";
  EXPECT_EQ(ClassifyHttp(429, false, "", &past, 1'700'000'000'000).retry_after_ms, 0);
  const std::string soon = "120";
  EXPECT_EQ(ClassifyHttp(429, false, "", &soon, 0).retry_after_ms, 120'000);
}

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
  d.origin = bus::Origin::kConfig;  // file targets from the API need allow_api_local_targets
  d.arn = "file:///tmp/cxb-registry-test.jsonl";
  EXPECT_TRUE(reg.Create(d, env).ok());
  d.arn = "file://";
  EXPECT_EQ(reg.Create(d, env).status().code(), StatusCode::kInvalidArgument);
  // An Arn no kind serves is refused as invalid, naming what is supported (issue 13).
  d.arn = "sqs://nope";
  EXPECT_EQ(reg.Create(d, env).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reg.Validate(d, env).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reg.Validate(d, env).message().find("supported: "), std::string::npos);
}

// A target that cannot set anything aside is refused when it is saved, whatever its kind.
TEST(TargetClaimCheckTest, ValidateRefusesABadPolicyForEveryKind) {
  TargetRegistry registry;
  RegisterBuiltins(registry);
  TargetEnv env;
  bus::TargetDef def;
  def.origin = bus::Origin::kConfig;
  def.id = "t";
  def.arn = "file:///tmp/out.jsonl";
  def.raw = json::Value::Object();
  EXPECT_TRUE(registry.Validate(def, env).ok());
  auto with = [&](std::string_view claim_check) {
    auto v = json::Parse(claim_check);
    EXPECT_TRUE(v.ok());
    def.raw = json::Value::Object({{"ClaimCheck", *v}});
    return registry.Validate(def, env);
  };
  EXPECT_TRUE(with(R"({"threshold_bytes":1024,"fields":["$.detail.transcript"]})").ok());
  Status st = with(R"({"threshold_bytes":1024,"fields":["$.source"]})");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("$.detail"), std::string::npos) << st.message();
  st = with(R"({"threshold_bytes":1024,"store":{"type":"local"}})");
  EXPECT_NE(st.message().find("server's blob store"), std::string::npos) << st.message();
  EXPECT_FALSE(with(R"("big")").ok());
}

// command:// and file:// act on the gateway's host: from the config file always, through the API
// only when the operator allows it; a stored API target stops when that is switched off.
TEST(TargetRegistryTest, HostLocalTargetsThroughTheApiNeedTheOperatorsConsent) {
  TargetRegistry registry;
  RegisterBuiltins(registry);
  TargetEnv env;
  for (const char* arn : {"command:///bin/true", "file:///tmp/cxb-registry-local.jsonl"}) {
    bus::TargetDef def{"t", arn, json::Value::Object(), bus::Origin::kConfig};
    EXPECT_TRUE(registry.Validate(def, env).ok()) << arn;
    EXPECT_TRUE(registry.Create(def, env).ok()) << arn;
    def.origin = bus::Origin::kApi;
    Status st = registry.Validate(def, env);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << arn;
    EXPECT_NE(st.message().find("server.allow_api_local_targets"), std::string::npos)
        << st.message();
    EXPECT_EQ(registry.Create(def, env).status().code(), StatusCode::kInvalidArgument) << arn;
    env.allow_api_local_targets = true;
    EXPECT_TRUE(registry.Validate(def, env).ok()) << arn;
    EXPECT_TRUE(registry.Create(def, env).ok()) << arn;
    env.allow_api_local_targets = false;
  }
}

}  // namespace cxbridge::deliver
