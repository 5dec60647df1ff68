// `cxbridge-simulate`: the command-line front of the simulator (simulator.h), a tool binary of
// its own (simulate_main.cc) so that the gateway binary links neither the simulator nor the
// Genesys API double it serves in notifications mode.
//   cxbridge-simulate --agents 50 --queues 4 --duration 10m --speed 10
//       --config cxbridge.yaml --source genesys-eventbridge   (POST to that webhook source, signed
//                                                              per its auth:)
//   cxbridge-simulate --target http://host:8088/webhooks/x             # any URL (no signature unless --config/--source)
//   cxbridge-simulate --target notifications --listen-port 9300 --config c.yaml --source genesys-live
//       # serves the Genesys API + notification WebSocket on 127.0.0.1:9300 for that
//       # genesys-notifications source (point its api_base_url/login_base_url there); agents and
//       # queues take the source's ids.users / ids.queues
// Faults: --duplicates PCT --out-of-order PCT --oversized PCT [--oversized-bytes N] --variants PCT.
// Output: a live progress line on stderr, the summary on stdout. Exit 0 when every request that
// was not meant to fail (oversized) was acknowledged, 1 otherwise, 2 on usage errors.
#pragma once

#include <cstdint>
#include <string>

#include "common/json.h"
#include "genesys/simulator.h"

namespace cxbridge::genesys {

struct SimulateArgs {
  int agents = 20;
  int queues = 2;
  std::string duration = "60s";  // 90, 90s, 10m, 2h (simulated time)
  double speed = 1.0;            // 0 = as fast as possible
  std::string target;            // URL or "notifications"; default: the --source's webhook URL
  std::string config_path, source;
  uint16_t listen_port = 9300;   // --target notifications
  std::string format = "frame";  // frame | eventbridge
  double duplicates = 0, out_of_order = 0, oversized = 0, variants = 0;
  size_t oversized_bytes = 300 * 1024;
  double calls_per_hour = 0;
  double transcripts = 20;  // percent of calls
  bool no_snapshots = false;
  uint64_t seed = 1;
  int concurrency = 32;
};

// Parses "90", "90s", "10m", "2h" into milliseconds.
Result<int64_t> ParseDuration(const std::string& text);

int RunSimulateCommand(const SimulateArgs& args);

}  // namespace cxbridge::genesys
