// AWS Signature Version 4: the one canonicalization, the signer for cxbridge's outbound AWS calls
// (the AWS targets, the S3 blob store, `cxbridge replay` and `consume`) and the verifier of inbound
// requests (the EventBridge API, the built-in queues' SQS API). Header-signed requests, as the AWS
// SDKs and the aws CLI send them:
//   Authorization: AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request,
//                  SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=…
// plus X-Amz-Date (and X-Amz-Security-Token with temporary credentials).
//
// Canonical request, as botocore builds it (and so as AWS checks it):
//   - URI: the path as sent on the wire, URI-encoded once more (every service but S3, whose
//     path is used as sent). "" → "/".
//   - query: each name=value as sent, %XX-decoded then encoded again (RFC 3986 unreserved kept,
//     '+' is a literal plus), sorted by name then value.
//   - headers: names lower-cased, values trimmed with inner whitespace runs collapsed to one
//     space, repeated headers joined with ','.
//   - payload: hex SHA-256 of the body.
// Stateless (the verifier's key map is immutable); safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace cxbridge::aws {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// --- the canonicalization both sides use ---

struct CanonicalInput {
  std::string_view method;
  std::string_view path;   // as on the wire (already %-encoded), without the query
  std::string_view query;  // as on the wire, without '?'
  const Headers* headers = nullptr;  // every header of the request
  std::string_view signed_headers;   // lower-case names, sorted, ';'-joined
  std::string_view payload_hash;     // hex SHA-256 of the body
  bool s3 = false;                   // S3: the path is not encoded again
};
std::string CanonicalRequest(const CanonicalInput& in);

// The signature (lower-case hex) of `canonical_request` for `scope` (date/region/service/
// aws4_request) at `amz_date` ("20150830T123600Z").
std::string Signature(std::string_view secret, std::string_view amz_date, std::string_view scope,
                      std::string_view canonical_request);

std::string AmzDate(int64_t now_ms);  // "20150830T123600Z"

// --- signing ---

struct SignInput {
  std::string method = "POST";
  std::string url;  // absolute, as sent: scheme://host[:port]/path[?query], %-encoded
  // Request headers to sign (Content-Type, X-Amz-Target, …); Host and X-Amz-Date are added.
  Headers headers;
  std::string body;
  std::string region, service;  // credential scope, e.g. "us-east-1", "events"
  int64_t now_ms = 0;
};

// The headers to add to the request: Host, X-Amz-Date, (X-Amz-Security-Token,) Authorization.
// Every header of `in.headers` is signed.
Headers SignV4(const SignInput& in, const AwsCredentials& creds);

// --- verification ---

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

// The region of the request's SigV4 credential scope ("" when it carries no readable
// Authorization header). Read whether or not authentication is on.
std::string ScopeRegion(const http::Request& req);
// AWS's refusal of a request signed for another region than `served` ("" when it is signed for
// `served`, or not signed): a server answers for one region and never with another region's ARNs.
std::string WrongRegionMessage(const http::Request& req, std::string_view served);

}  // namespace cxbridge::aws
