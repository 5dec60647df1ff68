#include "genesys/topics.h"

#include <set>
#include <utility>

namespace cxbridge::genesys {

std::vector<Subscription> PlanSubscriptions(const std::vector<TopicSpec>& specs,
                                            const std::map<std::string, std::vector<std::string>>& ids,
                                            bool combine) {
  // Groups keep first-seen order: key = "<prefix>.<id>", value = suffixes.
  struct Group {
    std::string key;
    std::vector<std::string> suffixes;
  };
  std::vector<Subscription> out;
  std::vector<Group> groups;
  std::map<std::string, size_t> group_index;
  std::set<std::string> seen;
  // Plain subscriptions and groups interleave in config order; remember where each group goes.
  std::vector<std::pair<bool, size_t>> order;  // (is_group, index)
  for (const auto& spec : specs) {
    const size_t at = spec.pattern.find("{id}");
    if (at == std::string::npos) {
      if (seen.insert(spec.pattern).second) {
        order.emplace_back(false, out.size());
        out.push_back({spec.pattern, {spec.pattern}});
      }
      continue;
    }
    auto list = ids.find(spec.ids);
    if (list == ids.end()) continue;
    const std::string prefix = spec.pattern.substr(0, at);      // "v2.users."
    const std::string suffix = spec.pattern.substr(at + 4);     // ".presence" or ""
    for (const auto& id : list->second) {
      std::string topic = prefix + id + suffix;
      if (!seen.insert(topic).second) continue;
      if (!combine || suffix.size() < 2 || suffix[0] != '.') {
        order.emplace_back(false, out.size());
        out.push_back({topic, {topic}});
        continue;
      }
      std::string key = prefix + id;
      auto [it, fresh] = group_index.emplace(key, groups.size());
      if (fresh) {
        groups.push_back({key, {}});
        order.emplace_back(true, it->second);
      }
      groups[it->second].suffixes.push_back(suffix.substr(1));
    }
  }
  std::vector<Subscription> result;
  for (const auto& [is_group, index] : order) {
    if (!is_group) {
      result.push_back(std::move(out[index]));
      continue;
    }
    const Group& g = groups[index];
    if (g.suffixes.size() == 1) {
      std::string t = g.key + "." + g.suffixes[0];
      result.push_back({t, {t}});
      continue;
    }
    // Pack suffixes into combined ids of at most kMaxCombinedTopicChars.
    Subscription cur;
    auto flush = [&] {
      if (cur.topics.size() == 1) cur.id = cur.topics[0];
      if (!cur.topics.empty()) result.push_back(std::move(cur));
      cur = Subscription{};
    };
    for (const auto& sfx : g.suffixes) {
      std::string next = cur.id.empty() ? g.key + "?" + sfx : cur.id + "&" + sfx;
      if (!cur.id.empty() && next.size() > kMaxCombinedTopicChars) {
        flush();
        next = g.key + "?" + sfx;
      }
      cur.id = std::move(next);
      cur.topics.push_back(g.key + "." + sfx);
    }
    flush();
  }
  return result;
}

Result<std::vector<std::vector<Subscription>>> PackChannels(std::vector<Subscription> subs,
                                                            int max_per_channel, int max_channels) {
  std::vector<std::vector<Subscription>> channels;
  for (auto& s : subs) {
    if (channels.empty() || static_cast<int>(channels.back().size()) >= max_per_channel) {
      channels.emplace_back();
    }
    channels.back().push_back(std::move(s));
  }
  if (static_cast<int>(channels.size()) > max_channels) {
    return Status::ResourceExhausted(
        std::to_string(subs.size()) + " subscriptions need " + std::to_string(channels.size()) +
        " channels of " + std::to_string(max_per_channel) + " topics; Genesys allows " +
        std::to_string(max_channels) + " channels per OAuth client (combine topics or split the source)");
  }
  return channels;
}

std::vector<std::string> ExpandCombinedTopic(std::string_view id) {
  const size_t q = id.find('?');
  if (q == std::string_view::npos) return {std::string(id)};
  std::vector<std::string> out;
  std::string_view prefix = id.substr(0, q), rest = id.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    if (!part.empty()) out.push_back(std::string(prefix) + "." + std::string(part));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace cxbridge::genesys
