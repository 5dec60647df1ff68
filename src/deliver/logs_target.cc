// The `logs` target kind: a rule target whose Arn is a CloudWatch Logs log group,
//
//   Arn: arn:aws:logs:<region>:<account>:log-group:<name>[:*]
//
// Each delivery becomes one log event whose message is the (transformed) payload, written with
// Logs_20140328.PutLogEvents (JSON 1.1) to the `logs` endpoint of the ARN's region
// (aws.endpoints.logs overrides it), signed with the `aws:` credentials, batched as the service
// allows (aws_batcher.h): up to 10,000 events and 1,048,576 bytes per request, counted as
// PutLogEvents counts them (each message's UTF-8 bytes plus 26), lingering at most
// aws.batch_window_ms. One request per target is in flight at a time.
//
// The log stream is `cxbridge-<target Id>` in that group, created with CreateLogStream before the
// first request (an existing one is used as it is) and again if it was deleted. The log group
// itself must exist, as with EventBridge. A log event's timestamp is the time its batch is sent,
// so every batch is in the chronological order PutLogEvents requires; the event's own `time` is
// in the message.
//
// Outcomes: 200 → delivered, except the events PutLogEvents lists in rejectedLogEventsInfo
// (too new, too old, expired) → dead-letter LOG_EVENT_REJECTED. ThrottlingException,
// ServiceUnavailableException, 5xx, transport → retry; the log stream missing → retry (it is
// created again first); the log group missing (ResourceNotFoundException), access denied,
// validation → dead-letter. A message over 256 KiB (with its 26 bytes) → ENTRY_TOO_LARGE.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include <atomic>

#include "deliver/aws_target_kind.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxEventBytes = 256 * 1024;        // message + 26
constexpr size_t kMaxRequestBytes = 1024 * 1024;     // sum of (message + 26)
constexpr size_t kMaxEvents = 10'000;
constexpr size_t kEventOverhead = 26;
}  // namespace

std::string PutLogEventsBody(const std::string& group, const std::string& stream,
                             const std::vector<std::string>& quoted_messages, int64_t timestamp_ms) {
  std::string out = "{\"logGroupName\":";
  json::AppendQuoted(&out, group);
  out += ",\"logStreamName\":";
  json::AppendQuoted(&out, stream);
  out += ",\"logEvents\":[";
  const std::string ts = "{\"timestamp\":" + std::to_string(timestamp_ms) + ",\"message\":";
  for (size_t i = 0; i < quoted_messages.size(); ++i) {
    if (i > 0) out += ',';
    out += ts;
    out += quoted_messages[i];
    out += '}';
  }
  return out + "]}";
}

std::vector<SendResult> MapPutLogEventsResponse(const http::ClientResponse& resp, size_t events) {
  auto parsed = json::Parse(resp.body);
  json::Value body = parsed.ok() ? std::move(*parsed) : json::Value();
  SendResult overall = ClassifyAwsResponse(resp, body);
  if (overall.kind != SendResult::kOk) {
    // The stream was deleted under us: the next attempt creates it again (see Prepared).
    if (overall.error_code == "ResourceNotFoundException" &&
        overall.message.find("log stream") != std::string::npos) {
      overall.kind = SendResult::kRetryable;
      overall.error_code = "LOG_STREAM_MISSING";
    }
    return std::vector<SendResult>(events, overall);
  }
  std::vector<SendResult> out(events);
  const json::Value* info = body.Find("rejectedLogEventsInfo");
  if (info == nullptr || !info->is_object()) return out;
  auto index = [&](const char* key) -> int64_t {
    const json::Value* v = info->Find(key);
    int64_t i = -1;
    if (v != nullptr && v->is_number() && v->as_int64(&i)) return i;
    return -1;
  };
  auto reject = [&](size_t i, const std::string& why) {
    if (i < events) out[i] = {SendResult::kPermanent, "LOG_EVENT_REJECTED", why};
  };
  if (int64_t i = index("tooNewLogEventStartIndex"); i >= 0) {
    for (size_t k = static_cast<size_t>(i); k < events; ++k)
      reject(k, "CloudWatch Logs refused the log event as too new");
  }
  if (int64_t i = index("tooOldLogEventEndIndex"); i >= 0) {
    for (size_t k = 0; k <= static_cast<size_t>(i) && k < events; ++k)
      reject(k, "CloudWatch Logs refused the log event as too old");
  }
  if (int64_t i = index("expiredLogEventEndIndex"); i >= 0) {
    for (size_t k = 0; k <= static_cast<size_t>(i) && k < events; ++k)
      reject(k, "CloudWatch Logs refused the log event as older than the group's retention");
  }
  return out;
}

namespace {

struct LogsWire {
  static constexpr std::string_view kName = "logs";
  static constexpr std::string_view kService = "logs";
  static constexpr std::string_view kWhat = "CloudWatch Logs target";
  static constexpr std::string_view kArnForm = "arn:aws:logs:<region>:<account>:log-group:<name>";

  struct Config {
    std::string group, stream;
    // Whether the stream is known to exist; shared by the target's requests.
    std::shared_ptr<std::atomic<bool>> stream_ready = std::make_shared<std::atomic<bool>>(false);
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    auto name = aws::ResourceName(arn, "log-group");
    std::string group = name.value_or("");
    if (group.ends_with(":*")) group.resize(group.size() - 2);
    // Log group names: 1-512 of [.\-_/#A-Za-z0-9].
    if (!arn.resource.starts_with("log-group:") || group.empty() || group.size() > 512 ||
        group.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/#") !=
            std::string::npos) {
      return Status::InvalidArgument("CloudWatch Logs target " + def.arn +
                                     " is not a log group ARN (" + std::string(kArnForm) + ")");
    }
    Config c;
    c.group = std::move(group);
    c.stream = "cxbridge-" + def.id;
    return c;
  }

  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {kMaxEvents, kMaxRequestBytes, kMaxEventBytes, 1};
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config&, const SendRequest& req) {
    std::string quoted;
    json::AppendQuoted(&quoted, req.payload);
    return EncodedEntry{std::move(quoted), req.payload.size() + kEventOverhead};
  }

  static std::optional<AwsCall> Prepare(const Config& c) {
    if (c.stream_ready->load()) return std::nullopt;
    AwsCall call;
    call.content_type = "application/x-amz-json-1.1";
    call.op = "Logs_20140328.CreateLogStream";
    call.body = "{\"logGroupName\":";
    json::AppendQuoted(&call.body, c.group);
    call.body += ",\"logStreamName\":";
    json::AppendQuoted(&call.body, c.stream);
    call.body += '}';
    return call;
  }

  static SendResult Prepared(const Config& c, const http::ClientResponse& resp) {
    auto parsed = json::Parse(resp.body);
    SendResult r = ClassifyAwsResponse(resp, parsed.ok() ? *parsed : json::Value());
    if (r.kind == SendResult::kOk || r.error_code == "ResourceAlreadyExistsException") {
      c.stream_ready->store(true);
      return {};
    }
    return r;
  }

  static AwsCall Request(const Config& c, std::vector<std::string> messages) {
    AwsCall call;
    call.content_type = "application/x-amz-json-1.1";
    call.op = "Logs_20140328.PutLogEvents";
    call.body = PutLogEventsBody(c.group, c.stream, messages, SystemClock().NowMs());
    return call;
  }

  static std::vector<SendResult> Map(const Config& c, const http::ClientResponse& resp,
                                     size_t entries) {
    std::vector<SendResult> out = MapPutLogEventsResponse(resp, entries);
    if (!out.empty() && out[0].error_code == "LOG_STREAM_MISSING") c.stream_ready->store(false);
    return out;
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewLogsTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<LogsWire>>();
}

}  // namespace cxbridge::deliver
