// The credentials the client commands (`cxbridge replay`, `cxbridge consume`) sign the running
// server's AWS-style APIs with.
#pragma once

#include "aws/sigv4.h"
#include "common/status.h"
#include "config/config.h"

namespace cxbridge::app {

// The environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, as the aws CLI
// reads them), else the config's first `api.access_keys` entry; empty (send unsigned) when neither
// has a key. An error when the config's secret cannot be read.
Result<aws::AwsCredentials> ClientCredentials(const config::Config& cfg);

}  // namespace cxbridge::app
