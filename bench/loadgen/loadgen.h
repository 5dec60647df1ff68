// cxbridge-loadgen (bench/loadgen/main.cc): what its modes share. The options of one run, the
// clock all modes and processes agree on, the RESULT line, and the mode entry points. Every mode
// runs one single-threaded epoll loop; nothing here is thread-safe.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cxbridge::loadgen {

// The loadgen eventId is "lg-<run nonce>-<kSeqDigits-digit sequence number>" (request.cc writes
// it, sink.cc reads it back).
constexpr size_t kSeqDigits = 12;
constexpr int64_t kNsPerSec = 1'000'000'000;

// CLOCK_MONOTONIC, shared by all processes on one machine (--join relies on that).
inline int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

// Prints "loadgen: <msg>" to stderr and exits with status 2.
[[noreturn]] void Die(const std::string& msg);

// One run's command line (usage: main.cc). Which fields apply depends on the mode.
struct Options {
  enum class Mode { kLoad, kSink, kJoin, kConsume } mode = Mode::kLoad;
  std::string name = "load";
  std::string host = "127.0.0.1";
  int port = -1;
  std::string path = "/webhooks/bench";
  int connections = 64;
  double duration_s = 10;
  uint64_t requests = 0;  // > 0: a request count instead of a duration
  double warmup_s = 1;
  double rate = 0;        // > 0: open loop at this many requests/s in total
  size_t body_bytes = 2048;
  std::string header = "X-Signature";
  std::string secret;     // empty: requests are not signed
  std::string encoding = "base64";  // or hex
  std::string sig_prefix;           // e.g. "sha256="
  uint64_t pool = 0;      // pre-generated requests; 0 = derived from the run's size
  double timeout_s = 10;  // load: wait for outstanding answers; consume: stop after no news this long
  std::string sent_log;   // load: write "seq start_ns status" per timed request
  std::vector<int> cpu_pids;  // load, consume: report these processes' CPU time over the window
  std::string port_file;  // sink: write the bound port here
  std::string arrivals;   // sink: write "seq arrival_ns" here on exit
  std::string join_sent, join_arrivals;
  std::string queue_url;  // consume: http://host:port/<account>/<name>
  uint64_t count = 0;     // consume: messages to drain
};

// Command line -> Options (main.cc); exits with a usage message on a bad one.
Options ParseOptions(int argc, char** argv);

// The RESULT line on stdout (result.cc; format in main.cc). `lat_ns`: latencies of the ok
// answers, any order; percentiles are nearest-rank.
void PrintResult(const std::string& name, uint64_t ok, uint64_t non2xx, uint64_t errors, double seconds,
                 std::vector<int64_t> lat_ns);

// The modes; each returns the process exit status. Load mode is LoadRun (load_run.h).
int RunSink(const Options& o);  // sink.cc
int RunJoin(const Options& o);  // join.cc
int RunConsume(const Options& o);  // consume.cc

}  // namespace cxbridge::loadgen
