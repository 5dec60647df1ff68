// What the `cxbridge genesys …` commands share (setup.cc, setup_trigger.cc): the session (the
// source's settings, a started runtime and an API client), running a coroutine to completion,
// and the Platform API listings they page through. Not used on the data path.
// Thread-safety: a Session is used by one command on one thread; its coroutines run on the
// session's runtime thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "config/config.h"
#include "genesys/api_client.h"
#include "genesys/runtime.h"
#include "genesys/settings.h"
#include "genesys/setup.h"

namespace cxbridge::genesys::setup {

struct Session {
  NotificationsSettings settings;
  json::Value raw;
  config::Config cfg;
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<ApiClient> api;
};

// Loads the config, finds the genesys-notifications source `a.source`, starts a runtime.
Result<Session> Open(const GenesysCommandArgs& a);
// Runs `task` on the session's runtime and waits for its exit code (2 if it threw).
int RunSync(Runtime& rt, asio::awaitable<int> task);
// "HTTP 400 <body prefix>" or the transport error.
std::string Describe(const http::ClientResponse& r);

// Pages through a pageNumber/pageSize listing ({entities, pageCount, nextUri}: the Integrations
// API's IntegrationEntityListing, ActionEntityListing) until `match` returns true for an entity,
// or the listing ends (pageCount reached, or no nextUri and no pageCount). Completes with the
// matching entity, null when there is none, or kUnavailable naming the failing call. `path` may
// carry a query already.
asio::awaitable<Result<json::Value>> FindInPages(ApiClient& api, const std::string& path,
                                                 const std::function<bool(const json::Value&)>& match);

// Pages through a cursor listing ({entities, nextUri}; the Process Automation API: `after`
// cursors, pageSize ≤ 200) by following nextUri, which must stay on `path`'s resource; calls
// `each` for every entity until it returns true. Completes with the entity `each` accepted,
// null at the end of the listing, or kUnavailable.
asio::awaitable<Result<json::Value>> FindInCursorPages(ApiClient& api, const std::string& path,
                                                       const std::function<bool(const json::Value&)>& each);

// The body of POST /api/v2/integrations (CreateIntegrationRequest: name and integrationType are
// both required in the model).
std::string CreateIntegrationBody(const std::string& type, const std::string& name);

// The integration of type `type` named `name` (Integrations API listing): its id and
// intendedState, both empty when there is none.
struct FoundIntegration {
  std::string id, state;
};
asio::awaitable<Result<FoundIntegration>> FindIntegration(ApiClient& api, const std::string& type, const std::string& name);

}  // namespace cxbridge::genesys::setup
