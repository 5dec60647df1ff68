// SQS's query protocol — form-encoded `Action=…&Version=2012-11-05&…` requests, XML answers — as
// older SDKs speak it (boto3 < 1.34, the AWS SDK for Java v1, Go v1, many queue libraries). It is
// translated to and from the JSON protocol, so both protocols reach the same queues through the
// same code (sqs_handler.cc):
//   - the form becomes the JSON request of the operation: `Attribute.N.Name/Value` → Attributes,
//     `Tag.N.Key/Value` → tags/Tags, `AttributeName.N` → AttributeNames, `MessageAttribute.N.Name`
//     / `.Value.StringValue|BinaryValue|DataType` → MessageAttributes, `<Op>RequestEntry.N.*` →
//     Entries, `AWSAccountId.N` / `ActionName.N` → AWSAccountIds / Actions, integers as numbers;
//   - the JSON answer becomes `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`, with
//     flattened lists as SQS writes them; an error becomes `<ErrorResponse><Error><Type>
//     <Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>…` with the same HTTP status.
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "common/json.h"
#include "http/message.h"

namespace cxbridge::queue {

// True for a query-protocol request: a form-encoded POST (or a GET) with an Action parameter.
bool IsQueryRequest(const http::Request& req);

struct QueryRequest {
  std::string action;  // "SendMessage"
  json::Value body;    // the JSON protocol's request
};
// The form (body of a POST, query string of a GET) as the JSON request; nullopt without Action.
std::optional<QueryRequest> ParseQueryRequest(const http::Request& req);

// The JSON protocol's answer to `action` as the query protocol's XML answer.
http::Response ToQueryResponse(const std::string& action, const http::Response& json_answer);

}  // namespace cxbridge::queue
