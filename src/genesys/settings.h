// The `genesys-notifications` source's configuration: which Genesys Cloud region (or explicit
// hosts), which OAuth client, which topics for which ids, and the timing of the channel's
// upkeep. Parsed and validated once from the source's config mapping (config::SourceConfig.raw)
// into this immutable value; the NotificationSource is built from it.
//
// YAML (under `sources:`):
//   genesys-live:
//     type: genesys-notifications
//     bus: default                       # optional
//     region: us-east-1                  # or api_base_url + login_base_url (tests, proxies)
//     client_id: {env: GENESYS_CLIENT_ID}        # secret spec (common/secret.h) or plain string
//     client_secret: {file: /run/secrets/genesys}
//     ids:
//       queues: [8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a]   # or {discover: all}
//       users: [d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d]    # or {discover: all} / {discover: {group: <id>}}
//     topics:
//       - v2.users.{id}.presence              # {id} ← the list named by the segment before it
//       - v2.users.{id}.routingStatus         #        ("users", "queues", ...)
//       - {pattern: v2.detail.events.conversation.{id}.customer.end, ids: conversations}
//       - v2.system.topic.without.ids         # taken as it is
//     combine_topics: true                 # v2.users.<id>?presence&routingStatus (default true)
//     max_topics_per_channel: 1000         # Genesys limits; lower them to test packing
//     max_channels: 20
//     ping_after_seconds: 40               # no frame for this long → send {"message":"ping"}
//     pong_timeout_seconds: 10             # no answer → the socket is dead: reconnect, gap event
//     channel_lifetime_seconds: 86400      # Genesys: channels live 24 h unless resubscribed
//     resubscribe_before_seconds: 3600     # resubscribe this long before the channel expires
//     backoff_initial_ms: 1000             # reconnect backoff, doubled per failure, jittered
//     backoff_max_ms: 60000
//     request_timeout_ms: 10000            # each REST call
// Every other key (event_source, detail_type, idempotency_key, ...) is the envelope's and is
// read by ingest::ParseEnvelopeOptions, exactly as for webhook sources.
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::genesys {

inline constexpr std::string_view kSourceType = "genesys-notifications";

// An id list filled from the API when the source starts (instead of listed in the config):
//   ids: {queues: {discover: all}}              GET /api/v2/routing/queues (every page)
//   ids: {users: {discover: all}}               GET /api/v2/users
//   ids: {users: {discover: {group: <id>}}}     GET /api/v2/groups/{id}/members
struct IdDiscovery {
  std::string list;      // the ids list it fills
  std::string path;      // the API path listing the entities (paged with pageSize/pageNumber)
};

// One configured topic before expansion.
struct TopicSpec {
  std::string pattern;  // "v2.users.{id}.presence"; no "{id}" means a literal topic
  std::string ids;      // name of the id list that fills {id}; empty for literal topics
};

struct NotificationsSettings {
  std::string name;  // the source's name (logs, gap events)
  std::string bus = "default";
  std::string region;          // empty when both base URLs are given
  std::string api_base_url;    // "https://api.mypurecloud.com" (no trailing slash)
  std::string login_base_url;  // "https://login.mypurecloud.com"
  json::Value client_id;       // secret specs, resolved when the source starts
  json::Value client_secret;
  std::map<std::string, std::vector<std::string>> ids;  // list name → ids
  std::vector<IdDiscovery> discover;  // lists filled at start (their `ids` entry starts empty)
  std::vector<TopicSpec> topics;
  bool combine_topics = true;
  int max_topics_per_channel = 1000;
  int max_channels = 20;
  int64_t ping_after_ms = 40'000;
  int64_t pong_timeout_ms = 10'000;
  int64_t channel_lifetime_ms = 86'400'000;
  int64_t resubscribe_before_ms = 3'600'000;
  int64_t backoff_initial_ms = 1000;
  int64_t backoff_max_ms = 60'000;
  int64_t request_timeout_ms = 10'000;
  int64_t tick_ms = 200;  // how often deadlines are checked against the Clock (not configurable
                          // in YAML; tests lower it)
  std::string account = "123456789012";  // for the gap events' envelope
  std::string aws_region = "us-east-1";
  json::Value raw;  // the whole mapping, for the envelope options
};

// The Genesys Cloud environment ("mypurecloud.com") of an AWS-style region name
// ("us-east-1"); nullopt for an unknown region. API host = api.<env>, login host = login.<env>.
std::optional<std::string> RegionEnvironment(std::string_view region);

// Validates `raw` (the source's mapping) and fills the settings. `account` and `aws_region` are
// the server's, used for the gap events. Errors name the offending key.
Result<NotificationsSettings> ParseNotificationsSettings(const std::string& name,
                                                         const json::Value& raw,
                                                         const std::string& account,
                                                         const std::string& aws_region);

// True when a source mapping asks for this source type (`type: genesys-notifications`).
bool IsNotificationsSource(const json::Value& raw);

}  // namespace cxbridge::genesys
