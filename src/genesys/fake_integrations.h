// The REST part of FakeGenesys beyond the notification channels, kept apart so each file holds
// one idea. It answers as the Platform API's models say (MyPureCloud/platform-client-sdk-python
// 257/258 docs: IntegrationEntityListing, CreateIntegrationRequest, IntegrationConfiguration,
// CredentialInfo, Credential, PostActionInput, ActionEntityListing, TriggerEntityListing,
// TopicCursorEntityListing, AvailableTopic, ErrorBody), and refuses what they refuse:
//   GET   /api/v2/organizations/me                       → {id, name, thirdPartyOrgName}
//   GET   /api/v2/integrations                           pageNumber/pageSize listing
//   POST  /api/v2/integrations                           {name, integrationType:{id}} (both required)
//   GET|PUT /api/v2/integrations/{id}/config/current     version checked (409); credentials are a
//                                                        map of CredentialInfo {id} naming existing ones
//   PATCH /api/v2/integrations/{id}                      {intendedState}
//   GET|POST /api/v2/integrations/credentials            Credential {name, type:{name}, credentialFields}
//                                                        → CredentialInfo (fields never returned)
//   GET|POST /api/v2/integrations/actions                PostActionInput; the listing filters by name
//                                                        and category only (no integrationId filter).
//                                                        A check of this double's own: every
//                                                        ${input.X} a template uses must be declared
//                                                        in contract.input (${input.rawRequest} aside)
//   GET|POST /api/v2/processautomation/triggers          cursor listing (after, pageSize ≤ 200,
//                                                        topicName) → {entities, nextUri}; pageNumber
//                                                        is not a parameter and changes nothing
//   GET   /api/v2/processautomation/triggers/topics      cursor listing of topic names
//   GET   /api/v2/notifications/availabletopics          {entities:[AvailableTopic]}; transports only
//                                                        with expand=transports
//   GET   /api/v2/routing/queues, /api/v2/users, /api/v2/groups/{id}/members  (directory, paged)
// Errors are ErrorBody {message, code, status, contextId, details, errors}.
// The transport names ("Websocket", "EventBridge", "ProcessAutomation") and the default topic
// tables are illustrative: the SDK model does not enumerate transports (docs/genesys.md).
// Thread-safety: used only on FakeGenesys's I/O thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json.h"

namespace cxbridge::genesys {

class FakeIntegrations {
 public:
  static constexpr char kOrgId[] = "6c8a2f4e-1b3d-4e5f-9a7b-2c4d6e8f0a1b";

  FakeIntegrations();

  // Serves the request when it is one of the routes above (returns true and fills status/body).
  bool Handle(const std::string& method, const std::string& path, const std::string& query,
              const std::string& body, int* status, std::string* out);

  // An ErrorBody.
  static std::string ErrorBody(int status, const std::string& code, const std::string& message);

  struct Integration {
    std::string id, type, intended_state = "DISABLED";
    int version = 1;
    json::Value config = json::Value::Object();  // {name, properties, advanced, notes, credentials}
  };
  const std::map<std::string, Integration>& integrations() const { return integrations_; }

  // Bodies as created (with their id), by kind: "credentials" (fields left out), "actions",
  // "triggers".
  std::map<std::string, std::vector<json::Value>> created;

  std::vector<std::string> queues, users;
  std::map<std::string, std::vector<std::string>> groups;  // group id → member user ids
  std::vector<std::string> trigger_topics;                   // GET …/triggers/topics
  std::vector<std::pair<std::string, std::vector<std::string>>> available_topics;  // id, transports

  // Fillers so that listings span pages: `n` integrations of another type, `n` triggers on `topic`.
  void SeedIntegrations(int n);
  void SeedTriggers(int n, const std::string& topic);

  int writes() const { return writes_; }  // POST/PUT/PATCH calls that changed something

 private:
  struct Reply {
    int status;
    std::string body;
  };
  using Params = std::map<std::string, std::string>;
  static Params ParseQuery(const std::string& query);
  // A pageNumber/pageSize page of `entities` (IntegrationEntityListing and kin).
  static std::string NumberedPage(const std::string& path, const std::vector<json::Value>& entities, const Params& q);
  // A cursor page (TriggerEntityListing, TopicCursorEntityListing): `after` is an opaque cursor;
  // nextUri carries the query's other filters. 400 above pageSize 200.
  static Reply CursorPage(const std::string& path, const std::vector<json::Value>& entities, const Params& q);

  Reply Integrations(const std::string& method, const std::string& path, const Params& q, const json::Value& body);
  Reply Credentials(const std::string& method, const Params& q, const json::Value& body);
  Reply Actions(const std::string& method, const Params& q, const json::Value& body);
  Reply Triggers(const std::string& method, const Params& q, const json::Value& body);
  Reply AvailableTopics(const Params& q) const;
  std::string Render(const Integration& i) const;

  std::map<std::string, Integration> integrations_;
  std::map<std::string, std::string> credential_types_;  // id → type name
  int next_ = 1;
  int writes_ = 0;
};

}  // namespace cxbridge::genesys
