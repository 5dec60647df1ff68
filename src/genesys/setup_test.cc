// `genesys check`, `setup-eventbridge` and `setup-trigger` against FakeGenesys, dry run and
// apply: bodies the double accepts (it follows the SDK models), idempotency through every page
// of every listing, topics checked before anything is written (issue 14).
#include "genesys/setup.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/json.h"
#include "genesys/fake_genesys.h"

namespace cxbridge::genesys {
namespace {

class SetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_unique<FakeGenesys>(SystemClock());
    ASSERT_TRUE(fake_->Start().ok());
    path_ = ::testing::TempDir() + "/genesys-setup-" + std::to_string(::getpid()) + ".yaml";
    WriteConfig("fake-client-secret");
  }
  void TearDown() override {
    fake_->Stop();
    std::remove(path_.c_str());
  }
  void WriteConfig(const std::string& secret) {
    std::ofstream f(path_);
    f << "sources:\n"
         "  genesys-live:\n"
         "    type: genesys-notifications\n"
         "    api_base_url: " << fake_->base_url() << "\n"
         "    login_base_url: " << fake_->base_url() << "\n"
         "    client_id: fake-client-id\n"
         "    client_secret: " << secret << "\n"
         "    ids:\n"
         "      users: [d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d, 278522be-1683-4877-8257-4164a177be89]\n"
         "      queues: [8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a]\n"
         "    topics:\n"
         "      - v2.users.{id}.presence\n"
         "      - v2.users.{id}.routingStatus\n"
         "      - v2.routing.queues.{id}.conversations\n"
         "    eventbridge:\n"
         "      aws_account_id: \"123456789012\"\n"
         "      suffix: cxbridge-test\n"
         "      topics:\n"
         "        - v2.detail.events.conversation.{id}.acw\n"
         "        - v2.users.{id}.presence\n"
         "  pa-hook:\n"
         "    auth: {scheme: api-key, header: X-CXB-Key, secret: {value: hook-key-123}}\n";
  }
  GenesysCommandArgs Args(bool apply = false) {
    GenesysCommandArgs a;
    a.config_path = path_;
    a.source = "genesys-live";
    a.apply = apply;
    return a;
  }
  std::unique_ptr<FakeGenesys> fake_;
  std::string path_;
  std::ostringstream out_, err_;
};

TEST_F(SetupTest, CheckPassesWhenEveryTopicIsPermitted) {
  EXPECT_EQ(RunGenesysCheck(Args(), out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("credentials: ok"), std::string::npos);
  EXPECT_NE(out_.str().find("5 topics in 3 subscriptions on 1 channel(s)"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("3 permitted, 0 rejected"), std::string::npos) << out_.str();
  EXPECT_TRUE(fake_->subscriptions().empty());  // the probe cleans up
}

TEST_F(SetupTest, CheckListsRejectedTopicsWithMissingPermissions) {
  fake_->RejectTopics("v2.routing.queues.", "Missing permission", "routing:queue:view");
  EXPECT_EQ(RunGenesysCheck(Args(), out_, err_), 1);
  EXPECT_NE(out_.str().find("REJECTED v2.routing.queues.8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a.conversations: "
                            "Missing permission (missing permissions: routing:queue:view)"),
            std::string::npos)
      << out_.str();
}

TEST_F(SetupTest, CheckReportsBadCredentials) {
  WriteConfig("wrong-secret");
  EXPECT_EQ(RunGenesysCheck(Args(), out_, err_), 1);
  EXPECT_NE(err_.str().find("credentials"), std::string::npos) << err_.str();
}

TEST_F(SetupTest, EventBridgeDryRunChangesNothingThenApplyIsIdempotent) {
  EXPECT_EQ(RunSetupEventBridge(Args(false), out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("would create integration"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("dry run"), std::string::npos);
  EXPECT_EQ(fake_->integration_writes(), 0);

  out_.str("");
  fake_->FailNext("/api/v2/integrations/int-1/config/current", 1, 409, -1, "PUT");  // a concurrent writer
  EXPECT_EQ(RunSetupEventBridge(Args(true), out_, err_), 0) << err_.str() << out_.str();
  auto ints = fake_->integrations();
  ASSERT_EQ(ints.size(), 1u);
  auto doc = json::Parse(ints[0]);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->Find("type")->as_string(), "amazon-eventbridge-source");
  EXPECT_EQ(doc->FindPath("config.name")->as_string(), "cxbridge EventBridge");  // sent on create
  EXPECT_EQ(doc->Find("intendedState")->as_string(), "ENABLED");
  EXPECT_EQ(doc->FindPath("config.properties.awsAccountId")->as_string(), "123456789012");
  EXPECT_EQ(doc->FindPath("config.properties.eventSourceSuffix")->as_string(), "cxbridge-test");
  EXPECT_EQ(doc->FindPath("config.properties.eventFilter")->items().size(), 2u);
  EXPECT_NE(out_.str().find("aws.partner/genesys.com/cloud/6c8a2f4e-1b3d-4e5f-9a7b-2c4d6e8f0a1b/cxbridge-test"),
            std::string::npos);
  const int writes = fake_->integration_writes();

  out_.str("");
  EXPECT_EQ(RunSetupEventBridge(Args(true), out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("config up to date"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("nothing to change"), std::string::npos) << out_.str();
  EXPECT_EQ(fake_->integration_writes(), writes);
}

TEST_F(SetupTest, TriggerSetupCreatesIntegrationCredentialActionAndTrigger) {
  auto a = Args(false);
  a.webhook_source = "pa-hook";
  a.url = "https://cxbridge.example.com/";
  a.topic = "v2.detail.events.conversation.{id}.customer.end";
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("would create data action 'cxbridge pa-hook post': POST "
                            "https://cxbridge.example.com/webhooks/pa-hook with X-CXB-Key"),
            std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("no --workflow-id"), std::string::npos);
  EXPECT_EQ(fake_->integration_writes(), 0);

  a.apply = true;
  a.workflow_id = "b008976c-e085-43b7-b27d-9c0efd5fbfb5";
  out_.str("");
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str() << out_.str();
  auto ints = fake_->integrations();
  ASSERT_EQ(ints.size(), 1u);
  auto integ = json::Parse(ints[0]);
  EXPECT_EQ(integ->Find("type")->as_string(), "custom-rest-actions");
  EXPECT_EQ(integ->Find("intendedState")->as_string(), "ENABLED");
  // CredentialInfo {id}: no `type` string (CredentialInfo.type is a CredentialType object).
  const json::Value* attached = integ->FindPath("config.credentials.basicAuth");
  ASSERT_NE(attached, nullptr);
  EXPECT_EQ(attached->members().size(), 1u);
  EXPECT_TRUE(attached->Find("id")->as_string().starts_with("cred-"));
  EXPECT_EQ(integ->FindPath("config.name")->as_string(), "cxbridge pa-hook");
  auto actions = fake_->created("actions");
  ASSERT_EQ(actions.size(), 1u);
  auto action = json::Parse(actions[0]);
  EXPECT_EQ(action->FindPath("config.request.requestUrlTemplate")->as_string(),
            "https://cxbridge.example.com/webhooks/pa-hook");
  EXPECT_EQ(action->FindPath("config.request.headers.X-CXB-Key")->as_string(), "${credentials.apiKey}");
  EXPECT_EQ(action->Find("category")->as_string(), "cxbridge pa-hook");  // Architect lists it under the integration
  // Declared inputs a workflow can fill, and a body built from them.
  const json::Value* props = action->FindPath("contract.input.inputSchema.properties");
  ASSERT_NE(props, nullptr);
  EXPECT_EQ(props->FindPath("topicName.type")->as_string(), "string");
  EXPECT_EQ(props->FindPath("eventBody.type")->as_string(), "string");
  const std::string tmpl = action->FindPath("config.request.requestTemplate")->as_string();
  EXPECT_NE(tmpl.find("$esc.jsonString(${input.topicName})"), std::string::npos) << tmpl;
  EXPECT_NE(tmpl.find("$esc.jsonString(${input.eventBody})"), std::string::npos) << tmpl;
  EXPECT_EQ(tmpl.find("rawRequest"), std::string::npos);
  auto triggers = fake_->created("triggers");
  ASSERT_EQ(triggers.size(), 1u);
  auto trigger = json::Parse(triggers[0]);
  EXPECT_EQ(trigger->Find("topicName")->as_string(), "v2.detail.events.conversation.{id}.customer.end");
  EXPECT_EQ(trigger->FindPath("target.type")->as_string(), "Workflow");
  EXPECT_EQ(trigger->FindPath("target.id")->as_string(), a.workflow_id);
  EXPECT_EQ(trigger->FindPath("target.workflowTargetSettings.dataFormat")->as_string(), "Json");
  EXPECT_EQ(fake_->created("credentials").size(), 1u);

  const int writes = fake_->integration_writes();
  out_.str("");
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("nothing to change"), std::string::npos) << out_.str();
  EXPECT_EQ(fake_->integration_writes(), writes);
}

// Issue 14: a rerun finds its integration on whatever page it is (IntegrationEntityListing is
// pageNumber-paged; 250 others make three pages of 100).
TEST_F(SetupTest, EventBridgeFindsItsIntegrationBeyondTheFirstPage) {
  fake_->SeedIntegrations(250);
  ASSERT_EQ(RunSetupEventBridge(Args(true), out_, err_), 0) << err_.str() << out_.str();
  const int writes = fake_->integration_writes();
  fake_->SeedIntegrations(50);  // created later: ours is now in the middle
  out_.str("");
  ASSERT_EQ(RunSetupEventBridge(Args(true), out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("nothing to change"), std::string::npos) << out_.str();
  EXPECT_EQ(fake_->integration_writes(), writes);
  EXPECT_EQ(fake_->integrations().size(), 301u);
}

// Issue 14: every topic of the filter is checked against availabletopics?expand=transports
// before anything is written.
TEST_F(SetupTest, EventBridgeRefusesTopicsGenesysDoesNotDeliverThere) {
  auto a = Args(true);
  a.topics = {"v2.detail.events.conversation.{id}.acw", "v2.routing.queues.{id}.conversations",
              "v2.no.such.{id}.topic"};
  EXPECT_EQ(RunSetupEventBridge(a, out_, err_), 1);
  EXPECT_NE(err_.str().find("v2.routing.queues.{id}.conversations: not delivered over EventBridge (transports: Websocket)"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("v2.no.such.{id}.topic: not an available topic"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find("v2.detail.events.conversation.{id}.acw:"), std::string::npos);
  EXPECT_EQ(fake_->integration_writes(), 0);
  EXPECT_TRUE(fake_->integrations().empty());
  // A catalogue that names EventBridge in another case, or All, is accepted.
  fake_->SetAvailableTopics({{"v2.detail.events.conversation.{id}.acw", {"eventbridge"}},
                             {"v2.users.{id}.presence", {"All"}}});
  err_.str("");
  EXPECT_EQ(RunSetupEventBridge(Args(true), out_, err_), 0) << err_.str();
}

// Issue 14: the triggers listing is cursor-paged (after/nextUri, pageSize ≤ 200); pageNumber is
// no parameter of it, so a lookup that paged with it saw the first page only and created a
// duplicate in an org with many triggers.
TEST_F(SetupTest, TriggerLookupFollowsCursorPages) {
  auto a = Args(true);
  a.webhook_source = "pa-hook";
  a.url = "https://cxbridge.example.com";
  a.topic = "v2.detail.events.conversation.{id}.customer.end";
  a.workflow_id = "b008976c-e085-43b7-b27d-9c0efd5fbfb5";
  fake_->SeedTriggers(450, a.topic);  // three pages of 200 before ours ...
  ASSERT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str() << out_.str();
  fake_->SeedTriggers(30, a.topic);   // ... and more after it
  out_.str("");
  ASSERT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str() << out_.str();
  EXPECT_NE(out_.str().find("trigger 'cxbridge pa-hook' exists"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("nothing to change"), std::string::npos) << out_.str();
  int ours = 0;
  for (const auto& t : fake_->created("triggers")) ours += json::Parse(t)->Find("name")->as_string() == "cxbridge pa-hook";
  EXPECT_EQ(ours, 1);
  EXPECT_EQ(fake_->created("triggers").size(), 481u);
}

TEST_F(SetupTest, TriggerTopicMustBeOfferedToTriggers) {
  auto a = Args(true);
  a.webhook_source = "pa-hook";
  a.url = "https://cxbridge.example.com";
  a.topic = "v2.detail.events.conversation.5f6b4a3e-4c2d-4a55-9a0b-2c1f0e9d8c7b.customer.end";  // not a pattern
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 1);
  EXPECT_NE(err_.str().find("not offered to Process Automation triggers"), std::string::npos) << err_.str();
  EXPECT_EQ(fake_->integration_writes(), 0);
}

// The workflow between trigger and data action, for Archy: Flow.jsonData in, one Call Data
// Action step with the trigger's topic and the serialized body, End Workflow.
TEST_F(SetupTest, WorkflowYamlCallsTheDataActionWithBothInputs) {
  auto a = Args(false);
  a.webhook_source = "pa-hook";
  a.url = "https://cxbridge.example.com";
  a.topic = "v2.detail.events.conversation.{id}.customer.end";
  a.workflow_yaml = path_ + ".workflow.yaml";
  ASSERT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str();
  YAML::Node wf = YAML::LoadFile(a.workflow_yaml);
  std::remove(a.workflow_yaml.c_str());
  EXPECT_EQ(wf["workflow"]["variables"][0]["jsonVariable"]["name"].as<std::string>(), "Flow.jsonData");
  EXPECT_TRUE(wf["workflow"]["variables"][0]["jsonVariable"]["isInput"].as<bool>());
  YAML::Node call = wf["workflow"]["states"][0]["state"]["actions"][0]["callData"];
  YAML::Node inputs = call["category"]["cxbridge pa-hook"]["dataAction"]["cxbridge pa-hook post"]["inputs"];
  EXPECT_EQ(inputs["topicName"]["lit"].as<std::string>(), a.topic);
  EXPECT_EQ(inputs["eventBody"]["exp"].as<std::string>(), "ToString(Flow.jsonData)");
  EXPECT_TRUE(call["outputs"]["failure"].IsDefined());
}

TEST_F(SetupTest, TriggerSetupWantsAnApiKeySource) {
  auto a = Args(false);
  a.webhook_source = "genesys-live";
  a.url = "https://cxbridge.example.com";
  a.topic = "v2.detail.events.conversation.{id}.customer.end";
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 2);
  EXPECT_NE(err_.str().find("scheme: api-key"), std::string::npos) << err_.str();
}

TEST_F(SetupTest, EventBridgeNeedsAnAccountAndSuffix) {
  auto a = Args();
  a.aws_account_id = "12";
  EXPECT_EQ(RunSetupEventBridge(a, out_, err_), 2);
  EXPECT_NE(err_.str().find("12 digits"), std::string::npos);
}

}  // namespace
}  // namespace cxbridge::genesys
