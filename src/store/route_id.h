// RouteId: the identity of one route — one target of one rule on one bus. Deliveries, dead
// letters and the delivery history name their route by it; each storage engine encodes it in its
// own way (the embedded engine's key layout is format.h's business, not the router's).
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace cxbridge::store {

struct RouteId {
  std::string bus;
  std::string rule;
  std::string target;  // the target's Id within its rule

  // One text for maps, metrics and logs: "bus\x1frule\x1ftarget" (no part holds '\x1f' or '\0':
  // bus, rule and target names are validated to [.\-_A-Za-z0-9] and similar).
  std::string Key() const;
  // The inverse of Key(); nullopt when `key` is not one.
  static std::optional<RouteId> FromKey(std::string_view key);

  auto operator<=>(const RouteId&) const = default;
};

}  // namespace cxbridge::store
