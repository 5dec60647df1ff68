// Target kinds: where a delivery goes. Adding a kind is one new file with a TargetKind and one
// line in RegisterBuiltins() (registry.cc).
//
// A Target is the runtime object for one configured target (one per rule target), created when
// the routing table changes and shared by all its deliveries.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blob/claim_check.h"
#include "bus/model.h"
#include "common/clock.h"
#include "common/status.h"

namespace cxbridge::http {
class HttpClient;
}
namespace prometheus {
class Registry;
}
namespace cxbridge::store {
class ArchiveStore;
}
namespace cxbridge::blob {
class BlobStore;
}
namespace cxbridge::queue {
class QueueService;
}

namespace cxbridge::deliver {

struct AwsSettings;  // aws_settings.h
class ApiDestinationDirectory;  // api_destination.h
class OAuthTokenCaches;         // api_destination.h

// The outcome of one attempt. Classify failures in exactly one place per kind (e.g.
// ClassifyHttp): retry only what can heal.
struct SendResult {
  enum Kind {
    kOk,         // delivered
    kRetryable,  // may heal: timeout, connection error, 429, 5xx → retry with backoff
    kPermanent,  // will not heal: other 4xx, bad config, payload refused → dead-letter now
  };
  Kind kind = kOk;
  std::string error_code;  // e.g. "HTTP_503", "TIMEOUT", "CONNECTION_ERROR"
  std::string message;
  int64_t retry_after_ms = -1;  // the peer's Retry-After, when it sent one
  int http_status = 0;          // the peer's HTTP status, when it answered over HTTP (history)
};

struct SendRequest {
  std::string event_id;
  std::string payload;  // the (transformed) body to send
  std::string rule_arn;
  int64_t attempt = 1;
  // The original (untransformed) event, for kinds that derive a subject, group id or dedup id
  // from it. May be null (then kinds fall back to the payload).
  std::shared_ptr<const std::string> event;
};

// Thread-safety: Send may be called concurrently; `done` may run on any thread and must not block.
class Target {
 public:
  virtual ~Target() = default;
  virtual void Send(const SendRequest& req, std::function<void(SendResult)> done) = 0;
};

// What a kind may use to build its targets.
struct TargetEnv {
  http::HttpClient* http = nullptr;
  store::ArchiveStore* archives = nullptr;
  Clock* clock = nullptr;
  std::string account, region;
  queue::QueueService* queues = nullptr;  // the built-in SQS-compatible queues (queue_target.cc)
  // Resolves claim-check references for targets with ResolveClaimCheck: true (may be null).
  blob::BlobStore* blobs = nullptr;
  // The `aws:` section (credentials, endpoints) for targets that forward to AWS (may be null).
  std::shared_ptr<const AwsSettings> aws;
  // Where kinds register their metrics (may be null: not counted).
  prometheus::Registry* metrics = nullptr;
  // The API's connections and API destinations, read at send time (may be null: none exist).
  const ApiDestinationDirectory* api_destinations = nullptr;
  // Outbound address guard (deliver/README.md): false refuses loopback, private and link-local
  // addresses to API destinations and to HTTP targets saved through the API.
  bool allow_private_targets = false;
  // Host-local targets (command://, file://) run programs and write files on the gateway's host:
  // false refuses them when they were saved through the API (config-file targets are the
  // operator's own). server.allow_api_local_targets.
  bool allow_api_local_targets = false;
  // The server's OAuth token caches, shared with connection authorization (may be null: each
  // API destination kind keeps its own).
  OAuthTokenCaches* oauth_tokens = nullptr;
};

class TargetKind {
 public:
  virtual ~TargetKind() = default;
  virtual std::string_view name() const = 0;
  // True when this kind serves the target's Arn.
  virtual bool Handles(const bus::TargetDef& def) const = 0;
  // Like Handles, for kinds whose choice depends on cxbridge's own account and region (an SQS
  // ARN is a built-in queue when it is ours, an AWS queue otherwise). Defaults to Handles.
  virtual bool HandlesIn(const bus::TargetDef& def, const TargetEnv& env) const {
    (void)env;
    return Handles(def);
  }
  // Checks the config without building anything (no threads, no connections): used when a
  // target is saved (config load, PutTargets) so a target that cannot work is refused there.
  virtual Status Validate(const bus::TargetDef& def, const TargetEnv& env) const {
    (void)def;
    (void)env;
    return Status::Ok();
  }
  // Validates the target's config and builds it.
  virtual Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const = 0;
};

class TargetRegistry {
 public:
  void Add(std::unique_ptr<TargetKind> kind) { kinds_.push_back(std::move(kind)); }
  // The first kind that handles the Arn; InvalidArgument naming the Arn and the supported kinds
  // when none does.
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const;
  // The handling kind's Validate; InvalidArgument naming the supported kinds when no kind
  // handles the Arn, so a target nobody would deliver to is refused where it is saved (config
  // load, PutTargets) instead of dead-lettering every event as TARGET_CONFIG.
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<TargetKind>> kinds_;
};

// The kinds built into cxbridge, in match order.
void RegisterBuiltins(TargetRegistry& registry);

// InvalidArgument for a host-local target kind (`what`: "command", "file") saved through the API
// while TargetEnv::allow_api_local_targets is false; OK otherwise.
Status CheckLocalTargetOrigin(const bus::TargetDef& def, const TargetEnv& env,
                              std::string_view what);

// Every key of a config-file target that cxbridge does not read (EventBridge's Target shape and
// cxbridge's extensions, their objects' own keys too): one line per key, with a "did you mean"
// (common/config_keys.h). Checked by TargetRegistry::Validate for config-file targets (the API
// checks its own shapes).
Status CheckTargetKeys(const json::Value& raw);

// A target's own claim check, "ClaimCheck": {threshold_bytes, fields, uri_base} (a source's
// claim_check without `store`: targets use the server's blob store). Null when the target has
// none; InvalidArgument names what is wrong. Checked for every kind by TargetRegistry::Validate.
Result<std::optional<blob::ClaimCheckPolicy>> ParseTargetClaimCheck(const bus::TargetDef& def);

// The kinds, one per file.
std::unique_ptr<TargetKind> NewHttpTargetKind();
std::unique_ptr<TargetKind> NewFileTargetKind();
std::unique_ptr<TargetKind> NewArchiveTargetKind();
std::unique_ptr<TargetKind> NewCommandTargetKind();
std::unique_ptr<TargetKind> NewNatsTargetKind();
std::unique_ptr<TargetKind> NewQueueTargetKind();
std::unique_ptr<TargetKind> NewEventBridgeTargetKind();  // an event bus in AWS (PutEvents)
std::unique_ptr<TargetKind> NewSqsTargetKind();          // an SQS queue in AWS (SendMessage)
std::unique_ptr<TargetKind> NewKinesisTargetKind();      // a Kinesis data stream (PutRecords)
std::unique_ptr<TargetKind> NewSnsTargetKind();          // an SNS topic (Publish)
std::unique_ptr<TargetKind> NewFirehoseTargetKind();     // a Firehose delivery stream
std::unique_ptr<TargetKind> NewStatesTargetKind();       // a Step Functions state machine
std::unique_ptr<TargetKind> NewLambdaTargetKind();       // a Lambda function (Invoke, Event)
std::unique_ptr<TargetKind> NewLogsTargetKind();         // a CloudWatch Logs log group
std::unique_ptr<TargetKind> NewApiDestinationTargetKind();  // an API destination (api_destination.h)

// HTTP status/transport result → retry or dead-letter. 2xx ok; 408, 429, 5xx, timeouts and
// connection errors retry; any other status is permanent.
SendResult ClassifyHttp(int status, bool timed_out, const std::string& transport_error,
                        const std::string* retry_after_header, int64_t now_ms);
// A connection the outbound address guard refused (http::ClientResponse::address_refused):
// permanent ADDRESS_REFUSED; the message says how private targets are allowed.
SendResult AddressRefused(const std::string& error);
// A response whose body (or headers) passed the HttpClient's cap (http::ClientResponse::
// body_too_large): permanent RESPONSE_TOO_LARGE; a peer that streams without end will do it again.
SendResult ResponseTooLarge(const std::string& error);
// OK, or the permanent HEADER_VALUE failure for the first header whose name or value holds a CR,
// LF or NUL (from event data through HttpParameters `$.…`, or a connection's parameters): sending
// it would add headers or split the request, so the delivery is dead-lettered unsent.
std::optional<SendResult> CheckOutboundHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers);

// The longest Retry-After a target is believed (larger values, or ones that overflow, are
// clamped): a week, far beyond any retry policy's MaximumEventAgeInSeconds (at most a day).
inline constexpr int64_t kMaxRetryAfterMs = int64_t{7} * 24 * 3600 * 1000;

}  // namespace cxbridge::deliver
