#include "queue/sqs_query.h"

#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "common/ids.h"

namespace cxbridge::queue {
namespace {

constexpr std::string_view kXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";
// A form is small and flat; bound the work on hostile input all the same.
constexpr size_t kMaxParams = 2000;

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte.
std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view form) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= form.size() && out.size() < kMaxParams) {
    size_t amp = form.find('&', pos);
    std::string_view part = form.substr(pos, amp == std::string_view::npos ? form.npos : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out[FormDecode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : FormDecode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

bool IsIntegerParam(std::string_view name) {
  return name == "DelaySeconds" || name == "MaxNumberOfMessages" || name == "VisibilityTimeout" ||
         name == "WaitTimeSeconds" || name == "MaxResults" || name == "MaxNumberOfMessagesPerSecond";
}

json::Value Scalar(std::string_view name, const std::string& value) {
  if (IsIntegerParam(name) && !value.empty() && value.size() < 12 &&
      value.find_first_not_of("-0123456789") == std::string::npos) {
    return json::Value::Int(std::stoll(value));
  }
  return json::Value::String(value);
}

// The parameters under `prefix` + "." grouped by their index: "Attribute.2.Name" → [2]["Name"].
std::map<int, std::map<std::string, std::string>> Indexed(const std::map<std::string, std::string>& form,
                                                         const std::string& prefix) {
  std::map<int, std::map<std::string, std::string>> out;
  const std::string p = prefix + ".";
  for (auto it = form.lower_bound(p); it != form.end() && it->first.starts_with(p); ++it) {
    std::string_view rest = std::string_view(it->first).substr(p.size());
    size_t dot = rest.find('.');
    std::string_view index = rest.substr(0, dot);
    if (index.empty() || index.size() > 4 || index.find_first_not_of("0123456789") != std::string_view::npos) continue;
    out[std::stoi(std::string(index))][dot == std::string_view::npos ? "" : std::string(rest.substr(dot + 1))] =
        it->second;
  }
  return out;
}

json::Value StringList(const std::map<std::string, std::string>& form, const std::string& prefix) {
  json::Value list = json::Value::Array();
  for (const auto& [i, fields] : Indexed(form, prefix)) {
    if (auto f = fields.find(""); f != fields.end()) list.Push(json::Value::String(f->second));
  }
  return list;
}

json::Value NameValueMap(const std::map<std::string, std::string>& form, const std::string& prefix,
                         const char* key, const char* value) {
  json::Value map = json::Value::Object();
  for (const auto& [i, fields] : Indexed(form, prefix)) {
    auto k = fields.find(key), v = fields.find(value);
    if (k != fields.end()) map.Set(k->second, json::Value::String(v != fields.end() ? v->second : ""));
  }
  return map;
}

// MessageAttribute.N.Name / .Value.{DataType,StringValue,BinaryValue} (fields under `prefix`).
json::Value MessageAttributes(const std::map<std::string, std::string>& fields_by_name) {
  std::map<std::string, std::string> form = fields_by_name;
  json::Value map = json::Value::Object();
  for (const auto& [i, fields] : Indexed(form, "MessageAttribute")) {
    auto name = fields.find("Name");
    if (name == fields.end()) continue;
    json::Value v = json::Value::Object();
    for (const char* k : {"DataType", "StringValue", "BinaryValue"}) {
      if (auto f = fields.find(std::string("Value.") + k); f != fields.end()) v.Set(k, json::Value::String(f->second));
    }
    map.Set(name->second, std::move(v));
  }
  return map;
}

// The members of one request object (the whole form, or one batch entry's fields).
void AddMembers(const std::map<std::string, std::string>& form, json::Value* out) {
  for (const auto& [k, v] : form) {
    if (k.find('.') == std::string::npos && k != "Action" && k != "Version") out->Set(k, Scalar(k, v));
  }
  if (auto a = NameValueMap(form, "Attribute", "Name", "Value"); !a.members().empty()) out->Set("Attributes", std::move(a));
  if (auto m = MessageAttributes(form); !m.members().empty()) out->Set("MessageAttributes", std::move(m));
  struct ListParam {
    const char* form_name;
    const char* json_name;
  };
  for (const ListParam& l : {ListParam{"AttributeName", "AttributeNames"},
                             ListParam{"MessageAttributeName", "MessageAttributeNames"},
                             ListParam{"MessageSystemAttributeName", "MessageSystemAttributeNames"},
                             ListParam{"TagKey", "TagKeys"}, ListParam{"AWSAccountId", "AWSAccountIds"},
                             ListParam{"ActionName", "Actions"}}) {
    if (auto list = StringList(form, l.form_name); !list.items().empty()) out->Set(l.json_name, std::move(list));
  }
}

// --- XML answers ---

void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '&': *out += "&amp;"; break;
      case '"': *out += "&quot;"; break;
      case '\r': *out += "&#xD;"; break;
      default: *out += c;
    }
  }
}

void Element(std::string* out, std::string_view name, std::string_view text) {
  *out += '<';
  *out += name;
  *out += '>';
  AppendEscaped(out, text);
  *out += "</";
  *out += name;
  *out += '>';
}

std::string Text(const json::Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return json::Serialize(v);
}

// Scalar members in the order given, each as <Name>value</Name>.
void Scalars(std::string* out, const json::Value& obj, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (const json::Value* v = obj.Find(n); v != nullptr && !v->is_null() && !v->is_object() && !v->is_array())
      Element(out, n, Text(*v));
  }
}

void NameValues(std::string* out, const json::Value* map, const char* element, const char* key, const char* value) {
  if (map == nullptr || !map->is_object()) return;
  for (const auto& [k, v] : map->members()) {
    *out += "<" + std::string(element) + ">";
    Element(out, key, k);
    Element(out, value, Text(v));
    *out += "</" + std::string(element) + ">";
  }
}

std::string ResultBody(const std::string& action, const json::Value& r) {
  std::string out;
  if (action == "ListQueues" || action == "ListDeadLetterSourceQueues") {
    const json::Value* urls = r.Find(action == "ListQueues" ? "QueueUrls" : "queueUrls");
    if (urls != nullptr && urls->is_array())
      for (const auto& u : urls->items()) Element(&out, "QueueUrl", Text(u));
    Scalars(&out, r, {"NextToken"});
  } else if (action == "GetQueueAttributes") {
    NameValues(&out, r.Find("Attributes"), "Attribute", "Name", "Value");
  } else if (action == "ListQueueTags") {
    NameValues(&out, r.Find("Tags"), "Tag", "Key", "Value");
  } else if (action == "ReceiveMessage") {
    if (const json::Value* msgs = r.Find("Messages"); msgs != nullptr && msgs->is_array()) {
      for (const auto& m : msgs->items()) {
        out += "<Message>";
        Scalars(&out, m, {"MessageId", "ReceiptHandle", "MD5OfBody", "Body"});
        NameValues(&out, m.Find("Attributes"), "Attribute", "Name", "Value");
        Scalars(&out, m, {"MD5OfMessageAttributes"});
        if (const json::Value* attrs = m.Find("MessageAttributes"); attrs != nullptr && attrs->is_object()) {
          for (const auto& [name, v] : attrs->members()) {
            out += "<MessageAttribute>";
            Element(&out, "Name", name);
            out += "<Value>";
            Scalars(&out, v, {"StringValue", "BinaryValue", "DataType"});
            out += "</Value></MessageAttribute>";
          }
        }
        out += "</Message>";
      }
    }
  } else if (action == "SendMessageBatch" || action == "DeleteMessageBatch" ||
             action == "ChangeMessageVisibilityBatch") {
    if (const json::Value* ok = r.Find("Successful"); ok != nullptr && ok->is_array()) {
      for (const auto& e : ok->items()) {
        out += "<" + action + "ResultEntry>";
        Scalars(&out, e, {"Id", "MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes",
                          "MD5OfMessageSystemAttributes", "SequenceNumber"});
        out += "</" + action + "ResultEntry>";
      }
    }
    if (const json::Value* failed = r.Find("Failed"); failed != nullptr && failed->is_array()) {
      for (const auto& e : failed->items()) {
        out += "<BatchResultErrorEntry>";
        Scalars(&out, e, {"Id", "SenderFault", "Code", "Message"});
        out += "</BatchResultErrorEntry>";
      }
    }
  } else {
    // CreateQueue, GetQueueUrl (QueueUrl); SendMessage (ids and digests); the rest: nothing.
    Scalars(&out, r, {"QueueUrl", "MD5OfMessageBody", "MD5OfMessageAttributes", "MD5OfMessageSystemAttributes",
                      "MessageId", "SequenceNumber", "TaskHandle", "ApproximateNumberOfMessagesMoved"});
  }
  return out;
}

}  // namespace

bool IsQueryRequest(const http::Request& req) {
  if (req.Header("X-Amz-Target")) return false;
  std::string_view form;
  if (req.method == "POST") {
    std::string_view ct = req.Header("Content-Type").value_or("");
    if (!ct.starts_with("application/x-www-form-urlencoded")) return false;
    form = req.body;
  } else if (req.method == "GET") {
    form = req.query;
  } else {
    return false;
  }
  return form.starts_with("Action=") || form.find("&Action=") != std::string_view::npos;
}

std::optional<QueryRequest> ParseQueryRequest(const http::Request& req) {
  auto form = ParseForm(req.method == "GET" ? std::string_view(req.query) : std::string_view(req.body));
  auto action = form.find("Action");
  if (action == form.end() || action->second.empty()) return std::nullopt;
  QueryRequest out{action->second, json::Value::Object()};
  AddMembers(form, &out.body);
  // Older SDKs send the queue URL as the request's path instead of a QueueUrl parameter.
  if (out.body.Find("QueueUrl") == nullptr && req.path.size() > 1) {
    std::string host(req.Header("Host").value_or("localhost"));
    out.body.Set("QueueUrl", json::Value::String("http://" + host + req.path));
  }
  // Tags: CreateQueue's member is `tags`, TagQueue's `Tags`.
  if (auto tags = NameValueMap(form, "Tag", "Key", "Value"); !tags.members().empty())
    out.body.Set(out.action == "CreateQueue" ? "tags" : "Tags", std::move(tags));
  const std::string entry_prefix = out.action + "RequestEntry";
  if (auto entries = Indexed(form, entry_prefix); !entries.empty() || out.action.ends_with("Batch")) {
    json::Value list = json::Value::Array();
    for (const auto& [i, fields] : entries) {
      json::Value e = json::Value::Object();
      AddMembers(fields, &e);
      list.Push(std::move(e));
    }
    out.body.Set("Entries", std::move(list));
  }
  return out;
}

http::Response ToQueryResponse(const std::string& action, const http::Response& json_answer) {
  http::Response r;
  r.status = json_answer.status;
  r.content_type = "text/xml";
  std::string request_id = NewUuid4();
  for (const auto& [k, v] : json_answer.headers) {
    if (k == "x-amzn-RequestId") request_id = v;
  }
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  auto doc = json::Parse(json_answer.body.empty() ? std::string_view("{}") : std::string_view(json_answer.body));
  json::Value body = doc.ok() ? std::move(*doc) : json::Value::Object();
  if (json_answer.status != 200) {
    // x-amzn-query-error: "AWS.SimpleQueueService.NonExistentQueue;Sender" (errors.h).
    std::string code = "InternalError", type = "Receiver";
    for (const auto& [k, v] : json_answer.headers) {
      if (k != "x-amzn-query-error") continue;
      size_t semi = v.find(';');
      code = v.substr(0, semi);
      if (semi != std::string::npos) type = v.substr(semi + 1);
    }
    std::string xml = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + std::string(kXmlns) + "\"><Error>";
    Element(&xml, "Type", type);
    Element(&xml, "Code", code);
    const json::Value* m = body.Find("message");
    Element(&xml, "Message", m != nullptr && m->is_string() ? m->as_string() : "");
    xml += "<Detail/></Error>";
    Element(&xml, "RequestId", request_id);
    xml += "</ErrorResponse>";
    r.body = std::move(xml);
    return r;
  }
  std::string xml = "<?xml version=\"1.0\"?><" + action + "Response xmlns=\"" + std::string(kXmlns) + "\">";
  std::string result = ResultBody(action, body);
  if (!result.empty() || action != "DeleteQueue") xml += "<" + action + "Result>" + result + "</" + action + "Result>";
  xml += "<ResponseMetadata>";
  Element(&xml, "RequestId", request_id);
  xml += "</ResponseMetadata></" + action + "Response>";
  r.body = std::move(xml);
  return r;
}

}  // namespace cxbridge::queue
