// CPU accounting from /proc (cpu.h).
#include "loadgen/cpu.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

namespace cxbridge::loadgen {

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

double MachineBusySeconds() {
  static const double kTick = double(sysconf(_SC_CLK_TCK));
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user, nice, system, idle, iowait, irq, softirq, steal;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal))
    return -1;
  return (user + nice + system + irq + softirq + steal) / kTick;
}

}  // namespace cxbridge::loadgen
