// AWS Signature Version 4 signing for cxbridge's outbound AWS calls (S3 blob store, replay CLI, AWS targets:
// EventBridge PutEvents, SQS SendMessage). The counterpart of sigv4.h (verification of inbound
// requests); header-signed, as the AWS SDKs sign JSON-protocol requests.
// Stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cxbridge::aws {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
};

struct SignInput {
  std::string method = "POST";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  // Request headers to sign (Content-Type, X-Amz-Target, …); Host and X-Amz-Date are added.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string region, service;  // credential scope, e.g. "us-east-1", "events"
  int64_t now_ms = 0;
};

// The headers to add to the request: Host, X-Amz-Date, (X-Amz-Security-Token,) Authorization.
std::vector<std::pair<std::string, std::string>> SignV4(const SignInput& in, const AwsCredentials& creds);

// The parts, exposed for tests against AWS's published examples.
std::string CanonicalRequest(const SignInput& in, const std::vector<std::pair<std::string, std::string>>& all_headers,
                             std::string* signed_headers);
std::string AmzDate(int64_t now_ms);  // "20150830T123600Z"

}  // namespace cxbridge::aws
