#include "ingest/envelope_fast.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/ids.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::ingest {
namespace {

constexpr size_t kMaxDepth = 200;            // the document path refuses beyond 256
constexpr size_t kMaxDirectMembers = 1000;   // per object; more: the document path decides

struct RawMember {
  std::string_view key;    // as written (no escapes: the body holds no backslash)
  std::string_view value;  // the value's text
};

// Validates compact JSON without backslashes (see envelope_fast.h) in one pass, with an explicit
// stack (no recursion), and collects the members of the top-level object. False: not such a text.
class CompactScanner {
 public:
  explicit CompactScanner(std::string_view s) : s_(s) {}

  bool ScanObject(std::vector<RawMember>* top) {
    if (s_.empty() || s_[0] != '{') return false;
    std::vector<char> stack;           // '{' or '['
    std::vector<size_t> key_marks;     // where each open object's keys start in keys_
    std::string_view pending_key;      // top-level member whose value is being read
    size_t value_start = 0;
    while (true) {
      // A value starts at i_.
      if (i_ >= s_.size()) return false;
      const bool top_value = stack.size() == 1 && stack.back() == '{';
      if (top_value) value_start = i_;
      const char c = s_[i_];
      if (c == '{' || c == '[') {
        if (stack.size() >= kMaxDepth) return false;
        stack.push_back(c);
        ++i_;
        if (c == '{') {
          key_marks.push_back(keys_.size());
          if (Peek() == '}') {
            ++i_;
            key_marks.pop_back();
            stack.pop_back();
          } else {
            if (!Key(stack.size() == 1 ? &pending_key : nullptr)) return false;
            continue;
          }
        } else if (Peek() == ']') {
          ++i_;
          stack.pop_back();
        } else {
          continue;
        }
      } else if (c == '"') {
        if (!String(nullptr)) return false;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!Number()) return false;
      } else if (!Literal()) {
        return false;
      }
      // After a value: close containers, or go on to the next member or item.
      while (true) {
        if (stack.empty()) return i_ == s_.size();
        if (stack.size() == 1 && stack.back() == '{' && !pending_key.empty()) {
          // The value just read belongs to a top-level member (an empty object at the top
          // closes with no pending member).
          top->push_back({pending_key, s_.substr(value_start, i_ - value_start)});
          pending_key = {};
        }
        const char n = Peek();
        if (stack.back() == '{') {
          if (n == ',') {
            ++i_;
            if (!Key(stack.size() == 1 ? &pending_key : nullptr)) return false;
            break;
          }
          if (n != '}') return false;
          ++i_;
          if (!DistinctKeys(key_marks.back())) return false;
          keys_.resize(key_marks.back());
          key_marks.pop_back();
          stack.pop_back();
          continue;
        }
        if (n == ',') {
          ++i_;
          break;
        }
        if (n != ']') return false;
        ++i_;
        stack.pop_back();
      }
    }
  }

 private:
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  // A string at i_; its contents (without quotes) to `out`.
  bool String(std::string_view* out) {
    if (Peek() != '"') return false;
    const size_t start = ++i_;
    const void* q = std::memchr(s_.data() + start, '"', s_.size() - start);
    if (q == nullptr) return false;
    const size_t end = static_cast<size_t>(static_cast<const char*>(q) - s_.data());
    for (size_t k = start; k < end; ++k)
      if (static_cast<unsigned char>(s_[k]) < 0x20) return false;
    i_ = end + 1;
    if (out) *out = s_.substr(start, end - start);
    return true;
  }

  // `"key":` at i_; remembered for the duplicate check, and to `top` for the top level.
  bool Key(std::string_view* top) {
    std::string_view k;
    if (!String(&k) || Peek() != ':') return false;
    ++i_;
    keys_.push_back(k);
    if (top != nullptr) {
      if (k.empty()) return false;  // an empty top-level key: left to the document path
      *top = k;
    }
    return true;
  }

  bool Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

  // JSON's number grammar, exactly. Long numbers and large exponents are left to the document
  // path (its number conversion decides what it accepts there).
  bool Number() {
    const size_t start = i_;
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (!Digits()) {
      return false;
    }
    if (Peek() == '.') {
      ++i_;
      if (!Digits()) return false;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      const size_t exp = i_;
      if (!Digits() || i_ - exp > 2) return false;
    }
    return i_ - start <= 24;
  }

  bool Literal() {
    for (std::string_view lit : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (s_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        return true;
      }
    }
    return false;
  }

  // The keys of the object being closed (keys_[mark..]) are distinct, and not many (the document
  // path holds objects to json::kMaxObjectMembers and words the 400).
  bool DistinctKeys(size_t mark) const {
    const size_t n = keys_.size() - mark;
    if (n > kMaxDirectMembers) return false;
    if (n <= 16) {
      for (size_t a = mark; a < keys_.size(); ++a)
        for (size_t b = a + 1; b < keys_.size(); ++b)
          if (keys_[a] == keys_[b]) return false;
      return true;
    }
    std::vector<std::string_view> sorted(keys_.begin() + static_cast<std::ptrdiff_t>(mark), keys_.end());
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
  }

  std::string_view s_;
  size_t i_ = 0;
  std::vector<std::string_view> keys_;
};

// Skips one value of a validated compact text at `i`; returns the index after it.
size_t SkipValue(std::string_view s, size_t i) {
  size_t depth = 0;
  do {
    const char c = s[i];
    if (c == '"') {
      i = s.find('"', i + 1) + 1;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++i;
    } else if (c == '}' || c == ']') {
      --depth;
      ++i;
    } else if (c == ',' || c == ':') {
      ++i;
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
    }
  } while (depth > 0);
  return i;
}

// The value of member `key` of the validated compact object `obj`, if any.
std::optional<std::string_view> MemberOf(std::string_view obj, std::string_view key) {
  if (obj.size() < 2 || obj[0] != '{' || obj[1] == '}') return std::nullopt;
  size_t i = 1;
  while (i < obj.size() && obj[i] == '"') {
    const size_t kend = obj.find('"', i + 1);
    const std::string_view k = obj.substr(i + 1, kend - i - 1);
    const size_t vstart = kend + 2;  // past `":`
    const size_t vend = SkipValue(obj, vstart);
    if (k == key) return obj.substr(vstart, vend - vstart);
    if (obj[vend] != ',') break;
    i = vend + 1;
  }
  return std::nullopt;
}

const RawMember* Find(const std::vector<RawMember>& members, std::string_view key) {
  for (const RawMember& m : members)
    if (m.key == key) return &m;
  return nullptr;
}

bool IsString(std::string_view raw) { return !raw.empty() && raw[0] == '"'; }
std::string_view Unquoted(std::string_view raw) { return raw.substr(1, raw.size() - 2); }

// Where a path of member names leads in `detail` (given as its top-level members), or why not:
// kUnsupported sends the event down the document path.
enum class Lookup { kFound, kAbsent, kUnsupported };
Lookup FindPath(const transform::JsonPath& path, const std::vector<RawMember>& detail,
                std::string_view* out) {
  const auto& segs = path.segments();
  if (segs.empty()) return Lookup::kUnsupported;
  for (const auto& seg : segs)
    if (seg.kind != transform::JsonPath::Segment::Kind::kKey) return Lookup::kUnsupported;
  const RawMember* m = Find(detail, segs[0].key);
  if (m == nullptr) return Lookup::kAbsent;
  std::string_view v = m->value;
  for (size_t k = 1; k < segs.size(); ++k) {
    if (v.empty() || v[0] != '{') return Lookup::kAbsent;
    std::optional<std::string_view> next = MemberOf(v, segs[k].key);
    if (!next) return Lookup::kAbsent;
    v = *next;
  }
  *out = v;
  return Lookup::kFound;
}

// A key part from a value's text, as the document path's KeyPart makes it.
std::optional<json::Value> RawKeyPart(std::string_view raw) {
  if (IsString(raw)) return json::Value::String(std::string(Unquoted(raw)));
  if (raw == "null") return json::Value::Null();
  if (raw == "true" || raw == "false") return json::Value::Bool(raw == "true");
  if (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) return json::Value::NumberText(std::string(raw));
  auto v = json::Parse(raw);  // an object or an array: rare in a key
  if (!v.ok()) return std::nullopt;
  return std::move(*v);
}

// The idempotency key, as KeyFor (envelope.cc) makes it; nullopt: take the document path.
std::optional<std::string> DirectKey(const EnvelopeOptions& opts, const RequestView& req,
                                     const std::vector<RawMember>& detail, Envelope::Kind kind) {
  std::vector<json::Value> parts;
  switch (opts.idempotency.mode) {
    case IdempotencySpec::Mode::kNone:
      return std::string();
    case IdempotencySpec::Mode::kExplicit: {
      bool any = false;
      for (const std::string& h : opts.idempotency.headers) {
        std::optional<std::string_view> v = req.Header(h);
        any = any || v.has_value();
        parts.push_back(v ? json::Value::String(std::string(*v)) : json::Value::Null());
      }
      for (const transform::JsonPath& p : opts.idempotency.paths) {
        std::string_view raw;
        switch (FindPath(p, detail, &raw)) {
          case Lookup::kUnsupported:
            return std::nullopt;
          case Lookup::kAbsent:
            parts.push_back(json::Value::Null());
            break;
          case Lookup::kFound: {
            std::optional<json::Value> v = RawKeyPart(raw);
            if (!v) return std::nullopt;
            any = any || !v->is_null();
            parts.push_back(std::move(*v));
            break;
          }
        }
      }
      if (!any) return std::string();
      break;
    }
    case IdempotencySpec::Mode::kDefault: {
      if (kind != Envelope::Kind::kPlain) return std::nullopt;  // Genesys families: the document's
      if (opts.key_on_body_digest) {
        parts.push_back(json::Value::String("body-sha256"));
        parts.push_back(json::Value::String(Sha256Hex(req.body)));
      } else if (auto wid = req.Header("webhook-id"); wid.has_value() && !wid->empty()) {
        parts.push_back(json::Value::String("webhook-id"));
        parts.push_back(json::Value::String(std::string(*wid)));
      } else {
        return std::string();
      }
      break;
    }
  }
  return FormatIdempotencyKey(opts.source_name, parts);
}

// `{"version":"0",…,"resources":[],"detail":` as the document path serializes Skeleton().
void AppendHead(const Envelope& env, const EnvelopeOptions& opts, std::string* out) {
  out->append(R"({"version":"0","id":)");
  json::AppendQuoted(out, env.id);
  out->append(R"(,"detail-type":)");
  json::AppendQuoted(out, env.detail_type);
  out->append(R"(,"source":)");
  json::AppendQuoted(out, env.source);
  out->append(R"(,"account":)");
  json::AppendQuoted(out, opts.account);
  out->append(R"(,"time":)");
  json::AppendQuoted(out, FormatRfc3339(env.time_ms));
  out->append(R"(,"region":)");
  json::AppendQuoted(out, opts.region);
  out->append(R"(,"resources":[],"detail":)");
}

bool IsEventBridgeEvent(const std::vector<RawMember>& m) {
  return Find(m, "version") && Find(m, "id") && Find(m, "detail-type") && Find(m, "source") &&
         Find(m, "detail");
}

std::optional<Envelope> Plain(std::string_view body, const std::vector<RawMember>& members,
                              const RequestView& req, const EnvelopeOptions& opts, int64_t now_ms) {
  Envelope env = StartPlainEnvelope(opts, now_ms);
  const DetailTypeRule& rule = opts.detail_type;
  switch (rule.kind) {
    case DetailTypeRule::Kind::kSourceName:
    case DetailTypeRule::Kind::kConstant:
      break;
    case DetailTypeRule::Kind::kPath: {
      std::string_view raw;
      const Lookup found = FindPath(*rule.path, members, &raw);
      if (found == Lookup::kUnsupported) return std::nullopt;
      const bool absent = found == Lookup::kAbsent || raw == "null" || raw == "\"\"";
      if (absent) {
        if (!rule.fallback.has_value()) return std::nullopt;  // the document path words the 400
        env.detail_type = *rule.fallback;
      } else if (IsString(raw)) {
        env.detail_type = std::string(Unquoted(raw));
      } else if (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
        env.detail_type = std::string(raw);
      } else {
        return std::nullopt;
      }
      break;
    }
  }
  std::optional<std::string> key = DirectKey(opts, req, members, env.kind);
  if (!key) return std::nullopt;
  env.idempotency_key = std::move(*key);
  env.id = NewUuid4();
  env.event_json.reserve(body.size() + 256 + env.detail_type.size() + env.source.size());
  AppendHead(env, opts, &env.event_json);
  env.event_json.append(body);
  env.event_json.push_back('}');
  return env;
}

std::optional<Envelope> GenesysFrame(const std::vector<RawMember>& members, const RequestView& req,
                                     const EnvelopeOptions& opts, int64_t now_ms) {
  const RawMember* topic = Find(members, "topicName");
  const RawMember* body = Find(members, "eventBody");
  // A relayed frame (eventBody a string) or a topic with ids to fill: the document path.
  if (body->value[0] != '{' || topic->value.find('{') != std::string_view::npos) return std::nullopt;
  Envelope env;
  env.kind = Envelope::Kind::kGenesysNotification;
  env.detail_type = TopicPattern(Unquoted(topic->value));
  env.source = opts.event_source.empty() ? std::string(kDefaultGenesysSource) : opts.event_source;
  env.time_ms = now_ms;

  // detail: topicName, version, eventBody, metadata, timestamp (the arrival time unless the
  // frame carries one), then the frame's other members in their order.
  static constexpr std::array<std::string_view, 5> kFirst = {"topicName", "version", "eventBody", "metadata",
                                                             "timestamp"};
  std::vector<RawMember> detail;
  detail.reserve(members.size() + 1);
  for (std::string_view k : kFirst)
    if (const RawMember* m = Find(members, k)) detail.push_back(*m);
  std::string stamp;  // a generated timestamp's text
  RawMember* ts = nullptr;
  for (RawMember& m : detail)
    if (m.key == "timestamp") ts = &m;
  std::optional<int64_t> ts_ms =
      ts != nullptr && IsString(ts->value) ? ParseRfc3339(Unquoted(ts->value)) : std::nullopt;
  if (ts_ms.has_value()) {
    env.time_ms = *ts_ms;
  } else {
    json::AppendQuoted(&stamp, FormatRfc3339Millis(now_ms));
    if (ts != nullptr) {
      ts->value = stamp;
    } else {
      detail.push_back({"timestamp", stamp});
    }
  }
  for (const RawMember& m : members)
    if (std::find(kFirst.begin(), kFirst.end(), m.key) == kFirst.end()) detail.push_back(m);

  std::optional<std::string> key = DirectKey(opts, req, detail, env.kind);
  if (!key) return std::nullopt;
  env.idempotency_key = std::move(*key);
  env.id = NewUuid4();
  size_t size = 256 + env.detail_type.size() + env.source.size();
  for (const RawMember& m : detail) size += m.key.size() + m.value.size() + 4;
  env.event_json.reserve(size);
  AppendHead(env, opts, &env.event_json);
  char sep = '{';
  for (const RawMember& m : detail) {
    env.event_json.push_back(sep);
    sep = ',';
    env.event_json.push_back('"');
    env.event_json.append(m.key);
    env.event_json.append("\":");
    env.event_json.append(m.value);
  }
  env.event_json.append("}}");
  return env;
}

}  // namespace

std::optional<Envelope> TryBuildEnvelopeDirect(const RequestView& req, const EnvelopeOptions& opts,
                                               int64_t now_ms) {
  const std::string_view body = req.body;
  if (body.find('\\') != std::string_view::npos) return std::nullopt;
  if (!simdjson::validate_utf8(body.data(), body.size())) return std::nullopt;
  std::vector<RawMember> members;
  members.reserve(16);
  CompactScanner scanner(body);
  if (!scanner.ScanObject(&members)) return std::nullopt;
  if (opts.recognize_eventbridge && IsEventBridgeEvent(members)) return std::nullopt;
  if (opts.recognize_genesys) {
    const RawMember* topic = Find(members, "topicName");
    if (topic != nullptr && IsString(topic->value) && topic->value.size() > 2 && Find(members, "eventBody")) {
      return GenesysFrame(members, req, opts, now_ms);
    }
  }
  return Plain(body, members, req, opts, now_ms);
}

}  // namespace cxbridge::ingest
