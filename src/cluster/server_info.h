// What a NATS server says about itself before any authentication: the INFO line it sends first
// on every connection (version, name, JetStream, cluster, whether TLS is required). cnats 3.4
// does not expose the server's version, and cxbridge must refuse a server older than 2.9 (the
// JetStream features it relies on) saying so; this reads the line over a plain TCP connection.
// Thread-safety: a free function.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace cxbridge::cluster {

struct ServerInfo {
  std::string version;  // "2.9.10"
  std::string server_name, server_id, cluster;
  bool jetstream = false;
  bool tls_required = false;
  int major = 0, minor = 0, patch = 0;
  bool AtLeast(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};

// Unavailable when the server can't be reached or says nothing within timeout_ms;
// InvalidArgument when what it says is not a NATS INFO line.
Result<ServerInfo> ProbeServerInfo(const std::string& host, int port, int64_t timeout_ms);

// Parses "INFO {...}\r\n" (exposed for tests).
Result<ServerInfo> ParseInfoLine(std::string_view line);

}  // namespace cxbridge::cluster
