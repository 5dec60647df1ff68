// One signed call to an AWS service: the request is SigV4-signed with the credentials a
// CredentialSource has now and sent through http::HttpClient. Shared by the AWS target kinds
// (deliver/), the S3 blob store (blob/) and the AWS-facing client commands.
//
// Endpoints given by configuration are trusted: calls never go through the outbound address guard
// (a VPC endpoint or a local emulator is usually a private or loopback address).
// Thread-safety: an AwsClient is immutable; Send and SendSync are safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/json.h"
#include "http/client.h"

namespace cxbridge::aws {

struct AwsRequest {
  std::string method = "POST";
  std::string url;              // absolute, %-encoded as it goes on the wire
  std::string region, service;  // the SigV4 credential scope
  Headers headers;              // Content-Type, X-Amz-Target, …: all signed
  std::string body;
  int64_t timeout_ms = 10'000;
  // The outbound address guard (http::ClientRequest::refuse_private_addresses): set for targets
  // saved through the API that go to AWS's public endpoint (not to a configured override).
  bool refuse_private_addresses = false;
};

class AwsClient {
 public:
  // `http` and `clock` must outlive the client; `credentials` may be null (every call then answers
  // "credentials unavailable").
  AwsClient(http::HttpClient* http, std::shared_ptr<const CredentialSource> credentials,
            const Clock* clock)
      : http_(http), credentials_(std::move(credentials)), clock_(clock) {}

  // Asynchronous: `done` runs on the HttpClient's thread. Without credentials to sign with (the
  // default chain has none yet), `done` runs at once with a no-response answer for which
  // CredentialsUnavailable() is true.
  void Send(AwsRequest req, std::function<void(http::ClientResponse)> done) const;
  // The same, blocking the calling thread until the answer.
  http::ClientResponse SendSync(AwsRequest req) const;

 private:
  // The signed ClientRequest, or the no-response answer when there is nothing to sign with.
  bool Build(AwsRequest req, http::ClientRequest* out, http::ClientResponse* none) const;

  http::HttpClient* http_;
  std::shared_ptr<const CredentialSource> credentials_;
  const Clock* clock_;
};

// True (and `why` set, when given) for the answer AwsClient gives when it had no credentials.
bool CredentialsUnavailable(const http::ClientResponse& resp, std::string* why = nullptr);
// That answer, saying `why`.
http::ClientResponse NoCredentialsAnswer(const std::string& why);

// The error code of an AWS JSON-protocol answer (`__type`, or `code`; namespace and suffix
// removed: "com.amazonaws.sqs#QueueDoesNotExist" → "QueueDoesNotExist"); "" when none.
std::string ErrorCode(const json::Value& body);
// Its `message` (or `Message`); "" when none.
std::string ErrorMessage(const json::Value& body);
// The text of the first <name>…</name> of a query-protocol XML answer (SNS, SQS's query
// protocol), entities decoded; "" when absent. E.g. an error's <Code> and <Message>.
std::string XmlElement(std::string_view xml, std::string_view name);

}  // namespace cxbridge::aws
