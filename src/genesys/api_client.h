// ApiClient: the Genesys Cloud Platform API as the notification source needs it — OAuth client
// credentials (token fetched on demand, refreshed before it expires) and the notification
// channel calls. Every call respects 429 Retry-After, fetches a new token once on 401, and
// retries transport errors and 5xx a few times; waits use the Runtime's clock.
// Thread-safety: I/O thread only (coroutines of one Runtime).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "genesys/runtime.h"
#include "genesys/topics.h"

namespace cxbridge::genesys {

struct Channel {
  std::string id;
  std::string connect_uri;
  int64_t expires_ms = 0;  // from `expires`; 0 when absent or unparsable
};

// One entry of a ChannelTopicEntityListing.
struct TopicState {
  std::string id;
  bool permitted = false;
  std::string rejection_reason;
  std::vector<std::string> missing_permissions;
};

// Written on the I/O thread, readable from any thread.
struct ApiCounters {
  std::atomic<uint64_t> tokens_fetched{0};
  std::atomic<uint64_t> rate_limited{0};  // 429 answers waited out
  std::atomic<uint64_t> unauthorized{0};  // 401 answers (token renewed)
  std::atomic<uint64_t> calls{0};
};

class ApiClient {
 public:
  ApiClient(Runtime& rt, std::string login_base_url, std::string api_base_url, std::string client_id,
            std::string client_secret, int64_t request_timeout_ms);

  // A valid access token, fetching one when there is none or it is due for refresh.
  asio::awaitable<Result<std::string>> AccessToken();
  // True when the token should be refreshed now (ahead of expiry: 10% of its lifetime, at least
  // 5 s, at most 1 h before).
  bool RefreshDue() const;
  // Fetches a new token now (proactive refresh).
  asio::awaitable<Status> RefreshToken();
  void InvalidateToken() { token_.clear(); }

  // An authorized JSON call to the API host. Completes with the final response; status 0 means
  // no HTTP answer (transport error or stopping).
  asio::awaitable<http::ClientResponse> Call(std::string method, std::string path, std::string body);

  // POST /api/v2/notifications/channels.
  asio::awaitable<Result<Channel>> CreateChannel();
  // PUT (replace) /api/v2/notifications/channels/{id}/subscriptions?ignoreErrors=true.
  // kNotFound when the channel is gone.
  asio::awaitable<Result<std::vector<TopicState>>> Subscribe(const std::string& channel_id,
                                                            const std::vector<Subscription>& subs);
  // HEAD /api/v2/notifications/channels/{id}: false when the channel no longer exists.
  asio::awaitable<Result<bool>> ChannelExists(const std::string& channel_id);

  const ApiCounters& counters() const { return counters_; }

 private:
  // Sends with the 429 / 5xx policy; `authorize` adds the bearer token per attempt.
  asio::awaitable<http::ClientResponse> Exchange(http::ClientRequest req, bool authorize);

  Runtime& rt_;
  const std::string login_base_url_;
  const std::string api_base_url_;
  const std::string client_id_;
  const std::string client_secret_;
  const int64_t request_timeout_ms_;
  std::string token_;
  int64_t token_refresh_at_ms_ = 0;  // wall clock
  bool fetching_ = false;
  Status last_token_error_;
  ApiCounters counters_;
};

// Percent-encodes everything but unreserved characters (RFC 3986): form values and query values.
std::string UrlEncode(std::string_view s);

// Parses a Retry-After value (delta seconds or an HTTP date is not supported: 1 s); the wait in
// milliseconds, capped at 5 minutes.
int64_t RetryAfterMs(const http::ClientResponse& r);

}  // namespace cxbridge::genesys
