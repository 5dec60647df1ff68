// The `api:` section of the config file → ApiOptions. Validated once at startup.
//
//   api:
//     enabled: true                # false: neither the EventBridge nor the SQS API is served
//     max_put_events_bytes: 262144 # 1..1048576 (EventBridge classic 256 KiB; up to 1 MiB)
//     access_keys:                 # none: no authentication (loopback only)
//       - id: AKIDEXAMPLE
//         secret: {env: CXB_AWS_SECRET}   # any secret spec (common/secret.h)
//
// Account and region come from the server section. Safe from any thread.
#pragma once

#include <string>

#include "api/events_api.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::api {

// `section` may be null (defaults). Errors name the offending key.
Result<ApiOptions> ParseApiConfig(const json::Value& section, const std::string& account, const std::string& region);

}  // namespace cxbridge::api
