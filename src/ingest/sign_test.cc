// SignBody produces what each scheme's authenticator accepts (round trips), and refuses what it
// cannot sign.
#include "ingest/sign.h"

#include <gtest/gtest.h>

#include "ingest/auth.h"
#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

using testing::FakeRequest;
using testing::J;

constexpr int64_t kNowMs = 1'700'000'000'000;

AuthOutcome SignAndVerify(std::string_view config, const std::string& body) {
  const json::Value auth = J(config);
  auto verifier = MakeAuthenticator(auth);
  EXPECT_TRUE(verifier.ok()) << verifier.status().message();
  if (!verifier.ok()) return AuthOutcome::kInvalid;
  HeaderList headers;
  Status st = SignBody(auth, body, kNowMs, &headers);
  EXPECT_TRUE(st.ok()) << st.message();
  FakeRequest r;
  r.body = body;
  for (auto& [k, v] : headers) r.headers[k] = v;
  return (*verifier)->Verify(r.View(), kNowMs).outcome;
}

TEST(SignTest, EverySchemeRoundTrips) {
  const std::string body = R"({"topicName":"v2.users.x.presence","eventBody":{}})";
  for (std::string_view config : {
           R"({"scheme":"hmac","header":"X-Sig","encoding":"hex","prefix":"v1=","secret":"k"})",
           R"({"scheme":"hmac","preset":"genesys-open-messaging","secrets":["new","old"]})",
           R"({"scheme":"standard-webhooks","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})",
           R"({"scheme":"standard-webhooks","header_prefix":"svix","secrets":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]})",
           R"({"scheme":"api-key","header":"Authorization","prefix":"Bearer ","secret":"tok"})",
           R"({"scheme":"api-key","secrets":["a","b"]})",
           R"({"scheme":"basic","username":"genesys","password":{"value":"pw"}})",
           R"({"scheme":"basic","credentials":[{"username":"u","password":"p1"},{"username":"u","password":"p0"}]})",
           R"({"scheme":"none"})",
       }) {
    EXPECT_EQ(SignAndVerify(config, body), AuthOutcome::kOk) << config;
  }
}

TEST(SignTest, OpenMessagingSignsOnlyTheHeaderGenesysSends) {
  HeaderList headers;
  ASSERT_TRUE(SignBody(J(R"({"scheme":"hmac","preset":"genesys-open-messaging","secret":"s"})"), "{}", kNowMs,
                       &headers)
                  .ok());
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, "X-Hub-Signature-256");
  EXPECT_TRUE(headers[0].second.starts_with("sha256="));
}

TEST(SignTest, RefusesWhatItCannotSign) {
  HeaderList headers;
  EXPECT_FALSE(SignBody(J(R"({"scheme":"hmac","preset":"genesys-webhook","secret":"s"})"), "{}", kNowMs, &headers).ok());
  EXPECT_FALSE(SignBody(J(R"({"scheme":"carrier-pigeon"})"), "{}", kNowMs, &headers).ok());
  EXPECT_FALSE(SignBody(J(R"({"scheme":"api-key","secret":{"env":"CXB_SIGN_TEST_UNSET_VARIABLE"}})"), "{}", kNowMs,
                        &headers)
                   .ok());
  EXPECT_TRUE(headers.empty());
}

}  // namespace
}  // namespace cxbridge::ingest
