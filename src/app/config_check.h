// `cxbridge config check FILE` and the check `serve` runs before it starts: config/'s own checks
// plus every module's checks of the sections it owns (sources, rules and targets, aws, api,
// blobs, schemas), each problem placed at its line and column. Nothing is started: no storage,
// no network, no folders created.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace cxbridge::app {

// Every problem the modules find in `cfg` (a config/ parse without problems of its own, or with
// some: what could be read is checked), in file order.
std::vector<config::Problem> CheckModules(const config::Config& cfg);

// Reads, parses and checks a config file: the config when there is no problem, otherwise
// kInvalidArgument listing every problem, one "file:line:column: message" per line.
Result<config::Config> LoadCheckedConfig(const std::string& path);

// `cxbridge config check FILE`: prints every problem (stdout), exit 0 when there is none, 1
// otherwise.
int RunConfigCheck(const std::string& path, std::ostream& out);

}  // namespace cxbridge::app
