// Join mode (--join SENT_LOG ARRIVALS): end-to-end latency. Every request the gateway acknowledged
// (2xx) in a load run's --sent-log should reach the sink; the latency of each is its arrival
// minus its start (both CLOCK_MONOTONIC). Prints a RESULT line: ok = delivered, errors = missing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <unordered_map>
#include <vector>

#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {

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

}  // namespace cxbridge::loadgen
