// The default credential chain against its real sources: an environment, a shared credentials
// file on disk, and the container and instance-metadata endpoints played by real HTTP servers
// on loopback that answer in the shapes AWS documents (ECS task credentials; IMDSv2's token,
// role listing and role credentials).
#include "aws/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include "common/ids.h"
#include "http/server.h"

namespace cxbridge::aws {
namespace {

namespace fs = std::filesystem;

// Plays the ECS container endpoint (GET /creds, Authorization required) and IMDSv2 (PUT
// /latest/api/token with a TTL, then the role listing and the role's credentials, both with
// the session token). Each fetch hands out the next key id.
class MetadataPeer : public http::Handler {
 public:
  explicit MetadataPeer(Clock& clock) : clock_(clock) {}
  void Handle(http::Request req, http::Respond respond) override {
    std::lock_guard<std::mutex> lock(mu);
    paths.push_back(req.method + " " + req.path);
    if (status != 200) return respond(http::Response::Json(status, "{}"));
    if (req.path == "/creds") {
      if (req.Header("Authorization").value_or("") != "container-token") {
        return respond(http::Response::Json(401, "{}"));
      }
      return respond(http::Response::Json(200, Credentials()));
    }
    if (req.method == "PUT" && req.path == "/latest/api/token") {
      if (!req.Header("X-aws-ec2-metadata-token-ttl-seconds"))
        return respond(http::Response::Json(400, "{}"));
      http::Response r;
      r.status = 200;
      r.body = "imds-session";
      return respond(r);
    }
    if (req.Header("X-aws-ec2-metadata-token").value_or("") != "imds-session") {
      return respond(http::Response::Json(401, "{}"));  // IMDSv2 only
    }
    http::Response r;
    r.status = 200;
    if (req.path == "/latest/meta-data/iam/security-credentials/") {
      r.body = "cxbridge-role\n";
    } else if (req.path == "/latest/meta-data/iam/security-credentials/cxbridge-role") {
      r.body = Credentials();
    } else {
      r.status = 404;
    }
    respond(r);
  }

  std::string Credentials() {
    ++fetches;
    return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIA)" + std::to_string(fetches) +
           R"(","SecretAccessKey":"secret)" + std::to_string(fetches) + R"(","Token":"session)" +
           std::to_string(fetches) + R"(","Expiration":")" +
           FormatRfc3339(clock_.NowMs() + 3600'000) + R"("})";
  }

  std::mutex mu;
  std::vector<std::string> paths;  // guarded by mu
  int fetches = 0;                 // guarded by mu
  int status = 200;                // guarded by mu

 private:
  Clock& clock_;
};

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cxb-awscreds-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // Nothing leaks in from the machine running the tests.
    env_ = {{"HOME", dir_.string()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
    http::ServerOptions so;
    so.port = 0;
    server_ = std::make_unique<http::Server>(so, peer_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    chain_.reset();
    server_->Stop(1000);
    fs::remove_all(dir_);
  }
  DefaultCredentialChain& Chain() {
    DefaultCredentialChain::Options o;
    o.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    o.retry_ms = 30'000;
    chain_ = std::make_unique<DefaultCredentialChain>(client_, clock_, o);
    return *chain_;
  }

  FakeClock clock_;
  fs::path dir_;
  std::map<std::string, std::string> env_;
  MetadataPeer peer_{clock_};
  std::unique_ptr<http::Server> server_;
  std::string base_;
  http::HttpClient client_;
  std::unique_ptr<DefaultCredentialChain> chain_;
};

TEST_F(AwsCredentialsTest, EnvironmentComesFirst) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_["AWS_SESSION_TOKEN"] = "env-token";
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/creds";  // not asked
  auto& chain = Chain();
  ASSERT_TRUE(chain.Start().ok());
  auto c = chain.Current();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "env-secret");
  EXPECT_EQ(c->session_token, "env-token");
  EXPECT_NE(chain.Describe().find("environment"), std::string::npos);
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_TRUE(peer_.paths.empty());
}

TEST_F(AwsCredentialsTest, SharedCredentialsFileWithProfiles) {
  fs::create_directories(dir_ / ".aws");
  std::ofstream(dir_ / ".aws" / "credentials") << "# a comment\n"
                                                  "[default]\n"
                                                  "aws_access_key_id = AKIDDEFAULT\n"
                                                  "aws_secret_access_key = default-secret\n"
                                                  "\n"
                                                  "[prod]\n"
                                                  "aws_access_key_id=AKIDPROD\n"
                                                  "  aws_secret_access_key = prod-secret  \n"
                                                  "aws_session_token = prod-token\n";
  {
    auto& chain = Chain();
    ASSERT_TRUE(chain.Start().ok());
    EXPECT_EQ(chain.Current()->access_key_id, "AKIDDEFAULT");
    EXPECT_NE(chain.Describe().find("profile default"), std::string::npos);
  }
  env_["AWS_PROFILE"] = "prod";
  auto& chain = Chain();
  ASSERT_TRUE(chain.Start().ok());
  auto c = chain.Current();
  EXPECT_EQ(c->access_key_id, "AKIDPROD");
  EXPECT_EQ(c->secret_access_key, "prod-secret");
  EXPECT_EQ(c->session_token, "prod-token");
  // AWS_SHARED_CREDENTIALS_FILE names another file; a missing profile is not a match.
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "elsewhere").string();
  std::ofstream(dir_ / "elsewhere")
      << "[default]\naws_access_key_id = A\naws_secret_access_key = B\n";
  auto& other = Chain();
  Status st = other.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has no profile [prod]"), std::string::npos) << st.message();
}

TEST_F(AwsCredentialsTest, NothingFoundSaysWhyForEverySourceAndKeepsTrying) {
  auto& chain = Chain();
  Status st = chain.Start();
  ASSERT_FALSE(st.ok());
  for (const char* source : {"environment", "shared credentials file", "container credentials",
                             "instance metadata: AWS_EC2_METADATA_DISABLED"}) {
    EXPECT_NE(st.message().find(source), std::string::npos) << st.message();
  }
  EXPECT_FALSE(chain.Current().ok());
  // Keys appear later (the retry interval passes): the next probe finds them.
  env_["AWS_ACCESS_KEY_ID"] = "AKIDLATE";
  env_["AWS_SECRET_ACCESS_KEY"] = "late";
  EXPECT_TRUE(chain.RefreshIfDue().ok());  // not due yet: nothing asked
  EXPECT_FALSE(chain.Current().ok());
  clock_.AdvanceMs(30'000);
  EXPECT_TRUE(chain.RefreshIfDue().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "AKIDLATE");
}

TEST_F(AwsCredentialsTest, ContainerCredentialsAreRefreshedBeforeTheyExpire) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-token";
  auto& chain = Chain();
  ASSERT_TRUE(chain.Start().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA1");
  EXPECT_EQ(chain.Current()->session_token, "session1");
  clock_.AdvanceMs(50 * 60'000);  // 10 minutes left: not yet
  EXPECT_TRUE(chain.RefreshIfDue().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA1");
  clock_.AdvanceMs(6 * 60'000);  // 4 minutes left: fetched again
  EXPECT_TRUE(chain.RefreshIfDue().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA2");

  // The endpoint fails: the credentials in hand serve until they expire, then none.
  {
    std::lock_guard<std::mutex> lock(peer_.mu);
    peer_.status = 500;
  }
  clock_.AdvanceMs(56 * 60'000);
  EXPECT_FALSE(chain.RefreshIfDue().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA2");
  clock_.AdvanceMs(5 * 60'000);
  auto expired = chain.Current();
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.status().message().find("HTTP 500"), std::string::npos)
      << expired.status().message();
  // It recovers by itself once the endpoint does.
  {
    std::lock_guard<std::mutex> lock(peer_.mu);
    peer_.status = 200;
  }
  EXPECT_TRUE(chain.RefreshIfDue().ok());
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA3");
}

TEST_F(AwsCredentialsTest, ContainerTokenFromAFile) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = (dir_ / "token").string();
  std::ofstream(dir_ / "token") << "container-token\n";
  auto& chain = Chain();
  Status st = chain.Start();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(chain.Current()->access_key_id, "ASIA1");
}

TEST_F(AwsCredentialsTest, InstanceMetadataV2) {
  env_.erase("AWS_EC2_METADATA_DISABLED");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = base_ + "/";
  auto& chain = Chain();
  // A proxy in the environment (libcurl reads it) is not used for the metadata endpoint.
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  Status st = chain.Start();
  ::unsetenv("http_proxy");
  ASSERT_TRUE(st.ok()) << st.message();
  auto c = chain.Current();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->secret_access_key, "secret1");
  EXPECT_EQ(c->session_token, "session1");
  EXPECT_NE(chain.Describe().find("role cxbridge-role"), std::string::npos);
  std::lock_guard<std::mutex> lock(peer_.mu);
  EXPECT_EQ(peer_.paths,
            (std::vector<std::string>{
                "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/cxbridge-role"}));
}

}  // namespace
}  // namespace cxbridge::aws
