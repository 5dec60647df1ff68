// cxbridge-loadgen: the HTTP/1.1 load generator behind bench/bench_ingest.sh.
//
// Four modes, one single-threaded epoll loop each (pin the process with taskset):
//
//   load (default)  N keep-alive connections to --host:--port POST ~--body-bytes JSON events, each
//                   with a unique "eventId" and, with --secret, an HMAC-SHA256 signature in --header.
//                   Every body and signature is generated before the timed run, so signing costs
//                   nothing inside it. Closed loop (each connection sends its next request as soon as
//                   the previous answer arrives) or, with --rate R, open loop: request k is scheduled
//                   at t0 + k/R and its latency runs from that scheduled time, so a stalled server is
//                   charged for the requests it delayed (no coordinated omission).
//   --sink          an HTTP receiver that answers 200 to everything and records when each loadgen
//                   event (found by its "eventId") first arrives; GET /stats reports the counts;
//                   SIGTERM/SIGINT writes --arrivals and exits.
//   --join S A      end-to-end latency: joins a load run's --sent-log S with a sink's arrivals A.
//                   Both use CLOCK_MONOTONIC, which is shared by all processes on one machine.
//   --consume URL   a queue consumer speaking the SQS JSON protocol: --connections receivers each
//                   loop ReceiveMessage (10) → DeleteMessageBatch until --count distinct messages
//                   are deleted; prints a CONSUME line (format and checks: consume.cc).
//
// Output: one line on stdout,
//   RESULT name=<n> requests=<n> ok=<n> non2xx=<n> errors=<n> rps=<x> p50_ms=<x> p90_ms=<x> p99_ms=<x> max_ms=<x>
// requests = ok + non2xx + errors in the timed window. ok counts 2xx answers, non2xx every other
// status, errors requests that got no answer (reset, closed, malformed, timed out) and failed connects.
// rps and the latency percentiles are over 2xx answers only, so a server that answers errors fast
// does not look fast; the status and error breakdown goes to stderr.
//
// Window: closed loop with --duration counts what completes within [warmup, warmup + duration];
// closed loop with --requests times exactly that many requests issued after the warmup; open loop
// times the requests scheduled after the warmup and waits up to --timeout for their answers.
//
// Sources, one job each (bench/loadgen/): main.cc options and dispatch; http_message.* HTTP/1.1
// framing shared by client and sink; request.* request bodies and signatures; load_run.* load mode;
// sink.cc sink mode; join.cc join mode; consume.cc consume mode; cpu.* CPU accounting from /proc;
// result.cc the RESULT line.

#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "loadgen/load_run.h"
#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "loadgen: %s\n", msg.c_str());
  std::exit(2);
}

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: cxbridge-loadgen --port P [--host H] [--path /webhooks/bench] [--connections 64]\n"
               "         [--duration S | --requests N] [--warmup S] [--rate R] [--body-bytes 2048]\n"
               "         [--header X-Signature --secret S [--encoding base64|hex] [--sig-prefix P]]\n"
               "         [--pool N] [--timeout S] [--sent-log FILE] [--cpu-pids P1,P2] [--name NAME]\n"
               "       cxbridge-loadgen --sink [--port P] [--port-file F] [--arrivals FILE]\n"
               "       cxbridge-loadgen --join SENT_LOG ARRIVALS [--name NAME]\n"
               "       cxbridge-loadgen --consume QUEUE_URL --count N [--connections 8] [--timeout S]\n"
               "         [--cpu-pids P1,P2] [--name NAME]\n");
}

}  // namespace

Options ParseOptions(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string key = args[i];
    std::string value;
    bool has_inline = false;
    if (auto eq = key.find('='); key.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= args.size()) Die("missing value for " + key);
      return args[++i];
    };
    auto number = [&](const std::string& s) {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !std::isfinite(d) || d < 0) Die("bad number for " + key + ": " + s);
      return d;
    };
    if (key == "--help" || key == "-h") {
      Usage();
      std::exit(0);
    } else if (key == "--sink") {
      o.mode = Options::Mode::kSink;
    } else if (key == "--join") {
      o.mode = Options::Mode::kJoin;
      if (i + 2 >= args.size()) Die("--join needs SENT_LOG and ARRIVALS");
      o.join_sent = args[++i];
      o.join_arrivals = args[++i];
    } else if (key == "--consume") {
      o.mode = Options::Mode::kConsume;
      o.queue_url = next();
    } else if (key == "--count") {
      o.count = uint64_t(number(next()));
    } else if (key == "--name") {
      o.name = next();
    } else if (key == "--host") {
      o.host = next();
    } else if (key == "--port") {
      o.port = int(number(next()));
    } else if (key == "--path") {
      o.path = next();
    } else if (key == "--connections") {
      o.connections = int(number(next()));
    } else if (key == "--duration") {
      o.duration_s = number(next());
    } else if (key == "--requests") {
      o.requests = uint64_t(number(next()));
    } else if (key == "--warmup") {
      o.warmup_s = number(next());
    } else if (key == "--rate") {
      o.rate = number(next());
    } else if (key == "--body-bytes") {
      o.body_bytes = size_t(number(next()));
    } else if (key == "--header") {
      o.header = next();
    } else if (key == "--secret") {
      o.secret = next();
    } else if (key == "--encoding") {
      o.encoding = next();
    } else if (key == "--sig-prefix") {
      o.sig_prefix = next();
    } else if (key == "--pool") {
      o.pool = uint64_t(number(next()));
    } else if (key == "--timeout") {
      o.timeout_s = number(next());
    } else if (key == "--sent-log") {
      o.sent_log = next();
    } else if (key == "--cpu-pids") {
      const std::string list = next();
      for (size_t at = 0; at <= list.size();) {
        size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        if (comma > at) o.cpu_pids.push_back(int(number(list.substr(at, comma - at))));
        at = comma + 1;
      }
    } else if (key == "--port-file") {
      o.port_file = next();
    } else if (key == "--arrivals") {
      o.arrivals = next();
    } else {
      Usage();
      Die("unknown option " + key);
    }
  }
  if (o.mode == Options::Mode::kLoad) {
    if (o.port <= 0 || o.port > 65535) Die("--port is required (1-65535)");
    if (o.connections < 1) Die("--connections must be at least 1");
    if (o.requests == 0 && o.duration_s <= 0) Die("--duration must be > 0");
    if (o.encoding != "base64" && o.encoding != "hex") Die("--encoding is base64 or hex");
  }
  if (o.mode == Options::Mode::kSink && (o.port < 0 || o.port > 65535)) o.port = 0;
  if (o.mode == Options::Mode::kConsume) {
    if (o.count == 0) Die("--consume needs --count N (> 0)");
    if (o.connections < 1) Die("--connections must be at least 1");
  }
  return o;
}

}  // namespace cxbridge::loadgen

int main(int argc, char** argv) {
  namespace lg = cxbridge::loadgen;
  signal(SIGPIPE, SIG_IGN);
  const lg::Options o = lg::ParseOptions(argc, argv);
  switch (o.mode) {
    case lg::Options::Mode::kSink:
      return lg::RunSink(o);
    case lg::Options::Mode::kJoin:
      return lg::RunJoin(o);
    case lg::Options::Mode::kConsume:
      return lg::RunConsume(o);
    case lg::Options::Mode::kLoad:
      break;
  }
  lg::LoadRun run(o);
  return run.Run();
}
