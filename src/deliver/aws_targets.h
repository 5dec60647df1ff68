// The wire pieces of the AWS target kinds (eventbridge_target.cc, sqs_target.cc), exposed for
// tests: how one delivery becomes one batch entry, and how a response becomes one SendResult per
// entry. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "deliver/target.h"
#include "http/client.h"

namespace cxbridge::deliver {

// --- EventBridge PutEvents (AWSEvents.PutEvents, JSON 1.1) ---

struct EncodedEntry {
  std::string json;  // the entry object
  size_t size = 0;   // as the service counts it against the request limit
};

// One PutEventsRequestEntry for `bus_arn`. Source, DetailType, Resources and Time come from the
// event; Detail is the event's `detail`, or the target's rendered payload when the target has
// an Input/InputPath/InputTransformer (`transformed`). Size per AWS: 14 (Time) + Source +
// DetailType + Detail + each Resource, in UTF-8 bytes. InvalidArgument when the event is not
// an EventBridge event.
Result<EncodedEntry> EncodePutEventsEntry(const SendRequest& req, bool transformed,
                                          const std::string& bus_arn);

// One result per entry, in order. HTTP/transport failures apply to every entry
// (ClassifyAwsResponse); on 200 each `Entries[i]` maps on its own: EventId → delivered;
// ErrorCode ThrottlingException/InternalFailure/… → retryable; any other code
// (MalformedDetail, InvalidArgument, AccessDeniedException, …) → permanent with AWS's code and
// message. A 200 whose Entries do not line up with the request retries every entry.
std::vector<SendResult> MapPutEventsResponse(const http::ClientResponse& resp, size_t entries);

// --- SQS SendMessage / SendMessageBatch (AmazonSQS.*, JSON 1.0) ---

// One SendMessageBatchRequestEntry (without its Id). `group_id`/`dedup_id` are sent when not
// empty (FIFO queues). Size: the body's bytes.
EncodedEntry EncodeSqsEntry(const std::string& body, const std::string& group_id,
                            const std::string& dedup_id);

// SendMessage (one entry, no Id) or SendMessageBatch (Ids "0".."n-1") request body.
std::string SqsRequestBody(const std::string& queue_url, const std::vector<std::string>& entries,
                           bool batch);

// One result per entry. SendMessage: 200 → delivered, else ClassifyAwsResponse. SendMessageBatch:
// an Id in Successful → delivered; in Failed → SenderFault true: permanent, false: retryable
// (with SQS's Code and Message); in neither → retryable.
std::vector<SendResult> MapSqsResponse(const http::ClientResponse& resp, size_t entries,
                                       bool batch);

// --- Kinesis PutRecords (Kinesis_20131202.PutRecords, JSON 1.1) ---

// One PutRecordsRequestEntry: Data (base64 of `data`) and PartitionKey. Size, as Kinesis counts
// it against its limits: data bytes plus partition key bytes.
EncodedEntry EncodeKinesisRecord(const std::string& data, const std::string& partition_key);

// The PutRecords request body for `stream_name` with the encoded records.
std::string KinesisRequestBody(const std::string& stream_name,
                               const std::vector<std::string>& records);

// One result per record, in order. HTTP/transport failures apply to every record
// (ClassifyAwsResponse); on 200 each `Records[i]` maps on its own: SequenceNumber → delivered;
// ProvisionedThroughputExceededException, InternalFailure, throttling → retryable; any other
// ErrorCode → permanent with Kinesis's code and message. Records that do not line up with the
// request retry.
std::vector<SendResult> MapKinesisResponse(const http::ClientResponse& resp, size_t records);

// --- Firehose PutRecordBatch (Firehose_20150804.PutRecordBatch, JSON 1.1) ---

// One record: {"Data": base64 of `data`}; size = data bytes.
EncodedEntry EncodeFirehoseRecord(const std::string& data);
std::string FirehoseRequestBody(const std::string& stream_name,
                                const std::vector<std::string>& records);
// MapEntryResults over "RequestResponses" (RecordId → delivered).
std::vector<SendResult> MapFirehoseResponse(const http::ClientResponse& resp, size_t records);

// --- Step Functions StartExecution (AWSStepFunctions.StartExecution, JSON 1.0) ---

std::string StartExecutionBody(const std::string& state_machine_arn, const std::string& input);
// ClassifyAwsResponse, with ExecutionLimitExceeded retryable.
SendResult MapStartExecutionResponse(const http::ClientResponse& resp);

// --- SNS Publish (query protocol, Version 2010-03-31) ---

// The form-encoded Publish request body.
std::string SnsPublishBody(const std::string& topic_arn, const std::string& message);
// 200 → delivered; 429, 5xx and throttling/internal codes → retryable; any other error →
// permanent with the Code and Message of SNS's XML error answer.
SendResult MapSnsResponse(const http::ClientResponse& resp);

// --- Lambda Invoke (REST JSON, InvocationType Event) ---

// /2015-03-31/functions/<function ARN, %-encoded>/invocations
std::string LambdaInvokePath(const std::string& function_arn);
// 2xx → delivered; throttling, service and transient ENI/EC2 errors, a function not ready or
// being updated, other 5xx, transport → retryable; configuration errors (missing function, access,
// KMS, VPC, runtime) and other 4xx → permanent with Lambda's code (lambda_target.cc has the list).
SendResult MapLambdaInvokeResponse(const http::ClientResponse& resp);

// --- CloudWatch Logs PutLogEvents (Logs_20140328.PutLogEvents, JSON 1.1) ---

// The request body: each already-quoted message as one log event at `timestamp_ms`.
std::string PutLogEventsBody(const std::string& group, const std::string& stream,
                             const std::vector<std::string>& quoted_messages, int64_t timestamp_ms);
// One result per event: request-level failures apply to every event (a missing log stream is
// retryable LOG_STREAM_MISSING); on 200 the events rejectedLogEventsInfo names are permanent
// LOG_EVENT_REJECTED, the others delivered.
std::vector<SendResult> MapPutLogEventsResponse(const http::ClientResponse& resp, size_t events);

}  // namespace cxbridge::deliver
