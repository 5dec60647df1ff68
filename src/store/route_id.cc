#include "store/route_id.h"

#include "store/format.h"

namespace cxbridge::store {

std::string RouteId::Key() const { return MakeTargetKey(bus, rule, target); }

std::optional<RouteId> RouteId::FromKey(std::string_view key) {
  RouteId id;
  if (!SplitTargetKey(key, &id.bus, &id.rule, &id.target)) return std::nullopt;
  return id;
}

}  // namespace cxbridge::store
