// The integrations part of FakeGenesys (kept apart to keep each file to one idea): the
// organization and the Integrations API as the EventBridge setup uses them
// (reference/genesys.md §6):
//   GET   /api/v2/organizations/me                       → {id, name, thirdPartyOrgName}
//   GET   /api/v2/integrations?pageSize=&pageNumber=     → {entities:[{id,name,integrationType:{id},
//                                                            intendedState}], pageCount}
//   POST  /api/v2/integrations                           {integrationType:{id}} → the integration
//   GET   /api/v2/integrations/{id}/config/current       → {name,version,properties,advanced,notes,credentials}
//   PUT   /api/v2/integrations/{id}/config/current       409 unless `version` is the current one
//   PATCH /api/v2/integrations/{id}                      {intendedState}
// the Process Automation setup:
//   POST  /api/v2/integrations/credentials               → {id}
//   GET|POST /api/v2/integrations/actions[?integrationId=]  (data actions)
//   GET|POST /api/v2/processautomation/triggers
// and the directory the notification source discovers ids from (paged, pageSize/pageNumber):
//   GET   /api/v2/routing/queues, /api/v2/users, /api/v2/groups/{id}/members
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

  // Serves the request when it is one of the routes above (returns true and fills status/body).
  bool Handle(const std::string& method, const std::string& path, const std::string& query,
              const std::string& body, int* status, std::string* out);

  struct Integration {
    std::string id, type, intended_state = "DISABLED";
    int version = 1;
    json::Value config = json::Value::Object();  // {name, properties, advanced, notes, credentials}
  };
  const std::map<std::string, Integration>& integrations() const { return integrations_; }

  // Bodies as created (with their id), by kind: "credentials", "actions", "triggers".
  std::map<std::string, std::vector<json::Value>> created;

  std::vector<std::string> queues, users;
  std::map<std::string, std::vector<std::string>> groups;  // group id → member user ids
  int writes() const { return writes_; }  // POST/PUT/PATCH calls that changed something

 private:
  std::string Render(const Integration& i) const;
  static std::string Page(const std::vector<std::string>& ids, const std::string& query);
  std::map<std::string, Integration> integrations_;
  int next_ = 1;
  int writes_ = 0;
};

}  // namespace cxbridge::genesys
