// Shared by the AWS target tests (aws_target_test.cc, aws_target_moto_test.cc): test credentials,
// events, target definitions and a collector for asynchronous send results.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "deliver/aws_settings.h"
#include "deliver/target.h"

namespace cxbridge::deliver::aws_testing {

inline constexpr const char* kKeyId = "AKIDCXBTEST";
inline constexpr const char* kSecret = "cxb-test-secret-key";

inline std::string Event(const std::string& id, const std::string& detail = R"({"n":1})",
                         const std::string& extra_resources = "") {
  return R"({"version":"0","id":")" + id +
         R"(","detail-type":"v2.users.{id}.presence","source":"genesys.cloud",)"
         R"("account":"111111111111","time":"2024-01-01T12:00:00Z","region":"eu-west-1","resources":["arn:r1")" +
         extra_resources + R"(],"detail":)" + detail + "}";
}

inline SendRequest Req(const std::string& id, const std::string& detail = R"({"n":1})") {
  SendRequest r;
  r.event_id = id;
  r.payload = Event(id, detail);
  r.event = std::make_shared<const std::string>(r.payload);
  return r;
}

inline TargetEnv EnvWith(std::shared_ptr<const AwsSettings> aws) {
  TargetEnv env;
  env.account = "111111111111";
  env.region = "eu-west-1";
  env.clock = &SystemClock();
  env.aws = std::move(aws);
  return env;
}

inline std::shared_ptr<const AwsSettings> Creds(const std::string& endpoint = "",
                                                int64_t window_ms = 2) {
  AwsSettings s;
  s.credentials = aws::StaticCredentials({kKeyId, kSecret, ""});
  if (!endpoint.empty()) {
    for (const char* service : {"events", "sqs", "kinesis", "firehose", "sns", "states", "lambda", "logs"})
      s.endpoints[service] = endpoint;
  }
  s.batch_window_ms = window_ms;
  s.timeout_ms = 30'000;  // generous: moto_server answers slowly on a loaded machine
  return std::make_shared<const AwsSettings>(s);
}

inline bus::TargetDef Def(const std::string& arn, const std::string& extra = "") {
  bus::TargetDef d;
  d.id = "t";
  d.arn = arn;
  d.raw = *json::Parse(R"({"Id":"t","Arn":")" + arn + "\"" + extra + "}");
  return d;
}

// Collects the results of many sends.
class Results {
 public:
  std::function<void(SendResult)> Slot(size_t i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (results_.size() <= i) results_.resize(i + 1);
    }
    return [this, i](SendResult r) {
      std::lock_guard<std::mutex> lock(mu_);
      results_[i] = std::move(r);
      ++done_;
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n, int timeout_ms = 60000) {  // beyond the 30 s request timeout
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return done_ >= n; });
  }
  SendResult at(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return results_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SendResult> results_;
  size_t done_ = 0;
};

}  // namespace cxbridge::deliver::aws_testing
