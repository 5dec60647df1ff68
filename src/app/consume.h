// `cxbridge consume QUEUE --rate N/s -- COMMAND [ARGS…]`: the controlled-rate consumer of a
// built-in queue. Pulls over the SQS protocol (long polling), feeds each message body to COMMAND
// on stdin (the command target, deliver/command_target.cc: timeout, process-group kill), deletes
// the message on exit 0 and leaves it for retry otherwise (it comes back after its visibility
// timeout, or goes to the queue's DLQ by its redrive policy). Messages of one FIFO group run one
// at a time and in order; after a failure the rest of that group's batch is left too, so order
// holds. Prints a throughput line every second on stderr.
#pragma once

#include <string>
#include <vector>

namespace cxbridge::app {

struct ConsumeArgs {
  std::string queue;
  std::string rate = "0";  // "N/s", "N/m", "N/h" or "N" (per second); 0 = unlimited
  std::vector<std::string> command;  // executable (searched in PATH) and its arguments
  std::string config_path, server;   // where the server is (default http://127.0.0.1:8088)
  int concurrency = 1;               // commands running at once (different groups only)
  int visibility_timeout = 30;       // seconds a received message stays hidden
  int timeout = 30;                  // seconds a command may run
  long max_messages = 0;             // stop after this many successes (0 = run until stopped)
  bool exit_when_empty = false;      // stop when the queue has nothing visible
  bool quiet = false;                // no throughput line
};

// Returns the process exit code: 0 after a clean stop (SIGINT/SIGTERM, --max or
// --exit-when-empty), 2 on bad arguments, 1 when the server or queue cannot be reached.
int RunConsume(const ConsumeArgs& a);

}  // namespace cxbridge::app
