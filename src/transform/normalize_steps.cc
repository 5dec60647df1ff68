// The built-in normalization steps. Each is a small immutable class plus one Register line in
// RegisterBuiltins() at the bottom of this file; argument reference in README.md.
#include <optional>
#include <utility>

#include "common/config_keys.h"
#include "common/ids.h"
#include "transform/json_path.h"
#include "transform/normalize_step.h"
#include "transform/topic_glob.h"

namespace cxbridge::transform {

Status StepRegistry::Register(std::string kind, StepFactory factory) {
  if (Find(kind) != nullptr) return Status::AlreadyExists("step kind '" + kind + "' is already registered");
  factories_.emplace_back(std::move(kind), std::move(factory));
  return Status::Ok();
}

const StepFactory* StepRegistry::Find(std::string_view kind) const {
  for (const auto& [k, f] : factories_) {
    if (k == kind) return &f;
  }
  return nullptr;
}

std::string StepRegistry::KindList() const {
  std::string out;
  for (const auto& [k, f] : factories_) {
    if (!out.empty()) out.append(", ");
    out.append(k);
  }
  return out;
}

Status CheckStepArgs(const json::Value& args, std::initializer_list<std::string_view> allowed) {
  if (!args.is_object()) return Status::InvalidArgument("arguments must be a mapping");
  return CheckKeys(args, "", allowed);
}

namespace {

using StepPtr = std::unique_ptr<const Step>;

// A required JSONPath argument that names one writable field.
Result<JsonPath> FieldArg(const json::Value& args, std::string_view name) {
  const json::Value* v = args.Find(name);
  if (v == nullptr || v->is_null()) return Status::InvalidArgument("'" + std::string(name) + "' is required");
  if (!v->is_string()) return Status::InvalidArgument("'" + std::string(name) + "' must be a JSONPath string");
  auto p = JsonPath::Compile(v->as_string());
  if (!p.ok()) return Status::InvalidArgument("'" + std::string(name) + "': " + p.status().message());
  if (!p->definite() || p->is_root()) {
    return Status::InvalidArgument("'" + std::string(name) + "' must name one field below '$' (no '*')");
  }
  return p;
}

Result<bool> BoolArg(const json::Value& args, std::string_view name, bool def) {
  const json::Value* v = args.Find(name);
  if (v == nullptr || v->is_null()) return def;
  if (!v->is_bool()) return Status::InvalidArgument("'" + std::string(name) + "' must be true or false");
  return v->as_bool();
}

// rename / move {from, to}: moves the value; no-op when `from` is absent.
class RenameStep : public Step {
 public:
  RenameStep(JsonPath from, JsonPath to) : from_(std::move(from)), to_(std::move(to)) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"from", "to"}));
    auto from = FieldArg(args, "from");
    if (!from.ok()) return from.status();
    auto to = FieldArg(args, "to");
    if (!to.ok()) return to.status();
    return StepPtr(new RenameStep(std::move(*from), std::move(*to)));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    json::Value* v = from_.FindMutable(event);
    if (v == nullptr) return Status::Ok();
    json::Value moved = std::move(*v);
    from_.Erase(event);
    CXB_RETURN_IF_ERROR(to_.Set(event, std::move(moved)));
    *changed = true;
    return Status::Ok();
  }

 private:
  JsonPath from_, to_;
};

// copy {from, to, overwrite=true}: copies the value; no-op when `from` is absent, or when `to`
// exists and overwrite is false (a fallback source).
class CopyStep : public Step {
 public:
  CopyStep(JsonPath from, JsonPath to, bool overwrite)
      : from_(std::move(from)), to_(std::move(to)), overwrite_(overwrite) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"from", "to", "overwrite"}));
    auto from = FieldArg(args, "from");
    if (!from.ok()) return from.status();
    auto to = FieldArg(args, "to");
    if (!to.ok()) return to.status();
    auto overwrite = BoolArg(args, "overwrite", true);
    if (!overwrite.ok()) return overwrite.status();
    return StepPtr(new CopyStep(std::move(*from), std::move(*to), *overwrite));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    const json::Value* v = from_.Find(*event);
    if (v == nullptr) return Status::Ok();
    if (const json::Value* existing = to_.Find(*event)) {
      if (!overwrite_ || *existing == *v) return Status::Ok();
    }
    json::Value copy = *v;  // copy first: Set may reallocate the container holding *v
    CXB_RETURN_IF_ERROR(to_.Set(event, std::move(copy)));
    *changed = true;
    return Status::Ok();
  }

 private:
  JsonPath from_, to_;
  bool overwrite_;
};

// default {path, value}: sets the value when the field is absent or null.
class DefaultStep : public Step {
 public:
  DefaultStep(JsonPath path, json::Value value) : path_(std::move(path)), value_(std::move(value)) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"path", "value"}));
    auto path = FieldArg(args, "path");
    if (!path.ok()) return path.status();
    const json::Value* value = args.Find("value");
    if (value == nullptr) return Status::InvalidArgument("'value' is required");
    return StepPtr(new DefaultStep(std::move(*path), *value));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    const json::Value* v = path_.Find(*event);
    if (v != nullptr && !v->is_null()) return Status::Ok();
    CXB_RETURN_IF_ERROR(path_.Set(event, value_));
    *changed = true;
    return Status::Ok();
  }

 private:
  JsonPath path_;
  json::Value value_;
};

// delete {path}: removes the field when present.
class DeleteStep : public Step {
 public:
  explicit DeleteStep(JsonPath path) : path_(std::move(path)) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"path"}));
    auto path = FieldArg(args, "path");
    if (!path.ok()) return path.status();
    return StepPtr(new DeleteStep(std::move(*path)));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    if (path_.Erase(event)) *changed = true;
    return Status::Ok();
  }

 private:
  JsonPath path_;
};

// timestamp {path, format}: rewrites a time given as epoch milliseconds (a JSON number) or as
// an RFC 3339 / ISO-8601 string into `format`: rfc3339 (UTC, milliseconds: "…T14:03:24.731Z"),
// rfc3339-seconds ("…T14:03:24Z") or epoch-ms (a number). Absent: no-op. Anything else (a
// string that is not a time, a bool, an object) cannot be normalized: quarantine.
class TimestampStep : public Step {
 public:
  enum class Format { kRfc3339Millis, kRfc3339Seconds, kEpochMs };
  TimestampStep(JsonPath path, Format format) : path_(std::move(path)), format_(format) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"path", "format"}));
    auto path = FieldArg(args, "path");
    if (!path.ok()) return path.status();
    const json::Value* f = args.Find("format");
    if (f == nullptr || !f->is_string()) {
      return Status::InvalidArgument("'format' is required: rfc3339, rfc3339-seconds or epoch-ms");
    }
    Format format;
    if (f->as_string() == "rfc3339") {
      format = Format::kRfc3339Millis;
    } else if (f->as_string() == "rfc3339-seconds") {
      format = Format::kRfc3339Seconds;
    } else if (f->as_string() == "epoch-ms") {
      format = Format::kEpochMs;
    } else {
      return Status::InvalidArgument("'format' must be rfc3339, rfc3339-seconds or epoch-ms, not '" +
                                     f->as_string() + "'");
    }
    return StepPtr(new TimestampStep(std::move(*path), format));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    json::Value* v = path_.FindMutable(event);
    if (v == nullptr) return Status::Ok();
    std::optional<int64_t> ms;
    if (v->is_number()) {
      int64_t n;
      if (v->as_int64(&n)) ms = n;
    } else if (v->is_string()) {
      ms = ParseRfc3339(v->as_string());
    }
    if (!ms) {
      return Status::InvalidArgument("timestamp at " + path_.text() + " is neither epoch milliseconds nor RFC 3339: " +
                                     json::Serialize(*v).substr(0, 64));
    }
    json::Value out;
    switch (format_) {
      case Format::kRfc3339Millis: out = json::Value::String(FormatRfc3339Millis(*ms)); break;
      case Format::kRfc3339Seconds: out = json::Value::String(FormatRfc3339(*ms)); break;
      case Format::kEpochMs: out = json::Value::Int(*ms); break;
    }
    if (!(out == *v)) {
      *v = std::move(out);
      *changed = true;
    }
    return Status::Ok();
  }

 private:
  JsonPath path_;
  Format format_;
};

// map {path, values: {from: to, …}, default?}: replaces a string (or number, by its text)
// found in `values`; other values become `default` when given, else stay (Genesys adds enum
// values over time: unknown values pass unless the config says otherwise).
class MapStep : public Step {
 public:
  MapStep(JsonPath path, std::vector<json::Member> values, std::optional<json::Value> def)
      : path_(std::move(path)), values_(std::move(values)), default_(std::move(def)) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"path", "values", "default"}));
    auto path = FieldArg(args, "path");
    if (!path.ok()) return path.status();
    const json::Value* values = args.Find("values");
    if (values == nullptr || !values->is_object() || values->members().empty()) {
      return Status::InvalidArgument("'values' is required: a mapping of old value to new value");
    }
    std::optional<json::Value> def;
    if (const json::Value* d = args.Find("default")) def = *d;
    return StepPtr(new MapStep(std::move(*path), values->members(), std::move(def)));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    json::Value* v = path_.FindMutable(event);
    if (v == nullptr) return Status::Ok();
    const json::Value* replacement = nullptr;
    if (v->is_string() || v->is_number()) {
      const std::string& text = v->is_string() ? v->as_string() : v->number_text();
      for (const auto& [from, to] : values_) {
        if (from == text) {
          replacement = &to;
          break;
        }
      }
    }
    if (replacement == nullptr && default_) replacement = &*default_;
    if (replacement == nullptr || *replacement == *v) return Status::Ok();
    *v = *replacement;
    *changed = true;
    return Status::Ok();
  }

 private:
  JsonPath path_;
  std::vector<json::Member> values_;
  std::optional<json::Value> default_;
};

// rename_topic {from, to}: renames a topic (Genesys renamed v2.conversations.{id}.transcriptions
// to …transcription). Rewrites `detail-type` and `detail.topicName` when they match `from`;
// each {id} / * of `to` receives what the same-numbered wildcard of `from` matched, so
// "v2.conversations.<uuid>.transcriptions" becomes "v2.conversations.<uuid>.transcription".
class RenameTopicStep : public Step {
 public:
  RenameTopicStep(TopicGlob from, TopicGlob to) : from_(std::move(from)), to_(std::move(to)) {}
  static Result<StepPtr> Create(const json::Value& args) {
    CXB_RETURN_IF_ERROR(CheckStepArgs(args, {"from", "to"}));
    const json::Value* f = args.Find("from");
    const json::Value* t = args.Find("to");
    if (f == nullptr || !f->is_string()) return Status::InvalidArgument("'from' is required: a topic pattern");
    if (t == nullptr || !t->is_string()) return Status::InvalidArgument("'to' is required: a topic pattern");
    auto from = TopicGlob::Compile(f->as_string());
    if (!from.ok()) return from.status();
    auto to = TopicGlob::Compile(t->as_string());
    if (!to.ok()) return to.status();
    if (to->wildcard_count() > from->wildcard_count()) {
      return Status::InvalidArgument("'to' has more {id}/* wildcards than 'from'");
    }
    return StepPtr(new RenameTopicStep(std::move(*from), std::move(*to)));
  }
  Status Apply(json::Value* event, bool* changed) const override {
    Rewrite(event->Find("detail-type"), changed);
    if (json::Value* detail = event->Find("detail")) Rewrite(detail->Find("topicName"), changed);
    return Status::Ok();
  }

 private:
  void Rewrite(json::Value* v, bool* changed) const {
    if (v == nullptr || !v->is_string()) return;
    std::vector<std::string_view> captures;
    if (!from_.Match(v->as_string(), &captures)) return;
    std::string renamed = to_.Expand(captures);  // captures point into *v: expand first
    if (renamed == v->as_string()) return;
    *v = json::Value::String(std::move(renamed));
    *changed = true;
  }

  TopicGlob from_, to_;
};

}  // namespace

void RegisterBuiltins(StepRegistry* registry) {
  // One line per step kind; the kind is the YAML key of the step.
  (void)registry->Register("rename", RenameStep::Create);
  (void)registry->Register("move", RenameStep::Create);
  (void)registry->Register("copy", CopyStep::Create);
  (void)registry->Register("default", DefaultStep::Create);
  (void)registry->Register("delete", DeleteStep::Create);
  (void)registry->Register("timestamp", TimestampStep::Create);
  (void)registry->Register("map", MapStep::Create);
  (void)registry->Register("rename_topic", RenameTopicStep::Create);
}

const StepRegistry& BuiltinSteps() {
  static const StepRegistry* registry = [] {
    auto* r = new StepRegistry();
    RegisterBuiltins(r);
    return r;
  }();
  return *registry;
}

}  // namespace cxbridge::transform
