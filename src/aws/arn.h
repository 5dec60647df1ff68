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
// and resource, and a region that is empty or IsRegion. Region and account may be empty (as in S3
// or IAM ARNs); callers that need them check.
std::optional<Arn> ParseArn(std::string_view text);

// True for an AWS region name: two lowercase letters, one or more "-" + lowercase word, then
// "-" + digits (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4), i.e.
// ^[a-z]{2}(-[a-z]+)+-[0-9]+$, checked by hand (linear, no regex), at most 32 characters. Every
// place a region goes into a hostname (https://<service>.<region>.amazonaws.com) checks this
// first: a "region" such as "x@10.1.2.3:8443/#" would otherwise send signed requests anywhere.
bool IsRegion(std::string_view s);

// True for a 12-digit account id.
bool IsAccountId(std::string_view s);

// The resource's name after `type` and its separator ('/' or ':'): ResourceName(a, "stream") of
// "stream/s" is "s"; nullopt when the resource has another type or no name.
std::optional<std::string> ResourceName(const Arn& arn, std::string_view type);

}  // namespace cxbridge::aws
