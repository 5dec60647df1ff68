// CPU accounting from /proc for the CPU line of the load and consume modes: how much CPU the
// measured server used over a window, and how much everything else on the machine used (other
// work on the shared cores makes a window's figures suspect). Stateless; thread-safe.
#pragma once

#include <vector>

namespace cxbridge::loadgen {

// User + system CPU seconds of these processes (all their threads); -1 if one is unreadable.
double CpuSeconds(const std::vector<int>& pids);

// Busy CPU seconds of the whole machine (every core, including steal), from /proc/stat.
double MachineBusySeconds();

}  // namespace cxbridge::loadgen
