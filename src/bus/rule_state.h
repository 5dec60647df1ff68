// A rule's State, as EventBridge has it: ENABLED | DISABLED |
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. The last is enabled (it only widens which
// CloudTrail events reach the rule, and cxbridge receives none), so it matches as ENABLED does.
#pragma once

#include <string_view>

namespace cxbridge::bus {

inline bool RuleStateEnabled(std::string_view state) {
  return state == "ENABLED" || state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
}

}  // namespace cxbridge::bus
