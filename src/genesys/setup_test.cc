// `genesys check` and `genesys setup-eventbridge` against FakeGenesys, dry run and apply.
#include "genesys/setup.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

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
  EXPECT_EQ(integ->FindPath("config.credentials.basicAuth.id")->as_string(), "credentials-1");
  auto actions = fake_->created("actions");
  ASSERT_EQ(actions.size(), 1u);
  auto action = json::Parse(actions[0]);
  EXPECT_EQ(action->FindPath("config.request.requestUrlTemplate")->as_string(),
            "https://cxbridge.example.com/webhooks/pa-hook");
  EXPECT_EQ(action->FindPath("config.request.headers.X-CXB-Key")->as_string(), "${credentials.apiKey}");
  auto triggers = fake_->created("triggers");
  ASSERT_EQ(triggers.size(), 1u);
  auto trigger = json::Parse(triggers[0]);
  EXPECT_EQ(trigger->Find("topicName")->as_string(), "v2.detail.events.conversation.{id}.customer.end");
  EXPECT_EQ(trigger->FindPath("target.type")->as_string(), "Workflow");
  EXPECT_EQ(trigger->FindPath("target.id")->as_string(), a.workflow_id);
  EXPECT_EQ(fake_->created("credentials").size(), 1u);

  const int writes = fake_->integration_writes();
  out_.str("");
  EXPECT_EQ(RunSetupTrigger(a, out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("nothing to change"), std::string::npos) << out_.str();
  EXPECT_EQ(fake_->integration_writes(), writes);
}

TEST_F(SetupTest, EventBridgeNeedsAnAccountAndSuffix) {
  auto a = Args();
  a.aws_account_id = "12";
  EXPECT_EQ(RunSetupEventBridge(a, out_, err_), 2);
  EXPECT_NE(err_.str().find("12 digits"), std::string::npos);
}

}  // namespace
}  // namespace cxbridge::genesys
