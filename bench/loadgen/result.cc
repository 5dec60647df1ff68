// The RESULT line every mode ends with (format: main.cc).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {

namespace {

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = size_t(std::ceil(q * double(sorted.size())));  // nearest rank
  if (rank == 0) rank = 1;
  return double(sorted[std::min(rank, sorted.size()) - 1]) / 1e6;
}

}  // namespace

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

}  // namespace cxbridge::loadgen
