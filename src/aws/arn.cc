#include "aws/arn.h"

namespace cxbridge::aws {

std::string Arn::ToString() const {
  return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
}

std::optional<Arn> ParseArn(std::string_view text) {
  constexpr std::string_view kPrefix = "arn:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  Arn out;
  std::string* parts[] = {&out.partition, &out.service, &out.region, &out.account};
  for (std::string* p : parts) {
    size_t c = text.find(':');
    if (c == std::string_view::npos) return std::nullopt;
    *p = std::string(text.substr(0, c));
    text.remove_prefix(c + 1);
  }
  if (out.partition != "aws" && !out.partition.starts_with("aws-")) return std::nullopt;
  if (out.service.empty() || text.empty()) return std::nullopt;
  if (!out.region.empty() && !IsRegion(out.region)) return std::nullopt;
  out.resource = std::string(text);
  return out;
}

bool IsRegion(std::string_view s) {
  // [a-z]{2} (-[a-z]+)+ -[0-9]+ : scanned as "-"-separated parts.
  if (s.size() < 6 || s.size() > 32) return false;
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!lower(s[0]) || !lower(s[1]) || s[2] != '-') return false;
  size_t i = 3, words = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && lower(s[i])) ++i;
    if (i == start) break;  // not a word: the digits part must start here
    if (i >= s.size() || s[i] != '-') return false;
    ++words;
    ++i;
  }
  if (words == 0 || i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (!digit(s[i])) return false;
  return true;
}

bool IsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<std::string> ResourceName(const Arn& arn, std::string_view type) {
  std::string_view r = arn.resource;
  if (r.size() <= type.size() + 1 || !r.starts_with(type)) return std::nullopt;
  char sep = r[type.size()];
  if (sep != '/' && sep != ':') return std::nullopt;
  return std::string(r.substr(type.size() + 1));
}

}  // namespace cxbridge::aws
