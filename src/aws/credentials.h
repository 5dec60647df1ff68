// Where the AWS targets get their credentials.
//
// `aws:` with access_key_id / secret_access_key (/ session_token) uses those keys as they are.
// `aws: {credentials: default}` looks them up the way the AWS SDKs' default chain does, first
// match wins:
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. shared credentials file: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
//      AWS_PROFILE or "default" (aws_access_key_id, aws_secret_access_key, aws_session_token);
//   3. container credentials (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_FULL_URI, or
//      http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with the Authorization
//      header from AWS_CONTAINER_AUTHORIZATION_TOKEN or the file
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
//   4. EC2 instance metadata, IMDSv2 (a session token, then the instance role's credentials):
//      AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254; skipped when
//      AWS_EC2_METADATA_DISABLED=true.
// Temporary credentials (3, 4) are fetched again 5 minutes before they expire by a thread of
// the chain's own; until the first fetch succeeds (or after the last ones expired) deliveries
// fail as retryable with CREDENTIALS_UNAVAILABLE, never dead-lettered for it. Keys from 1 and 2
// are read once, at start. Sources are probed in order at start and every 30 s while none
// answered; the one that answered is kept.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/status.h"
#include "http/client.h"

namespace cxbridge::aws {

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // The credentials to sign with now. Never blocks on I/O; thread-safe.
  virtual Result<AwsCredentials> Current() const = 0;
  // Where they come from, for logs ("config", "environment", "instance metadata (role r)", …).
  virtual std::string Describe() const = 0;
};

std::shared_ptr<const CredentialSource> StaticCredentials(AwsCredentials credentials);

class DefaultCredentialChain : public CredentialSource {
 public:
  // The process environment by default; tests pass their own.
  using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
  struct Options {
    Getenv getenv;
    int64_t metadata_timeout_ms = 1000;      // per request to the container or instance endpoint
    int64_t refresh_margin_ms = 5 * 60'000;  // fetch again this long before expiry
    int64_t retry_ms = 30'000;               // after a failed probe or refresh
  };

  DefaultCredentialChain(http::HttpClient& client, Clock& clock, Options options);
  ~DefaultCredentialChain() override;

  // Probes the sources once (blocking, at most a few metadata timeouts) and starts the refresh
  // thread. Returns what the first probe found or why nothing was found; either way the thread
  // keeps trying.
  Status Start();
  void Stop();

  Result<AwsCredentials> Current() const override;
  std::string Describe() const override;

  // One probe or refresh when one is due by the clock (the thread calls it; tests with a
  // FakeClock call it directly). Returns the outcome of the fetch it made, or OK when none was due.
  Status RefreshIfDue();

 private:
  enum class Kind { kNone, kEnvironment, kSharedFile, kContainer, kInstanceMetadata };
  struct Fetched {
    AwsCredentials credentials;
    int64_t expires_ms = 0;  // 0: does not expire
    Kind kind = Kind::kNone;
    std::string description;
  };

  Status Probe();  // tries every source in order
  Result<Fetched> FromEnvironment() const;
  Result<Fetched> FromSharedFile() const;
  Result<Fetched> FromContainer();
  Result<Fetched> FromInstanceMetadata();
  Result<Fetched> FetchTemporary(Kind kind);
  std::optional<std::string> Env(const std::string& name) const;

  http::HttpClient& client_;
  Clock& clock_;
  Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Fetched> current_;  // guarded by mu_
  std::string last_error_;          // guarded by mu_
  int64_t next_attempt_ms_ = 0;     // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace cxbridge::aws
