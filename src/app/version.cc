#include "app/version.h"

namespace cxbridge::app {

extern const char kGitRevision[];  // the generated git_revision.cc

std::string Version() { return CXBRIDGE_VERSION; }
std::string GitRevision() { return kGitRevision; }
std::string VersionLine() { return "cxbridge " + Version() + " (git " + GitRevision() + ")"; }

}  // namespace cxbridge::app
