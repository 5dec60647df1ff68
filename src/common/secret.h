// Secrets named in the config: never inline in logs. A secret spec is one of
//   {"env": "NAME"}         the value of environment variable NAME
//   {"file": "/path"}       the file's contents, one trailing newline removed
//   {"value": "literal"}    inline (for tests and examples only)
// or a plain string, which is taken as {"value": ...}. Safe from any thread.
#pragma once

#include <string>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge {

// Resolves a spec to its value. Errors name the env var or file, never the value.
Result<std::string> ResolveSecret(const json::Value& spec);

}  // namespace cxbridge
