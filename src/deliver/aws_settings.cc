#include "deliver/aws_settings.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <set>

#include "common/config_keys.h"
#include "common/secret.h"

namespace cxbridge::deliver {
namespace {

Status SecretField(const json::Value& cfg, std::string_view key, std::string* out) {
  const json::Value* v = cfg.Find(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  Result<std::string> s = ResolveSecret(*v);
  if (!s.ok())
    return Status::InvalidArgument("aws." + std::string(key) + ": " + s.status().message());
  *out = std::move(*s);
  return Status::Ok();
}

Status IntField(const json::Value& cfg, std::string_view key, int64_t lo, int64_t hi,
                int64_t* out) {
  const json::Value* v = cfg.Find(key);
  if (v == nullptr) return Status::Ok();
  int64_t n = 0;
  if (!v->is_number() || !v->as_int64(&n) || n < lo || n > hi) {
    return Status::InvalidArgument("aws." + std::string(key) + ": must be an integer in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = n;
  return Status::Ok();
}

}  // namespace

std::string AwsSettings::Endpoint(std::string_view service, std::string_view region) const {
  // Callers pass a region from ParseTargetArn (checked); this is the last line of defence before
  // the region becomes part of a hostname.
  if (!aws::IsRegion(region)) return "https://invalid-region.invalid";
  auto it = endpoints.find(std::string(service));
  if (it == endpoints.end())
    return "https://" + std::string(service) + "." + std::string(region) + ".amazonaws.com";
  std::string url = it->second;
  for (size_t p; (p = url.find("{region}")) != std::string::npos;) url.replace(p, 8, region);
  return url;
}

Result<AwsSettings> ParseAwsSettings(const json::Value& section) {
  AwsSettings s;
  if (section.is_null()) return s;
  if (!section.is_object()) return Status::InvalidArgument("aws: must be a mapping");
  CXB_RETURN_IF_ERROR(CheckKeys(section, "aws",
                                {"access_key_id", "secret_access_key", "session_token", "endpoints",
                                 "timeout_seconds", "batch_window_ms", "max_request_bytes",
                                 "credentials"}));
  aws::AwsCredentials keys;
  CXB_RETURN_IF_ERROR(SecretField(section, "access_key_id", &keys.access_key_id));
  CXB_RETURN_IF_ERROR(SecretField(section, "secret_access_key", &keys.secret_access_key));
  CXB_RETURN_IF_ERROR(SecretField(section, "session_token", &keys.session_token));
  if (keys.access_key_id.empty() != keys.secret_access_key.empty()) {
    return Status::InvalidArgument("aws: access_key_id and secret_access_key go together");
  }
  if (const json::Value* c = section.Find("credentials"); c != nullptr && !c->is_null()) {
    if (!c->is_string() || c->as_string() != "default") {
      return Status::InvalidArgument(
          "aws.credentials: the only value is 'default' (the AWS SDKs' default chain); give keys "
          "with access_key_id and secret_access_key instead");
    }
    if (!keys.access_key_id.empty()) {
      return Status::InvalidArgument(
          "aws: credentials: default and access_key_id exclude each other");
    }
    s.use_default_chain = true;
  } else if (!keys.access_key_id.empty()) {
    s.credentials = aws::StaticCredentials(std::move(keys));
  }
  if (const json::Value* e = section.Find("endpoints"); e != nullptr && !e->is_null()) {
    if (!e->is_object())
      return Status::InvalidArgument("aws.endpoints: must be a mapping of service → URL");
    CXB_RETURN_IF_ERROR(CheckKeys(
        *e, "aws.endpoints", {"events", "sqs", "kinesis", "firehose", "sns", "states", "lambda", "logs"}));
    for (const auto& [service, url] : e->members()) {
      if (!url.is_string() ||
          !(url.as_string().starts_with("http://") || url.as_string().starts_with("https://"))) {
        return Status::InvalidArgument("aws.endpoints." + service +
                                       ": must be an http:// or https:// URL");
      }
      std::string u = url.as_string();
      while (u.ends_with("/")) u.pop_back();
      s.endpoints[service] = u;
    }
  }
  int64_t timeout_s = s.timeout_ms / 1000;
  CXB_RETURN_IF_ERROR(IntField(section, "timeout_seconds", 1, 300, &timeout_s));
  s.timeout_ms = timeout_s * 1000;
  CXB_RETURN_IF_ERROR(IntField(section, "batch_window_ms", 0, 1000, &s.batch_window_ms));
  int64_t max_bytes = static_cast<int64_t>(s.max_request_bytes);
  CXB_RETURN_IF_ERROR(IntField(section, "max_request_bytes", 1024, 1 << 20, &max_bytes));
  s.max_request_bytes = static_cast<size_t>(max_bytes);
  return s;
}

std::optional<aws::Arn> ParseTargetArn(std::string_view arn, std::string_view service) {
  auto a = aws::ParseArn(arn);
  if (!a || a->service != service || !aws::IsRegion(a->region) || !aws::IsAccountId(a->account)) {
    return std::nullopt;
  }
  return a;
}

bool ForcedRemote(const bus::TargetDef& def) {
  const json::Value* a = def.raw.Find("Aws");
  const json::Value* r = a != nullptr ? a->Find("Remote") : nullptr;
  return r != nullptr && r->is_bool() && r->as_bool();
}

std::string MessageGroupIdFor(const std::string& spec, const SendRequest& req, size_t max_len) {
  if (!spec.starts_with("$.")) return spec;
  auto ev = json::Parse(req.event ? *req.event : req.payload);
  if (!ev.ok()) return "";
  const json::Value* v = ev->FindPath(spec.substr(2));
  if (v == nullptr || v->is_null()) return "";
  std::string s = v->is_string() ? v->as_string() : json::Serialize(*v);
  return s.substr(0, max_len);
}

void AwsMetrics::Record(const std::vector<SendResult>& results) const {
  requests->Increment();
  batch_entries->Observe(static_cast<double>(results.size()));
  for (const auto& r : results) {
    (r.kind == SendResult::kOk          ? delivered
     : r.kind == SendResult::kRetryable ? retryable
                                        : permanent)
        ->Increment();
  }
}

std::shared_ptr<const AwsMetrics> AwsMetricsFor(prometheus::Registry* registry,
                                                const std::string& service) {
  if (registry == nullptr) return nullptr;
  auto m = std::make_shared<AwsMetrics>();
  m->requests =
      &prometheus::BuildCounter()
           .Name("cxbridge_aws_requests_total")
           .Help("Requests the AWS targets sent (PutEvents, SendMessage, SendMessageBatch)")
           .Register(*registry)
           .Add({{"service", service}});
  m->batch_entries =
      &prometheus::BuildHistogram()
           .Name("cxbridge_aws_batch_entries")
           .Help("Entries per AWS request")
           .Register(*registry)
           .Add({{"service", service}}, prometheus::Histogram::BucketBoundaries{1, 2, 5, 9, 10});
  auto& entries = prometheus::BuildCounter()
                      .Name("cxbridge_aws_entries_total")
                      .Help("AWS target entries by result: delivered, retryable, permanent")
                      .Register(*registry);
  m->delivered = &entries.Add({{"service", service}, {"outcome", "delivered"}});
  m->retryable = &entries.Add({{"service", service}, {"outcome", "retryable"}});
  m->permanent = &entries.Add({{"service", service}, {"outcome", "permanent"}});
  return m;
}

void SendAwsCall(http::HttpClient* client, const AwsSettings& settings, const Clock* clock,
                 AwsCall call, std::function<void(http::ClientResponse)> done) {
  aws::AwsRequest req;
  req.url = call.endpoint + call.path;
  req.region = std::move(call.region);
  req.service = std::move(call.service);
  if (!call.content_type.empty()) req.headers.emplace_back("Content-Type", std::move(call.content_type));
  if (!call.op.empty()) req.headers.emplace_back("X-Amz-Target", std::move(call.op));
  for (auto& h : call.headers) req.headers.push_back(std::move(h));
  req.body = std::move(call.body);
  req.timeout_ms = settings.timeout_ms;
  req.refuse_private_addresses = call.refuse_private_addresses;
  if (!settings.credentials) {
    return done(aws::NoCredentialsAnswer(settings.use_default_chain
                                             ? "the AWS credential chain was not started"
                                             : "no AWS credentials are configured"));
  }
  aws::AwsClient(client, settings.credentials, clock).Send(std::move(req), std::move(done));
}

AwsService AwsService::For(const TargetEnv& env, std::string service, const std::string& region,
                           bus::Origin origin) {
  AwsService s;
  s.refuse_private_addresses = origin == bus::Origin::kApi && !env.allow_private_targets &&
                               env.aws->endpoints.count(service) == 0;
  s.client = env.http;
  s.clock = env.clock;
  s.settings = env.aws;
  s.metrics = AwsMetricsFor(env.metrics, service);
  s.endpoint = env.aws->Endpoint(service, region);
  s.region = region;
  s.service = std::move(service);
  return s;
}

void AwsService::Call(std::string content_type, std::string op, std::string body,
                      std::function<void(http::ClientResponse)> done) const {
  AwsCall call;
  call.endpoint = endpoint;
  call.region = region;
  call.service = service;
  call.content_type = std::move(content_type);
  call.op = std::move(op);
  call.body = std::move(body);
  call.refuse_private_addresses = refuse_private_addresses;
  SendAwsCall(client, *settings, clock, std::move(call), std::move(done));
}

void AwsService::CallBatch(std::string content_type, std::string op, std::string body,
                           std::vector<BatchEntry> batch, MapBatch map,
                           std::function<void()> finished) const {
  auto entries = std::make_shared<std::vector<BatchEntry>>(std::move(batch));
  Call(
      std::move(content_type), std::move(op), std::move(body),
      [entries, map, metrics = metrics, finished = std::move(finished)](http::ClientResponse resp) {
        std::vector<SendResult> results = map(resp, entries->size());
        if (metrics) metrics->Record(results);
        for (size_t i = 0; i < entries->size(); ++i) (*entries)[i].done(std::move(results[i]));
        finished();
      });
}

void AwsService::CallOne(std::string content_type, std::string op, std::string body, MapOne map,
                         std::function<void(SendResult)> done) const {
  Call(std::move(content_type), std::move(op), std::move(body),
       [map, metrics = metrics, done = std::move(done)](http::ClientResponse resp) {
         SendResult r = map(resp);
         if (metrics) metrics->Record({r});
         done(std::move(r));
       });
}

std::vector<std::string> TakeEncoded(std::vector<BatchEntry>* batch) {
  std::vector<std::string> encoded;
  encoded.reserve(batch->size());
  for (auto& e : *batch) encoded.push_back(std::move(e.encoded));
  return encoded;
}

std::string JsonListBody(std::string prefix, const std::vector<std::string>& items) {
  prefix += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) prefix += ',';
    prefix += items[i];
  }
  return prefix + "]}";
}

Status RequireAwsCredentials(const TargetEnv& env, const std::string& what,
                             const std::string& arn) {
  if (env.aws && env.aws->has_credentials()) return Status::Ok();
  return Status::InvalidArgument(what + " " + arn + " forwards to AWS, " + kNoAwsCredentials);
}

bool IsRetryableAwsCode(std::string_view code) {
  return code.find("Throttl") != std::string_view::npos || code == "RequestThrottled" ||
         code == "InternalFailure" || code == "InternalException" || code == "InternalError" ||
         code == "ServiceUnavailable" || code == "ServiceUnavailableException" ||
         code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "ProvisionedThroughputExceededException";
}

std::vector<SendResult> MapEntryResults(const http::ClientResponse& resp, size_t entries,
                                        std::string_view list_key, const std::string& what) {
  auto body = json::Parse(resp.body);
  json::Value doc = body.ok() ? std::move(*body) : json::Value();
  SendResult overall = ClassifyAwsResponse(resp, doc);
  if (overall.kind != SendResult::kOk) return std::vector<SendResult>(entries, overall);
  const json::Value* list = doc.Find(list_key);
  if (list == nullptr || !list->is_array() || list->items().size() != entries) {
    return std::vector<SendResult>(entries, {SendResult::kRetryable, "MALFORMED_RESPONSE",
                                             "the answer does not list " + what});
  }
  std::vector<SendResult> out;
  out.reserve(entries);
  for (const auto& e : list->items()) {
    const json::Value* code = e.Find("ErrorCode");
    if (code == nullptr || !code->is_string() || code->as_string().empty()) {
      out.emplace_back();
      continue;
    }
    const json::Value* msg = e.Find("ErrorMessage");
    out.push_back(
        {IsRetryableAwsCode(code->as_string()) ? SendResult::kRetryable : SendResult::kPermanent,
         code->as_string(), msg != nullptr && msg->is_string() ? msg->as_string() : ""});
  }
  return out;
}

SendResult ClassifyAwsResponse(const http::ClientResponse& resp, const json::Value& body) {
  if (resp.status == 0) {
    if (std::string why; aws::CredentialsUnavailable(resp, &why)) {
      return {SendResult::kRetryable, "CREDENTIALS_UNAVAILABLE", why};
    }
    return {SendResult::kRetryable, resp.timed_out ? "TIMEOUT" : "CONNECTION_ERROR", resp.error};
  }
  if (resp.status == 200) return {};
  std::string code = aws::ErrorCode(body);
  std::string message = aws::ErrorMessage(body);
  if (message.empty()) message = "AWS answered HTTP " + std::to_string(resp.status);
  const bool retry = resp.status == 429 || resp.status >= 500 || IsRetryableAwsCode(code);
  if (code.empty()) code = "HTTP_" + std::to_string(resp.status);
  return {retry ? SendResult::kRetryable : SendResult::kPermanent, code, message};
}

}  // namespace cxbridge::deliver
