#include "cluster/testing/nats_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "cluster/client.h"

namespace cxbridge::cluster::testing {

namespace fs = std::filesystem;

int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t n = sizeof(a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(s);
  return ntohs(a.sin_port);
}

namespace {

bool CanConnect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(s);
  return ok;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

NatsCluster::NatsCluster(Options options) : options_(std::move(options)) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() /
         ("cxb-natscluster-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000));
  fs::create_directories(dir_);
  servers_.resize(static_cast<size_t>(options_.size));
  for (int i = 0; i < options_.size; ++i) {
    Server& s = servers_[i];
    s.client_port = FreePort();
    s.cluster_port = options_.size > 1 ? FreePort() : 0;
    s.http_port = FreePort();
    s.store = dir_ / name(i) / "store";
    s.conf = dir_ / name(i) / "server.conf";
    s.log = dir_ / name(i) / "server.log";
    fs::create_directories(s.store);
  }
  for (int i = 0; i < options_.size; ++i) WriteConfig(i);
}

NatsCluster::~NatsCluster() {
  for (int i = 0; i < size(); ++i) Kill(i);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void NatsCluster::WriteConfig(int i) {
  const Server& s = servers_[i];
  std::ofstream f(s.conf);
  f << "server_name: " << name(i) << "\n"
    << "listen: 127.0.0.1:" << s.client_port << "\n"
    << "http: 127.0.0.1:" << s.http_port << "\n";
  if (options_.jetstream) {
    f << "jetstream {\n  store_dir: \"" << s.store.string()
      << "\"\n  max_file_store: 1G\n  max_memory_store: 64M\n}\n";
  }
  if (options_.size > 1) {
    f << "cluster {\n  name: cxbtest\n  listen: 127.0.0.1:" << s.cluster_port << "\n  routes: [\n";
    for (const auto& o : servers_) f << "    nats-route://127.0.0.1:" << o.cluster_port << "\n";
    f << "  ]\n}\n";
  }
  f << options_.extra_config << "\n";
}

Status NatsCluster::Spawn(int i) {
  Server& s = servers_[i];
  pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable("fork failed");
  if (pid == 0) {
    // Die with the test process (a crashed test must not leave servers behind), and never hold
    // the test's stdout/stderr open: the server logs to its own file.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    std::string conf = s.conf.string(), log = s.log.string();
    ::execlp("nats-server", "nats-server", "-c", conf.c_str(), "-l", log.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  s.pid = pid;
  return Status::Ok();
}

Status NatsCluster::WaitAccepting(int i, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    int status = 0;
    if (::waitpid(servers_[i].pid, &status, WNOHANG) == servers_[i].pid) {
      servers_[i].pid = -1;
      return Status::Unavailable("nats-server " + name(i) + " exited at start; see " +
                                 servers_[i].log.string());
    }
    if (CanConnect(servers_[i].client_port)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Unavailable("nats-server " + name(i) + " did not accept within " +
                             std::to_string(timeout_ms) + " ms");
}

Status NatsCluster::Start() {
  for (int i = 0; i < size(); ++i) CXB_RETURN_IF_ERROR(Spawn(i));
  for (int i = 0; i < size(); ++i) CXB_RETURN_IF_ERROR(WaitAccepting(i, options_.start_timeout_ms));
  if (!options_.jetstream) return Status::Ok();
  // JetStream answers once the meta leader is elected (cluster) or the server is up (single).
  const int64_t deadline = NowMs() + options_.start_timeout_ms;
  Status last = Status::Unavailable("JetStream did not answer");
  while (NowMs() < deadline) {
    auto conn = Connection::Connect(settings());
    if (conn.ok()) {
      auto js = JetStream::Create(**conn);
      if (js.ok()) {
        last = (*js)->CheckEnabled();
        if (last.ok()) return last;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Unavailable("JetStream did not become ready: " + last.message());
}

void NatsCluster::Kill(int i) {
  Server& s = servers_[i];
  if (s.pid <= 0) return;
  ::kill(s.pid, SIGKILL);
  ::waitpid(s.pid, nullptr, 0);
  s.pid = -1;
}

Status NatsCluster::Restart(int i) {
  Kill(i);
  // The killed server's ports may linger in TIME_WAIT only for connections it accepted, not for
  // its listening sockets; nats-server sets SO_REUSEADDR, so the same ports bind again.
  CXB_RETURN_IF_ERROR(Spawn(i));
  return WaitAccepting(i, options_.start_timeout_ms);
}

std::string NatsCluster::url(int i) const {
  return "nats://127.0.0.1:" + std::to_string(servers_[i].client_port);
}

std::vector<std::string> NatsCluster::urls() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(url(i));
  return out;
}

NatsSettings NatsCluster::settings() const {
  NatsSettings s;
  s.servers = urls();
  s.name = "cxbridge-test";
  s.connect_timeout_ms = 1000;
  s.request_timeout_ms = 3000;
  s.user = options_.user;
  s.password = options_.password;
  s.token = options_.token;
  return s;
}

int NatsCluster::IndexOf(const std::string& server_name) const {
  for (int i = 0; i < size(); ++i) {
    if (name(i) == server_name) return i;
  }
  return -1;
}

}  // namespace cxbridge::cluster::testing
