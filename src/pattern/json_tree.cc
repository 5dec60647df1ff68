#include "pattern/json_tree.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cxbridge::pattern::internal {

JsonNode::JsonNode() = default;
JsonNode::JsonNode(const JsonNode&) = default;
JsonNode::JsonNode(JsonNode&&) noexcept = default;
JsonNode& JsonNode::operator=(const JsonNode&) = default;
JsonNode& JsonNode::operator=(JsonNode&&) noexcept = default;
JsonNode::~JsonNode() = default;

namespace {

bool IsIdentPart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c >= 0x80;
}

std::string CharDesc(unsigned char c) {
  std::string s = "(";
  if (c < 0x20) {
    s += "CTRL-CHAR, code " + std::to_string(c);
  } else {
    s += "'";
    s += static_cast<char>(c);
    s += "' (code " + std::to_string(c) + ")";
  }
  return s + ")";
}

void AppendUtf8(std::string* out, uint32_t cp);

// CharDesc of the character starting at text[pos], as Jackson (which reads characters, not
// bytes) describes it: a multi-byte UTF-8 character whole, with its code point ("'é' (code
// 233)", "'ƣ' (code 419 / 0x1a3)"); a byte that starts no valid sequence as U+FFFD, as Java's
// decoder reads it. Never cuts a character, so the message stays valid UTF-8 (found by
// fuzz/eventbridge_fuzz: a lone lead byte made InvalidEventPatternException's JSON invalid).
std::string CharDescAt(std::string_view text, size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) return CharDesc(c);
  size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
  bool ok = len != 0 && pos + len <= text.size();
  for (size_t i = 1; ok && i < len; ++i) {
    const unsigned char b = static_cast<unsigned char>(text[pos + i]);
    ok = (b & 0xC0) == 0x80;
    cp = (cp << 6) | (b & 0x3F);
  }
  const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) cp = 0xFFFD;
  if (cp <= 0x9F) return "(CTRL-CHAR, code " + std::to_string(cp) + ")";
  std::string s = "('";
  AppendUtf8(&s, cp);
  s += "' (code " + std::to_string(cp);
  if (cp > 255) {
    char hex[16];
    std::snprintf(hex, sizeof hex, " / 0x%x", static_cast<unsigned>(cp));
    s += hex;
  }
  return s + "))";
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view text, bool strict) : s_(text), strict_(strict) {}

  Result<JsonNode> Run() {
    JsonNode root;
    SkipWs();
    if (!ParseValue(&root, 0)) return Status::InvalidArgument(error_);
    // Like Jackson's streaming reader (and so AWS), text after the root value is not examined.
    if (strict_) {
      SkipWs();
      if (pos_ < s_.size()) {
        return Status::InvalidArgument("Unexpected content after the JSON value" +
                                       JacksonLocation(s_, pos_));
      }
    }
    return root;
  }

 private:
  bool Fail(std::string msg, size_t offset) {
    error_ = std::move(msg) + JacksonLocation(s_, offset);
    return false;
  }
  bool FailUnexpected(const char* expecting) {
    if (pos_ >= s_.size()) return FailEof();
    return Fail("Unexpected character " + CharDescAt(s_, pos_) + ": " +
                    expecting,
                pos_);
  }
  bool FailEof() {
    return Fail("Unexpected end-of-input: expected close marker for " +
                    std::string(in_object_ ? "Object" : "Array"),
                s_.size());
  }
  void SkipWs() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  bool ParseValue(JsonNode* out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("Document nesting depth exceeds the maximum", pos_);
    if (pos_ >= s_.size()) {
      if (depth == 0) {
        error_ = "No content to map due to end-of-input" + JacksonLocation(s_, pos_);
        return false;
      }
      return FailEof();
    }
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    switch (c) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"':
        out->type = JsonNode::Type::kString;
        return ParseString(&out->text);
      case '-':
      case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9':
        return ParseNumber(out);
      default:
        break;
    }
    if (IsIdentPart(c) || c == '\'') {
      if (c == '\'') {
        return FailUnexpected(
            "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' "
            "or 'false')");
      }
      size_t start = pos_;
      while (pos_ < s_.size() && IsIdentPart(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      std::string_view tok = s_.substr(start, pos_ - start);
      if (tok == "true") {
        out->type = JsonNode::Type::kTrue;
        return true;
      }
      if (tok == "false") {
        out->type = JsonNode::Type::kFalse;
        return true;
      }
      if (tok == "null") {
        out->type = JsonNode::Type::kNull;
        return true;
      }
      return Fail("Unrecognized token '" + std::string(tok) +
                      "': was expecting (JSON String, Number, Array, Object or token 'null', "
                      "'true' or 'false')",
                  pos_);
    }
    return FailUnexpected("expected a value");
  }

  bool ParseObject(JsonNode* out, int depth) {
    out->type = JsonNode::Type::kObject;
    bool saved = in_object_;
    in_object_ = true;
    ++pos_;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      in_object_ = saved;
      return true;
    }
    while (true) {
      SkipWs();
      if (pos_ >= s_.size()) return FailEof();
      if (s_[pos_] != '"') return FailUnexpected("was expecting double-quote to start field name");
      std::string key;
      if (!ParseString(&key)) return false;
      SkipWs();
      if (pos_ >= s_.size()) return FailEof();
      if (s_[pos_] != ':') {
        return FailUnexpected("was expecting a colon to separate field name and value");
      }
      ++pos_;
      SkipWs();
      out->members.emplace_back(std::move(key), JsonNode());
      if (!ParseValue(&out->members.back().second, depth + 1)) return false;
      SkipWs();
      if (pos_ >= s_.size()) return FailEof();
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        break;
      }
      return FailUnexpected("was expecting comma to separate Object entries");
    }
    in_object_ = saved;
    return true;
  }

  bool ParseArray(JsonNode* out, int depth) {
    out->type = JsonNode::Type::kArray;
    bool saved = in_object_;
    in_object_ = false;
    ++pos_;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      in_object_ = saved;
      return true;
    }
    while (true) {
      SkipWs();
      out->items.emplace_back();
      if (!ParseValue(&out->items.back(), depth + 1)) return false;
      SkipWs();
      if (pos_ >= s_.size()) return FailEof();
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      return FailUnexpected("was expecting comma to separate Array entries");
    }
    in_object_ = saved;
    return true;
  }

  bool ParseHex4(uint32_t* v) {
    if (pos_ + 4 > s_.size()) return FailEof();
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_ + i];
      r <<= 4;
      if (c >= '0' && c <= '9') {
        r |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        r |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        r |= c - 'A' + 10;
      } else {
        return Fail("Unexpected character " + CharDescAt(s_, pos_ + i) +
                        ": expected a hex-digit for character escape sequence",
                    pos_ + i);
      }
    }
    pos_ += 4;
    *v = r;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) {
        return Fail("Unexpected end-of-input: was expecting closing quote for a string value",
                    s_.size());
      }
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        return Fail("Illegal unquoted character " + CharDesc(c) +
                        ": has to be escaped using backslash to be included in string value",
                    pos_);
      }
      if (c != '\\') {
        // Copy a run of plain bytes at once.
        size_t start = pos_;
        while (pos_ < s_.size()) {
          unsigned char d = static_cast<unsigned char>(s_[pos_]);
          if (d == '"' || d == '\\' || d < 0x20) break;
          ++pos_;
        }
        out->append(s_.data() + start, pos_ - start);
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return Fail("Unexpected end-of-input in character escape sequence", pos_);
      char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 6 <= s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            size_t save = pos_;
            pos_ += 2;
            uint32_t lo;
            if (!ParseHex4(&lo)) return false;
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;  // unpaired; encode as is
            }
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Fail("Unrecognized character escape " + CharDescAt(s_, pos_ - 1),
                      pos_ - 1);
      }
    }
  }

  bool ParseNumber(JsonNode* out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
      return Fail("Unexpected character " +
                      (pos_ < s_.size() ? CharDescAt(s_, pos_)
                                        : std::string("(end-of-input)")) +
                      " in numeric value: expected digit (0-9) to follow minus sign, for valid "
                      "numeric value",
                  pos_);
    }
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9') {
      return Fail("Invalid numeric value: Leading zeroes not allowed", pos_ + 1);
    }
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
        return Fail("Unexpected character in numeric value: Decimal point not followed by a digit",
                    pos_);
      }
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
        return Fail("Unexpected character in numeric value: Exponent indicator not followed by a digit",
                    pos_);
      }
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    out->type = JsonNode::Type::kNumber;
    out->text.assign(s_.data() + start, pos_ - start);
    out->number = std::strtod(out->text.c_str(), nullptr);
    return true;
  }

  std::string_view s_;
  bool strict_;
  size_t pos_ = 0;
  bool in_object_ = false;
  std::string error_;
};

}  // namespace

std::string JacksonLocation(std::string_view text, size_t offset) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string src;
  constexpr size_t kMaxSource = 500;
  if (text.size() > kMaxSource) {
    src = std::string(text.substr(0, kMaxSource)) + "\"[truncated " +
          std::to_string(text.size() - kMaxSource) + " chars]";
  } else {
    src = std::string(text) + "\"";
  }
  return "\n at [Source: (String)\"" + src + "; line: " + std::to_string(line) +
         ", column: " + std::to_string(offset - line_start + 1) + "]";
}

Result<JsonNode> ParseJsonTree(std::string_view text, bool strict) {
  return Parser(text, strict).Run();
}

}  // namespace cxbridge::pattern::internal
