// Test fixture: real nats-server processes with JetStream on loopback ports, each with its own
// store folder — one server, or a cluster of three with routes between them. Servers can be
// killed with SIGKILL and restarted by index (same ports, same store: a crash and a restart).
// Test-only (linked into tests, never into cxbridge). Not thread-safe: one test thread drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cluster/nats_settings.h"
#include "common/status.h"

namespace cxbridge::cluster::testing {

// A free TCP port on 127.0.0.1 (bound and released; fine for tests on one machine).
int FreePort();

class NatsCluster {
 public:
  struct Options {
    int size = 3;              // 1: a standalone server; 3 (or more): a cluster
    std::string extra_config;  // appended to every server's config file (e.g. authorization {...})
    int64_t start_timeout_ms = 20000;
    // Credentials settings() carries (for an `authorization {}` in extra_config).
    std::string user, password, token;
    bool jetstream = true;  // false: a server without JetStream (Start then only waits for it)
  };
  NatsCluster() : NatsCluster(Options{}) {}
  explicit NatsCluster(Options options);
  ~NatsCluster();  // kills every server and removes the store folders
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  // Starts every server and waits until they accept clients and JetStream answers (the meta
  // leader is elected, in a cluster).
  Status Start();
  void Kill(int i);       // SIGKILL, then reap
  Status Restart(int i);  // start again on the same ports and store; waits until it accepts
  bool running(int i) const { return servers_[i].pid > 0; }
  int size() const { return static_cast<int>(servers_.size()); }

  std::string url(int i) const;
  std::vector<std::string> urls() const;
  // nats://... of every server, ready for a Connection.
  NatsSettings settings() const;
  // The server's name ("n0", "n1", ...), as JetStream names stream leaders.
  std::string name(int i) const { return "n" + std::to_string(i); }
  int IndexOf(const std::string& server_name) const;  // -1 when unknown
  int client_port(int i) const { return servers_[i].client_port; }
  int monitor_port(int i) const { return servers_[i].http_port; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Server {
    int client_port = 0, cluster_port = 0, http_port = 0;
    pid_t pid = -1;
    std::filesystem::path conf, store, log;
  };
  Status Spawn(int i);
  Status WaitAccepting(int i, int64_t timeout_ms);
  void WriteConfig(int i);

  Options options_;
  std::filesystem::path dir_;
  std::vector<Server> servers_;
};

}  // namespace cxbridge::cluster::testing
