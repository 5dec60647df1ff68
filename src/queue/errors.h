// The outcomes of queue operations that are not success, in SQS's terms. Each maps, in exactly
// one place (SqsErrorOf), to the HTTP status, `__type` and legacy query error code that SQS
// answers with, so boto3 raises the same exception it raises against AWS.
#pragma once

#include <string>

namespace cxbridge::queue {

enum class Errc {
  kOk = 0,
  kQueueDoesNotExist,      // the caller named a queue that does not exist
  kQueueNameExists,        // CreateQueue with different attributes for an existing name
  kInvalidAttributeName,   // unknown attribute
  kInvalidAttributeValue,  // attribute value out of range or malformed
  kInvalidParameterValue,  // a parameter is wrong for this queue or out of range
  kMissingParameter,       // a required parameter is absent (e.g. MessageGroupId on FIFO)
  kReceiptHandleIsInvalid,
  kMessageNotInflight,      // ChangeMessageVisibility on a message nobody holds
  kInvalidMessageContents,  // characters SQS does not allow
  kTooManyEntriesInBatchRequest,
  kEmptyBatchRequest,
  kBatchEntryIdsNotDistinct,
  kInvalidBatchEntryId,
  kBatchRequestTooLong,
  kUnsupportedOperation,
  kResourceNotFound,  // a message move task that is not running
  kInvalidAction,  // unknown operation
  kSerialization,  // the body is not the JSON the operation needs
  // Authentication, when the API has access keys (SigV4, as for the EventBridge API).
  kMissingAuthenticationToken,  // no Authorization header
  kIncompleteSignature,         // an Authorization header that is not a SigV4 signature
  kInvalidClientTokenId,        // an access key id nobody configured
  kSignatureDoesNotMatch,       // wrong secret, tampered request, or X-Amz-Date out of range
  kUnavailable,                 // storage refused the write: retry later (our failure, 503)
  kInternal,                    // our bug
};

struct QueueError {
  Errc code = Errc::kOk;
  std::string message;
  bool ok() const { return code == Errc::kOk; }
  static QueueError Ok() { return {}; }
};

struct SqsError {
  int http_status;
  const char* type;        // __type, e.g. "com.amazonaws.sqs#QueueDoesNotExist"
  const char* query_code;  // x-amzn-query-error code, e.g. "AWS.SimpleQueueService.NonExistentQueue"
  const char* fault;       // "Sender" or "Receiver"
};

SqsError SqsErrorOf(Errc code);

}  // namespace cxbridge::queue
