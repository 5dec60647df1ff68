#include "transform/input.h"

#include <utility>

#include "common/ids.h"

namespace cxbridge::transform {
namespace {

using Var = CompiledInput::Var;

constexpr std::string_view kRuleArn = "aws.events.rule-arn";
constexpr std::string_view kRuleName = "aws.events.rule-name";
constexpr std::string_view kIngestionTime = "aws.events.event.ingestion-time";
constexpr std::string_view kEvent = "aws.events.event";
constexpr std::string_view kEventJson = "aws.events.event.json";

bool IsPlaceholderByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.';
}

bool IsPathsMapKeyByte(char c) { return IsPlaceholderByte(c) && c != '.'; }

// Text inserted raw inside quotes keeps the JSON valid only without these bytes.
bool IsSafeInQuotes(std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

// A JSON value with every quote dropped: {"a":"b","c":[1]} -> {a:b,c:[1]}. This is how
// EventBridge renders an object or array placed inside a quoted string template.
void AppendUnquoted(const json::Value& v, std::string* out) {
  switch (v.type()) {
    case json::Value::Type::kString: out->append(v.as_string()); break;
    case json::Value::Type::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendUnquoted(v.items()[i], out);
      }
      out->push_back(']');
      break;
    }
    case json::Value::Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, child] : v.members()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(k);
        out->push_back(':');
        AppendUnquoted(child, out);
      }
      out->push_back('}');
      break;
    }
    default: json::SerializeTo(v, out); break;
  }
}

// <aws.events.event>: the event without `detail`, `detail-type` renamed `detailType`, in the
// member order AWS was recorded to deliver; any other member (e.g. replay-name) follows in
// event order.
void AppendEventWithoutDetail(const json::Value& event, std::string* out) {
  static constexpr std::string_view kOrder[] = {"id",     "account", "detail-type", "time",
                                                "source", "region",  "resources",   "version"};
  out->push_back('{');
  bool first = true;
  auto emit = [&](std::string_view key, const json::Value& v) {
    if (!first) out->push_back(',');
    first = false;
    json::AppendQuoted(out, key == "detail-type" ? std::string_view("detailType") : key);
    out->push_back(':');
    json::SerializeTo(v, out);
  };
  for (std::string_view key : kOrder) {
    if (const json::Value* v = event.Find(key)) emit(key, *v);
  }
  for (const auto& [k, v] : event.members()) {
    if (k == "detail") continue;
    bool listed = false;
    for (std::string_view key : kOrder) listed = listed || k == key;
    if (!listed) emit(k, v);
  }
  out->push_back('}');
}

Status ParseTemplate(const std::string& tmpl, const std::string& id,
                     const std::vector<std::pair<std::string, size_t>>& keys,
                     CompiledInput::TemplateKind kind, std::vector<CompiledInput::Piece>* pieces,
                     std::string* tail, std::string* skeleton) {
  bool in_string = false;
  std::string literal;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (in_string && c == '\\' && i + 1 < tmpl.size()) {
      literal.push_back(c);
      literal.push_back(tmpl[++i]);
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (c == '<') {
      size_t j = i + 1;
      while (j < tmpl.size() && IsPlaceholderByte(tmpl[j])) ++j;
      if (j > i + 1 && j < tmpl.size() && tmpl[j] == '>') {
        std::string_view name(tmpl.data() + i + 1, j - i - 1);
        CompiledInput::Piece p;
        p.in_quotes = in_string;
        bool known = true;
        if (name == kRuleArn) {
          p.var = Var::kRuleArn;
        } else if (name == kRuleName) {
          p.var = Var::kRuleName;
        } else if (name == kIngestionTime) {
          p.var = Var::kIngestionTime;
        } else if (name == kEvent || name == kEventJson) {
          p.var = name == kEvent ? Var::kEvent : Var::kEventJson;
          // AWS documents both as usable only as a bare JSON value.
          known = !in_string;
        } else {
          known = false;
          for (const auto& [key, index] : keys) {
            if (key == name) {
              p.var = Var::kPath;
              p.path = index;
              known = true;
              break;
            }
          }
        }
        if (!known) {
          return Status::InvalidArgument("InputTemplate for target " + id +
                                         " contains invalid placeholder " + std::string(name) +
                                         ".");
        }
        skeleton->append(literal);
        if (!p.in_quotes) skeleton->append("null");
        p.literal = std::move(literal);
        literal.clear();
        pieces->push_back(std::move(p));
        i = j;
        continue;
      }
    }
    literal.push_back(c);
  }
  skeleton->append(literal);
  *tail = std::move(literal);
  (void)kind;
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const CompiledInput>> CompileInput(const json::Value& target) {
  auto in = std::make_shared<CompiledInput>();
  if (!target.is_object()) return Status::InvalidArgument("a target must be a JSON object");
  if (const json::Value* id = target.Find("Id"); id != nullptr && id->is_string()) {
    in->target_id_ = id->as_string();
  }
  const std::string& id = in->target_id_;
  const json::Value* input = target.Find("Input");
  const json::Value* input_path = target.Find("InputPath");
  const json::Value* transformer = target.Find("InputTransformer");
  // A null member (YAML `Input:` with nothing after it) counts as absent.
  if (input != nullptr && input->is_null()) input = nullptr;
  if (input_path != nullptr && input_path->is_null()) input_path = nullptr;
  if (transformer != nullptr && transformer->is_null()) transformer = nullptr;
  if ((input != nullptr) + (input_path != nullptr) + (transformer != nullptr) > 1) {
    return Status::InvalidArgument("Only one of Input, InputPath, or InputTransformer must be provided for target " + id + ".");
  }

  if (input != nullptr) {
    in->mode_ = InputMode::kConstant;
    // The API carries Input as a string of JSON text; a YAML config may write the JSON inline.
    in->constant_ = input->is_string() ? input->as_string() : json::Serialize(*input);
    if (in->constant_.size() > kMaxInputBytes) {
      return Status::InvalidArgument("Input for target " + id + " is " +
                                     std::to_string(in->constant_.size()) +
                                     " bytes; at most 8192 are allowed.");
    }
    if (auto parsed = json::Parse(in->constant_); !parsed.ok()) {
      return Status::InvalidArgument("Input for target " + id + " is not valid JSON: " +
                                     parsed.status().message());
    }
    return std::shared_ptr<const CompiledInput>(std::move(in));
  }

  if (input_path != nullptr) {
    in->mode_ = InputMode::kPath;
    if (!input_path->is_string()) {
      return Status::InvalidArgument("InputPath for target " + id + " must be a string.");
    }
    if (input_path->as_string().size() > kMaxInputPathBytes) {
      return Status::InvalidArgument("InputPath for target " + id +
                                     " is longer than 256 characters.");
    }
    auto path = JsonPath::Compile(input_path->as_string());
    if (!path.ok()) {
      return Status::InvalidArgument("InputPath for target " + id + " is not valid: " +
                                     path.status().message());
    }
    in->paths_.push_back(std::move(*path));
    return std::shared_ptr<const CompiledInput>(std::move(in));
  }

  if (transformer == nullptr) return std::shared_ptr<const CompiledInput>(std::move(in));

  in->mode_ = InputMode::kTransformer;
  if (!transformer->is_object()) {
    return Status::InvalidArgument("InputTransformer for target " + id + " must be an object.");
  }
  const json::Value* tmpl = transformer->Find("InputTemplate");
  if (tmpl == nullptr || tmpl->is_null()) {
    return Status::InvalidArgument("InputTransformer for target " + id +
                                   " requires InputTemplate.");
  }
  if (!tmpl->is_string()) {
    return Status::InvalidArgument("InputTemplate for target " + id + " must be a string.");
  }
  const std::string& text = tmpl->as_string();
  if (text.empty() || text.size() > kMaxInputTemplateBytes) {
    return Status::InvalidArgument("InputTemplate for target " + id +
                                   " must be 1 to 8192 characters long.");
  }
  std::vector<std::pair<std::string, size_t>> keys;
  if (const json::Value* map = transformer->Find("InputPathsMap"); map != nullptr && !map->is_null()) {
    if (!map->is_object()) {
      return Status::InvalidArgument("InputPathsMap for target " + id + " must be an object.");
    }
    if (map->members().size() > kMaxInputPathsMapEntries) {
      return Status::InvalidArgument("InputPathsMap for target " + id + " has " +
                                     std::to_string(map->members().size()) +
                                     " entries; at most 100 are allowed.");
    }
    for (const auto& [key, value] : map->members()) {
      bool key_ok = !key.empty() && key.size() <= kMaxInputPathsMapKeyBytes;
      for (char c : key) key_ok = key_ok && IsPathsMapKeyByte(c);
      if (!key_ok) {
        return Status::InvalidArgument("InputPathsMap for target " + id + " has invalid key '" +
                                       key + "': keys are 1 to 256 characters of [A-Za-z0-9_-].");
      }
      if (!value.is_string()) {
        return Status::InvalidArgument("InputPathsMap value for key " + key + " in target " +
                                       id + " must be a JSONPath string.");
      }
      if (value.as_string().size() > kMaxInputPathBytes) {
        return Status::InvalidArgument("InputPathsMap value for key " + key + " in target " +
                                       id + " is longer than 256 characters.");
      }
      auto path = JsonPath::Compile(value.as_string());
      if (!path.ok()) {
        return Status::InvalidArgument("InputPathsMap value for key " + key + " in target " +
                                       id + " is not valid: " + path.status().message());
      }
      keys.emplace_back(key, in->paths_.size());
      in->paths_.push_back(std::move(*path));
    }
  }

  size_t first = text.find_first_not_of(" \t\r\n");
  char lead = first == std::string::npos ? '\0' : text[first];
  in->template_kind_ = lead == '{' || lead == '['  ? CompiledInput::TemplateKind::kJson
                       : lead == '"'               ? CompiledInput::TemplateKind::kString
                                                   : CompiledInput::TemplateKind::kText;
  in->output_is_json_ = in->template_kind_ != CompiledInput::TemplateKind::kText;
  std::string skeleton;
  CXB_RETURN_IF_ERROR(ParseTemplate(text, id, keys, in->template_kind_, &in->pieces_, &in->tail_,
                                    &skeleton));
  in->skeleton_valid_ = json::Parse(skeleton).ok();
  return std::shared_ptr<const CompiledInput>(std::move(in));
}

// Friend of CompiledInput: reads its representation to render.
struct Renderer {
  static Status Run(const CompiledInput& in, const json::Value& event, const RenderContext& ctx,
                    std::string* out) {
    out->clear();
    switch (in.mode_) {
      case InputMode::kWholeEvent:
        json::SerializeTo(event, out);
        return Status::Ok();
      case InputMode::kConstant:
        out->append(in.constant_);
        return Status::Ok();
      case InputMode::kPath:
        return RenderPath(in.paths_[0], event, out);
      case InputMode::kTransformer:
        return RenderTemplate(in, event, ctx, out);
    }
    return Status::Internal("unknown input mode");
  }

  static Status RenderPath(const JsonPath& path, const json::Value& event, std::string* out) {
    if (path.definite()) {
      const json::Value* v = path.Find(event);
      if (v == nullptr) {
        return Status::InvalidArgument("InputPath " + path.text() + " matches nothing in the event");
      }
      json::SerializeTo(*v, out);
      return Status::Ok();
    }
    std::vector<const json::Value*> found;
    path.Collect(event, &found);
    if (found.empty()) {
      return Status::InvalidArgument("InputPath " + path.text() + " matches nothing in the event");
    }
    out->push_back('[');
    for (size_t i = 0; i < found.size(); ++i) {
      if (i > 0) out->push_back(',');
      json::SerializeTo(*found[i], out);
    }
    out->push_back(']');
    return Status::Ok();
  }

  static Status RenderTemplate(const CompiledInput& in, const json::Value& event,
                               const RenderContext& ctx, std::string* out) {
    const bool json_template = in.template_kind_ == CompiledInput::TemplateKind::kJson;
    bool safe = in.skeleton_valid_;
    std::vector<const json::Value*> found;
    json::Value collected;  // an indefinite path's matches, as an array
    for (const CompiledInput::Piece& p : in.pieces_) {
      out->append(p.literal);
      const size_t start = out->size();
      const json::Value* value = nullptr;
      std::string_view text;
      bool is_text = false;
      switch (p.var) {
        case Var::kRuleArn: text = ctx.rule_arn; is_text = true; break;
        case Var::kRuleName: text = ctx.rule_name; is_text = true; break;
        case Var::kIngestionTime: {
          std::string t = FormatRfc3339Millis(ctx.ingestion_time_ms);
          if (p.in_quotes) out->append(t); else json::AppendQuoted(out, t);
          continue;
        }
        case Var::kEvent: AppendEventWithoutDetail(event, out); continue;
        case Var::kEventJson: json::SerializeTo(event, out); continue;
        case Var::kPath: {
          const JsonPath& path = in.paths_[p.path];
          if (path.definite()) {
            value = path.Find(event);
          } else {
            found.clear();
            path.Collect(event, &found);
            if (!found.empty()) {
              collected = json::Value::Array();
              for (const json::Value* f : found) collected.Push(*f);
              value = &collected;
            }
          }
          break;
        }
      }
      if (is_text) {
        if (p.in_quotes) {
          out->append(text);
          safe = safe && IsSafeInQuotes(text);
        } else {
          json::AppendQuoted(out, text);
        }
        continue;
      }
      if (value == nullptr) {
        // A path that matches nothing renders as an empty string (AWS-recorded).
        if (!p.in_quotes) out->append("\"\"");
        continue;
      }
      if (!p.in_quotes) {
        json::SerializeTo(*value, out);  // bare: a JSON value (strings quoted and escaped)
        continue;
      }
      // Inside quotes: raw, never escaped (AWS: "EventBridge doesn't escape values").
      if (value->is_string()) {
        out->append(value->as_string());
      } else if ((value->is_object() || value->is_array()) && json_template) {
        json::SerializeTo(*value, out);  // quotes kept: the result is invalid JSON, as on AWS
      } else {
        AppendUnquoted(*value, out);
      }
      safe = safe && IsSafeInQuotes(std::string_view(*out).substr(start));
    }
    out->append(in.tail_);
    const bool must_be_json = in.output_is_json_ || ctx.require_json;
    if (must_be_json && !(safe && in.output_is_json_)) {
      if (auto parsed = json::Parse(*out); !parsed.ok()) {
        return Status::InvalidArgument("InputTemplate for target " + in.target_id_ +
                                       " rendered invalid JSON (" + parsed.status().message() +
                                       ")");
      }
    }
    return Status::Ok();
  }
};

Status RenderTo(const CompiledInput& input, const json::Value& event, const RenderContext& ctx,
                std::string* out) {
  return Renderer::Run(input, event, ctx, out);
}

Result<std::string> Render(const CompiledInput& input, const json::Value& event,
                           const RenderContext& ctx) {
  std::string out;
  CXB_RETURN_IF_ERROR(Renderer::Run(input, event, ctx, &out));
  return out;
}

}  // namespace cxbridge::transform
