// AWS Signature Version 4 verification for the EventBridge API (header-signed requests, as the
// aws CLI and boto3 send them: `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/
// service/aws4_request, SignedHeaders=…, Signature=…` plus `X-Amz-Date`).
// Stateless apart from the immutable key map; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "http/message.h"

namespace cxbridge::api {

// Why a request was refused; each value maps to one AWS error (see AuthErrorType).
enum class AuthOutcome {
  kOk,
  kMissingToken,      // no Authorization header: MissingAuthenticationTokenException
  kIncomplete,        // header present but malformed: IncompleteSignatureException
  kUnknownAccessKey,  // UnrecognizedClientException
  kBadSignature,      // InvalidSignatureException
  kExpired,           // X-Amz-Date outside ±15 minutes: InvalidSignatureException
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kOk;
  std::string message;     // AWS's text for the error
  std::string access_key;  // the credential's key id, when parsed
  std::string region;      // from the credential scope
};

class SigV4Verifier {
 public:
  // `keys`: access key id → secret access key. Empty map: authentication is off (every request
  // passes). `service`: the credential scope's service a request must be signed for ("events"
  // for the EventBridge API, "sqs" for the built-in queues). `max_skew_ms`: allowed distance
  // between X-Amz-Date and now (AWS: 15 minutes).
  explicit SigV4Verifier(std::map<std::string, std::string> keys, std::string service = "events",
                         int64_t max_skew_ms = 15 * 60 * 1000)
      : keys_(std::move(keys)), service_(std::move(service)), max_skew_ms_(max_skew_ms) {}

  bool enabled() const { return !keys_.empty(); }
  AuthResult Verify(const http::Request& req, int64_t now_ms) const;

  // The signature a client with `secret` would send for `req` (exposed for tests and tools).
  static std::string Sign(const http::Request& req, const std::string& secret,
                          const std::string& amz_date, const std::string& scope,
                          const std::string& signed_headers);

 private:
  std::map<std::string, std::string> keys_;
  std::string service_;
  int64_t max_skew_ms_;
};

// The AWS error code (`__type`) for a refused outcome.
const char* AuthErrorType(AuthOutcome outcome);

}  // namespace cxbridge::api
