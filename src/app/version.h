// What `cxbridge --version` prints: the release version and the git revision the binary was
// built from (cmake/version.cmake; "-dirty" when tracked files had uncommitted changes,
// "unknown" when built outside a git checkout without CXBRIDGE_GIT_REVISION).
#pragma once

#include <string>

namespace cxbridge::app {

std::string Version();          // "0.1.0"
std::string GitRevision();      // "bda9590c1f2e", "bda9590c1f2e-dirty" or "unknown"
std::string VersionLine();      // "cxbridge 0.1.0 (git bda9590c1f2e)"

}  // namespace cxbridge::app
