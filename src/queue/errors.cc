#include "queue/errors.h"

namespace cxbridge::queue {

SqsError SqsErrorOf(Errc code) {
  switch (code) {
    case Errc::kOk:
      return {200, "", "", ""};
    case Errc::kQueueDoesNotExist:
      return {400, "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "Sender"};
    case Errc::kQueueNameExists:
      return {400, "com.amazonaws.sqs#QueueNameExists", "QueueAlreadyExists", "Sender"};
    case Errc::kInvalidAttributeName:
      return {400, "com.amazonaws.sqs#InvalidAttributeName", "InvalidAttributeName", "Sender"};
    case Errc::kInvalidAttributeValue:
      return {400, "com.amazonaws.sqs#InvalidAttributeValue", "InvalidAttributeValue", "Sender"};
    case Errc::kInvalidParameterValue:
      return {400, "com.amazon.coral.validate#ValidationException", "InvalidParameterValue", "Sender"};
    case Errc::kMissingParameter:
      return {400, "com.amazon.coral.service#MissingRequiredParameterException", "MissingParameter", "Sender"};
    case Errc::kReceiptHandleIsInvalid:
      return {400, "com.amazonaws.sqs#ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "Sender"};
    case Errc::kMessageNotInflight:
      return {400, "com.amazonaws.sqs#MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "Sender"};
    case Errc::kInvalidMessageContents:
      return {400, "com.amazonaws.sqs#InvalidMessageContents", "InvalidMessageContents", "Sender"};
    case Errc::kTooManyEntriesInBatchRequest:
      return {400, "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
              "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Sender"};
    case Errc::kEmptyBatchRequest:
      return {400, "com.amazonaws.sqs#EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "Sender"};
    case Errc::kBatchEntryIdsNotDistinct:
      return {400, "com.amazonaws.sqs#BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
              "Sender"};
    case Errc::kInvalidBatchEntryId:
      return {400, "com.amazonaws.sqs#InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", "Sender"};
    case Errc::kBatchRequestTooLong:
      return {400, "com.amazonaws.sqs#BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "Sender"};
    case Errc::kResourceNotFound:
      return {400, "com.amazonaws.sqs#ResourceNotFoundException", "ResourceNotFoundException", "Sender"};
    case Errc::kUnsupportedOperation:
      return {400, "com.amazonaws.sqs#UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "Sender"};
    case Errc::kInvalidAction:
      return {400, "com.amazon.coral.service#UnknownOperationException", "InvalidAction", "Sender"};
    case Errc::kSerialization:
      return {400, "com.amazon.coral.service#SerializationException", "MalformedQueryString", "Sender"};
    case Errc::kMissingAuthenticationToken:
      return {403, "com.amazon.coral.service#MissingAuthenticationTokenException",
              "MissingAuthenticationToken", "Sender"};
    case Errc::kIncompleteSignature:
      return {400, "com.amazon.coral.service#IncompleteSignatureException", "IncompleteSignature",
              "Sender"};
    case Errc::kInvalidClientTokenId:
      return {403, "com.amazon.coral.service#UnrecognizedClientException", "InvalidClientTokenId",
              "Sender"};
    case Errc::kSignatureDoesNotMatch:
      return {403, "com.amazon.coral.service#InvalidSignatureException", "SignatureDoesNotMatch",
              "Sender"};
    case Errc::kUnavailable:
      return {503, "com.amazon.coral.availability#ServiceUnavailableException", "ServiceUnavailable", "Receiver"};
    case Errc::kInternal:
      return {500, "com.amazon.coral.service#InternalFailure", "InternalFailure", "Receiver"};
  }
  return {500, "com.amazon.coral.service#InternalFailure", "InternalFailure", "Receiver"};
}

}  // namespace cxbridge::queue
