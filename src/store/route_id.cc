#include "store/route_id.h"

namespace cxbridge::store {
namespace {
constexpr char kSep = '\x1f';
}

std::string RouteId::Key() const {
  std::string k;
  k.reserve(bus.size() + rule.size() + target.size() + 2);
  k.append(bus);
  k.push_back(kSep);
  k.append(rule);
  k.push_back(kSep);
  k.append(target);
  return k;
}

std::optional<RouteId> RouteId::FromKey(std::string_view key) {
  const size_t a = key.find(kSep);
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = key.find(kSep, a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  return RouteId{std::string(key.substr(0, a)), std::string(key.substr(a + 1, b - a - 1)),
                 std::string(key.substr(b + 1))};
}

}  // namespace cxbridge::store
