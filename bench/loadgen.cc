// cxbridge-loadgen: the HTTP/1.1 load generator behind bench/bench_ingest.sh.
//
// Three modes, one single-threaded epoll loop each (pin the process with taskset):
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

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kSeqDigits = 12;
constexpr int64_t kNsPerSec = 1'000'000'000;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

// User + system CPU seconds of these processes (all their threads), from /proc; -1 if unreadable.
double CpuSeconds(const std::vector<int>& pids) {
  static const double kTick = double(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');  // the command name may contain spaces
    if (paren == std::string::npos) return -1;
    std::vector<std::string> f;
    std::string cur;
    for (size_t i = paren + 2; i <= stat.size(); ++i) {
      if (i == stat.size() || stat[i] == ' ') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(stat[i]);
      }
    }
    if (f.size() < 13) return -1;
    total += (std::stod(f[11]) + std::stod(f[12])) / kTick;  // fields 14 and 15: utime, stime
  }
  return total;
}

// Busy CPU seconds of the whole machine (every core, including steal), from /proc/stat.
double MachineBusySeconds() {
  static const double kTick = double(sysconf(_SC_CLK_TCK));
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user, nice, system, idle, iowait, irq, softirq, steal;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) return -1;
  return (user + nice + system + irq + softirq + steal) / kTick;
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "loadgen: %s\n", msg.c_str());
  std::exit(2);
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  enum class Mode { kLoad, kSink, kJoin } mode = Mode::kLoad;
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
  double timeout_s = 10;  // how long to wait for outstanding answers at the end
  std::string sent_log;   // load: write "seq start_ns status" per timed request
  std::vector<int> cpu_pids;  // load: report these processes' CPU time over the window
  std::string port_file;  // sink: write the bound port here
  std::string arrivals;   // sink: write "seq arrival_ns" here on exit
  std::string join_sent, join_arrivals;
};

void Usage() {
  std::fprintf(stderr,
               "usage: cxbridge-loadgen --port P [--host H] [--path /webhooks/bench] [--connections 64]\n"
               "         [--duration S | --requests N] [--warmup S] [--rate R] [--body-bytes 2048]\n"
               "         [--header X-Signature --secret S [--encoding base64|hex] [--sig-prefix P]]\n"
               "         [--pool N] [--timeout S] [--sent-log FILE] [--cpu-pids P1,P2] [--name NAME]\n"
               "       cxbridge-loadgen --sink [--port P] [--port-file F] [--arrivals FILE]\n"
               "       cxbridge-loadgen --join SENT_LOG ARRIVALS [--name NAME]\n");
}

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
  return o;
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 message framing, enough for the servers measured here: Content-Length or chunked
// bodies, keep-alive, Connection: close. Re-parses from the start of the buffer on every call;
// messages are small and usually arrive in one read.

enum class Frame { kIncomplete, kComplete, kMalformed };

struct Message {
  int status = 0;                   // responses
  std::string_view method, target;  // requests (views into the buffer)
  size_t total = 0;                 // bytes the message occupies, headers and body
  size_t body_off = 0, body_len = 0;  // the body, when not chunked
  bool chunked = false;
  bool close = false;
};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `chunked_body`, when given, receives the decoded body of a chunked message.
Frame ParseMessage(const char* data, size_t n, bool response, Message* m,
                   std::string* chunked_body = nullptr) {
  std::string_view buf(data, n);
  const size_t hend = buf.find("\r\n\r\n");
  if (hend == std::string_view::npos) {
    return n > kMaxHeaderBytes ? Frame::kMalformed : Frame::kIncomplete;
  }
  *m = Message{};
  const size_t eol = buf.find("\r\n");
  std::string_view first = buf.substr(0, eol);
  bool http10 = false;
  if (response) {
    if (first.size() < 12 || first.substr(0, 7) != "HTTP/1." || first[8] != ' ') return Frame::kMalformed;
    http10 = first[7] == '0';
    for (size_t i = 9; i < 12; ++i) {
      if (first[i] < '0' || first[i] > '9') return Frame::kMalformed;
      m->status = m->status * 10 + (first[i] - '0');
    }
  } else {
    const size_t sp1 = first.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return Frame::kMalformed;
    m->method = first.substr(0, sp1);
    m->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    http10 = first.substr(sp2 + 1) == "HTTP/1.0";
  }
  bool has_length = false, keep_alive = false;
  uint64_t length = 0;
  for (size_t pos = eol + 2; pos < hend;) {
    const size_t e = buf.find("\r\n", pos);
    std::string_view line = buf.substr(pos, e - pos);
    pos = e + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Frame::kMalformed;
    std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-length")) {
      if (value.empty() || value.size() > 15) return Frame::kMalformed;
      length = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Frame::kMalformed;
        length = length * 10 + uint64_t(c - '0');
      }
      has_length = true;
    } else if (IEquals(name, "transfer-encoding")) {
      if (IContains(value, "chunked")) m->chunked = true;
    } else if (IEquals(name, "connection")) {
      if (IContains(value, "close")) m->close = true;
      if (IContains(value, "keep-alive")) keep_alive = true;
    }
  }
  if (http10 && !keep_alive) m->close = true;
  const size_t body = hend + 4;
  m->body_off = body;
  if (response && (m->status / 100 == 1 || m->status == 204 || m->status == 304)) {
    m->total = body;
    return Frame::kComplete;
  }
  if (m->chunked) {
    if (chunked_body) chunked_body->clear();
    size_t at = body;
    for (;;) {
      const size_t le = buf.find("\r\n", at);
      if (le == std::string_view::npos) return Frame::kIncomplete;
      uint64_t size = 0;
      size_t digits = 0;
      for (size_t i = at; i < le && buf[i] != ';'; ++i, ++digits) {
        const char c = buf[i];
        int v = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : -1;
        if (v < 0 || digits >= 12) return Frame::kMalformed;
        size = size * 16 + uint64_t(v);
      }
      if (digits == 0) return Frame::kMalformed;
      at = le + 2;
      if (size == 0) {  // trailer fields, then an empty line
        for (;;) {
          const size_t te = buf.find("\r\n", at);
          if (te == std::string_view::npos) return Frame::kIncomplete;
          if (te == at) {
            m->total = te + 2;
            return Frame::kComplete;
          }
          at = te + 2;
        }
      }
      if (n - at < size + 2) return Frame::kIncomplete;
      if (chunked_body) chunked_body->append(data + at, size);
      at += size;
      if (buf.substr(at, 2) != "\r\n") return Frame::kMalformed;
      at += 2;
    }
  }
  // A response without Content-Length would end at close; none of the servers measured here
  // does that on a keep-alive connection, so it is reported as malformed rather than guessed.
  if (!has_length) {
    if (response) return Frame::kMalformed;
    length = 0;
  }
  if (n - body < length) return Frame::kIncomplete;
  m->body_len = length;
  m->total = body + length;
  return Frame::kComplete;
}

// ---------------------------------------------------------------------------------------------
// Requests: one template per run, patched per request with the sequence number and signature.

class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key) {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx_ || !EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params))
      Die("OpenSSL HMAC-SHA256 unavailable");
  }
  ~HmacSha256() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Re-initialising with a null key keeps the key schedule: ~1.5 µs per 2 KB instead of ~3.
  void Sign(std::string_view msg, unsigned char out[32]) {
    size_t len = 0;
    if (!EVP_MAC_init(ctx_, nullptr, 0, nullptr) ||
        !EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) ||
        !EVP_MAC_final(ctx_, out, &len, 32) || len != 32)
      Die("HMAC failed");
  }

 private:
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

void WriteSeq(char* at, uint64_t seq) {
  for (size_t i = kSeqDigits; i-- > 0; seq /= 10) at[i] = char('0' + seq % 10);
}

// A plausible contact-center event (Genesys-like field names), padded to `target` bytes. The
// eventId is "lg-<run nonce>-<12-digit sequence>", so bodies are unique within and across runs.
std::string MakeBody(size_t target, const std::string& nonce, size_t* seq_off) {
  std::string head = "{\"eventId\":\"lg-" + nonce + "-";
  const std::string tail =
      "\",\"topicName\":\"v2.detail.events.conversation.4f1c2a9e-7b3d-4c8e-9a21-0d5e6f7a8b9c.customer.end\","
      "\"version\":\"2\",\"timestamp\":\"2026-01-15T10:21:33.412Z\",\"eventBody\":{"
      "\"conversationId\":\"4f1c2a9e-7b3d-4c8e-9a21-0d5e6f7a8b9c\","
      "\"participantId\":\"a8e1b7c2-33d4-4f5e-8a6b-7c8d9e0f1a2b\","
      "\"sessionId\":\"c0ffee00-1234-4abc-9def-0123456789ab\",\"mediaType\":\"VOICE\","
      "\"direction\":\"INBOUND\",\"ani\":\"tel:+15555550100\",\"dnis\":\"tel:+15555550199\","
      "\"queueId\":\"2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901\",\"divisionId\":\"*\","
      "\"disconnectType\":\"CLIENT\",\"connectedTime\":\"2026-01-15T10:15:02.118Z\","
      "\"endTime\":\"2026-01-15T10:21:33.400Z\",\"wrapupCode\":\"SALE\","
      "\"attributes\":{\"crmId\":\"CUST-0042-7781\",\"language\":\"en-US\",\"priority\":\"2\"},"
      "\"notes\":\"";
  const std::string end = "\"}}";
  *seq_off = head.size();
  std::string body = head + std::string(kSeqDigits, '0') + tail;
  const size_t fixed = body.size() + end.size();
  if (target > fixed) {
    static constexpr char kWords[] = "customer called about an order and was transferred to billing ";
    for (size_t i = 0; body.size() + end.size() < target; ++i) body.push_back(kWords[i % (sizeof kWords - 1)]);
  }
  return body + end;
}

struct RequestTemplate {
  std::string bytes;        // one complete request
  size_t seq_off = 0;       // 12 decimal digits of the sequence number, within bytes
  size_t sig_off = 0, sig_len = 0;  // the signature value (sig_len 0: unsigned)
  size_t body_off = 0, body_len = 0;
};

std::string RandomNonce() {
  std::random_device rd;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", unsigned(rd()));
  return buf;
}

RequestTemplate MakeTemplate(const Options& o, const std::string& nonce) {
  RequestTemplate t;
  size_t body_seq_off = 0;
  const std::string body = MakeBody(o.body_bytes, nonce, &body_seq_off);
  std::string& r = t.bytes;
  r = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
      "\r\nUser-Agent: cxbridge-loadgen\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n";
  if (!o.secret.empty()) {
    t.sig_len = o.sig_prefix.size() + (o.encoding == "hex" ? 64 : 44);
    r += o.header + ": ";
    t.sig_off = r.size();
    r += std::string(t.sig_len, '=');
    r += "\r\n";
  }
  r += "\r\n";
  t.body_off = r.size();
  t.body_len = body.size();
  t.seq_off = t.body_off + body_seq_off;
  r += body;
  return t;
}

// Signatures for sequence numbers [0, count), sig_len bytes each, back to back.
std::vector<char> MakeSignatures(const Options& o, RequestTemplate t, uint64_t count) {
  std::vector<char> sigs;
  if (t.sig_len == 0) return sigs;
  sigs.resize(count * t.sig_len);
  HmacSha256 hmac(o.secret);
  unsigned char mac[32];
  unsigned char enc[80];
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint64_t s = 0; s < count; ++s) {
    WriteSeq(&t.bytes[t.seq_off], s);
    hmac.Sign(std::string_view(t.bytes).substr(t.body_off, t.body_len), mac);
    char* out = &sigs[s * t.sig_len];
    std::memcpy(out, o.sig_prefix.data(), o.sig_prefix.size());
    out += o.sig_prefix.size();
    if (o.encoding == "hex") {
      for (int i = 0; i < 32; ++i) {
        out[2 * i] = kHex[mac[i] >> 4];
        out[2 * i + 1] = kHex[mac[i] & 15];
      }
    } else {
      EVP_EncodeBlock(enc, mac, 32);  // 44 characters + NUL
      std::memcpy(out, enc, 44);
    }
  }
  return sigs;
}

// ---------------------------------------------------------------------------------------------
// Results

struct Sample {
  uint64_t seq;
  int64_t start_ns;  // scheduled (open loop) or actual (closed loop) send time
  int64_t end_ns;    // answer complete; 0 if none
  int status;        // HTTP status; 0 = no answer
};

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = size_t(std::ceil(q * double(sorted.size())));  // nearest rank
  if (rank == 0) rank = 1;
  return double(sorted[std::min(rank, sorted.size()) - 1]) / 1e6;
}

void PrintResult(const std::string& name, uint64_t ok, uint64_t non2xx, uint64_t errors, double seconds,
                 std::vector<int64_t> lat_ns) {
  std::sort(lat_ns.begin(), lat_ns.end());
  const double rps = seconds > 0 ? double(ok) / seconds : 0;
  std::printf(
      "RESULT name=%s requests=%llu ok=%llu non2xx=%llu errors=%llu rps=%.1f p50_ms=%.3f p90_ms=%.3f "
      "p99_ms=%.3f max_ms=%.3f\n",
      name.c_str(), (unsigned long long)(ok + non2xx + errors), (unsigned long long)ok,
      (unsigned long long)non2xx, (unsigned long long)errors, rps, Percentile(lat_ns, 0.50),
      Percentile(lat_ns, 0.90), Percentile(lat_ns, 0.99), lat_ns.empty() ? 0.0 : double(lat_ns.back()) / 1e6);
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// Load mode

class LoadRun {
 public:
  explicit LoadRun(const Options& o) : o_(o) {}

  int Run() {
    Prepare();
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd_ < 0 || timerfd_ < 0) Die(std::string("epoll/timerfd: ") + std::strerror(errno));
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.u64 = kTimerTag;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, timerfd_, &tev);
    prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 µs: open-loop sends leave on time

    conns_.resize(size_t(o_.connections));
    for (auto& c : conns_) {
      c.req = tmpl_.bytes;
      c.rbuf.resize(16 * 1024);
    }
    t0_ = NowNs();
    if (open_loop()) {
      interval_ns_ = double(kNsPerSec) / o_.rate;
      warmup_k_ = uint64_t(std::floor(o_.warmup_s * o_.rate));
      total_k_ = warmup_k_ + timed_target_;
      ws_ = Scheduled(warmup_k_);
      we_ = Scheduled(total_k_);
    } else {
      ws_ = t0_ + int64_t(o_.warmup_s * kNsPerSec);
      we_ = o_.requests > 0 ? INT64_MAX : ws_ + int64_t(o_.duration_s * kNsPerSec);
    }
    for (size_t i = 0; i < conns_.size(); ++i) Connect(i);
    Loop();
    return Report();
  }

 private:
  static constexpr uint64_t kTimerTag = ~0ull;
  // Closed-loop pool sizing: above what one core serves here (nginx `return 200` ~125k/s);
  // signing costs ~1.2 µs and 44 bytes per request.
  static constexpr double kMaxClosedRate = 200'000;

  struct Conn {
    int fd = -1;
    enum class State { kDown, kConnecting, kIdle, kBusy } state = State::kDown;
    std::string req;  // this connection's copy of the template
    size_t written = 0;
    bool want_write = false;
    uint64_t seq = 0;
    int64_t start_ns = 0;
    bool timed = false;  // decided at issue time (open loop, --requests)
    std::vector<char> rbuf;
    size_t rlen = 0;
    int64_t retry_at = 0;
  };

  bool open_loop() const { return o_.rate > 0; }
  int64_t Scheduled(uint64_t k) const { return t0_ + int64_t(double(k) * interval_ns_); }

  void Prepare() {
    tmpl_ = MakeTemplate(o_, RandomNonce());
    if (open_loop()) {
      timed_target_ = o_.requests > 0 ? o_.requests : uint64_t(std::llround(o_.duration_s * o_.rate));
      pool_ = uint64_t(std::floor(o_.warmup_s * o_.rate)) + timed_target_;
    } else if (o_.requests > 0) {
      timed_target_ = o_.requests;
      // The closed-loop warmup's request count is not known in advance: allow kMaxClosedRate.
      pool_ = o_.requests + uint64_t(o_.warmup_s * kMaxClosedRate) + uint64_t(o_.connections);
    } else {
      // If the pool runs out anyway, the window ends there and a warning says so.
      pool_ = uint64_t((o_.warmup_s + o_.duration_s) * kMaxClosedRate) + uint64_t(o_.connections);
    }
    if (o_.pool > 0) pool_ = o_.pool;
    const int64_t t = NowNs();
    sigs_ = MakeSignatures(o_, tmpl_, pool_);
    std::fprintf(stderr, "loadgen %s: %zu-byte requests (%zu-byte body), %llu pre-generated in %.2f s\n",
                 o_.name.c_str(), tmpl_.bytes.size(), tmpl_.body_len, (unsigned long long)pool_,
                 double(NowNs() - t) / 1e9);
    samples_.reserve(open_loop() || o_.requests ? timed_target_ : std::min<uint64_t>(pool_, 4'000'000));
  }

  void Connect(size_t i) {
    Conn& c = conns_[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) Die(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address");
    c.rlen = 0;
    c.written = 0;
    c.want_write = false;
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
      close(c.fd);
      c.fd = -1;
      ConnectFailed(i, errno);
      return;
    }
    c.state = Conn::State::kConnecting;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void ConnectFailed(size_t i, int err) {
    Conn& c = conns_[i];
    c.state = Conn::State::kDown;
    const int64_t now = NowNs();
    c.retry_at = now + 10'000'000;  // 10 ms
    ++down_;
    if (now >= ws_ && now <= we_) {
      ++errors_;
      ++error_reasons_[std::string("connect: ") + std::strerror(err)];
    }
  }

  void SetWriteInterest(size_t i, bool on) {
    Conn& c = conns_[i];
    if (c.want_write == on) return;
    c.want_write = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // The connection is ready for a request: send one if the schedule has one due.
  void OnIdle(size_t i, int64_t now) {
    Conn& c = conns_[i];
    c.state = Conn::State::kIdle;
    if (open_loop()) {
      if (issued_k_ < DueK(now)) {
        const uint64_t k = issued_k_++;
        Issue(i, Scheduled(k), k >= warmup_k_);
        return;
      }
    } else if (!stop_issuing_) {
      if (o_.requests > 0) {
        const bool timed = now >= ws_;
        if (!timed || timed_issued_ < timed_target_) {
          if (timed && timed_issued_++ == 0) ws_ = now;
          Issue(i, now, timed);
          if (timed_issued_ == timed_target_) stop_issuing_ = true;
          return;
        }
      } else if (now < we_) {
        Issue(i, now, false);
        return;
      }
    }
    idle_.push_back(i);
  }

  uint64_t DueK(int64_t now) const {
    if (now < t0_) return 0;
    const uint64_t k = uint64_t(double(now - t0_) / interval_ns_) + 1;
    return std::min(k, total_k_);
  }

  void Issue(size_t i, int64_t start, bool timed) {
    Conn& c = conns_[i];
    if (next_seq_ >= pool_) {
      if (!pool_exhausted_) {
        pool_exhausted_ = true;
        std::fprintf(stderr, "loadgen %s: WARNING: the %llu pre-generated requests ran out; the window "
                     "ends here (raise --pool)\n", o_.name.c_str(), (unsigned long long)pool_);
        if (!open_loop() && o_.requests == 0) we_ = std::min(we_, NowNs());
      }
      stop_issuing_ = true;
      if (timed) {  // counted, never silently dropped
        ++errors_;
        ++error_reasons_["pool exhausted"];
      }
      c.state = Conn::State::kIdle;
      idle_.push_back(i);
      return;
    }
    c.seq = next_seq_++;
    c.start_ns = start;
    c.timed = timed;
    WriteSeq(&c.req[tmpl_.seq_off], c.seq);
    if (tmpl_.sig_len) std::memcpy(&c.req[tmpl_.sig_off], &sigs_[c.seq * tmpl_.sig_len], tmpl_.sig_len);
    c.written = 0;
    c.state = Conn::State::kBusy;
    ++busy_;
    if (!open_loop()) c.start_ns = NowNs();
    TryWrite(i);
  }

  void TryWrite(size_t i) {
    Conn& c = conns_[i];
    while (c.written < c.req.size()) {
      ssize_t n = send(c.fd, c.req.data() + c.written, c.req.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        SetWriteInterest(i, true);
        return;
      }
      Fail(i, n < 0 ? std::string("send: ") + std::strerror(errno) : "send: no progress");
      return;
    }
    SetWriteInterest(i, false);
  }

  void Record(Conn& c, int64_t end, int status, const char* error) {
    bool timed = c.timed;
    if (!open_loop() && o_.requests == 0) timed = end >= ws_ && end <= we_;
    if (!timed) return;
    if (status >= 200 && status < 300) {
      ++ok_;
    } else if (status > 0) {
      ++non2xx_;
    } else {
      ++errors_;
      ++error_reasons_[error];
    }
    if (status > 0) ++statuses_[status];
    samples_.push_back({c.seq, c.start_ns, status > 0 ? end : 0, status});
    last_end_ = std::max(last_end_, end);
  }

  // The connection broke: the in-flight request (if any) is an error; reconnect.
  void Fail(size_t i, const std::string& why) {
    Conn& c = conns_[i];
    const int64_t now = NowNs();
    if (c.state == Conn::State::kBusy) {
      --busy_;
      Record(c, now, 0, why.c_str());
    }
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    if (finishing_) {
      c.state = Conn::State::kDown;
      c.retry_at = INT64_MAX;
      return;
    }
    Connect(i);
  }

  void OnReadable(size_t i) {
    Conn& c = conns_[i];
    const int fd = c.fd;
    std::string broken;  // set when the connection ended; answers read before it still count
    for (;;) {
      if (c.rlen == c.rbuf.size()) c.rbuf.resize(c.rbuf.size() * 2);
      const size_t room = c.rbuf.size() - c.rlen;
      ssize_t n = recv(c.fd, c.rbuf.data() + c.rlen, room, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        broken = n == 0 ? "closed by server" : std::string("recv: ") + std::strerror(errno);
        break;
      }
      c.rlen += size_t(n);
      if (size_t(n) < room) break;  // drained; level-triggered epoll reports anything newer
    }
    const int64_t now = NowNs();
    while (c.rlen > 0) {
      Message m;
      const Frame f = ParseMessage(c.rbuf.data(), c.rlen, true, &m);
      if (f == Frame::kIncomplete) break;
      if (f == Frame::kMalformed || c.state != Conn::State::kBusy) {
        Fail(i, f == Frame::kMalformed ? "malformed response" : "unsolicited response");
        return;
      }
      std::memmove(c.rbuf.data(), c.rbuf.data() + m.total, c.rlen - m.total);
      c.rlen -= m.total;
      --busy_;
      Record(c, now, m.status, nullptr);
      const bool request_unsent = c.written < c.req.size();  // answered early (e.g. 413)
      c.state = Conn::State::kIdle;
      if (m.close || request_unsent || c.rlen > 0) {
        epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        c.state = Conn::State::kDown;
        if (!finishing_) Connect(i);
        return;
      }
      OnIdle(i, now);
    }
    if (!broken.empty() && c.fd == fd) Fail(i, broken);
  }

  void OnConnected(size_t i, int64_t now) {
    Conn& c = conns_[i];
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
      ConnectFailed(i, err);
      return;
    }
    c.want_write = true;
    SetWriteInterest(i, false);
    OnIdle(i, now);
  }

  void DispatchDue(int64_t now) {
    while (!idle_.empty() && issued_k_ < DueK(now)) {
      const size_t i = idle_.back();
      idle_.pop_back();
      if (conns_[i].state != Conn::State::kIdle) continue;
      const uint64_t k = issued_k_++;
      Issue(i, Scheduled(k), k >= warmup_k_);
    }
    // Wake at the next scheduled send; requests already due wait for a free connection, which
    // wakes the loop by itself.
    const uint64_t next = std::max(issued_k_, DueK(now));
    if (next < total_k_ && next != armed_k_) {
      const int64_t at = Scheduled(next);
      itimerspec ts{};
      ts.it_value.tv_sec = at / kNsPerSec;
      ts.it_value.tv_nsec = at % kNsPerSec;
      timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &ts, nullptr);
      armed_k_ = next;
    }
  }

  // Server CPU over the timed window, read as the loop crosses its start and end.
  void SampleCpu(int64_t now) {
    if (o_.cpu_pids.empty()) return;
    if (cpu_start_ < 0 && now >= ws_) ReadCpu(&cpu_start_, &others_start_, &cpu_start_ns_);
    if (cpu_end_ < 0 && cpu_start_ >= 0 && now >= we_) ReadCpu(&cpu_end_, &others_end_, &cpu_end_ns_);
  }

  // The server's CPU seconds, and everything else's on the machine but this loadgen's: other
  // work on the shared cores shows up there and makes the window's figures suspect.
  void ReadCpu(double* server, double* others, int64_t* at) {
    *server = CpuSeconds(o_.cpu_pids);
    *others = MachineBusySeconds() - *server - CpuSeconds({int(getpid())});
    *at = NowNs();
  }

  bool Done(int64_t now) {
    if (open_loop()) {
      if (issued_k_ >= total_k_ && busy_ == 0) return true;
      return now > we_ + int64_t(o_.timeout_s * kNsPerSec);
    }
    if (o_.requests > 0) {
      if (stop_issuing_ && busy_ == 0) return true;
      return stop_issuing_ && now > last_issue_deadline_;
    }
    // Closed loop by time: stop issuing at the window's end, then let in-flight requests finish
    // (they do not count) so the server is not left with half-read requests.
    if (now >= we_ && !stop_issuing_) stop_issuing_ = true;
    if (stop_issuing_ && busy_ == 0) return true;
    return now > we_ + int64_t(o_.timeout_s * kNsPerSec);
  }

  void Loop() {
    std::vector<epoll_event> events(size_t(o_.connections) + 8);
    bool deadline_set = false;
    for (;;) {
      int64_t now = NowNs();
      if (open_loop()) DispatchDue(now);
      if (o_.requests > 0 && !open_loop() && stop_issuing_ && !deadline_set) {
        last_issue_deadline_ = now + int64_t(o_.timeout_s * kNsPerSec);
        deadline_set = true;
      }
      SampleCpu(now);
      if (Done(now)) break;
      if (down_ > 0) {
        for (size_t i = 0; i < conns_.size(); ++i) {
          if (conns_[i].state == Conn::State::kDown && conns_[i].retry_at <= now) {
            --down_;
            Connect(i);
          }
        }
      }
      const int n = epoll_wait(epfd_, events.data(), int(events.size()), 5);
      if (n < 0 && errno != EINTR) Die(std::string("epoll_wait: ") + std::strerror(errno));
      now = NowNs();
      for (int e = 0; e < n; ++e) {
        const uint64_t tag = events[size_t(e)].data.u64;
        if (tag == kTimerTag) {
          uint64_t expirations;
          (void)!read(timerfd_, &expirations, sizeof expirations);
          continue;
        }
        const size_t i = size_t(tag);
        Conn& c = conns_[i];
        if (c.fd < 0) continue;
        const uint32_t ev = events[size_t(e)].events;
        if (c.state == Conn::State::kConnecting) {
          if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) OnConnected(i, now);
          continue;
        }
        if ((ev & EPOLLOUT) && c.state == Conn::State::kBusy) TryWrite(i);
        if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) OnReadable(i);
      }
    }
    if (!o_.cpu_pids.empty() && cpu_start_ >= 0 && cpu_end_ < 0) {  // --requests: the window ends now
      ReadCpu(&cpu_end_, &others_end_, &cpu_end_ns_);
    }
    // Whatever is still outstanding never got an answer within --timeout.
    finishing_ = true;
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (conns_[i].state == Conn::State::kBusy) {
        Conn& c = conns_[i];
        --busy_;
        const int64_t end = NowNs();
        if (!open_loop() && o_.requests == 0) {
          // Closed loop by time: requests cut off after the window do not count.
        } else {
          Record(c, end, 0, "timeout");
        }
        c.state = Conn::State::kIdle;
      }
      if (conns_[i].fd >= 0) close(conns_[i].fd);
      conns_[i].fd = -1;
    }
    if (open_loop() && issued_k_ < total_k_) {  // scheduled, never sent: no free connection in time
      for (uint64_t k = std::max(issued_k_, warmup_k_); k < total_k_; ++k) {
        ++errors_;
        ++error_reasons_["never sent (all connections busy until the timeout)"];
      }
    }
  }

  int Report() {
    double seconds;
    if (open_loop()) {
      seconds = double(std::max(we_, last_end_) - ws_) / 1e9;
    } else if (o_.requests > 0) {
      seconds = last_end_ > ws_ ? double(last_end_ - ws_) / 1e9 : 0;
    } else {
      seconds = double(we_ - ws_) / 1e9;
    }
    std::vector<int64_t> lat;
    lat.reserve(samples_.size());
    for (const Sample& s : samples_) {
      if (s.status >= 200 && s.status < 300) lat.push_back(s.end_ns - s.start_ns);
    }
    std::string detail;
    for (const auto& [st, n] : statuses_) detail += " " + std::to_string(st) + ":" + std::to_string(n);
    for (const auto& [why, n] : error_reasons_) detail += " [" + why + "]:" + std::to_string(n);
    std::fprintf(stderr, "loadgen %s: window %.3f s, statuses%s\n", o_.name.c_str(), seconds, detail.c_str());
    if (!o_.sent_log.empty()) {
      std::FILE* f = std::fopen(o_.sent_log.c_str(), "w");
      if (!f) Die("cannot write " + o_.sent_log);
      for (const Sample& s : samples_) {
        std::fprintf(f, "%llu %lld %d\n", (unsigned long long)s.seq, (long long)s.start_ns, s.status);
      }
      std::fclose(f);
    }
    PrintResult(o_.name, ok_, non2xx_, errors_, seconds, std::move(lat));
    if (!o_.cpu_pids.empty()) {
      // Utilization of the server's core(s) over the window, and CPU per answered request.
      const uint64_t answered = ok_ + non2xx_;
      const bool valid = cpu_start_ >= 0 && cpu_end_ >= 0 && cpu_end_ns_ > cpu_start_ns_;
      const double cpu = valid ? cpu_end_ - cpu_start_ : 0;
      const double wall = valid ? double(cpu_end_ns_ - cpu_start_ns_) / 1e9 : 0;
      std::printf("CPU name=%s server_cpu_s=%.2f util=%.3f us_per_request=%.1f others_cores=%.2f\n",
                  o_.name.c_str(), cpu, valid ? cpu / wall : 0.0,
                  valid && answered ? cpu * 1e6 / double(answered) : 0.0,
                  valid ? std::max(0.0, others_end_ - others_start_) / wall : 0.0);
    }
    return 0;
  }

  const Options& o_;
  RequestTemplate tmpl_;
  std::vector<char> sigs_;
  uint64_t pool_ = 0, next_seq_ = 0;
  bool pool_exhausted_ = false;
  std::vector<Conn> conns_;
  std::vector<size_t> idle_;
  int epfd_ = -1, timerfd_ = -1;
  size_t busy_ = 0, down_ = 0;
  bool stop_issuing_ = false, finishing_ = false;
  int64_t t0_ = 0, ws_ = 0, we_ = 0, last_end_ = 0, last_issue_deadline_ = INT64_MAX;
  double cpu_start_ = -1, cpu_end_ = -1, others_start_ = 0, others_end_ = 0;
  int64_t cpu_start_ns_ = 0, cpu_end_ns_ = 0;
  // Open loop: request k is scheduled at t0 + k * interval; the first warmup_k are not timed.
  double interval_ns_ = 0;
  uint64_t warmup_k_ = 0, total_k_ = 0, issued_k_ = 0, armed_k_ = ~0ull;
  uint64_t timed_target_ = 0, timed_issued_ = 0;
  uint64_t ok_ = 0, non2xx_ = 0, errors_ = 0;
  std::map<int, uint64_t> statuses_;
  std::map<std::string, uint64_t> error_reasons_;
  std::vector<Sample> samples_;
};

// ---------------------------------------------------------------------------------------------
// Sink mode

// The loadgen sequence number in a body, found by its "eventId" (the gateway may re-serialize the
// event, so whitespace around the colon is allowed). Returns false if there is none.
bool FindSeq(std::string_view body, uint64_t* seq) {
  for (size_t at = body.find("\"eventId\""); at != std::string_view::npos;
       at = body.find("\"eventId\"", at + 1)) {
    size_t p = at + 9;
    while (p < body.size() && (body[p] == ' ' || body[p] == ':')) ++p;
    if (body.substr(p, 4) != "\"lg-") continue;
    const size_t dash = body.find('-', p + 4);
    if (dash == std::string_view::npos || body.size() < dash + 1 + kSeqDigits) continue;
    uint64_t v = 0;
    bool digits = true;
    for (size_t k = 0; k < kSeqDigits; ++k) {
      const char ch = body[dash + 1 + k];
      if (ch < '0' || ch > '9') digits = false;
      v = v * 10 + uint64_t(ch - '0');
    }
    if (!digits) continue;
    *seq = v;
    return true;
  }
  return false;
}

int RunSink(const Options& o) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address");
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 1024) != 0)
    Die(std::string("sink: bind/listen: ") + std::strerror(errno));
  socklen_t alen = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
  const int port = ntohs(addr.sin_port);
  if (!o.port_file.empty()) {
    const std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), o.port_file.c_str());
  }
  std::fprintf(stderr, "loadgen sink: listening on %s:%d\n", o.host.c_str(), port);

  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  auto add = [&](int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  };
  add(sfd);
  add(lfd);
  struct SinkConn {
    std::string buf;
  };
  std::unordered_map<int, SinkConn> conns;
  std::unordered_map<uint64_t, int64_t> first_arrival;
  uint64_t requests = 0, duplicates = 0, unknown = 0;
  std::vector<epoll_event> events(256);
  std::string decoded;
  char chunk[64 * 1024];
  auto drop = [&](int fd) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(fd);
  };
  for (bool running = true; running;) {
    const int n = epoll_wait(epfd, events.data(), int(events.size()), -1);
    if (n < 0 && errno != EINTR) Die(std::string("epoll_wait: ") + std::strerror(errno));
    for (int e = 0; e < n; ++e) {
      const int fd = events[size_t(e)].data.fd;
      if (fd == sfd) {
        running = false;
        continue;
      }
      if (fd == lfd) {
        for (;;) {
          const int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[c];
          add(c);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      std::string& buf = it->second.buf;
      bool closed = false;
      for (;;) {
        const ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r > 0) {
          buf.append(chunk, size_t(r));
          if (size_t(r) < sizeof chunk) break;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        closed = true;
        break;
      }
      const int64_t now = NowNs();
      std::string out;
      bool close_after = false;
      while (!buf.empty()) {
        Message m;
        const Frame f = ParseMessage(buf.data(), buf.size(), false, &m, &decoded);
        if (f == Frame::kIncomplete) break;
        if (f == Frame::kMalformed) {
          out += "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          close_after = true;
          buf.clear();
          break;
        }
        ++requests;
        if (m.method == "GET" && m.target == "/stats") {
          const std::string body = "arrivals=" + std::to_string(first_arrival.size()) +
                                   " duplicates=" + std::to_string(duplicates) +
                                   " requests=" + std::to_string(requests) + "\n";
          out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
        } else {
          std::string_view body = m.chunked ? std::string_view(decoded)
                                            : std::string_view(buf).substr(m.body_off, m.body_len);
          uint64_t seq;
          if (FindSeq(body, &seq)) {
            if (!first_arrival.emplace(seq, now).second) ++duplicates;
          } else {
            ++unknown;
          }
          out += "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        }
        if (m.close) close_after = true;
        buf.erase(0, m.total);
        if (close_after) break;
      }
      if (!out.empty()) {
        // Answers are tiny; a blocking-style loop on a nonblocking socket is fine here.
        size_t off = 0;
        while (off < out.size()) {
          const ssize_t w = send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
          if (w > 0) {
            off += size_t(w);
          } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
          } else {
            closed = true;
            break;
          }
        }
      }
      if (closed || close_after) drop(fd);
    }
  }
  if (!o.arrivals.empty()) {
    std::vector<std::pair<uint64_t, int64_t>> rows(first_arrival.begin(), first_arrival.end());
    std::sort(rows.begin(), rows.end());
    std::FILE* f = std::fopen(o.arrivals.c_str(), "w");
    if (!f) Die("cannot write " + o.arrivals);
    for (const auto& [seq, t] : rows) std::fprintf(f, "%llu %lld\n", (unsigned long long)seq, (long long)t);
    std::fclose(f);
  }
  std::fprintf(stderr, "loadgen sink: %llu requests, %zu distinct events, %llu duplicates, %llu without an eventId\n",
               (unsigned long long)requests, first_arrival.size(), (unsigned long long)duplicates,
               (unsigned long long)unknown);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Join mode: every request the gateway acknowledged (2xx) should reach the sink.

int RunJoin(const Options& o) {
  std::unordered_map<uint64_t, int64_t> arrived;
  {
    std::ifstream in(o.join_arrivals);
    if (!in) Die("cannot read " + o.join_arrivals);
    unsigned long long seq;
    long long t;
    while (in >> seq >> t) arrived[seq] = t;
  }
  std::ifstream in(o.join_sent);
  if (!in) Die("cannot read " + o.join_sent);
  unsigned long long seq;
  long long start;
  int status;
  uint64_t acked = 0, delivered = 0, missing = 0;
  int64_t first = INT64_MAX, last = 0;
  std::vector<int64_t> lat;
  while (in >> seq >> start >> status) {
    if (status < 200 || status >= 300) continue;  // not acknowledged: may or may not be delivered
    ++acked;
    auto it = arrived.find(seq);
    if (it == arrived.end()) {
      ++missing;
      continue;
    }
    ++delivered;
    lat.push_back(it->second - start);
    first = std::min<int64_t>(first, it->second);
    last = std::max<int64_t>(last, it->second);
  }
  std::fprintf(stderr, "loadgen join: %llu acknowledged, %llu delivered, %llu missing\n",
               (unsigned long long)acked, (unsigned long long)delivered, (unsigned long long)missing);
  const double seconds = delivered > 1 ? double(last - first) / 1e9 : 0;
  PrintResult(o.name, delivered, 0, missing, seconds, std::move(lat));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const Options o = ParseOptions(argc, argv);
  switch (o.mode) {
    case Options::Mode::kSink:
      return RunSink(o);
    case Options::Mode::kJoin:
      return RunJoin(o);
    case Options::Mode::kLoad:
      break;
  }
  LoadRun run(o);
  return run.Run();
}
