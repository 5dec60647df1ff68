// JSON-lines logging for spdlog: {"time":…,"level":…,"msg":…}, with the message escaped.
#pragma once

namespace cxbridge::app {
// Installs the JSON formatter on the default logger (stderr).
void InitJsonLogging(bool debug);
}  // namespace cxbridge::app
