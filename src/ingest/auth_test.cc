#include "ingest/auth.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/encoding.h"
#include "ingest/test_util.h"

namespace cxbridge::ingest {
namespace {

using testing::FakeRequest;
using testing::J;

constexpr int64_t kNowMs = 1'614'265'330'000;  // the Standard Webhooks test vector's timestamp

std::unique_ptr<Authenticator> Make(std::string_view config) {
  auto a = MakeAuthenticator(J(config));
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : nullptr;
}

std::string ConfigError(std::string_view config) {
  auto a = MakeAuthenticator(J(config));
  EXPECT_FALSE(a.ok());
  return a.ok() ? "" : a.status().message();
}

FakeRequest Req(std::string body, std::map<std::string, std::string> headers = {}) {
  FakeRequest r;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

AuthOutcome Check(const Authenticator& a, const FakeRequest& r, int64_t now = kNowMs) {
  return a.Verify(r.View(), now).outcome;
}

// ---------------------------------------------------------------- registry and config errors

TEST(AuthConfigTest, SchemeRequiredAndKnown) {
  EXPECT_NE(ConfigError("{}").find("'scheme' is required"), std::string::npos);
  std::string m = ConfigError(R"({"scheme":"magic"})");
  EXPECT_NE(m.find("unknown scheme 'magic'"), std::string::npos) << m;
  EXPECT_NE(m.find("standard-webhooks"), std::string::npos) << m;
  EXPECT_NE(ConfigError("[1]").find("mapping"), std::string::npos);
}

TEST(AuthConfigTest, UnknownKeysAreNamed) {
  std::string m = ConfigError(R"({"scheme":"hmac","hedaer":"X","secret":"s"})");
  EXPECT_NE(m.find("unknown key 'hedaer'"), std::string::npos) << m;
}

TEST(AuthConfigTest, SecretErrorsNameTheSourceNotTheValue) {
  unsetenv("CXB_TEST_UNSET_SECRET");
  std::string m = ConfigError(
      R"({"scheme":"hmac","header":"X-Sig","secret":{"env":"CXB_TEST_UNSET_SECRET"}})");
  EXPECT_NE(m.find("CXB_TEST_UNSET_SECRET"), std::string::npos) << m;
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","header":"X-Sig"})").find("'secret' or 'secrets'"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","header":"X","secret":"a","secrets":["b"]})")
                .find("not both"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","header":"X","secrets":[]})").find("non-empty"),
            std::string::npos);
}

TEST(AuthConfigTest, SecretsFromEnvAndFile) {
  setenv("CXB_TEST_HMAC_SECRET", "from-env", 1);
  std::string path = ::testing::TempDir() + "/cxb_ingest_secret.txt";
  {
    std::ofstream f(path);
    f << "from-file\n";
  }
  auto a = Make(R"({"scheme":"hmac","header":"X-Sig","secrets":[{"env":"CXB_TEST_HMAC_SECRET"},{"file":")" +
                path + R"("}]})");
  ASSERT_NE(a, nullptr);
  std::string body = R"({"a":1})";
  EXPECT_EQ(Check(*a, Req(body, {{"X-Sig", Base64Encode(HmacSha256("from-env", body))}})),
            AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Sig", Base64Encode(HmacSha256("from-file", body))}})),
            AuthOutcome::kOk);
}

TEST(AuthConfigTest, CustomRegistryAddsASchemeInOneLine) {
  AuthRegistry registry;
  RegisterBuiltins(registry);
  struct Always : Authenticator {
    AuthResult Verify(const RequestView&, int64_t) const override {
      return AuthResult::Invalid("never");
    }
    std::string_view scheme() const override { return "never"; }
  };
  registry.Add("never", [](const json::Value&) -> Result<std::unique_ptr<Authenticator>> {
    return std::unique_ptr<Authenticator>(new Always);
  });
  auto a = MakeAuthenticator(registry, J(R"({"scheme":"never"})"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->scheme(), "never");
  EXPECT_TRUE(MakeAuthenticator(registry, J(R"({"scheme":"none"})")).ok());
}

// ---------------------------------------------------------------- hmac

TEST(HmacAuthTest, GoodBadMissingBase64) {
  auto a = Make(R"({"scheme":"hmac","header":"X-Signature","encoding":"base64","secret":"k1"})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scheme(), "hmac");
  std::string body = R"({"eventId":"e1","kind":"Order"})";
  std::string good = Base64Encode(HmacSha256("k1", body));
  EXPECT_EQ(Check(*a, Req(body, {{"X-Signature", good}})), AuthOutcome::kOk);
  // Header names are case-insensitive.
  EXPECT_EQ(Check(*a, Req(body, {{"x-signature", good}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req(body + " ", {{"X-Signature", good}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Signature", Base64Encode(HmacSha256("k2", body))}})),
            AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req(body)), AuthOutcome::kMissing);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Signature", ""}})), AuthOutcome::kMissing);
  // Malformed: not base64, or not 32 bytes.
  EXPECT_EQ(Check(*a, Req(body, {{"X-Signature", "!!!not base64!!!"}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Signature", "AAAA"}})), AuthOutcome::kInvalid);
  AuthResult r = a->Verify(Req(body, {{"X-Signature", "AAAA"}}).View(), kNowMs);
  EXPECT_NE(r.reason.find("malformed"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("k1"), std::string::npos);
}

TEST(HmacAuthTest, HexWithPrefix) {
  auto a = Make(
      R"({"scheme":"hmac","header":"X-Hub-Signature-256","encoding":"hex","prefix":"sha256=","secret":"gh"})");
  ASSERT_NE(a, nullptr);
  std::string body = "{\"zen\":\"Keep it logically awesome.\"}";
  std::string hex = HexEncode(HmacSha256("gh", body));
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", "sha256=" + hex}})), AuthOutcome::kOk);
  // Upper-case hex digits and prefix decode the same.
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", "SHA256=" + upper}})), AuthOutcome::kOk);
  // Prefix is required when configured.
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", hex}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", "sha256=zz"}})), AuthOutcome::kInvalid);
}

TEST(HmacAuthTest, RotatedSecrets) {
  auto a = Make(R"({"scheme":"hmac","header":"X-Sig","encoding":"hex","secrets":["old","new"]})");
  ASSERT_NE(a, nullptr);
  std::string body = "{}";
  EXPECT_EQ(Check(*a, Req(body, {{"X-Sig", HexEncode(HmacSha256("old", body))}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Sig", HexEncode(HmacSha256("new", body))}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Sig", HexEncode(HmacSha256("other", body))}})),
            AuthOutcome::kInvalid);
}

TEST(HmacAuthTest, GenesysOpenMessagingPreset) {
  auto a = Make(R"({"scheme":"hmac","preset":"genesys-open-messaging","secret":"om-secret"})");
  ASSERT_NE(a, nullptr);
  std::string body = R"({"id":"6f5e","channel":{"platform":"Open"},"type":"Text","text":"Hi"})";
  std::string b64 = Base64Encode(HmacSha256("om-secret", body));
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", "sha256=" + b64}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", b64}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256", "sha256=AAAA"}})), AuthOutcome::kInvalid);
  // Issue 14: no Genesys product sends "X-Genesys-Webhook-Signature"; a correct signature in
  // that invented header is not a credential.
  EXPECT_EQ(Check(*a, Req(body, {{"X-Genesys-Webhook-Signature", b64}})), AuthOutcome::kMissing);
  EXPECT_EQ(Check(*a, Req(body, {{"X-Genesys-Webhook-Signature", "sha256=" + b64}})),
            AuthOutcome::kMissing);
  AuthResult missing = a->Verify(Req(body).View(), kNowMs);
  EXPECT_EQ(missing.outcome, AuthOutcome::kMissing);
  EXPECT_NE(missing.reason.find("X-Hub-Signature-256"), std::string::npos);
  // A hex signature in the base64 header is malformed (wrong length once decoded).
  EXPECT_EQ(Check(*a, Req(body, {{"X-Hub-Signature-256",
                                  "sha256=" + HexEncode(HmacSha256("om-secret", body))}})),
            AuthOutcome::kInvalid);
}

TEST(HmacAuthTest, ConfigErrors) {
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","preset":"github","secret":"s"})").find("unknown preset"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","preset":"genesys-open-messaging","header":"X","secret":"s"})")
                .find("preset"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","header":"X","encoding":"b32","secret":"s"})")
                .find("base64 or hex"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"hmac","secret":"s"})").find("'header'"), std::string::npos);
}

// ---------------------------------------------------------------- standard webhooks

constexpr std::string_view kSwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSwId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view kSwTs = "1614265330";
constexpr std::string_view kSwBody = R"({"test": 2432232314})";
constexpr std::string_view kSwSig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

FakeRequest SwReq(std::string sig, std::string ts = std::string(kSwTs),
                  std::string body = std::string(kSwBody)) {
  return Req(std::move(body), {{"webhook-id", std::string(kSwId)},
                               {"webhook-timestamp", std::move(ts)},
                               {"webhook-signature", std::move(sig)}});
}

std::string SwSign(std::string_view secret_b64, std::string_view id, std::string_view ts,
                   std::string_view body) {
  std::string key = *Base64Decode(secret_b64.substr(secret_b64.find('_') + 1));
  return "v1," + Base64Encode(HmacSha256(key, std::string(id) + "." + std::string(ts) + "." +
                                                  std::string(body)));
}

TEST(StandardWebhooksTest, SpecTestVector) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scheme(), "standard-webhooks");
  // The independent signer agrees with the published vector.
  EXPECT_EQ(SwSign(kSwSecret, kSwId, kSwTs, kSwBody), kSwSig);
  AuthResult r = a->Verify(SwReq(std::string(kSwSig)).View(), kNowMs);
  EXPECT_EQ(r.outcome, AuthOutcome::kOk) << r.reason;
}

TEST(StandardWebhooksTest, BadSignatureAndTamperedParts) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), std::string(kSwTs), R"({"test": 2432232315})")),
            AuthOutcome::kInvalid);
  FakeRequest other_id = SwReq(std::string(kSwSig));
  other_id.headers["webhook-id"] = "msg_other";
  EXPECT_EQ(Check(*a, other_id), AuthOutcome::kInvalid);
  // Same signature, timestamp moved by one second (still within tolerance): signature breaks.
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), "1614265331")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq("v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=")),
            AuthOutcome::kInvalid);
}

TEST(StandardWebhooksTest, MissingHeaders) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, Req(std::string(kSwBody))), AuthOutcome::kMissing);
  for (const char* h : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
    FakeRequest r = SwReq(std::string(kSwSig));
    r.headers.erase(h);
    AuthResult res = a->Verify(r.View(), kNowMs);
    EXPECT_EQ(res.outcome, AuthOutcome::kMissing) << h;
    EXPECT_NE(res.reason.find(h), std::string::npos) << res.reason;
  }
}

TEST(StandardWebhooksTest, StaleAndFutureTimestamps) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  FakeRequest r = SwReq(std::string(kSwSig));
  EXPECT_EQ(Check(*a, r, kNowMs + 300'000), AuthOutcome::kOk);   // exactly 5 min late
  EXPECT_EQ(Check(*a, r, kNowMs + 301'000), AuthOutcome::kStale);
  EXPECT_EQ(Check(*a, r, kNowMs - 300'000), AuthOutcome::kOk);   // exactly 5 min early
  EXPECT_EQ(Check(*a, r, kNowMs - 301'000), AuthOutcome::kStale);
  AuthResult old = a->Verify(r.View(), kNowMs + 3'600'000);
  EXPECT_NE(old.reason.find("too old"), std::string::npos) << old.reason;
  AuthResult future = a->Verify(r.View(), kNowMs - 3'600'000);
  EXPECT_NE(future.reason.find("future"), std::string::npos) << future.reason;
}

TEST(StandardWebhooksTest, ConfigurableTolerance) {
  auto a = Make(R"({"scheme":"standard-webhooks","tolerance_seconds":10,"secret":")" +
                std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  FakeRequest r = SwReq(std::string(kSwSig));
  EXPECT_EQ(Check(*a, r, kNowMs + 10'000), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, r, kNowMs + 11'000), AuthOutcome::kStale);
  EXPECT_NE(ConfigError(R"({"scheme":"standard-webhooks","tolerance_seconds":-1,"secret":"whsec_AAAA"})")
                .find("tolerance_seconds"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"standard-webhooks","tolerance_seconds":"soon","secret":"whsec_AAAA"})")
                .find("tolerance_seconds"),
            std::string::npos);
}

TEST(StandardWebhooksTest, MalformedHeaders) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), "16142653.30")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), "-1614265330")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), "99999999999999999999999")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig), "")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq("v1,not-base64!")), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, SwReq("")), AuthOutcome::kInvalid);
  // An id with '.' could shift the id/timestamp boundary of the signed content: refused even
  // when correctly signed.
  FakeRequest dotted = SwReq(SwSign(kSwSecret, "msg.1", kSwTs, kSwBody));
  dotted.headers["webhook-id"] = "msg.1";
  EXPECT_EQ(Check(*a, dotted), AuthOutcome::kInvalid);
}

TEST(StandardWebhooksTest, SeveralSignaturesInTheHeader) {
  auto a = Make(R"({"scheme":"standard-webhooks","secret":")" + std::string(kSwSecret) + R"("})");
  ASSERT_NE(a, nullptr);
  // The spec's example mixes a v1 and a v1a (ed25519) entry; ours is among them.
  std::string header =
      "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= "
      "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " +
      std::string(kSwSig);
  EXPECT_EQ(Check(*a, SwReq(header)), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, SwReq("v1,AAAA " + std::string(kSwSig))), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, SwReq("v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==")),
            AuthOutcome::kInvalid);
}

TEST(StandardWebhooksTest, RotatedSecrets) {
  const std::string kNew = "whsec_dGhpcyBpcyB0aGUgbmV3IHNlY3JldCBrZXkh";
  auto a = Make(R"({"scheme":"standard-webhooks","secrets":[")" + std::string(kSwSecret) +
                R"(",")" + kNew + R"("]})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig))), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, SwReq(SwSign(kNew, kSwId, kSwTs, kSwBody))), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, SwReq(SwSign("whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", kSwId, kSwTs, kSwBody))),
            AuthOutcome::kInvalid);
}

TEST(StandardWebhooksTest, SvixHeaderPrefixAndSecretWithoutWhsec) {
  auto a = Make(R"({"scheme":"standard-webhooks","header_prefix":"svix","secret":"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})");
  ASSERT_NE(a, nullptr);
  FakeRequest r = Req(std::string(kSwBody), {{"svix-id", std::string(kSwId)},
                                             {"svix-timestamp", std::string(kSwTs)},
                                             {"svix-signature", std::string(kSwSig)}});
  EXPECT_EQ(Check(*a, r), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, SwReq(std::string(kSwSig))), AuthOutcome::kMissing);
  EXPECT_NE(ConfigError(R"({"scheme":"standard-webhooks","secret":"whsec_!!!"})").find("whsec_"),
            std::string::npos);
}

// ---------------------------------------------------------------- api-key

TEST(ApiKeyAuthTest, GoodBadMissingRotated) {
  auto a = Make(R"({"scheme":"api-key","header":"X-API-Key","secrets":["k-old","k-new"]})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scheme(), "api-key");
  EXPECT_EQ(Check(*a, Req("{}", {{"X-API-Key", "k-old"}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"x-api-key", "k-new"}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"X-API-Key", "k-ol"}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}", {{"X-API-Key", "k-old2"}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}")), AuthOutcome::kMissing);
  EXPECT_EQ(Check(*a, Req("{}", {{"X-API-Key", "  "}})), AuthOutcome::kMissing);
  AuthResult r = a->Verify(Req("{}", {{"X-API-Key", "nope"}}).View(), kNowMs);
  EXPECT_EQ(r.reason.find("k-old"), std::string::npos);
}

TEST(ApiKeyAuthTest, BearerPrefixAndDefaultHeader) {
  auto a = Make(R"({"scheme":"api-key","header":"Authorization","prefix":"Bearer ","secret":"tok"})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "Bearer tok"}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "bearer tok"}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "tok"}})), AuthOutcome::kInvalid);
  auto d = Make(R"({"scheme":"api-key","secret":"x"})");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(Check(*d, Req("{}", {{"X-API-Key", "x"}})), AuthOutcome::kOk);
}

// ---------------------------------------------------------------- basic

std::string BasicHeader(std::string_view user, std::string_view pass) {
  return "Basic " + Base64Encode(std::string(user) + ":" + std::string(pass));
}

TEST(BasicAuthTest, GoodBadMissingMalformed) {
  setenv("CXB_TEST_BASIC_PW", "pw:with:colons", 1);
  auto a = Make(R"({"scheme":"basic","username":"genesys","password":{"env":"CXB_TEST_BASIC_PW"}})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scheme(), "basic");
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("genesys", "pw:with:colons")}})),
            AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"authorization", "basic " + Base64Encode("genesys:pw:with:colons")}})),
            AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("genesys", "nope")}})),
            AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("other", "pw:with:colons")}})),
            AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}")), AuthOutcome::kMissing);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "Bearer abc"}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "Basic !!!"}})), AuthOutcome::kInvalid);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", "Basic " + Base64Encode("nocolon")}})),
            AuthOutcome::kInvalid);
}

TEST(BasicAuthTest, RotatedCredentials) {
  auto a = Make(R"({"scheme":"basic","credentials":[{"username":"u","password":"old"},{"username":"u","password":"new"}]})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("u", "old")}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("u", "new")}})), AuthOutcome::kOk);
  EXPECT_EQ(Check(*a, Req("{}", {{"Authorization", BasicHeader("u", "mid")}})), AuthOutcome::kInvalid);
  EXPECT_NE(ConfigError(R"({"scheme":"basic","username":"u"})").find("'password' is required"),
            std::string::npos);
  EXPECT_NE(ConfigError(R"({"scheme":"basic","username":"a:b","password":"p"})").find("':'"),
            std::string::npos);
}

// ---------------------------------------------------------------- none

TEST(NoneAuthTest, AcceptsEverythingOnlyWhenExplicit) {
  auto a = Make(R"({"scheme":"none"})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->scheme(), "none");
  EXPECT_EQ(Check(*a, Req("anything")), AuthOutcome::kOk);
  EXPECT_NE(ConfigError(R"({"scheme":"none","secret":"x"})").find("unknown key"), std::string::npos);
}

TEST(AuthOutcomeTest, Names) {
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kOk), "ok");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kMissing), "missing");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kInvalid), "invalid");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kStale), "stale");
}

}  // namespace
}  // namespace cxbridge::ingest
