// FakeGenesys: a test double of the Genesys Cloud Platform API and notification WebSocket, on
// loopback over plain HTTP/WS, following the documented shapes (reference/genesys.md §1a, §6):
//   POST /oauth/token (Basic client credentials → {access_token, token_type, expires_in})
//   POST /api/v2/notifications/channels → {id, connectUri, expires}  (20 per client; a 21st
//        removes the oldest, unconnected channels first)
//   PUT|POST|GET|DELETE /api/v2/notifications/channels/{id}/subscriptions[?ignoreErrors=true]
//        (≤1000 topics, else 400; listing {entities:[{id, state, rejectionReason,
//        missingPermissions}]}; subscribing extends the channel's life by channel_lifetime)
//   HEAD /api/v2/notifications/channels/{id}
//   the organization, Integrations, data action, Process Automation and topic catalogue routes
//        of the setup commands, and the directory (fake_integrations.h)
//   GET  /channels/{id} upgraded to a WebSocket: heartbeats every heartbeat_ms, {"message":"ping"}
//        → pong, frames for the channel's (expanded combined) topics; a second socket on a channel
//        becomes the channel's socket and the first is closed after its queued frames.
// Tokens expire (401 afterwards) and channels expire (their socket is dropped) by the injected
// Clock. Faults are injected with FailNext (e.g. 429 + Retry-After), RejectTopics, KillSockets,
// SendSocketClosing, SendSystemMessage, SetAnswerPings/SetHeartbeats.
// Thread-safety: every public method is safe from any thread; the server runs on its own thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace cxbridge::genesys {

struct FakeGenesysOptions {
  uint16_t port = 0;  // 0: any free port on 127.0.0.1
  std::string client_id = "fake-client-id";
  std::string client_secret = "fake-client-secret";
  int64_t token_lifetime_s = 86'400;
  int64_t channel_lifetime_ms = 86'400'000;
  int64_t heartbeat_ms = 30'000;
  int max_channels = 20;
  int max_topics_per_channel = 1000;
  int64_t tick_ms = 5;  // real-time period of the heartbeat/expiry checks
  // When true, a topic lives on one channel of the client at a time: subscribing it on a channel
  // takes it from any other, which gets v2.system.no_longer_subscribed with reason
  // another_channel_subscribed. Modelled on that reason's name in the SystemMessage model;
  // whether and when Genesys does this is not documented (off by default).
  bool exclusive_topics = false;
  // How a subscription answer lists a combined topic ("v2.users.<id>?presence&routingStatus"):
  // as sent (false) or as its expanded topics, one entity each (true). Clients must accept both.
  bool expand_combined_in_answers = false;
};

struct FakeGenesysCounts {
  int tokens_issued = 0;
  int channels_created = 0;
  int channels_expired = 0;
  int subscribe_calls = 0;
  int ws_connects = 0;
  int live_sockets = 0;
  int pings = 0;
  int rate_limited = 0;    // injected failures served
  int unauthorized = 0;    // 401s for missing/expired/revoked tokens
  int frames_published = 0;  // data frames queued to a socket
  int frames_unrouted = 0;   // Publish calls no live socket subscribed to
  int displacements = 0;     // exclusive_topics: channels that lost topics to another channel
};

class FakeGenesys {
 public:
  explicit FakeGenesys(Clock& clock, FakeGenesysOptions options = {});
  ~FakeGenesys();

  Status Start();  // binds 127.0.0.1:<options.port>
  void Stop();
  std::string base_url() const;  // "http://127.0.0.1:<port>" (login and API host alike)

  // The next `count` requests whose path starts with `path_prefix` (and whose method is `method`,
  // when given) are answered `status` (with Retry-After: retry_after_s when ≥ 0) instead of being
  // served.
  void FailNext(const std::string& path_prefix, int count, int status, int retry_after_s,
                const std::string& method = "");
  // Subscriptions whose topic starts with `prefix` are Rejected with the reason and permission.
  void RejectTopics(const std::string& prefix, const std::string& reason, const std::string& permission);
  // Sends a notification frame {topicName, version "2", eventBody, metadata.CorrelationId} to
  // every channel subscribed to `topic` that has a socket; returns how many got it.
  int Publish(const std::string& topic, const std::string& event_body_json);
  // Sends v2.system.socket_closing to every live socket.
  void SendSocketClosing();
  // Sends `topic` (e.g. v2.system.no_longer_subscribed.<id>) with a SystemMessage body
  // {channelId, systemTopicType, reason (when given), message} to every live socket; for
  // no_longer_subscribed the channels' subscriptions are dropped too.
  void SendSystemMessage(const std::string& topic, const std::string& system_topic_type,
                         const std::string& reason = "");
  // Drops every socket's TCP connection without a close handshake.
  void KillSockets();
  // Forgets all channels (their sockets are dropped), as when Genesys removes them.
  void DeleteChannels();
  void RevokeTokens();
  // The directory served for id discovery.
  void SetDirectory(std::vector<std::string> queues, std::vector<std::string> users,
                    std::map<std::string, std::vector<std::string>> groups);
  void SetAnswerPings(bool answer);
  void SetHeartbeats(bool send);

  FakeGenesysCounts counts() const;
  // Topic ids currently subscribed on all channels.
  std::vector<std::string> subscriptions() const;
  // The integrations (fake_integrations.h): {id, type, intendedState, config} as JSON text each,
  // and how many calls changed one.
  std::vector<std::string> integrations() const;
  int integration_writes() const;
  // Credentials, data actions or triggers created so far (kind "credentials", "actions",
  // "triggers"), as JSON text; credential secrets are kept out.
  std::vector<std::string> created(const std::string& kind) const;
  // Listings that span pages: `count` other integrations; `count` other triggers on `topic`.
  void SeedIntegrations(int count);
  void SeedTriggers(int count, const std::string& topic);
  // The topic catalogue (id → transports) and the topics triggers may use (defaults:
  // fake_integrations.cc).
  void SetAvailableTopics(std::vector<std::pair<std::string, std::vector<std::string>>> topics);
  void SetTriggerTopics(std::vector<std::string> topics);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxbridge::genesys
