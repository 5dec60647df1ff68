// The command target against real child processes (bash scripts written to a temp folder).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "deliver/target.h"

namespace cxbridge::deliver {
namespace {

namespace fs = std::filesystem;

class CommandTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cxb-cmd-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Script(const std::string& name, const std::string& body) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << "#!/bin/bash\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
    return p;
  }

  Result<std::shared_ptr<Target>> Make(const std::string& path, const std::string& command_json = "") {
    bus::TargetDef d;
    d.origin = bus::Origin::kConfig;  // a config-file command target
    d.id = "t";
    d.arn = "command://" + path;
    std::string raw = "{\"Id\":\"t\",\"Arn\":" + json::Quote(d.arn);
    if (!command_json.empty()) raw += ",\"Command\":" + command_json;
    raw += "}";
    d.raw = *json::Parse(raw);
    TargetRegistry reg;
    RegisterBuiltins(reg);
    return reg.Create(d, TargetEnv{});
  }

  static SendResult SendSync(Target& t, const std::string& payload, const std::string& id = "ev-1") {
    std::promise<SendResult> p;
    SendRequest req;
    req.event_id = id;
    req.payload = payload;
    req.rule_arn = "arn:aws:events:us-east-1:123456789012:rule/r";
    t.Send(req, [&p](SendResult r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::string Read(const std::string& name) {
    std::ifstream f(dir_ / name);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  fs::path dir_;
};

TEST_F(CommandTargetTest, ExitZeroDeliversPayloadOnStdinWithEventEnv) {
  std::string out = (dir_ / "out").string();
  auto t = Make(Script("ok.sh", "cat > " + out + "; echo \"$CXB_EVENT_ID $CXB_ATTEMPT $1\" > " + out + ".env"),
                R"({"Args":["arg1"]})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  SendResult r = SendSync(**t, R"({"id":"ev-1","detail":{}})");
  EXPECT_EQ(r.kind, SendResult::kOk) << r.error_code << " " << r.message;
  EXPECT_EQ(Read("out"), R"({"id":"ev-1","detail":{}})");
  EXPECT_EQ(Read("out.env"), "ev-1 1 arg1\n");
}

// Issue 16: children used to inherit the server's whole environment, with every `{env: …}`
// secret of the config in it. Now: an allowlist (PATH, HOME, LANG, LC_*, TZ, TMPDIR, …), the
// CXB_* variables and the target's own Env.
TEST_F(CommandTargetTest, ChildGetsAnAllowlistedEnvironmentPlusItsOwnEnv) {
  ::setenv("CXB_TEST_SERVER_SECRET", "hunter2", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "also-secret", 1);
  ::setenv("LC_ALL", "C.UTF-8", 1);
  ::setenv("TZ", "UTC", 1);
  std::string out = (dir_ / "env.out").string();
  auto t = Make(Script("env.sh", "cat >/dev/null; env > " + out),
                R"({"Env":{"TARGET_OWN":"mine","TZ":"Europe/Paris"}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  SendResult r = SendSync(**t, "{}");
  ASSERT_EQ(r.kind, SendResult::kOk) << r.error_code << " " << r.message;
  ::unsetenv("CXB_TEST_SERVER_SECRET");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  const std::string env = Read("env.out");
  EXPECT_EQ(env.find("hunter2"), std::string::npos) << env;
  EXPECT_EQ(env.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << env;
  EXPECT_NE(env.find("LC_ALL=C.UTF-8\n"), std::string::npos) << env;
  EXPECT_NE(env.find("TARGET_OWN=mine\n"), std::string::npos) << env;
  EXPECT_NE(env.find("TZ=Europe/Paris\n"), std::string::npos) << env;  // its own Env wins
  EXPECT_NE(env.find("CXB_EVENT_ID="), std::string::npos) << env;
  if (::getenv("PATH") != nullptr) EXPECT_NE(env.find("PATH="), std::string::npos) << env;
}

TEST_F(CommandTargetTest, NonZeroExitIsRetryableWithStderrTail) {
  auto t = Make(Script("fail.sh", "cat >/dev/null; echo 'downstream said no' >&2; exit 3"));
  ASSERT_TRUE(t.ok());
  SendResult r = SendSync(**t, "{}");
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "EXIT_3");
  EXPECT_NE(r.message.find("downstream said no"), std::string::npos) << r.message;
}

TEST_F(CommandTargetTest, PermanentExitCodesDeadLetter) {
  auto t = Make(Script("bad.sh", "exit 65"), R"({"PermanentExitCodes":[65]})");
  ASSERT_TRUE(t.ok());
  SendResult r = SendSync(**t, "{}");
  EXPECT_EQ(r.kind, SendResult::kPermanent);
  EXPECT_EQ(r.error_code, "EXIT_65");
}

TEST_F(CommandTargetTest, KilledBySignalIsRetryable) {
  auto t = Make(Script("sig.sh", "kill -TERM $$"));
  ASSERT_TRUE(t.ok());
  SendResult r = SendSync(**t, "{}");
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "SIGNAL_15");
}

TEST_F(CommandTargetTest, TimeoutKillsTheWholeProcessGroup) {
  std::string pidfile = (dir_ / "bg.pid").string();
  auto t = Make(Script("hang.sh", "sleep 60 & echo $! > " + pidfile + "; sleep 60"), R"({"TimeoutSeconds":0.5})");
  ASSERT_TRUE(t.ok());
  auto start = std::chrono::steady_clock::now();
  SendResult r = SendSync(**t, "{}");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "TIMEOUT");
  EXPECT_LT(took, std::chrono::seconds(5));
  // The background grandchild died with its group (gone, or a zombie waiting for init).
  pid_t bg = std::stoi(Read("bg.pid"));
  bool alive = false;
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(bg) + "/stat");
    std::string s;
    std::getline(stat, s);
    alive = !s.empty() && s.find(") Z") == std::string::npos;
    if (!alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive);
}

TEST_F(CommandTargetTest, LargePayloadReadFullyAndIgnoredStdinBothWork) {
  std::string big(2 << 20, 'x');
  std::string out = (dir_ / "n").string();
  auto reader = Make(Script("wc.sh", "wc -c > " + out));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(SendSync(**reader, big).kind, SendResult::kOk);
  EXPECT_EQ(std::stol(Read("n")), static_cast<long>(big.size()));
  // A command that never reads its input must not hang the worker (EPIPE is ignored).
  auto ignorer = Make(Script("ignore.sh", "exit 0"));
  ASSERT_TRUE(ignorer.ok());
  EXPECT_EQ(SendSync(**ignorer, big).kind, SendResult::kOk);
}

TEST_F(CommandTargetTest, SendNeverBlocksAndConcurrencyBoundsParallelRuns) {
  std::string log = (dir_ / "log").string();
  // Each run records its start and end; with Concurrency 2 at most two overlap.
  auto t = Make(Script("slow.sh", "echo start >> " + log + "; sleep 0.3; echo end >> " + log),
                R"({"Concurrency":2})");
  ASSERT_TRUE(t.ok());
  std::vector<std::promise<SendResult>> ps(4);
  auto start = std::chrono::steady_clock::now();
  for (auto& p : ps) {
    SendRequest req;
    req.payload = "{}";
    (*t)->Send(req, [&p](SendResult r) { p.set_value(std::move(r)); });
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  for (auto& p : ps) EXPECT_EQ(p.get_future().get().kind, SendResult::kOk);
  std::istringstream lines(Read("log"));
  int running = 0, peak = 0;
  for (std::string l; std::getline(lines, l);) {
    running += l == "start" ? 1 : -1;
    peak = std::max(peak, running);
  }
  EXPECT_EQ(peak, 2);
}

TEST_F(CommandTargetTest, DestroyingTheTargetKillsRunsAndAnswersQueuedAttempts) {
  auto t = Make(Script("long.sh", "sleep 60"), R"({"Concurrency":1})");
  ASSERT_TRUE(t.ok());
  std::promise<SendResult> a, b;
  SendRequest req;
  (*t)->Send(req, [&a](SendResult r) { a.set_value(std::move(r)); });
  (*t)->Send(req, [&b](SendResult r) { b.set_value(std::move(r)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the first one start
  auto start = std::chrono::steady_clock::now();
  t.value().reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(a.get_future().get().kind, SendResult::kRetryable);
  SendResult rb = b.get_future().get();
  EXPECT_EQ(rb.kind, SendResult::kRetryable);
  EXPECT_EQ(rb.error_code, "SHUTDOWN");
}

TEST_F(CommandTargetTest, ConfigIsValidated) {
  std::string ok = Script("x.sh", "exit 0");
  EXPECT_EQ(Make("relative/path").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make((dir_ / "missing").string()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make(ok, R"({"TimeoutSeconds":0})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make(ok, R"({"Concurrency":1000})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make(ok, R"({"Args":"no"})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make(ok, R"({"PermanentExitCodes":[0]})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make(ok, R"({"Env":{"A=B":"c"}})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Make(ok, R"({"Env":{"A":"c"},"TimeoutSeconds":2.5,"Concurrency":3})").ok());
}

}  // namespace
}  // namespace cxbridge::deliver
