// A real moto_server (AWS service emulator: S3, SQS, EventBridge, …) for unit tests, started
// once per test binary on a free loopback port and stopped when the binary ends. Tests call
// RequireMoto() first: it skips with a clear message when moto_server is not installed, and fails
// when it is installed but does not start.
// Test-only; not thread-safe (start it from the test thread).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

extern char** environ;

namespace cxbridge::moto_testing {

namespace fs = std::filesystem;

inline std::optional<fs::path> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path p = fs::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One moto_server for the whole suite (it takes a few seconds to start).
class MotoServer {
 public:
  static MotoServer* Get() {
    static MotoServer* server = new MotoServer();
    return server;
  }
  bool running() const { return pid_ > 0 && ready_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& why_not() const { return why_not_; }
  void Stop() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);  // its own process group: the pyenv shim and python
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

 private:
  MotoServer() {
    std::optional<fs::path> exe = FindOnPath("moto_server");
    if (!exe) {
      why_not_ = "moto_server is not installed (not on PATH); tests against it are skipped";
      return;
    }
    int port = FreeLoopbackPort();
    std::string port_s = std::to_string(port);
    endpoint_ = "http://127.0.0.1:" + port_s;
    std::string exe_s = exe->string();
    std::vector<char*> argv = {exe_s.data(),
                               const_cast<char*>("-H"),
                               const_cast<char*>("127.0.0.1"),
                               const_cast<char*>("-p"),
                               port_s.data(),
                               nullptr};
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, exe_s.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      why_not_ = "cannot start moto_server";
      return;
    }
    pid_ = pid;
    // Poll until it answers (bounded).
    http::HttpClient client;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      http::ClientRequest req;
      req.max_response_bytes = SIZE_MAX;
      req.method = "GET";
      req.url = endpoint_ + "/moto-api/";
      req.timeout_ms = 1000;
      if (client.SendSync(req).status != 0) {
        ready_ = true;
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        why_not_ = "moto_server exited during start-up";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    why_not_ = "moto_server did not answer within 60 s";
  }

  pid_t pid_ = -1;
  bool ready_ = false;
  std::string endpoint_;
  std::string why_not_;
};

class MotoEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { MotoServer::Get()->Stop(); }
};
inline const auto* const kMotoEnv = ::testing::AddGlobalTestEnvironment(new MotoEnvironment);

// In a test body or SetUp: skips (moto_server not installed) or fails (it did not start).
#define CXB_REQUIRE_MOTO()                                                                     \
  do {                                                                                         \
    ::cxbridge::moto_testing::MotoServer* moto_ = ::cxbridge::moto_testing::MotoServer::Get(); \
    if (!moto_->running()) {                                                                   \
      if (::cxbridge::moto_testing::FindOnPath("moto_server")) FAIL() << moto_->why_not();     \
      GTEST_SKIP() << moto_->why_not();                                                        \
    }                                                                                          \
  } while (0)

}  // namespace cxbridge::moto_testing
