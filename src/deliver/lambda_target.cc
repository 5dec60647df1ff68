// The `lambda` target kind: a rule target whose Arn is a Lambda function (or one of its versions
// or aliases),
//
//   Arn: arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]
//
// invoked as EventBridge invokes it: asynchronously, one event per call —
//   POST /2015-03-31/functions/<the ARN, %-encoded>/invocations
//   X-Amz-Invocation-Type: Event
//   body: the (transformed) payload
// SigV4-signed for service `lambda` at the `lambda` endpoint of the ARN's region
// (aws.endpoints.lambda overrides it). Lambda answers 202 when it has queued the event; the
// function then runs on Lambda's side (its own failures go to the function's own async
// destinations, as with EventBridge).
//
// Outcomes, by Lambda's error code (the x-amzn-ErrorType header or the body's Type/__type):
//   retry: TooManyRequestsException (429), ServiceException and every other 5xx that is not a
//     configuration error below, EC2ThrottledException, EC2UnexpectedException,
//     ENILimitReachedException, ResourceNotReadyException (function still being created),
//     ResourceConflictException (an update is in progress), transport errors and timeouts;
//   dead-letter: ResourceNotFoundException, AccessDeniedException, InvalidParameterValueException,
//     InvalidRequestContentException, RequestTooLargeException, UnsupportedMediaTypeException,
//     KMSAccessDeniedException, KMSDisabledException, KMSInvalidStateException,
//     KMSNotFoundException, EC2AccessDeniedException, InvalidSubnetIDException,
//     InvalidSecurityGroupIDException, SubnetIPAddressLimitReachedException,
//     InvalidRuntimeException, InvalidZipFileException, EFS…Exception (configuration that will not
//     heal by itself) and any other 4xx.
// A payload over 256 KiB (Lambda's asynchronous invocation limit) → ENTRY_TOO_LARGE.
// Thread-safety: Send is safe from any thread; results arrive on the HttpClient's thread.
#include <set>

#include "deliver/aws_target_kind.h"
#include "deliver/http_parameters.h"

namespace cxbridge::deliver {

namespace {
constexpr size_t kMaxPayloadBytes = 256 * 1024;

// The error code Lambda gives: "ResourceNotFoundException:http://internal.amazon.com/…" in the
// header, else the body's Type/__type.
std::string LambdaErrorCode(const http::ClientResponse& resp, const json::Value& body) {
  if (const std::string* h = resp.Header("x-amzn-errortype"); h != nullptr && !h->empty()) {
    return h->substr(0, h->find(':'));
  }
  std::string code = aws::ErrorCode(body);
  if (code.empty()) {
    if (const json::Value* t = body.Find("Type"); t != nullptr && t->is_string() &&
                                                  t->as_string() != "User" &&
                                                  t->as_string() != "Service") {
      code = t->as_string();
    }
  }
  return code;
}

bool RetryableLambdaCode(const std::string& code, int status) {
  static const std::set<std::string> kRetry = {
      "TooManyRequestsException", "ServiceException",        "EC2ThrottledException",
      "EC2UnexpectedException",   "ENILimitReachedException", "ResourceNotReadyException",
      "ResourceConflictException"};
  static const std::set<std::string> kConfigurationErrors = {
      "KMSAccessDeniedException",        "KMSDisabledException",
      "KMSInvalidStateException",        "KMSNotFoundException",
      "EC2AccessDeniedException",        "InvalidSubnetIDException",
      "InvalidSecurityGroupIDException", "SubnetIPAddressLimitReachedException",
      "InvalidRuntimeException",         "InvalidZipFileException"};
  if (kRetry.count(code) || IsRetryableAwsCode(code)) return true;
  if (kConfigurationErrors.count(code) || code.starts_with("EFS")) return false;
  return status == 429 || status >= 500;
}

}  // namespace

std::string LambdaInvokePath(const std::string& function_arn) {
  return "/2015-03-31/functions/" + PercentEncode(function_arn) + "/invocations";
}

SendResult MapLambdaInvokeResponse(const http::ClientResponse& resp) {
  if (resp.status >= 200 && resp.status < 300) return {};
  if (resp.status == 0) return ClassifyAwsResponse(resp, json::Value());
  auto parsed = json::Parse(resp.body);
  json::Value body = parsed.ok() ? std::move(*parsed) : json::Value();
  std::string code = LambdaErrorCode(resp, body);
  std::string message = aws::ErrorMessage(body);
  if (message.empty()) message = "Lambda answered HTTP " + std::to_string(resp.status);
  const bool retry = RetryableLambdaCode(code, resp.status);
  if (code.empty()) code = "HTTP_" + std::to_string(resp.status);
  return {retry ? SendResult::kRetryable : SendResult::kPermanent, code, message};
}

namespace {

struct LambdaWire {
  static constexpr std::string_view kName = "lambda";
  static constexpr std::string_view kService = "lambda";
  static constexpr std::string_view kWhat = "Lambda function target";
  static constexpr std::string_view kArnForm =
      "arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]";

  struct Config {
    std::string path;  // the Invoke path with the function's ARN
  };

  static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn) {
    auto name = aws::ResourceName(arn, "function");
    // function:<name> or function:<name>:<qualifier>; names are [A-Za-z0-9-_]{1,64}.
    bool ok = arn.resource.starts_with("function:") && name.has_value();
    if (ok) {
      std::string_view n = *name;
      size_t colon = n.find(':');
      std::string_view fn = n.substr(0, colon);
      ok = !fn.empty() && fn.size() <= 64 &&
           fn.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
               std::string_view::npos;
      if (ok && colon != std::string_view::npos) {
        std::string_view q = n.substr(colon + 1);
        ok = !q.empty() && q.size() <= 128 && q.find(':') == std::string_view::npos;
      }
    }
    if (!ok) {
      return Status::InvalidArgument("Lambda function target " + def.arn +
                                     " is not a function ARN (" + std::string(kArnForm) + ")");
    }
    return Config{LambdaInvokePath(def.arn)};
  }

  static BatchLimits Limits(const Config&, const AwsSettings&) {
    return {1, kMaxPayloadBytes, kMaxPayloadBytes, 0};  // one event per Invoke, as EventBridge
  }

  static std::variant<EncodedEntry, SendResult> Encode(const Config&, const SendRequest& req) {
    return EncodedEntry{req.payload, req.payload.size()};
  }

  static AwsCall Request(const Config& c, std::vector<std::string> entries) {
    AwsCall call;
    call.path = c.path;
    call.headers = {{"X-Amz-Invocation-Type", "Event"}};
    call.body = std::move(entries.at(0));
    return call;
  }

  static std::vector<SendResult> Map(const Config&, const http::ClientResponse& resp,
                                     size_t entries) {
    return std::vector<SendResult>(entries, MapLambdaInvokeResponse(resp));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewLambdaTargetKind() {
  return std::make_unique<BatchedAwsTargetKind<LambdaWire>>();
}

}  // namespace cxbridge::deliver
