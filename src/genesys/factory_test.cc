// The config → source path with ingest's real envelope, on the /work/shared/genesys samples.
#include "genesys/factory.h"

#include <gtest/gtest.h>

#include "blob/local_blob_store.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cxbridge::genesys {
namespace {

std::string Sample(const std::string& name) {
  const char* shared = std::getenv("CXBRIDGE_SHARED");
  std::string dir = shared ? shared : "/work/shared";
  std::ifstream in(dir + "/genesys/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

config::SourceConfig Source(const std::string& extra = "") {
  config::SourceConfig sc;
  sc.name = "genesys-live";
  sc.line = 12;
  sc.raw = *json::Parse(R"({"type":"genesys-notifications","region":"us-east-1","client_id":"id",
      "client_secret":{"value":"s"},"ids":{"users":["d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d"]},
      "topics":["v2.users.{id}.presence"])" + extra + "}");
  return sc;
}

TEST(FactoryTest, FramesGetTheGenesysEventBridgeEnvelope) {
  auto settings = ParseNotificationsSettings("genesys-live", Source().raw, "123456789012", "us-east-1");
  ASSERT_TRUE(settings.ok());
  auto env = MakeIngestEnveloper(*settings);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  const std::string frame = Sample("ws-v2.users.presence.json");
  ASSERT_FALSE(frame.empty());
  auto e = (*env)->Envelope(*json::Parse(frame), 1773842600000);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->detail_type, "v2.users.{id}.presence");
  EXPECT_EQ(e->source, "genesys.cloud");
  EXPECT_FALSE(e->idempotency_key.empty());
  auto ev = json::Parse(e->event_json);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->FindPath("detail.topicName")->as_string(), "v2.users.d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d.presence");
  EXPECT_EQ(ev->FindPath("detail.eventBody.presenceDefinition.systemPresence")->as_string(), "On Queue");
  EXPECT_EQ(ev->Find("account")->as_string(), "123456789012");
  // The same frame twice → the same key, so the accept path drops the overlap duplicate.
  auto again = (*env)->Envelope(*json::Parse(frame), 1773842609000);
  EXPECT_EQ(again->idempotency_key, e->idempotency_key);
}

TEST(FactoryTest, EventSourceComesFromTheSourceConfig) {
  auto settings = ParseNotificationsSettings("genesys-live", Source(R"(,"event_source":"genesys.ws")").raw,
                                             "123456789012", "us-east-1");
  auto env = MakeIngestEnveloper(*settings);
  ASSERT_TRUE(env.ok());
  auto e = (*env)->Envelope(*json::Parse(Sample("ws-v2.routing.queues.users.joined.json")), 1773842600000);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->source, "genesys.ws");
  EXPECT_EQ(e->detail_type, "v2.routing.queues.{id}.users");
}

class NullSink : public bus::EventSink {
 public:
  void Submit(std::vector<bus::IncomingEvent>, std::function<void(std::vector<bus::AcceptResult>)> done) override {
    done({});
  }
};

TEST(FactoryTest, ConfigErrorsNameSourceAndLine) {
  NullSink sink;
  config::SourceConfig sc = Source();
  sc.raw.Erase("client_secret");
  auto src = MakeNotificationSource(sc, "123456789012", "us-east-1", sink, SystemClock());
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("source genesys-live (line 12)"), std::string::npos);
  EXPECT_NE(src.status().message().find("client_secret"), std::string::npos);
  auto ok = MakeNotificationSource(Source(), "123456789012", "us-east-1", sink, SystemClock());
  EXPECT_TRUE(ok.ok());
}

// A source's `claim_check:` travels with its events into the accept pipeline's ClaimCheck stage,
// as a webhook source's does (bus/pipeline_test.cc shows the stage apply it for every kind).
TEST(FactoryTest, ClaimCheckPolicyTravelsWithTheEvents) {
  const std::string with = R"(,"claim_check":{"threshold_bytes":1000})";
  auto settings = ParseNotificationsSettings("genesys-live", Source(with).raw, "123456789012", "us-east-1");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  const auto root = std::filesystem::temp_directory_path() / ("cxb-factory-blobs-" + std::to_string(::getpid()));
  auto store = blob::LocalBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  auto env = MakeIngestEnveloper(*settings, std::shared_ptr<blob::BlobStore>(std::move(*store)));
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto e = (*env)->Envelope(*json::Parse(Sample("ws-v2.users.presence.json")), 1773842600000);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, bus::SourceKind::kGenesysWebSocket);
  ASSERT_NE(e->claim_check, nullptr);
  EXPECT_EQ(e->claim_check->policy().threshold_bytes, 1000u);
  std::filesystem::remove_all(root);

  NullSink sink;
  auto no_store = MakeNotificationSource(Source(with), "123456789012", "us-east-1", sink, SystemClock());
  ASSERT_FALSE(no_store.ok());
  EXPECT_NE(no_store.status().message().find("claim_check needs a blob store"), std::string::npos);
  auto bad = ParseNotificationsSettings("genesys-live", Source(R"(,"claim_check":{"threshold_bytes":0})").raw,
                                        "123456789012", "us-east-1");
  ASSERT_TRUE(bad.ok());
  auto refused = MakeIngestEnveloper(*bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("claim_check.threshold_bytes"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace cxbridge::genesys
