// Topic planning for the Notifications API: configured topic patterns × id lists → the concrete
// subscriptions, combined where Genesys allows it (`v2.users.<id>?presence&routingStatus` is one
// subscription that delivers frames under each expanded name), then packed into channels within
// the per-channel and per-client limits. Pure functions; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "genesys/settings.h"

namespace cxbridge::genesys {

// Genesys caps a combined topic at 200 characters.
inline constexpr size_t kMaxCombinedTopicChars = 200;

// One entry of a channel's subscription list.
struct Subscription {
  std::string id;                   // what is sent: {"id": "<id>"}
  std::vector<std::string> topics;  // the concrete topic names its frames carry
};

// Expands every spec over its id list (config order; duplicates dropped) and, when `combine`,
// merges the suffixes of one entity id into combined subscriptions.
std::vector<Subscription> PlanSubscriptions(const std::vector<TopicSpec>& specs,
                                            const std::map<std::string, std::vector<std::string>>& ids,
                                            bool combine);

// Splits the subscriptions into channels of at most `max_per_channel`, filling each channel
// before the next. kResourceExhausted when more than `max_channels` would be needed.
Result<std::vector<std::vector<Subscription>>> PackChannels(std::vector<Subscription> subs,
                                                            int max_per_channel, int max_channels);

// The concrete topics a subscription id delivers: itself, or for a combined id
// "p?a&b" the names "p.a" and "p.b".
std::vector<std::string> ExpandCombinedTopic(std::string_view id);

// A concrete topic name's pattern (its `detail-type`) is ingest::TopicPattern
// (ingest/topic_pattern.h): there is one such function, shared by every Genesys path.

}  // namespace cxbridge::genesys
