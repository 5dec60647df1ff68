// API destinations (EventBridge's ApiDestination + Connection) as a target kind, and the narrow
// seam through which deliver/ reads their definitions, which the EventBridge API (src/api)
// creates, updates and deletes at run time. deliver/ does not depend on api/: the server wires
// an ApiDestinationDirectory implemented over the API's registry (src/app).
//
// A rule target whose Arn is arn:aws:events:<region>:<account>:api-destination/<name>/<uuid> in
// cxbridge's own account and region is delivered by api_destination_target.cc; see README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "deliver/oauth_tokens.h"
#include "deliver/target.h"

namespace cxbridge::deliver {

// The stored records, secrets included, as the API keeps them (api/ops_connections.cc):
//   destination: {Name, Arn, ConnectionArn, InvocationEndpoint, HttpMethod,
//                 InvocationRateLimitPerSecond, State, ...}
//   connection:  {Name, Arn, AuthorizationType, AuthParameters, State, ...}
struct ApiDestinationDefinition {
  std::shared_ptr<const json::Value> destination;
  std::shared_ptr<const json::Value> connection;  // null when the connection no longer exists
};

// Thread-safety: Find is called from delivery threads, concurrently, and must not block on
// control-plane work (implementations read an immutable snapshot).
// The OAuth token caches of a server (TargetEnv::oauth_tokens), one per connection definition
// (its Arn and OAuthParameters, so new credentials start a new cache): shared by every delivery
// through a connection and by its authorization, so the token the authorization fetched serves
// the first deliveries. Thread-safe.
// Bounded: at most kMaxEntries caches are kept; a new one evicts the least recently used (a
// connection updated or deleted leaves its old cache behind, which is never used again).
class OAuthTokenCaches {
 public:
  static constexpr size_t kMaxEntries = 256;

  std::shared_ptr<OAuthTokens> For(const json::Value& connection, const TargetEnv& env);
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<OAuthTokens> tokens;
    uint64_t last_used = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> caches_;  // guarded by mu_
  uint64_t uses_ = 0;                    // guarded by mu_
};

// Tries an OAUTH_CLIENT_CREDENTIALS connection record's credentials: one token request as a
// delivery would make it (address guard included); `done` gets OK or why not, once, from any
// thread. Other authorization types are OK at once. Uses env.oauth_tokens when set (else a
// one-off cache). The API's connection authorization (api::ApiOptions::authorize_connection).
void AuthorizeConnection(const json::Value& connection, const TargetEnv& env,
                         std::function<void(Status)> done);

// OK for an https:// URL, or any URL when env.allow_private_targets; else InvalidArgument naming
// `what` (EventBridge takes https only; over http the connection's credentials and the events
// would cross the network in clear). Checked by the API when an InvocationEndpoint or an OAuth
// AuthorizationEndpoint is saved (api::ApiOptions::check_endpoint) and by every delivery.
Status CheckEndpointScheme(const std::string& url, std::string_view what, const TargetEnv& env);

class ApiDestinationDirectory {
 public:
  virtual ~ApiDestinationDirectory() = default;
  // The current definition of the destination with exactly this ARN (name and uuid); kNotFound
  // when there is none (deleted, or deleted and created again under a new uuid).
  virtual Result<ApiDestinationDefinition> Find(std::string_view arn) const = 0;
};

}  // namespace cxbridge::deliver
