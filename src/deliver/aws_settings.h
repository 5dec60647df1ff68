// AWS forwarding settings (the `aws:` config section) and the helpers the AWS target kinds share
// (eventbridge_target.cc: PutEvents to an event bus in AWS; sqs_target.cc: SendMessage to an
// SQS queue in AWS).
//
//   aws:
//     access_key_id: {env: AWS_ACCESS_KEY_ID}        # secret specs (common/secret.h); never logged
//     secret_access_key: {file: /run/secrets/aws}
//     session_token: {env: AWS_SESSION_TOKEN}        # optional
//     # or, instead of the keys: the AWS SDKs' default chain (environment, ~/.aws/credentials,
//     # container credentials, EC2 instance metadata), refreshed before expiry (aws/credentials.h)
//     credentials: default
//     endpoints:                                     # optional, per service; {region} is replaced
//       events: https://vpce-0abc.events.{region}.vpce.amazonaws.com
//       sqs: http://127.0.0.1:5000
//     timeout_seconds: 10                            # per request
//     batch_window_ms: 2                             # how long a lone entry waits for company
//     max_request_bytes: 262144                      # PutEvents / SendMessageBatch size limit
//
// The region of a request (endpoint and SigV4 scope) is the target ARN's region. An endpoint
// override is trusted configuration: requests to it are not subject to any outbound address
// guard (a VPC endpoint or a local emulator is usually a private or loopback address).
// Immutable once parsed; safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/arn.h"
#include "aws/client.h"
#include "aws/credentials.h"
#include "common/json.h"
#include "common/status.h"
#include "deliver/aws_batcher.h"
#include "deliver/target.h"
#include "http/client.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
}  // namespace prometheus

namespace cxbridge::deliver {

struct AwsSettings {
  // Static keys from the config, or the default chain (set by the server when
  // `credentials: default`, see use_default_chain); null: none configured.
  std::shared_ptr<const aws::CredentialSource> credentials;
  bool use_default_chain = false;  // `credentials: default`: the server builds and starts the chain
  std::map<std::string, std::string> endpoints;  // service ("events", "sqs") → URL template
  int64_t timeout_ms = 10'000;
  int64_t batch_window_ms = 2;
  size_t max_request_bytes = 256 * 1024;

  bool has_credentials() const { return credentials != nullptr || use_default_chain; }
  // The endpoint for `service` in `region`: the override (with {region} replaced) or the public
  // one, https://<service>.<region>.amazonaws.com. No trailing slash.
  std::string Endpoint(std::string_view service, std::string_view region) const;
};

// Parses the `aws:` section (null → defaults without credentials). Resolves the secret specs;
// errors name the key, never a secret's value.
Result<AwsSettings> ParseAwsSettings(const json::Value& section);

// A target's ARN for `service` (aws/arn.h) with a region and a 12-digit account; nullopt otherwise.
std::optional<aws::Arn> ParseTargetArn(std::string_view arn, std::string_view service);

// True when the target asks to be forwarded to AWS even though its ARN names cxbridge's own
// account and region (the cxbridge extension `Aws: {Remote: true}` on the Target object).
bool ForcedRemote(const bus::TargetDef& def);

// SqsParameters.MessageGroupId (or KinesisParameters.PartitionKeyPath) for one delivery: a
// literal, or (when it starts with "$.") a path into the original event. "" when the path names
// nothing. At most `max_len` characters (SQS's group id limit by default; Kinesis allows 256).
std::string MessageGroupIdFor(const std::string& spec, const SendRequest& req,
                              size_t max_len = 128);

// The end of the message that refuses an AWS target when the server has no credentials.
inline constexpr const char* kNoAwsCredentials =
    "but no AWS credentials are configured (aws.access_key_id / aws.secret_access_key, or "
    "aws.credentials: default)";

// The AWS targets' metrics, declared together, per service ("events", "sqs"):
//   cxbridge_aws_requests_total{service}             requests sent (PutEvents, SendMessage[Batch])
//   cxbridge_aws_batch_entries{service}              entries per request (how well batches fill)
//   cxbridge_aws_entries_total{service,outcome}      per entry: delivered | retryable | permanent
struct AwsMetrics {
  prometheus::Counter* requests = nullptr;
  prometheus::Histogram* batch_entries = nullptr;
  prometheus::Counter* delivered = nullptr;
  prometheus::Counter* retryable = nullptr;
  prometheus::Counter* permanent = nullptr;
  // Counts one answered request and its entries' results. Safe from any thread.
  void Record(const std::vector<SendResult>& results) const;
};
// Null when `registry` is null (then nothing is counted). Repeated calls share the same series.
std::shared_ptr<const AwsMetrics> AwsMetricsFor(prometheus::Registry* registry,
                                                const std::string& service);

// One AWS call: POST `endpoint`/ with `Content-Type: <content_type>` and `X-Amz-Target: <op>`
// (none when `op` is empty: the query protocol, e.g. SNS), through aws::AwsClient (SigV4 for
// (`region`, `service`) at `clock`'s time, never through an outbound address guard: the endpoint
// is trusted configuration). Asynchronous: `done` runs on the HttpClient's thread. Without
// credentials to sign with, `done` runs at once with an answer that ClassifyAwsResponse reads as
// retryable CREDENTIALS_UNAVAILABLE.
struct AwsCall {
  std::string endpoint, region, service, content_type, op, body;
  std::string path = "/";  // %-encoded (Lambda: /2015-03-31/functions/<name>/invocations)
  aws::Headers headers;    // more headers to send and sign (X-Amz-Invocation-Type, …)
  bool refuse_private_addresses = false;  // AwsService::refuse_private_addresses
};
void SendAwsCall(http::HttpClient* client, const AwsSettings& settings, const Clock* clock,
                 AwsCall call, std::function<void(http::ClientResponse)> done);

// What every request of one AWS target shares: the client, the signing clock, the settings, the
// service's metrics, and its endpoint in the region of the target's ARN. Immutable once built.
struct AwsService {
  http::HttpClient* client = nullptr;
  const Clock* clock = nullptr;
  std::shared_ptr<const AwsSettings> settings;
  std::shared_ptr<const AwsMetrics> metrics;  // may be null
  std::string service, endpoint, region;
  // The outbound address guard, as for HTTP targets: on for a target saved through the API that
  // goes to AWS's public endpoint (no aws.endpoints override, which is trusted configuration),
  // unless private targets are allowed.
  bool refuse_private_addresses = false;

  // `service` ("events", "sqs", "kinesis", "sns") in `region` (aws::IsRegion), from a target's
  // environment, for a target of `origin`.
  static AwsService For(const TargetEnv& env, std::string service, const std::string& region,
                        bus::Origin origin);
  // SendAwsCall to this service.
  void Call(std::string content_type, std::string op, std::string body,
            std::function<void(http::ClientResponse)> done) const;
  // Call for a batch (aws_batcher.h): `map` turns the answer into one result per entry; they are
  // counted in the metrics, each entry's `done` runs, then `finished`.
  using MapBatch = std::vector<SendResult> (*)(const http::ClientResponse& resp, size_t entries);
  void CallBatch(std::string content_type, std::string op, std::string body,
                 std::vector<BatchEntry> batch, MapBatch map, std::function<void()> finished) const;
  // Call for one delivery: `map` turns the answer into its result, which is counted and given
  // to `done`.
  using MapOne = SendResult (*)(const http::ClientResponse& resp);
  void CallOne(std::string content_type, std::string op, std::string body, MapOne map,
               std::function<void(SendResult)> done) const;
};

// Moves the encoded entries out of a batch (whose `done`s stay for CallBatch).
std::vector<std::string> TakeEncoded(std::vector<BatchEntry>* batch);
// `prefix` + "[" + the items joined by "," + "]}": the JSON body of a batch request whose list
// is its last member, e.g. JsonListBody(R"({"Entries":)", entries).
std::string JsonListBody(std::string prefix, const std::vector<std::string>& items);

// Validate's checks shared by the AWS target kinds: OK when the server has credentials, else
// "<what> <arn> forwards to AWS, but no AWS credentials are configured (…)".
Status RequireAwsCredentials(const TargetEnv& env, const std::string& what, const std::string& arn);

// Transport and HTTP-level outcome of a call: kOk only for 200. Throttling (HTTP 429, or a
// Throttling*/RequestThrottled/*Throttled code), 5xx and transport errors retry; any other
// error code (access denied, validation, unknown queue or bus, bad signature) is permanent.
// `body` is the parsed response (null when it is not JSON).
SendResult ClassifyAwsResponse(const http::ClientResponse& resp, const json::Value& body);
// True for AWS error codes that mean "try again later".
bool IsRetryableAwsCode(std::string_view code);
// One result per entry of a batch whose 200 answer lists per-entry results under `list_key`, in
// request order (PutEvents "Entries", PutRecords "Records"): no ErrorCode → delivered; a retryable
// code (IsRetryableAwsCode) → retryable; any other → permanent with the code and ErrorMessage.
// Request-level failures apply to every entry (ClassifyAwsResponse); a list that does not line up
// with the request retries every entry (MALFORMED_RESPONSE, saying `what` was expected).
std::vector<SendResult> MapEntryResults(const http::ClientResponse& resp, size_t entries,
                                        std::string_view list_key, const std::string& what);

}  // namespace cxbridge::deliver
