// SqsHandler: the SQS JSON protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`,
// Content-Type application/x-amz-json-1.0) and the query protocol (form-encoded, XML answers;
// sqs_query.h) over the built-in queues, so an unmodified SQS client — boto3 ≥ 1.34 and the aws
// CLI, or older SDKs — pointed at cxbridge can produce and consume.
//
// Operations: CreateQueue (with tags), GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
// GetQueueAttributes, SetQueueAttributes, SendMessage, SendMessageBatch, ReceiveMessage,
// DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch,
// TagQueue, UntagQueue, ListQueueTags, ListDeadLetterSourceQueues, AddPermission,
// RemovePermission, StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask (all 23 of
// SQS's operations).
// Queue URLs: http://<Host header>/<account>/<name>; a URL naming another account is a queue
// that does not exist; a bare queue name is taken as the URL, as SQS does. Errors carry SQS's `__type` and `x-amzn-query-error` (errors.h).
// Authentication: when an `authenticate` hook is set, a request it refuses (an error other than
// kOk) is answered with that error before anything else is read.
//
// Thread-safety: Handle may run on any I/O thread; it never blocks (long polls are parked in the
// QueueService and answered from its poller thread).
#pragma once

#include <functional>
#include <optional>

#include "http/message.h"
#include "queue/errors.h"
#include "queue/service.h"

namespace cxbridge::queue {

class SqsHandler : public http::Handler {
 public:
  // The largest request body read for SQS: a 1 MiB message (or batch) JSON- or form-encoded can
  // take up to three times its size. Beyond it the HTTP server answers 413; within it, SQS's own
  // limits answer (InvalidParameterValue for a message, BatchRequestTooLong for a batch).
  static constexpr size_t kMaxRequestBytes = 4 << 20;

  // Returns an error (one of the authentication codes) to refuse the request, kOk to let it
  // through.
  using Authenticate = std::function<QueueError(const http::Request&)>;

  explicit SqsHandler(QueueService& service, Authenticate authenticate = nullptr)
      : service_(service), authenticate_(std::move(authenticate)) {}

  // True for requests this handler serves: X-Amz-Target: AmazonSQS.* (JSON protocol), or a
  // form-encoded Action=… request (the query protocol, sqs_query.h).
  static bool Serves(const http::Request& req);
  void Handle(http::Request req, http::Respond respond) override;

 private:
  QueueService& service_;
  Authenticate authenticate_;
};

// Parses a queue URL (http(s)://host[:port]/<account>/<name>) into the queue name; nullopt when
// it is malformed or names another account.
std::optional<std::string> QueueNameFromUrl(const std::string& url, const std::string& account);

}  // namespace cxbridge::queue
