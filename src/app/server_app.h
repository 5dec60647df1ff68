// ServerApp: wires the modules into the running gateway (`cxbridge serve`) and owns their
// lifetimes. Start order follows the data flow backwards (storage, routing, delivery, then the
// listeners); Stop reverses it: stop accepting, answer in-flight requests, stop delivery, flush.
// Threading model (docs/threading.md): HTTP I/O threads (verify, envelope, match), one
// EventLog committer (group commit), one delivery scheduler, one HTTP client thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"

namespace cxbridge::api {
struct ApiOptions;
}

namespace cxbridge::app {

struct ServeOverrides {
  std::string config_path;  // empty: built-in defaults
  int port = -1;            // -1: from config
  std::string address;
  std::string data_dir;
  std::string port_file;    // write the bound port here (for tests that bind port 0)
  bool allow_private_targets = false;  // true: as server.allow_private_targets: true
};

class ServerApp {
 public:
  ServerApp();
  ~ServerApp();
  Status Start(const ServeOverrides& o);
  // Re-reads the config file: rules and sources. On error keeps the old ones.
  Status Reload();
  void Stop();
  uint16_t port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Creates the data folder 0700 (each missing level), or sets an existing one the process owns to
// 0700 when group or others had any access. Called by ServerApp::Start before storage opens.
Status PrepareDataDir(const std::string& dir);

// Refuses to listen beyond loopback (server.address not 127.0.0.0/8, ::1 or localhost) without the
// admin token, or with the EventBridge/SQS APIs enabled and no api.access_keys: the message names
// every missing setting, one per line.
Status CheckExposure(const std::string& address, bool has_admin_token, const api::ApiOptions& api);

// Runs the server until SIGTERM/SIGINT; SIGHUP reloads. Returns the process exit code.
int RunServe(const ServeOverrides& o);

}  // namespace cxbridge::app
