// Amazon Resource Names: arn:<partition>:<service>:<region>:<account>:<resource>.
// One parser for every place cxbridge reads an ARN (targets, dead-letter queues, the APIs).
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cxbridge::aws {

struct Arn {
  std::string partition;  // "aws", "aws-cn", "aws-us-gov"
  std::string service, region, account;
  std::string resource;  // everything after the fifth ':' ("event-bus/b", "stream/s", "q", …)

  std::string ToString() const;
};

// nullopt unless `text` has the six parts with a non-empty partition ("aws" or "aws-…"), service
// and resource. Region and account may be empty (as in S3 or IAM ARNs); callers that need them
// check.
std::optional<Arn> ParseArn(std::string_view text);

// True for a 12-digit account id.
bool IsAccountId(std::string_view s);

// The resource's name after `type` and its separator ('/' or ':'): ResourceName(a, "stream") of
// "stream/s" is "s"; nullopt when the resource has another type or no name.
std::optional<std::string> ResourceName(const Arn& arn, std::string_view type);

}  // namespace cxbridge::aws
