// TopicGlob: the pattern syntax of `schemas:` selectors and of the rename_topic step, for
// Genesys topic names and EventBridge detail-types / sources.
//   {id}  one or more characters other than '.' and '/': an id segment. It matches a real id
//         ("v2.conversations.3f1c….transcription") and the literal "{id}" Genesys's EventBridge
//         integration writes into detail-type ("v2.conversations.{id}.transcription").
//   *     any run of characters, possibly empty, dots included ("…conversation.{id}.*").
//   anything else matches itself.
// Thread-safety: immutable after Compile; share freely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::transform {

class TopicGlob {
 public:
  static Result<TopicGlob> Compile(std::string_view text);

  // Whole-string match. With `captures`, receives what each {id} and * matched, in order.
  bool Match(std::string_view s, std::vector<std::string_view>* captures = nullptr) const;
  // The pattern with its k-th wildcard replaced by captures[k] (missing captures: the wildcard
  // text itself).
  std::string Expand(const std::vector<std::string_view>& captures) const;

  size_t wildcard_count() const { return wildcards_; }
  const std::string& text() const { return text_; }

 private:
  struct Token {
    enum class Kind { kLiteral, kId, kStar } kind;
    std::string literal;
  };
  bool MatchFrom(size_t ti, std::string_view s, std::vector<std::string_view>* captures) const;

  std::string text_;
  std::vector<Token> tokens_;
  size_t wildcards_ = 0;
};

}  // namespace cxbridge::transform
