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
  out.resource = std::string(text);
  return out;
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
