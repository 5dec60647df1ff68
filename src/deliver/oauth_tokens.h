// OAuthTokens: the access token of one OAUTH_CLIENT_CREDENTIALS connection, shared by every
// delivery through that connection (RFC 6749 §4.4, client credentials grant).
//
// The token request: OAuthParameters.HttpMethod (GET, POST or PUT) to AuthorizationEndpoint with
// `Authorization: Basic base64(ClientID:ClientSecret)` (RFC 6749 §2.3.1), `grant_type=
// client_credentials` (form body for POST/PUT, query for GET) and the connection's
// OAuthHttpParameters (headers, query, form body). The answer must be 2xx JSON with
// `access_token`; `expires_in` (seconds) sets the lifetime (none: kept until a 401/407).
//
// Caching: a token is handed out until it expires; from `refresh ahead` before expiry (the
// smaller of 60 s and half its lifetime) callers still get it at once while one background fetch
// replaces it. Concurrent callers without a usable token wait for the same single fetch. A
// failed fetch fails the callers waiting for it (they retry later); the next Get fetches again.
//
// Thread-safety: all methods are safe from any thread; callbacks run on the caller's thread (a
// cached token) or the HttpClient's thread, never under the lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "deliver/http_parameters.h"

namespace cxbridge::http {
class HttpClient;
struct ClientResponse;
}  // namespace cxbridge::http

namespace cxbridge::deliver {

struct OAuthSettings {
  std::string endpoint;  // AuthorizationEndpoint
  std::string method = "POST";
  std::string client_id, client_secret;
  HttpPairs headers, query, body;  // OAuthHttpParameters
  bool refuse_private_addresses = true;
  int64_t timeout_ms = 5000;
};

class OAuthTokens : public std::enable_shared_from_this<OAuthTokens> {
 public:
  // The token, or why there is none: kUnavailable when the endpoint failed or answered no token
  // (retry later), kFailedPrecondition when the address guard refused the endpoint.
  using Callback = std::function<void(Result<std::string>)>;

  OAuthTokens(http::HttpClient* client, Clock* clock, OAuthSettings settings)
      : client_(client), clock_(clock), settings_(std::move(settings)) {}

  void Get(Callback cb);
  // The destination refused `token` (401/407): forget it, so the next Get fetches a new one. A
  // token already replaced is left alone (another delivery refreshed it first).
  void Invalidate(const std::string& token);
  uint64_t fetches() const;

 private:
  void StartFetchLocked();
  void OnResponse(const http::ClientResponse& resp);

  http::HttpClient* client_;
  Clock* clock_;
  const OAuthSettings settings_;
  mutable std::mutex mu_;
  std::string token_;              // guarded by mu_; empty: none
  int64_t expires_ms_ = 0;         // guarded by mu_
  int64_t refresh_ms_ = 0;         // guarded by mu_
  bool fetching_ = false;          // guarded by mu_
  uint64_t fetches_ = 0;           // guarded by mu_
  std::vector<Callback> waiters_;  // guarded by mu_
};

}  // namespace cxbridge::deliver
