// BatchedAwsTargetKind<Wire>: everything an AWS target kind shares, so a new kind is one file that
// describes only its wire format. The template does the rest: the ARN (service, region, 12-digit
// account), the `aws:` credentials check, the endpoint of the ARN's region (aws.endpoints
// overrides it), SigV4, the batcher (aws_batcher.h: entries per request, bytes per request, the
// linger window, requests in flight), refusing an entry over the per-entry limit
// (ENTRY_TOO_LARGE), the metrics, and one SendResult per delivery.
//
// A Wire is a struct with:
//   static constexpr std::string_view kName;     // the kind's name ("lambda")
//   static constexpr std::string_view kService;  // ARN service, endpoint and SigV4 scope ("lambda")
//   static constexpr std::string_view kWhat;     // for messages ("Lambda function target")
//   static constexpr std::string_view kArnForm;  // "arn:aws:lambda:<region>:<account>:function:<name>"
//   struct Config { … };                          // what one target needs, parsed once
//   // The target's config from its ARN and Target object; InvalidArgument says what is wrong.
//   static Result<Config> Parse(const bus::TargetDef& def, const aws::Arn& arn);
//   static BatchLimits Limits(const Config& c, const AwsSettings& s);
//   // One delivery as one batch entry; a SendResult (permanent, with its code) to refuse it.
//   static std::variant<EncodedEntry, SendResult> Encode(const Config& c, const SendRequest& req);
//   // The request for a batch of encoded entries (at least one).
//   static AwsCall Request(const Config& c, std::vector<std::string> entries);
//   // One result per entry, in order (ClassifyAwsResponse / MapEntryResults do most of it).
//   static std::vector<SendResult> Map(const Config& c, const http::ClientResponse& resp,
//                                      size_t entries);
// and, for a kind that must set something up before it can send (CloudWatch Logs: the log
// stream), optionally:
//   // The call to make before the batch while one is needed; nullopt when none is.
//   static std::optional<AwsCall> Prepare(const Config& c);
//   // Its answer: kOk to send the batch; anything else is every entry's result.
//   static SendResult Prepared(const Config& c, const http::ClientResponse& resp);
//
// Threading: as every Target — Send is safe from any thread; results arrive on the HttpClient's
// thread. The Config is immutable and shared by the in-flight requests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "deliver/aws_batcher.h"
#include "deliver/aws_settings.h"
#include "deliver/aws_targets.h"
#include "deliver/target.h"

namespace cxbridge::deliver {

struct BatchLimits {
  size_t max_entries = 10;            // per request
  size_t max_request_bytes = 0;       // per request, as the service counts it
  size_t max_entry_bytes = 0;         // per entry; larger ones are ENTRY_TOO_LARGE
  int max_in_flight = 0;              // 1 keeps the order of first attempts; 0 = no bound
};

template <class Wire>
class BatchedAwsTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return Wire::kName; }

  bool Handles(const bus::TargetDef& def) const override {
    auto arn = aws::ParseArn(def.arn);
    return arn && arn->service == Wire::kService;
  }

  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    auto config = ParseConfig(def);
    if (!config.ok()) return config.status();
    return RequireAwsCredentials(env, std::string(Wire::kWhat), def.arn);
  }

  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    CXB_RETURN_IF_ERROR(Validate(def, env));
    if (env.http == nullptr) return Status::Internal(std::string(Wire::kWhat) + " without an HTTP client");
    auto shared = std::make_shared<Shared>();
    shared->config = std::move(*ParseConfig(def));
    shared->aws = AwsService::For(env, std::string(Wire::kService),
                                  ParseTargetArn(def.arn, Wire::kService)->region, def.origin);
    shared->limits = Wire::Limits(shared->config, *env.aws);
    return std::shared_ptr<Target>(std::make_shared<BatchedAwsTarget>(std::move(shared)));
  }

 private:
  struct Shared {
    typename Wire::Config config;
    AwsService aws;
    BatchLimits limits;
  };

  static Result<typename Wire::Config> ParseConfig(const bus::TargetDef& def) {
    auto arn = ParseTargetArn(def.arn, Wire::kService);
    if (!arn) {
      return Status::InvalidArgument(std::string(Wire::kWhat) + " " + def.arn + " is not an ARN of the form " +
                                     std::string(Wire::kArnForm));
    }
    return Wire::Parse(def, *arn);
  }

  using Entries = std::shared_ptr<std::vector<BatchEntry>>;

  static void Finish(const Shared& s, const Entries& entries, std::vector<SendResult> results,
                     const std::function<void()>& finished) {
    if (s.aws.metrics) s.aws.metrics->Record(results);
    for (size_t i = 0; i < entries->size(); ++i) (*entries)[i].done(std::move(results[i]));
    finished();
  }

  static void Call(const Shared& s, AwsCall call, std::function<void(http::ClientResponse)> done) {
    call.endpoint = s.aws.endpoint;
    call.region = s.aws.region;
    call.service = s.aws.service;
    SendAwsCall(s.aws.client, *s.aws.settings, s.aws.clock, std::move(call), std::move(done));
  }

  static void SendBatch(const std::shared_ptr<const Shared>& s, std::vector<BatchEntry> batch,
                        std::function<void()> finished) {
    if constexpr (requires { Wire::Prepare(s->config); }) {
      if (std::optional<AwsCall> prepare = Wire::Prepare(s->config)) {
        auto entries = std::make_shared<std::vector<BatchEntry>>(std::move(batch));
        Call(*s, std::move(*prepare),
             [s, entries, finished = std::move(finished)](http::ClientResponse resp) mutable {
               SendResult r = Wire::Prepared(s->config, resp);
               if (r.kind != SendResult::kOk) {
                 return Finish(*s, entries, std::vector<SendResult>(entries->size(), r), finished);
               }
               SendPrepared(s, std::move(*entries), std::move(finished));
             });
        return;
      }
    }
    SendPrepared(s, std::move(batch), std::move(finished));
  }

  static void SendPrepared(const std::shared_ptr<const Shared>& s, std::vector<BatchEntry> batch,
                           std::function<void()> finished) {
    AwsCall call = Wire::Request(s->config, TakeEncoded(&batch));
    auto entries = std::make_shared<std::vector<BatchEntry>>(std::move(batch));
    Call(*s, std::move(call), [s, entries, finished = std::move(finished)](http::ClientResponse resp) {
      Finish(*s, entries, Wire::Map(s->config, resp, entries->size()), finished);
    });
  }

  class BatchedAwsTarget : public Target {
   public:
    explicit BatchedAwsTarget(std::shared_ptr<const Shared> s)
        : shared_(s),
          batcher_(BatchOptions{s->limits.max_entries, s->limits.max_request_bytes,
                                s->aws.settings->batch_window_ms, s->limits.max_in_flight},
                   [s](std::vector<BatchEntry> b, std::function<void()> f) {
                     SendBatch(s, std::move(b), std::move(f));
                   }) {}

    void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
      auto encoded = Wire::Encode(shared_->config, req);
      if (auto* refused = std::get_if<SendResult>(&encoded)) return done(std::move(*refused));
      EncodedEntry& e = std::get<EncodedEntry>(encoded);
      if (e.size > shared_->limits.max_entry_bytes) {
        return done({SendResult::kPermanent, "ENTRY_TOO_LARGE",
                     std::string(Wire::kWhat) + ": entry of " + std::to_string(e.size) +
                         " bytes exceeds the " + std::to_string(shared_->limits.max_entry_bytes) +
                         "-byte limit"});
      }
      batcher_.Add(BatchEntry{std::move(e.json), e.size, std::move(done)});
    }

   private:
    const std::shared_ptr<const Shared> shared_;
    AwsBatcher batcher_;  // last: destroyed (flushed) first
  };
};

}  // namespace cxbridge::deliver
