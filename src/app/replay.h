// `cxbridge replay`: start, watch and cancel EventBridge archive replays on a running server.
#pragma once

#include <string>
#include <vector>

namespace cxbridge::app {

struct ReplayArgs {
  std::string action;  // start | status | cancel
  std::string config_path, server;
  std::string name, archive, bus = "default", from, to;
  std::vector<std::string> rules;
  bool no_wait = false;
};

// Exit code: 0 completed (or started with --no-wait), 1 failed/cancelled, 2 usage or connection.
int RunReplay(const ReplayArgs& a);

}  // namespace cxbridge::app
