// The sending side of the auth schemes (auth.h): the headers a sender adds so that a webhook
// source with this `auth:` section accepts the body. Used by `cxbridge send` and by the
// simulator (`cxbridge-simulate`), and by tests that want a request the source accepts.
// With several secrets (rotation) the first one signs.
// Thread-safety: a pure function (secrets are resolved on each call); safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::ingest {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Appends to `headers` what scheme `auth.scheme` requires for `body` at `now_ms` (standard
// webhooks' timestamp). kInvalidArgument for an unknown scheme or preset, or a secret that
// cannot be resolved (the message names the variable or file, never the value).
Status SignBody(const json::Value& auth, std::string_view body, int64_t now_ms, HeaderList* headers);

}  // namespace cxbridge::ingest
