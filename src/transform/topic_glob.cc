#include "transform/topic_glob.h"

namespace cxbridge::transform {

Result<TopicGlob> TopicGlob::Compile(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("a topic pattern must not be empty");
  TopicGlob p;
  p.text_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) p.tokens_.push_back({Token::Kind::kLiteral, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 4) == "{id}") {
      flush();
      p.tokens_.push_back({Token::Kind::kId, {}});
      ++p.wildcards_;
      i += 3;
    } else if (text[i] == '*') {
      flush();
      if (!p.tokens_.empty() && p.tokens_.back().kind == Token::Kind::kStar) {
        return Status::InvalidArgument("topic pattern '" + p.text_ + "' has '**'");
      }
      p.tokens_.push_back({Token::Kind::kStar, {}});
      ++p.wildcards_;
    } else {
      literal.push_back(text[i]);
    }
  }
  flush();
  return p;
}

bool TopicGlob::MatchFrom(size_t ti, std::string_view s,
                             std::vector<std::string_view>* captures) const {
  if (ti == tokens_.size()) return s.empty();
  const Token& t = tokens_[ti];
  if (t.kind == Token::Kind::kLiteral) {
    if (s.substr(0, t.literal.size()) != t.literal) return false;
    return MatchFrom(ti + 1, s.substr(t.literal.size()), captures);
  }
  const size_t mark = captures ? captures->size() : 0;
  if (t.kind == Token::Kind::kStar && ti + 1 == tokens_.size()) {  // trailing '*': the rest
    if (captures) captures->push_back(s);
    return true;
  }
  if (t.kind == Token::Kind::kStar) {
    // The next token is a literal ('**' and '*{id}' aside): try only where it occurs.
    const Token& next = tokens_[ti + 1];
    if (next.kind == Token::Kind::kLiteral) {
      for (size_t pos = s.find(next.literal); pos != std::string_view::npos;
           pos = s.find(next.literal, pos + 1)) {
        if (captures) captures->push_back(s.substr(0, pos));
        if (MatchFrom(ti + 1, s.substr(pos), captures)) return true;
        if (captures) captures->resize(mark);
      }
      return false;
    }
  }
  const size_t min_len = t.kind == Token::Kind::kId ? 1 : 0;
  for (size_t len = min_len; len <= s.size(); ++len) {
    if (t.kind == Token::Kind::kId && (s[len - 1] == '.' || s[len - 1] == '/')) break;
    if (captures) captures->push_back(s.substr(0, len));
    if (MatchFrom(ti + 1, s.substr(len), captures)) return true;
    if (captures) captures->resize(mark);
  }
  return false;
}

bool TopicGlob::Match(std::string_view s, std::vector<std::string_view>* captures) const {
  if (captures) captures->clear();
  return MatchFrom(0, s, captures);
}

std::string TopicGlob::Expand(const std::vector<std::string_view>& captures) const {
  std::string out;
  size_t k = 0;
  for (const Token& t : tokens_) {
    if (t.kind == Token::Kind::kLiteral) {
      out.append(t.literal);
    } else if (k < captures.size()) {
      out.append(captures[k++]);
    } else {
      out.append(t.kind == Token::Kind::kId ? "{id}" : "*");
    }
  }
  return out;
}

}  // namespace cxbridge::transform
