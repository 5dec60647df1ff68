#include "queue/sqs_handler.h"

#include <set>

#include "aws/arn.h"
#include "aws/sigv4.h"
#include "common/ids.h"
#include "queue/md5.h"
#include "queue/sqs_query.h"

namespace cxbridge::queue {
namespace {

constexpr std::string_view kTargetPrefix = "AmazonSQS.";
// The sum of a SendMessageBatch's message bodies and attributes (SQS: 1 MiB).
constexpr size_t kMaxBatchBytes = 1024 * 1024;

// A message's attributes as SQS counts them against the size limits: each name, type and value.
size_t MessageAttributesSize(const json::Value& attributes) {
  size_t n = 0;
  if (!attributes.is_object()) return 0;
  for (const auto& [name, a] : attributes.members()) {
    n += name.size();
    for (const char* k : {"DataType", "StringValue", "BinaryValue"}) {
      if (const json::Value* v = a.Find(k); v != nullptr && v->is_string()) n += v->as_string().size();
    }
  }
  return n;
}

http::Response Ok(const json::Value& body) {
  http::Response r = http::Response::Json(200, json::Serialize(body));
  r.content_type = "application/x-amz-json-1.0";
  r.headers.emplace_back("x-amzn-RequestId", NewUuid4());
  return r;
}

// The one place a QueueError becomes an HTTP answer.
http::Response Error(const QueueError& e) {
  SqsError s = SqsErrorOf(e.code);
  json::Value body = json::Value::Object();
  body.Set("__type", json::Value::String(s.type));
  body.Set("message", json::Value::String(e.message));
  http::Response r = http::Response::Json(s.http_status, json::Serialize(body));
  r.content_type = "application/x-amz-json-1.0";
  r.headers.emplace_back("x-amzn-RequestId", NewUuid4());
  r.headers.emplace_back("x-amzn-query-error", std::string(s.query_code) + ";" + s.fault);
  if (s.http_status == 503) r.headers.emplace_back("Retry-After", "1");  // e.g. storage nearly full
  return r;
}

const std::string* Str(const json::Value& v, std::string_view key) {
  const json::Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? &f->as_string() : nullptr;
}

// An integer parameter; `def` when absent. False when present but not an integer.
bool Int(const json::Value& v, std::string_view key, int def, int* out) {
  const json::Value* f = v.Find(key);
  *out = def;
  if (f == nullptr || f->is_null()) return true;
  int64_t n = 0;
  if (!f->as_int64(&n) || n < INT32_MIN || n > INT32_MAX) return false;
  *out = static_cast<int>(n);
  return true;
}

std::vector<std::string> Strings(const json::Value& v, std::string_view key) {
  std::vector<std::string> out;
  if (const json::Value* f = v.Find(key); f != nullptr && f->is_array()) {
    for (const auto& i : f->items()) {
      if (i.is_string()) out.push_back(i.as_string());
    }
  }
  return out;
}

std::map<std::string, std::string> StringMap(const json::Value& v, std::string_view key) {
  std::map<std::string, std::string> out;
  if (const json::Value* f = v.Find(key); f != nullptr && f->is_object()) {
    for (const auto& [k, val] : f->members()) out[k] = val.is_string() ? val.as_string() : json::Serialize(val);
  }
  return out;
}

// Message attribute names as SQS allows them: 1-256 of [A-Za-z0-9_.-], not starting or ending
// with '.', no "..", not starting with "AWS." or "Amazon." (any case).
QueueError CheckAttributeNames(const json::Value& attributes) {
  if (!attributes.is_object()) return {};
  for (const auto& [name, _] : attributes.members()) {
    bool ok = !name.empty() && name.size() <= 256 && name.front() != '.' && name.back() != '.' &&
              name.find("..") == std::string::npos &&
              name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                  std::string::npos;
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.starts_with("aws.") || lower.starts_with("amazon.")) ok = false;
    if (!ok) {
      return {Errc::kInvalidParameterValue, "Message (user) attribute '" + name +
                                                "' is not valid. Attribute names can contain only alphanumeric "
                                                "characters, hyphens, underscores and periods, and must not start "
                                                "with AWS. or Amazon."};
    }
  }
  return {};
}

// An integer parameter that must lie in [lo, hi] when given, with SQS's message.
QueueError IntInRange(const json::Value& v, std::string_view key, int lo, int hi, int def, int* out) {
  if (!Int(v, key, def, out) || (v.Find(key) != nullptr && !v.Find(key)->is_null() && (*out < lo || *out > hi))) {
    const json::Value* f = v.Find(key);
    return {Errc::kInvalidParameterValue,
            "Value " + (f != nullptr ? (f->is_string() ? f->as_string() : json::Serialize(*f)) : std::string()) +
                " for parameter " + std::string(key) + " is invalid. Reason: Must be between " + std::to_string(lo) +
                " and " + std::to_string(hi) + ", if provided."};
  }
  return {};
}

QueueError Missing(const char* name) {
  return {Errc::kMissingParameter, std::string("The request must contain the parameter ") + name + "."};
}

std::string QueueUrl(const http::Request& req, const std::string& account, const std::string& name) {
  std::string host(req.Header("Host").value_or("localhost"));
  return "http://" + host + "/" + account + "/" + name;
}

bool AttributeWanted(const std::vector<std::string>& wanted, const std::string& name) {
  for (const auto& w : wanted) {
    if (w == "All" || w == ".*" || w == name) return true;
    if (w.ends_with(".*") && name.starts_with(w.substr(0, w.size() - 1))) return true;
  }
  return false;
}

json::Value MessageJson(const ReceivedMessage& m, const std::vector<std::string>& system_names,
                        const std::vector<std::string>& attribute_names) {
  json::Value o = json::Value::Object();
  o.Set("MessageId", json::Value::String(m.message_id));
  o.Set("ReceiptHandle", json::Value::String(m.receipt_handle));
  o.Set("MD5OfBody", json::Value::String(m.md5_body));
  o.Set("Body", json::Value::String(m.body));
  json::Value attrs = json::Value::Object();
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty() && AttributeWanted(system_names, name)) attrs.Set(name, json::Value::String(value));
  };
  add("SenderId", m.sender_id);
  add("SentTimestamp", std::to_string(m.sent_ms));
  add("ApproximateReceiveCount", std::to_string(m.receive_count));
  add("ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms));
  add("MessageGroupId", m.group_id);
  add("MessageDeduplicationId", m.dedup_id);
  add("SequenceNumber", m.sequence_number);
  if (!attrs.members().empty()) o.Set("Attributes", std::move(attrs));
  if (!attribute_names.empty()) {
    auto all = json::Parse(m.attributes_json);
    json::Value picked = json::Value::Object();
    if (all.ok() && all->is_object()) {
      for (const auto& [k, v] : all->members()) {
        if (AttributeWanted(attribute_names, k)) picked.Set(k, v);
      }
    }
    if (!picked.members().empty()) {
      o.Set("MD5OfMessageAttributes", json::Value::String(MessageAttributesMd5(picked)));
      o.Set("MessageAttributes", std::move(picked));
    }
  }
  return o;
}

// Validates batch entries' Ids: 1..10 entries, distinct, [A-Za-z0-9_-]{1,80}.
QueueError CheckBatch(const json::Value& body, std::string_view op, const json::Value** entries) {
  const json::Value* e = body.Find("Entries");
  if (e == nullptr || !e->is_array()) return Missing("Entries");
  if (e->items().empty()) {
    return {Errc::kEmptyBatchRequest,
            "There should be at least one " + std::string(op) + "RequestEntry in the request."};
  }
  if (e->items().size() > 10) {
    return {Errc::kTooManyEntriesInBatchRequest,
            "Maximum number of entries per request are 10. You have sent " + std::to_string(e->items().size()) + "."};
  }
  std::set<std::string> ids;
  for (const auto& item : e->items()) {
    const std::string* id = Str(item, "Id");
    if (id == nullptr || id->empty() || id->size() > 80 ||
        id->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != std::string::npos) {
      return {Errc::kInvalidBatchEntryId,
              "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."};
    }
    if (!ids.insert(*id).second) return {Errc::kBatchEntryIdsNotDistinct, "Id " + *id + " repeated."};
  }
  *entries = e;
  return {};
}

json::Value Failed(const std::string& id, const QueueError& e) {
  json::Value f = json::Value::Object();
  f.Set("Id", json::Value::String(id));
  f.Set("SenderFault", json::Value::Bool(SqsErrorOf(e.code).http_status < 500));
  f.Set("Code", json::Value::String(SqsErrorOf(e.code).query_code));
  f.Set("Message", json::Value::String(e.message));
  return f;
}

SendInput ParseSendEntry(const json::Value& e, const std::string& sender, QueueError* err) {
  SendInput in;
  if (const std::string* b = Str(e, "MessageBody")) in.body = *b;
  if (const json::Value* a = e.Find("MessageAttributes"); a != nullptr && !a->is_null()) {
    if (QueueError bad = CheckAttributeNames(*a); !bad.ok()) *err = bad;
    in.attributes = *a;
  }
  if (const std::string* g = Str(e, "MessageGroupId")) in.group_id = *g;
  if (const std::string* d = Str(e, "MessageDeduplicationId")) in.dedup_id = *d;
  if (!Int(e, "DelaySeconds", -1, &in.delay_seconds)) {
    *err = {Errc::kInvalidParameterValue, "DelaySeconds must be an integer."};
  }
  in.sender_id = sender;
  return in;
}

json::Value SendResultJson(const SendOutput& out) {
  json::Value r = json::Value::Object();
  r.Set("MD5OfMessageBody", json::Value::String(out.md5_body));
  if (!out.md5_attributes.empty()) r.Set("MD5OfMessageAttributes", json::Value::String(out.md5_attributes));
  r.Set("MessageId", json::Value::String(out.message_id));
  if (!out.sequence_number.empty()) r.Set("SequenceNumber", json::Value::String(out.sequence_number));
  return r;
}

}  // namespace

std::optional<std::string> QueueNameFromUrl(const std::string& url, const std::string& account) {
  std::string_view u = url;
  // A bare queue name is accepted as the queue URL, as SQS does.
  if (ValidQueueName(url)) return url;
  if (u.starts_with("http://")) {
    u.remove_prefix(7);
  } else if (u.starts_with("https://")) {
    u.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  size_t slash = u.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view path = u.substr(slash + 1);
  size_t mid = path.find('/');
  if (mid == std::string_view::npos || path.substr(0, mid) != account) return std::nullopt;
  std::string name(path.substr(mid + 1));
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  return name;
}

bool SqsHandler::Serves(const http::Request& req) {
  auto t = req.Header("X-Amz-Target");
  return (t && t->starts_with(kTargetPrefix)) || IsQueryRequest(req);
}

void SqsHandler::Handle(http::Request req, http::Respond respond) {
  if (authenticate_) {
    if (QueueError refused = authenticate_(req); !refused.ok()) return respond(Error(refused));
  }
  // One region: a request signed for another is refused, never answered with this region's ARNs.
  if (std::string wrong = aws::WrongRegionMessage(req, service_.region()); !wrong.empty()) {
    return respond(Error({Errc::kSignatureDoesNotMatch, wrong}));
  }
  std::string op;
  json::Value parsed;
  if (IsQueryRequest(req)) {
    // The query protocol: the same operation from the form, its answer in XML (sqs_query.h).
    auto query = ParseQueryRequest(req);
    if (!query) return respond(ToQueryResponse("Error", Error({Errc::kMissingParameter, "The request must contain the parameter Action."})));
    op = query->action;
    parsed = std::move(query->body);
    respond = [respond = std::move(respond), op](http::Response r) { respond(ToQueryResponse(op, r)); };
  } else {
    // Without the prefix (a caller that skipped Serves) op stays empty: an unsupported operation,
    // not std::out_of_range from substr (found by fuzz/sqs_fuzz.cc).
    std::string_view target = req.Header("X-Amz-Target").value_or("");
    if (target.starts_with(kTargetPrefix)) op = std::string(target.substr(kTargetPrefix.size()));
    auto json_body = json::Parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
    if (!json_body.ok() || !json_body->is_object()) {
      return respond(Error({Errc::kSerialization, "The request body is not a JSON object."}));
    }
    parsed = std::move(*json_body);
  }
  const json::Value& body = parsed;
  const std::string& account = service_.account();

  // Operations on a named queue resolve its URL first.
  std::string name;
  auto resolve = [&]() -> QueueError {
    const std::string* url = Str(body, "QueueUrl");
    if (url == nullptr) return Missing("QueueUrl");
    auto n = QueueNameFromUrl(*url, account);
    if (!n) return {Errc::kQueueDoesNotExist, "The specified queue does not exist."};
    name = *n;
    return {};
  };
  const std::string sender = req.remote_addr;
  json::Value out = json::Value::Object();

  if (op == "CreateQueue") {
    const std::string* qn = Str(body, "QueueName");
    if (qn == nullptr) return respond(Error(Missing("QueueName")));
    if (auto e = service_.CreateQueue(*qn, StringMap(body, "Attributes"), StringMap(body, "tags")); !e.ok()) {
      return respond(Error(e));
    }
    out.Set("QueueUrl", json::Value::String(QueueUrl(req, account, *qn)));
    return respond(Ok(out));
  }
  if (op == "GetQueueUrl") {
    const std::string* qn = Str(body, "QueueName");
    if (qn == nullptr) return respond(Error(Missing("QueueName")));
    const std::string* owner = Str(body, "QueueOwnerAWSAccountId");
    if ((owner != nullptr && *owner != account) || !service_.IsFifo(*qn).has_value()) {
      return respond(Error({Errc::kQueueDoesNotExist, "The specified queue does not exist."}));
    }
    out.Set("QueueUrl", json::Value::String(QueueUrl(req, account, *qn)));
    return respond(Ok(out));
  }
  if (op == "ListQueues") {
    const std::string* prefix = Str(body, "QueueNamePrefix");
    const std::string* token = Str(body, "NextToken");
    int max = 0;
    if (!Int(body, "MaxResults", 0, &max) || max < 0 || max > 1000) {
      return respond(Error({Errc::kInvalidParameterValue, "MaxResults must be an integer from 1 to 1000."}));
    }
    json::Value urls = json::Value::Array();
    std::string last;
    for (const auto& n : service_.ListQueues(prefix ? *prefix : "")) {
      if (token != nullptr && n <= *token) continue;
      if (max > 0 && static_cast<int>(urls.items().size()) == max) {
        out.Set("NextToken", json::Value::String(last));
        break;
      }
      urls.Push(json::Value::String(QueueUrl(req, account, n)));
      last = n;
    }
    if (!urls.items().empty()) out.InsertBefore("NextToken", "QueueUrls", std::move(urls));
    return respond(Ok(out));
  }

  // Message move tasks name queues by ARN.
  auto queue_of_arn = [&](const char* param, bool required, std::string* out) -> QueueError {
    const std::string* arn = Str(body, param);
    if (arn == nullptr) return required ? Missing(param) : QueueError{};
    auto a = aws::ParseArn(*arn);
    if (!a || a->service != "sqs" || a->account != account || a->region != service_.region()) {
      return {Errc::kInvalidParameterValue, "Value " + *arn + " for parameter " + param +
                                                " is invalid. Reason: not a queue of this account and region."};
    }
    *out = a->resource;
    return {};
  };
  auto task_json = [](const QueueService::MoveTask& t) {
    json::Value o = json::Value::Object();
    o.Set("Status", json::Value::String(t.status));
    o.Set("SourceArn", json::Value::String(t.source));
    o.Set("DestinationArn", json::Value::String(t.destination));
    if (t.max_per_second > 0) o.Set("MaxNumberOfMessagesPerSecond", json::Value::Int(t.max_per_second));
    o.Set("ApproximateNumberOfMessagesMoved", json::Value::Int(t.moved));
    o.Set("ApproximateNumberOfMessagesToMove", json::Value::Int(t.to_move));
    if (!t.failure_reason.empty()) o.Set("FailureReason", json::Value::String(t.failure_reason));
    o.Set("StartedTimestamp", json::Value::Int(t.started_ms));
    return o;
  };
  if (op == "StartMessageMoveTask") {
    std::string source, destination;
    int rate = 0;
    for (QueueError e : {queue_of_arn("SourceArn", true, &source), queue_of_arn("DestinationArn", false, &destination),
                         IntInRange(body, "MaxNumberOfMessagesPerSecond", 1, 500, 0, &rate)}) {
      if (!e.ok()) return respond(Error(e));
    }
    QueueService::MoveTask task;
    if (auto e = service_.StartMoveTask(source, destination, rate, &task); !e.ok()) return respond(Error(e));
    out.Set("TaskHandle", json::Value::String(task.handle));
    return respond(Ok(out));
  }
  if (op == "ListMessageMoveTasks") {
    std::string source;
    int max = 0;
    for (QueueError e : {queue_of_arn("SourceArn", true, &source), IntInRange(body, "MaxResults", 1, 10, 1, &max)}) {
      if (!e.ok()) return respond(Error(e));
    }
    json::Value results = json::Value::Array();
    for (const auto& t : service_.MoveTasks(source)) {
      if (static_cast<int>(results.items().size()) == max) break;
      results.Push(task_json(t));
    }
    out.Set("Results", std::move(results));
    return respond(Ok(out));
  }
  if (op == "CancelMessageMoveTask") {
    const std::string* handle = Str(body, "TaskHandle");
    if (handle == nullptr) return respond(Error(Missing("TaskHandle")));
    return respond(Error(service_.CancelMoveTask(*handle)));
  }

  if (auto e = resolve(); !e.ok()) return respond(Error(e));

  if (op == "DeleteQueue") {
    auto e = service_.DeleteQueue(name);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "PurgeQueue") {
    auto e = service_.Purge(name);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "TagQueue") {
    auto e = service_.TagQueue(name, StringMap(body, "Tags"));
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "UntagQueue") {
    auto e = service_.UntagQueue(name, Strings(body, "TagKeys"));
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "ListQueueTags") {
    std::map<std::string, std::string> tags;
    if (auto e = service_.ListTags(name, &tags); !e.ok()) return respond(Error(e));
    if (!tags.empty()) {
      json::Value t = json::Value::Object();
      for (const auto& [k, v] : tags) t.Set(k, json::Value::String(v));
      out.Set("Tags", std::move(t));
    }
    return respond(Ok(out));
  }
  if (op == "ListDeadLetterSourceQueues") {
    std::vector<std::string> sources;
    if (auto e = service_.DeadLetterSources(name, &sources); !e.ok()) return respond(Error(e));
    const std::string* token = Str(body, "NextToken");
    int max = 0;
    if (auto e = IntInRange(body, "MaxResults", 1, 1000, 0, &max); !e.ok()) return respond(Error(e));
    json::Value urls = json::Value::Array();
    std::string last;
    for (const auto& n : sources) {
      if (token != nullptr && n <= *token) continue;
      if (max > 0 && static_cast<int>(urls.items().size()) == max) {
        out.Set("NextToken", json::Value::String(last));
        break;
      }
      urls.Push(json::Value::String(QueueUrl(req, account, n)));
      last = n;
    }
    out.InsertBefore("NextToken", "queueUrls", std::move(urls));
    return respond(Ok(out));
  }
  if (op == "AddPermission") {
    const std::string* label = Str(body, "Label");
    if (label == nullptr) return respond(Error(Missing("Label")));
    std::vector<std::string> accounts = Strings(body, "AWSAccountIds"), actions = Strings(body, "Actions");
    if (accounts.empty()) return respond(Error(Missing("AWSAccountIds")));
    if (actions.empty()) return respond(Error(Missing("Actions")));
    auto e = service_.AddPermission(name, *label, accounts, actions);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "RemovePermission") {
    const std::string* label = Str(body, "Label");
    if (label == nullptr) return respond(Error(Missing("Label")));
    auto e = service_.RemovePermission(name, *label);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "GetQueueAttributes") {
    std::vector<std::string> names = Strings(body, "AttributeNames");
    std::map<std::string, std::string> attrs;
    if (auto e = service_.GetAttributes(name, names, &attrs); !e.ok()) return respond(Error(e));
    if (!attrs.empty()) {
      json::Value a = json::Value::Object();
      for (const auto& [k, v] : attrs) a.Set(k, json::Value::String(v));
      out.Set("Attributes", std::move(a));
    }
    return respond(Ok(out));
  }
  if (op == "SetQueueAttributes") {
    auto e = service_.SetAttributes(name, StringMap(body, "Attributes"));
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "SendMessage") {
    QueueError perr;
    SendInput in = ParseSendEntry(body, sender, &perr);
    if (!perr.ok()) return respond(Error(perr));
    std::vector<SendInput> one;
    one.push_back(std::move(in));
    auto results = service_.Send(name, std::move(one), /*durable=*/true);
    if (!results[0].first.ok()) return respond(Error(results[0].first));
    return respond(Ok(SendResultJson(results[0].second)));
  }
  if (op == "SendMessageBatch") {
    const json::Value* entries = nullptr;
    if (auto e = CheckBatch(body, op, &entries); !e.ok()) return respond(Error(e));
    std::vector<SendInput> ins;
    std::vector<QueueError> parse_errors;
    size_t total = 0;
    for (const auto& item : entries->items()) {
      QueueError perr;
      ins.push_back(ParseSendEntry(item, sender, &perr));
      parse_errors.push_back(perr);
      total += ins.back().body.size() + MessageAttributesSize(ins.back().attributes);
    }
    if (total > kMaxBatchBytes) {
      return respond(Error({Errc::kBatchRequestTooLong, "Batch requests cannot be longer than " +
                                                            std::to_string(kMaxBatchBytes) + " bytes. You have sent " +
                                                            std::to_string(total) + " bytes."}));
    }
    auto results = service_.Send(name, std::move(ins), /*durable=*/true);
    json::Value ok = json::Value::Array(), failed = json::Value::Array();
    for (size_t i = 0; i < results.size(); ++i) {
      const std::string& id = *Str(entries->items()[i], "Id");
      if (results[i].first.code == Errc::kQueueDoesNotExist) return respond(Error(results[i].first));
      QueueError e = !parse_errors[i].ok() ? parse_errors[i] : results[i].first;
      if (!e.ok()) {
        failed.Push(Failed(id, e));
      } else {
        json::Value r = SendResultJson(results[i].second);
        r.InsertBefore("MD5OfMessageBody", "Id", json::Value::String(id));
        ok.Push(std::move(r));
      }
    }
    out.Set("Successful", std::move(ok));
    out.Set("Failed", std::move(failed));
    return respond(Ok(out));
  }
  if (op == "ReceiveMessage") {
    ReceiveInput in;
    in.queue = name;
    for (QueueError e : {IntInRange(body, "MaxNumberOfMessages", 1, 10, 1, &in.max_messages),
                         IntInRange(body, "VisibilityTimeout", 0, 43200, -1, &in.visibility_seconds),
                         IntInRange(body, "WaitTimeSeconds", 0, 20, -1, &in.wait_seconds)}) {
      if (!e.ok()) return respond(Error(e));
    }
    std::vector<std::string> system = Strings(body, "AttributeNames");
    for (auto& s : Strings(body, "MessageSystemAttributeNames")) system.push_back(s);
    std::vector<std::string> attrs = Strings(body, "MessageAttributeNames");
    service_.Receive(in, [respond = std::move(respond), system = std::move(system), attrs = std::move(attrs)](
                             QueueError e, std::vector<ReceivedMessage> msgs) {
      if (!e.ok()) return respond(Error(e));
      json::Value o = json::Value::Object();
      if (!msgs.empty()) {
        json::Value list = json::Value::Array();
        for (const auto& m : msgs) list.Push(MessageJson(m, system, attrs));
        o.Set("Messages", std::move(list));
      }
      respond(Ok(o));
    });
    return;
  }
  if (op == "DeleteMessage") {
    const std::string* rh = Str(body, "ReceiptHandle");
    if (rh == nullptr) return respond(Error(Missing("ReceiptHandle")));
    auto e = service_.DeleteMessage(name, *rh);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "ChangeMessageVisibility") {
    const std::string* rh = Str(body, "ReceiptHandle");
    if (rh == nullptr) return respond(Error(Missing("ReceiptHandle")));
    int vis = 0;
    if (body.Find("VisibilityTimeout") == nullptr) return respond(Error(Missing("VisibilityTimeout")));
    if (!Int(body, "VisibilityTimeout", 0, &vis)) {
      return respond(Error({Errc::kInvalidParameterValue, "VisibilityTimeout must be an integer."}));
    }
    auto e = service_.ChangeVisibility(name, *rh, vis);
    return respond(e.ok() ? Ok(out) : Error(e));
  }
  if (op == "DeleteMessageBatch" || op == "ChangeMessageVisibilityBatch") {
    const json::Value* entries = nullptr;
    if (auto e = CheckBatch(body, op, &entries); !e.ok()) return respond(Error(e));
    json::Value ok = json::Value::Array(), failed = json::Value::Array();
    // The deletes of a batch go to the service together (one lock, one write).
    std::vector<std::string> handles;
    if (op == "DeleteMessageBatch") {
      for (const auto& item : entries->items()) {
        if (const std::string* rh = Str(item, "ReceiptHandle")) handles.push_back(*rh);
      }
    }
    std::vector<QueueError> deleted;
    if (!handles.empty()) deleted = service_.DeleteMessages(name, handles);
    size_t next_deleted = 0;
    for (const auto& item : entries->items()) {
      const std::string& id = *Str(item, "Id");
      const std::string* rh = Str(item, "ReceiptHandle");
      QueueError e;
      if (rh == nullptr) {
        e = Missing("ReceiptHandle");
      } else if (op == "DeleteMessageBatch") {
        e = deleted[next_deleted++];
      } else {
        int vis = 0;
        e = Int(item, "VisibilityTimeout", 0, &vis) ? service_.ChangeVisibility(name, *rh, vis)
                                                    : QueueError{Errc::kInvalidParameterValue, "VisibilityTimeout must be an integer."};
      }
      if (e.code == Errc::kQueueDoesNotExist) return respond(Error(e));
      if (e.ok()) {
        json::Value r = json::Value::Object();
        r.Set("Id", json::Value::String(id));
        ok.Push(std::move(r));
      } else {
        failed.Push(Failed(id, e));
      }
    }
    out.Set("Successful", std::move(ok));
    out.Set("Failed", std::move(failed));
    return respond(Ok(out));
  }
  respond(Error({Errc::kUnsupportedOperation, "cxbridge's queues do not support " + op + "."}));
}

}  // namespace cxbridge::queue
