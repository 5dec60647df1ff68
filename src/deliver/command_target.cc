// The `command` target kind, the local "function" target: runs an executable per delivery with
// the (transformed) event on stdin.
//
//   Arn: command:///usr/local/bin/handle-event
//   Command: {Args: ["--verbose"], TimeoutSeconds: 30, Concurrency: 4,
//             PermanentExitCodes: [65], Env: {NAME: value}}
//
// Outcome of one attempt (the one place it is classified):
//   exit 0                         → delivered
//   exit code in PermanentExitCodes → dead-lettered now (EXIT_<n>), e.g. "this event is malformed"
//   any other exit code            → retryable (EXIT_<n>, the tail of stderr in the message)
//   killed by a signal             → retryable (SIGNAL_<n>)
//   TimeoutSeconds passed          → the whole process group is killed (SIGKILL), retryable TIMEOUT
//   the process could not start    → retryable SPAWN_FAILED (e.g. fork refused under pressure)
// The child runs in its own process group. Its environment is NOT the server's (which holds every
// `{env: …}` secret of the config): only the allowlisted variables below, taken from the server's
// environment where set (kInheritedEnv: PATH, HOME, USER, LOGNAME, LANG, LANGUAGE, LC_*, TZ,
// TMPDIR), then CXB_EVENT_ID, CXB_RULE_ARN, CXB_ATTEMPT, then the target's own Env (which may set
// any name, an allowlisted one included). stdout is discarded.
//
// Threading: a fixed pool of `Concurrency` worker threads per target runs the children; Send only
// queues the attempt (never blocks the caller). The pool is joined in the destructor, which
// first kills running children and answers queued attempts retryable (SHUTDOWN), so shutdown is
// bounded and nothing is detached.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "common/json.h"
#include "common/thread_name.h"
#include "deliver/target.h"

extern char** environ;

namespace cxbridge::deliver {
namespace {

// The server environment variables a command target's child inherits (command_target.cc's head).
bool InheritedByCommands(std::string_view entry) {
  static constexpr std::string_view kInheritedEnv[] = {
      "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR"};
  const size_t eq = entry.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view name = entry.substr(0, eq);
  if (name.starts_with("LC_")) return true;  // LC_ALL, LC_CTYPE, LC_MESSAGES, …
  for (std::string_view allowed : kInheritedEnv)
    if (name == allowed) return true;
  return false;
}

constexpr size_t kStderrTailBytes = 1024;

struct CommandConfig {
  std::string path;
  std::vector<std::string> args;
  int64_t timeout_ms = 30'000;
  int concurrency = 4;
  std::set<int> permanent_exit_codes;
  std::vector<std::pair<std::string, std::string>> env;
};

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

class CommandTarget : public Target {
 public:
  explicit CommandTarget(CommandConfig cfg) : cfg_(std::move(cfg)) {
    for (int i = 0; i < cfg_.concurrency; ++i)
      workers_.emplace_back([this] {
        SetThreadName("cxb-command");
        Work();
      });
  }

  ~CommandTarget() override {
    std::deque<Job> orphans;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      orphans.swap(jobs_);
      // Running children are killed so the join below is bounded; their workers answer
      // the attempts (retryable), the scheduler retries them on the next start.
      for (pid_t pgid : running_) ::kill(-pgid, SIGKILL);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    for (auto& j : orphans) {
      j.done(SendResult{SendResult::kRetryable, "SHUTDOWN", "the server stopped before the command ran"});
    }
  }

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        jobs_.push_back(Job{req, std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    done(SendResult{SendResult::kRetryable, "SHUTDOWN", "the target is shutting down"});
  }

 private:
  struct Job {
    SendRequest req;
    std::function<void(SendResult)> done;
  };

  void Work() {
    // Writing to a child that already exited raises SIGPIPE on this thread; keep it blocked
    // here (the write then fails with EPIPE) and drain it after the attempt.
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      SendResult r = Run(job.req);
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
      }
      job.done(std::move(r));
    }
  }

  SendResult Run(const SendRequest& req) {
    int in_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
      CloseFd(in_pipe[0]);
      CloseFd(in_pipe[1]);
      return {SendResult::kRetryable, "SPAWN_FAILED", std::string("pipe: ") + std::strerror(errno)};
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);  // its own process group, so a timeout kills all of it
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> argv_s;
    argv_s.push_back(cfg_.path);
    for (const auto& a : cfg_.args) argv_s.push_back(a);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; e && *e; ++e)
      if (InheritedByCommands(*e)) env_s.emplace_back(*e);
    env_s.push_back("CXB_EVENT_ID=" + req.event_id);
    env_s.push_back("CXB_RULE_ARN=" + req.rule_arn);
    env_s.push_back("CXB_ATTEMPT=" + std::to_string(req.attempt));
    for (const auto& [k, v] : cfg_.env) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    int rc;
    {
      // Registering under the lock closes the race with the destructor's kill sweep.
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        rc = ECANCELED;
      } else {
        rc = posix_spawn(&pid, cfg_.path.c_str(), &fa, &attr, argv.data(), envp.data());
        if (rc == 0) running_.insert(pid);
      }
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    CloseFd(in_pipe[0]);
    CloseFd(err_pipe[1]);
    if (rc != 0) {
      CloseFd(in_pipe[1]);
      CloseFd(err_pipe[0]);
      return {SendResult::kRetryable, "SPAWN_FAILED", cfg_.path + ": " + std::strerror(rc)};
    }

    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (req.payload.empty()) CloseFd(in_pipe[1]);
    std::string err_tail;
    const int64_t deadline = SteadyNowMs() + cfg_.timeout_ms;
    bool exited = false, timed_out = false;
    while (!exited) {
      int64_t left = deadline - SteadyNowMs();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      pollfd fds[3];
      int n = 0;
      int i_in = -1, i_err = -1, i_pid = -1;
      if (in_pipe[1] >= 0) fds[i_in = n++] = {in_pipe[1], POLLOUT, 0};
      if (err_pipe[0] >= 0) fds[i_err = n++] = {err_pipe[0], POLLIN, 0};
      if (pidfd >= 0) fds[i_pid = n++] = {pidfd, POLLIN, 0};
      // Without a pidfd (old kernels) the child is polled every 50 ms.
      int wait_ms = static_cast<int>(std::min<int64_t>(left, pidfd >= 0 ? left : 50));
      int pr = n > 0 ? ::poll(fds, n, wait_ms) : (::usleep(wait_ms * 1000), 0);
      if (pr < 0 && errno != EINTR) break;
      if (i_in >= 0 && (fds[i_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t w = ::write(in_pipe[1], req.payload.data() + written, req.payload.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        // EPIPE: the command does not read its input; that is its business, not an error.
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == req.payload.size()) CloseFd(in_pipe[1]);
      }
      if (i_err >= 0 && (fds[i_err].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[4096];
        ssize_t r = ::read(err_pipe[0], buf, sizeof(buf));
        if (r > 0) {
          err_tail.append(buf, static_cast<size_t>(r));
          if (err_tail.size() > kStderrTailBytes) err_tail.erase(0, err_tail.size() - kStderrTailBytes);
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          CloseFd(err_pipe[0]);
        }
      }
      if (i_pid >= 0 && (fds[i_pid].revents & POLLIN)) exited = true;
      if (pidfd < 0) {
        int st = 0;
        if (::waitpid(pid, &st, WNOHANG | WNOWAIT) == pid) exited = true;
      }
    }
    int status = 0;
    if (timed_out) ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(pid);
    }
    if (err_pipe[0] >= 0) {  // what the command wrote just before exiting
      char buf[4096];
      ssize_t r;
      while ((r = ::read(err_pipe[0], buf, sizeof(buf))) > 0) {
        err_tail.append(buf, static_cast<size_t>(r));
        if (err_tail.size() > kStderrTailBytes) err_tail.erase(0, err_tail.size() - kStderrTailBytes);
      }
    }
    CloseFd(in_pipe[1]);
    CloseFd(err_pipe[0]);
    CloseFd(pidfd);
    return Classify(status, timed_out, err_tail);
  }

  SendResult Classify(int status, bool timed_out, const std::string& err_tail) const {
    SendResult r;
    if (timed_out) {
      r.kind = SendResult::kRetryable;
      r.error_code = "TIMEOUT";
      r.message = cfg_.path + " ran longer than " + std::to_string(cfg_.timeout_ms) + " ms and was killed";
      return r;
    }
    if (WIFEXITED(status)) {
      int code = WEXITSTATUS(status);
      if (code == 0) return r;
      r.kind = cfg_.permanent_exit_codes.count(code) ? SendResult::kPermanent : SendResult::kRetryable;
      r.error_code = "EXIT_" + std::to_string(code);
    } else if (WIFSIGNALED(status)) {
      r.kind = SendResult::kRetryable;
      r.error_code = "SIGNAL_" + std::to_string(WTERMSIG(status));
    } else {
      r.kind = SendResult::kRetryable;
      r.error_code = "EXIT_UNKNOWN";
    }
    r.message = cfg_.path + " failed (" + r.error_code + ")";
    std::string tail = err_tail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    if (!tail.empty()) r.message += ": " + tail;
    return r;
  }

  const CommandConfig cfg_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;    // guarded by mu_
  std::set<pid_t> running_;  // process groups of running children; guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::vector<std::thread> workers_;
};

class CommandTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "command"; }
  bool Handles(const bus::TargetDef& def) const override { return def.arn.starts_with("command://"); }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    return CheckLocalTargetOrigin(def, env, "command");
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    // Checked here too: a target saved while the API allowed it stops when that is switched off.
    CXB_RETURN_IF_ERROR(CheckLocalTargetOrigin(def, env, "command"));
    CommandConfig cfg;
    cfg.path = def.arn.substr(std::strlen("command://"));
    if (cfg.path.empty() || cfg.path[0] != '/') {
      return Status::InvalidArgument("command target needs an absolute path: command:///path/to/executable");
    }
    if (::access(cfg.path.c_str(), X_OK) != 0) {
      return Status::InvalidArgument("command target: " + cfg.path + " is not an executable file");
    }
    if (const json::Value* c = def.raw.Find("Command"); c != nullptr) {
      if (!c->is_object()) return Status::InvalidArgument("Command must be an object");
      if (const json::Value* v = c->Find("Args")) {
        if (!v->is_array()) return Status::InvalidArgument("Command.Args must be an array of strings");
        for (const auto& a : v->items()) {
          if (!a.is_string()) return Status::InvalidArgument("Command.Args must be an array of strings");
          cfg.args.push_back(a.as_string());
        }
      }
      if (const json::Value* v = c->Find("TimeoutSeconds")) {
        double s = v->is_number() ? v->as_double() : -1;
        if (s <= 0 || s > 3600) return Status::InvalidArgument("Command.TimeoutSeconds must be a number in (0, 3600]");
        cfg.timeout_ms = static_cast<int64_t>(s * 1000);
      }
      if (const json::Value* v = c->Find("Concurrency")) {
        int64_t n = 0;
        if (!v->as_int64(&n) || n < 1 || n > 64) {
          return Status::InvalidArgument("Command.Concurrency must be an integer in [1, 64]");
        }
        cfg.concurrency = static_cast<int>(n);
      }
      if (const json::Value* v = c->Find("PermanentExitCodes")) {
        if (!v->is_array()) return Status::InvalidArgument("Command.PermanentExitCodes must be an array of integers");
        for (const auto& e : v->items()) {
          int64_t n = 0;
          if (!e.as_int64(&n) || n < 1 || n > 255) {
            return Status::InvalidArgument("Command.PermanentExitCodes must hold integers in [1, 255]");
          }
          cfg.permanent_exit_codes.insert(static_cast<int>(n));
        }
      }
      if (const json::Value* v = c->Find("Env")) {
        if (!v->is_object()) return Status::InvalidArgument("Command.Env must be an object of strings");
        for (const auto& [k, val] : v->members()) {
          if (!val.is_string() || k.empty() || k.find('=') != std::string::npos) {
            return Status::InvalidArgument("Command.Env must map names (without '=') to strings");
          }
          cfg.env.emplace_back(k, val.as_string());
        }
      }
    }
    return std::shared_ptr<Target>(std::make_shared<CommandTarget>(std::move(cfg)));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewCommandTargetKind() { return std::make_unique<CommandTargetKind>(); }

}  // namespace cxbridge::deliver
