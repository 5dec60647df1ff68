#include "deliver/target.h"

#include <algorithm>
#include <cstdlib>

#include "common/ids.h"
#include "deliver/dead_letter_queue.h"
#include "http/client.h"

namespace cxbridge::deliver {

void RegisterBuiltins(TargetRegistry& registry) {
  registry.Add(NewHttpTargetKind());
  registry.Add(NewApiDestinationTargetKind());
  registry.Add(NewFileTargetKind());
  registry.Add(NewArchiveTargetKind());
  registry.Add(NewCommandTargetKind());
  registry.Add(NewNatsTargetKind());
  registry.Add(NewEventBridgeTargetKind());
  registry.Add(NewSqsTargetKind());  // before the built-in queues: it takes the SQS ARNs not ours
  registry.Add(NewKinesisTargetKind());
  registry.Add(NewSnsTargetKind());
  registry.Add(NewFirehoseTargetKind());
  registry.Add(NewStatesTargetKind());
  registry.Add(NewLambdaTargetKind());
  registry.Add(NewLogsTargetKind());
  registry.Add(NewQueueTargetKind());
}

namespace {

// What the built-in kinds serve, for the message that refuses any other Arn.
constexpr const char* kSupportedKinds =
    "http(s)://…, file://…, command:///…, nats://…, arn:aws:sqs:…, arn:aws:lambda:…:function:…, "
    "arn:aws:logs:…:log-group:…, arn:aws:kinesis:…:stream/…, arn:aws:sns:…, "
    "arn:aws:firehose:…:deliverystream/…, arn:aws:states:…:stateMachine:…, "
    "arn:aws:events:…:event-bus/…, arn:aws:events:…:api-destination/…, "
    "arn:aws:events:…:archive/…";

Status NoKind(const bus::TargetDef& def) {
  return Status::InvalidArgument("cxbridge cannot deliver to Arn '" + def.arn +
                                 "': no target kind serves it (supported: " + kSupportedKinds +
                                 ")");
}

}  // namespace

Result<std::shared_ptr<Target>> TargetRegistry::Create(const bus::TargetDef& def,
                                                       const TargetEnv& env) const {
  for (const auto& k : kinds_) {
    if (k->HandlesIn(def, env)) return k->Create(def, env);
  }
  return NoKind(def);
}

Status CheckLocalTargetOrigin(const bus::TargetDef& def, const TargetEnv& env,
                              std::string_view what) {
  if (def.origin != bus::Origin::kApi || env.allow_api_local_targets) return Status::Ok();
  return Status::InvalidArgument(
      std::string(what) +
      " targets act on the gateway's own host; set them in the config file, or allow them "
      "through the API with server.allow_api_local_targets: true");
}

Result<std::optional<blob::ClaimCheckPolicy>> ParseTargetClaimCheck(const bus::TargetDef& def) {
  const json::Value* cfg = def.raw.Find("ClaimCheck");
  if (cfg == nullptr) return std::optional<blob::ClaimCheckPolicy>();
  if (cfg->is_object() && cfg->Find("store") != nullptr) {
    return Status::InvalidArgument(
        "ClaimCheck.store: a target uses the server's blob store (`blobs:`)");
  }
  auto policy = blob::ParseClaimCheckPolicy(*cfg);
  if (!policy.ok()) return Status::InvalidArgument("ClaimCheck: " + policy.status().message());
  return std::optional<blob::ClaimCheckPolicy>(std::move(*policy));
}

Status TargetRegistry::Validate(const bus::TargetDef& def, const TargetEnv& env) const {
  if (def.origin == bus::Origin::kConfig) CXB_RETURN_IF_ERROR(CheckTargetKeys(def.raw));
  auto claim_check = ParseTargetClaimCheck(def);
  if (!claim_check.ok()) return claim_check.status();
  if (const json::Value* dl = def.raw.Find("DeadLetterConfig"); dl != nullptr && dl->is_object()) {
    if (const json::Value* arn = dl->Find("Arn"); arn != nullptr && arn->is_string()) {
      CXB_RETURN_IF_ERROR(DeadLetterQueue::Validate(arn->as_string(), env));
    }
  }
  for (const auto& k : kinds_) {
    if (k->HandlesIn(def, env)) return k->Validate(def, env);
  }
  return NoKind(def);
}

std::vector<std::string> TargetRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& k : kinds_) out.emplace_back(k->name());
  return out;
}

SendResult AddressRefused(const std::string& error) {
  SendResult r;
  r.kind = SendResult::kPermanent;
  r.error_code = "ADDRESS_REFUSED";
  r.message = error +
              " (private, loopback and link-local addresses are refused for API destinations and for HTTP "
              "targets saved through the API; allow them with server.allow_private_targets: true or "
              "`cxbridge serve --allow-private-targets`)";
  return r;
}

SendResult ClassifyHttp(int status, bool timed_out, const std::string& transport_error,
                        const std::string* retry_after, int64_t now_ms) {
  SendResult r;
  r.http_status = status;
  if (status == 0) {
    r.kind = SendResult::kRetryable;
    r.error_code = timed_out ? "TIMEOUT" : "CONNECTION_ERROR";
    r.message = transport_error;
    return r;
  }
  if (status >= 200 && status < 300) return r;
  r.error_code = "HTTP_" + std::to_string(status);
  r.message = "target answered HTTP " + std::to_string(status);
  r.kind = (status == 408 || status == 429 || status >= 500) ? SendResult::kRetryable
                                                             : SendResult::kPermanent;
  if (retry_after != nullptr && !retry_after->empty()) {
    // Both forms are clamped to kMaxRetryAfterMs before any multiplication, so a value such as
    // 99999999999999999999 (strtol saturates at LONG_MAX) or a date in the year 2^31 cannot
    // overflow int64 milliseconds.
    constexpr int64_t kMaxSecs = kMaxRetryAfterMs / 1000;
    char* end = nullptr;
    long secs = std::strtol(retry_after->c_str(), &end, 10);
    if (end != retry_after->c_str() && *end == '\0' && secs >= 0) {
      r.retry_after_ms = std::min<int64_t>(secs, kMaxSecs) * 1000;
    } else {
      // HTTP-date form, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
      struct tm tm {};
      if (strptime(retry_after->c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) != nullptr) {
        const int64_t at_secs = static_cast<int64_t>(timegm(&tm));
        const int64_t now_secs = now_ms / 1000;
        if (at_secs != -1) {
          r.retry_after_ms =
              at_secs <= now_secs ? 0
              : at_secs - now_secs >= kMaxSecs
                  ? kMaxRetryAfterMs
                  : std::max<int64_t>(0, at_secs * 1000 - now_ms);
        }
      }
    }
  }
  return r;
}

SendResult ResponseTooLarge(const std::string& error) {
  SendResult r;
  r.kind = SendResult::kPermanent;
  r.error_code = "RESPONSE_TOO_LARGE";
  r.message = error;
  return r;
}

std::optional<SendResult> CheckOutboundHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    const bool bad_name = http::HasLineBreakOrNul(name);
    if (!bad_name && !http::HasLineBreakOrNul(value)) continue;
    SendResult r;
    r.kind = SendResult::kPermanent;
    r.error_code = "HEADER_VALUE";
    r.message = bad_name ? "a header name contains a CR, LF or NUL character; not sent"
                         : "header " + name +
                               ": the value (resolved from the event or the connection) contains "
                               "a CR, LF or NUL character, which would inject headers; not sent";
    return r;
  }
  return std::nullopt;
}

}  // namespace cxbridge::deliver
