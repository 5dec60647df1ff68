// `cxbridge genesys check | setup-eventbridge`: validate and set up Genesys Cloud from the config
// file, reproducibly. Both use the credentials and hosts of a `genesys-notifications` source.
//
//   check              fetches a token (credentials), plans the source's subscriptions (limits),
//                      and probes them on a scratch channel: each topic Genesys would reject is
//                      listed with the reason and the missing permissions. The probe's
//                      subscriptions are deleted afterwards. Exit 0 all permitted, 1 otherwise.
//   setup-eventbridge  creates or updates the `amazon-eventbridge-source` integration (config
//                      with version handling and 409 retry, then enable), idempotently, and
//                      prints the AWS side to run. Dry run unless `apply`: only GETs are made.
//                      Settings come from flags, else from the source's `eventbridge:` mapping:
//                        eventbridge: {aws_account_id: "123456789012", aws_region: us-east-1,
//                                      suffix: cxbridge-prod, name: cxbridge EventBridge,
//                                      topics: [v2.detail.events.conversation.{id}.acw, ...]}
//                      (topics default to the source's topic patterns).
//                      Before writing anything, every topic of the event filter is checked
//                      against GET /api/v2/notifications/availabletopics?expand=transports.
//   setup-trigger      the Process Automation path without AWS (setup_trigger.cc): a "Web
//                      Services Data Actions" integration whose userDefined credential holds
//                      the webhook source's API key, a data action with declared string inputs
//                      topicName and eventBody POSTing them to <url>/webhooks/<webhook source>,
//                      the integration enabled, optionally an Archy workflow file that calls
//                      the action, and — given the workflow's id — the trigger on `topic`.
//                      Idempotent by name (every page of every listing); dry run unless `apply`.
// Bodies follow the SDK models (platform-client-sdk-python 257) and the Terraform provider;
// what is unverified against a live org is listed in docs/genesys.md.
// Output goes to `out` (results) and `err` (problems). Not used on the data path.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxbridge::genesys {

struct GenesysCommandArgs {
  std::string config_path, source;
  bool apply = false;
  std::string aws_account_id, aws_region, suffix, name;
  std::vector<std::string> topics;
  // setup-trigger
  std::string webhook_source;  // a cxbridge source with auth {scheme: api-key}
  std::string url;             // cxbridge's base URL as Genesys reaches it (https://…)
  std::string topic;           // trigger topic pattern, e.g. v2.detail.events.conversation.{id}.customer.end
  std::string workflow_id;     // the Architect workflow that calls the data action
  std::string workflow_yaml;   // where to write an Archy workflow that calls it (optional)
};

// The Archy workflow setup-trigger writes: input Flow.jsonData, one Call Data Action step
// (topicName = `topic`, eventBody = ToString(Flow.jsonData)), End Workflow. For tests and docs.
std::string ArchyWorkflowYaml(const std::string& integration, const std::string& action, const std::string& topic);

int RunGenesysCheck(const GenesysCommandArgs& args, std::ostream& out, std::ostream& err);
int RunSetupEventBridge(const GenesysCommandArgs& args, std::ostream& out, std::ostream& err);
int RunSetupTrigger(const GenesysCommandArgs& args, std::ostream& out, std::ostream& err);

}  // namespace cxbridge::genesys
