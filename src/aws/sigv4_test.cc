// SigV4: the verifier against requests signed by the real aws CLI and boto3 (testdata/, recorded
// with testdata/capture_server.py and record_signer_captures.py; key AKIDCXBRIDGETEST / secret
// cxbridge-test-secret) and the capture in the shared reference (key test / secret test); the
// signer against AWS's published test vector and against the same recorded signatures.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/json.h"

namespace cxbridge::aws {
namespace {

using Keys = std::map<std::string, std::string>;
constexpr const char* kKey = "AKIDCXBRIDGETEST";
constexpr const char* kSecret = "cxbridge-test-secret";

std::vector<http::Request> LoadCaptures(const std::string& file = "sigv4_cli_captures.jsonl",
                                        std::vector<std::string>* services = nullptr) {
  std::ifstream in(std::string(CXB_AWS_TESTDATA) + "/" + file);
  std::vector<http::Request> out;
  std::string line;
  while (std::getline(in, line)) {
    auto v = json::Parse(line);
    if (!v.ok()) continue;
    http::Request r;
    r.method = v->Find("method")->as_string();
    r.path = v->Find("path")->as_string();
    r.target = r.path;
    for (const auto& h : v->Find("headers")->items())
      r.headers.emplace_back(h.items()[0].as_string(), h.items()[1].as_string());
    r.body = v->Find("body")->as_string();
    if (const json::Value* q = v->Find("query")) r.query = q->as_string();
    if (services != nullptr) services->push_back(v->Find("service")->as_string());
    out.push_back(std::move(r));
  }
  return out;
}

int64_t SignedAtMs(const http::Request& r) {
  // X-Amz-Date 20261128T122712Z
  std::string d(*r.Header("X-Amz-Date"));
  std::tm tm{};
  tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(d.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(d.substr(6, 2));
  tm.tm_hour = std::stoi(d.substr(9, 2));
  tm.tm_min = std::stoi(d.substr(11, 2));
  tm.tm_sec = std::stoi(d.substr(13, 2));
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

TEST(SigV4Test, CapturesLoaded) { EXPECT_GE(LoadCaptures().size(), 3u); }

TEST(SigV4Test, RealCliAndBoto3SignaturesVerify) {
  SigV4Verifier v(Keys{{kKey, kSecret}});
  for (const auto& r : LoadCaptures()) {
    AuthResult res = v.Verify(r, SignedAtMs(r) + 5000);
    EXPECT_EQ(res.outcome, AuthOutcome::kOk) << res.message << "\n" << r.body;
    EXPECT_EQ(res.access_key, kKey);
  }
}

TEST(SigV4Test, Boto3RegionComesFromScope) {
  SigV4Verifier v(Keys{{kKey, kSecret}});
  bool saw_eu = false;
  for (const auto& r : LoadCaptures()) saw_eu |= v.Verify(r, SignedAtMs(r)).region == "eu-west-1";
  EXPECT_TRUE(saw_eu);
}

// A verifier serves one service: an EventBridge signature is refused by the built-in queues'.
TEST(SigV4Test, CredentialScopeMustNameTheVerifiersService) {
  SigV4Verifier sqs(Keys{{kKey, kSecret}}, "sqs");
  for (const auto& r : LoadCaptures()) {
    AuthResult res = sqs.Verify(r, SignedAtMs(r));
    EXPECT_EQ(res.outcome, AuthOutcome::kBadSignature);
    EXPECT_EQ(res.message, "Credential should be scoped to correct service: 'sqs'. ");
  }
}

TEST(SigV4Test, WrongSecretIsInvalidSignature) {
  SigV4Verifier v(Keys{{kKey, "not-the-secret"}});
  for (const auto& r : LoadCaptures()) {
    AuthResult res = v.Verify(r, SignedAtMs(r));
    EXPECT_EQ(res.outcome, AuthOutcome::kBadSignature);
    EXPECT_STREQ(AuthErrorType(res.outcome), "InvalidSignatureException");
    EXPECT_EQ(res.message.rfind("The request signature we calculated does not match the signature you provided.", 0), 0u);
  }
}

TEST(SigV4Test, UnknownKeyIsUnrecognizedClient) {
  SigV4Verifier v(Keys{{"SOMEOTHERKEY", kSecret}});
  auto r = LoadCaptures().at(0);
  AuthResult res = v.Verify(r, SignedAtMs(r));
  EXPECT_EQ(res.outcome, AuthOutcome::kUnknownAccessKey);
  EXPECT_STREQ(AuthErrorType(res.outcome), "UnrecognizedClientException");
  EXPECT_EQ(res.message, "The security token included in the request is invalid.");
}

TEST(SigV4Test, TamperedBodyFails) {
  SigV4Verifier v(Keys{{kKey, kSecret}});
  auto r = LoadCaptures().at(0);
  r.body = "{\"NamePrefix\":\"x\"}";
  EXPECT_EQ(v.Verify(r, SignedAtMs(r)).outcome, AuthOutcome::kBadSignature);
}

TEST(SigV4Test, StaleDateIsExpired) {
  SigV4Verifier v(Keys{{kKey, kSecret}});
  auto r = LoadCaptures().at(0);
  std::string date(*r.Header("X-Amz-Date"));
  AuthResult res = v.Verify(r, SignedAtMs(r) + 16 * 60 * 1000);
  EXPECT_EQ(res.outcome, AuthOutcome::kExpired);
  EXPECT_STREQ(AuthErrorType(res.outcome), "InvalidSignatureException");
  EXPECT_EQ(res.message.rfind("Signature expired: " + date + " is now earlier than ", 0), 0u) << res.message;
  EXPECT_NE(res.message.find(" - 15 min.)"), std::string::npos);
  // Within the window both ways passes; a date from the future beyond it fails.
  EXPECT_EQ(v.Verify(r, SignedAtMs(r) + 14 * 60 * 1000).outcome, AuthOutcome::kOk);
  EXPECT_EQ(v.Verify(r, SignedAtMs(r) - 14 * 60 * 1000).outcome, AuthOutcome::kOk);
  AuthResult future = v.Verify(r, SignedAtMs(r) - 16 * 60 * 1000);
  EXPECT_EQ(future.outcome, AuthOutcome::kExpired);
  EXPECT_EQ(future.message.rfind("Signature not yet current: ", 0), 0u);
}

TEST(SigV4Test, MissingAuthorization) {
  SigV4Verifier v(Keys{{kKey, kSecret}});
  auto r = LoadCaptures().at(0);
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Authorization"; });
  AuthResult res = v.Verify(r, SignedAtMs(r));
  EXPECT_EQ(res.outcome, AuthOutcome::kMissingToken);
  EXPECT_STREQ(AuthErrorType(res.outcome), "MissingAuthenticationTokenException");
}

TEST(SigV4Test, NoKeysMeansNoAuth) {
  SigV4Verifier v(Keys{});
  http::Request r;
  EXPECT_FALSE(v.enabled());
  EXPECT_EQ(v.Verify(r, 0).outcome, AuthOutcome::kOk);
}

TEST(SigV4Test, ReferenceCapturePutEventsWithTestKeys) {
  // eventbridge.md §3.3: aws-cli 1.45.11 PutEvents signed with test/test.
  http::Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {
      {"Host", "127.0.0.1:18765"},
      {"Accept-Encoding", "identity"},
      {"X-Amz-Target", "AWSEvents.PutEvents"},
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Date", "20261128T072210Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=test/20261128/us-east-1/events/aws4_request, "
       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
       "Signature=40322f16afcd2e5cf6848743240ef55344d98a69725eac337891b370fd5fdd25"},
  };
  r.body = R"({"Entries": [{"Source": "genesys.cloud", "DetailType": "v2.users.presence", "Detail": "{\"a\":1}", "Resources": ["arn:x"], "EventBusName": "custom-bus", "TraceHeader": "Root=1-abc"}]})";
  SigV4Verifier v(Keys{{"test", "test"}});
  int64_t at = SignedAtMs(r);
  AuthResult res = v.Verify(r, at);
  EXPECT_EQ(res.outcome, AuthOutcome::kOk) << res.message;
}

TEST(SigV4Test, OwnSignerAgreesWithVerifier) {
  http::Request r;
  r.method = "POST";
  r.path = "/";
  r.query = "b=2&a=1";
  r.headers = {{"Host", "localhost:1"}, {"X-Amz-Date", "20240101T000000Z"}, {"X-Amz-Target", "AWSEvents.ListRules"}};
  r.body = "{}";
  std::string scope = "20240101/us-east-1/events/aws4_request";
  std::string sig = SigV4Verifier::Sign(r, "s3cr3t", "20240101T000000Z", scope, "host;x-amz-date;x-amz-target");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=K/" + scope +
                                              ", SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + sig);
  SigV4Verifier v(Keys{{"K", "s3cr3t"}});
  EXPECT_EQ(v.Verify(r, SignedAtMs(r)).outcome, AuthOutcome::kOk);
}

// Issue 16: a request whose X-Amz-Target is not signed could be replayed as another operation.
TEST(SigV4Test, UnsignedXAmzTargetIsRefused) {
  http::Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "localhost:1"}, {"X-Amz-Date", "20240101T000000Z"}, {"X-Amz-Target", "AWSEvents.DeleteRule"}};
  r.body = "{}";
  std::string scope = "20240101/us-east-1/events/aws4_request";
  std::string sig = SigV4Verifier::Sign(r, "s3cr3t", "20240101T000000Z", scope, "host;x-amz-date");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=K/" + scope +
                                              ", SignedHeaders=host;x-amz-date, Signature=" + sig);
  SigV4Verifier v(Keys{{"K", "s3cr3t"}});
  AuthResult res = v.Verify(r, SignedAtMs(r));
  EXPECT_EQ(res.outcome, AuthOutcome::kBadSignature);
  EXPECT_EQ(res.message, "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  // The same signature without the header (the query protocol has none) verifies.
  r.headers.erase(r.headers.begin() + 2);
  EXPECT_EQ(v.Verify(r, SignedAtMs(r)).outcome, AuthOutcome::kOk);
}

// --- the signer ---

const AwsCredentials kExampleCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4SignerTest, AwsTestSuiteGetVanilla) {
  SignInput in;
  in.method = "GET";
  in.url = "https://example.amazonaws.com/";
  in.region = "us-east-1";
  in.service = "service";
  in.now_ms = 1440938160000LL;  // 20150830T123600Z
  auto h = SignV4(in, kExampleCreds);
  ASSERT_EQ(h.back().first, "Authorization");
  EXPECT_EQ(h.back().second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(AmzDate(in.now_ms), "20150830T123600Z");
}

TEST(SigV4SignerTest, SignedPostPassesTheVerifier) {
  SignInput in;
  in.url = "http://127.0.0.1:8088/";
  in.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                {"X-Amz-Target", "AWSEvents.PutEvents"}};
  in.body = R"({"Entries":[]})";
  in.region = "us-east-1";
  in.service = "events";
  in.now_ms = 1700000000000LL;
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/";
  req.body = in.body;
  req.headers = in.headers;
  for (auto& h : SignV4(in, kExampleCreds)) req.headers.push_back(h);
  SigV4Verifier v(Keys{{kExampleCreds.access_key_id, kExampleCreds.secret_access_key}});
  AuthResult r = v.Verify(req, in.now_ms);
  EXPECT_EQ(r.outcome, AuthOutcome::kOk) << r.message;
}

// Signer and verifier share one canonicalization; both must reproduce what botocore signed for
// every recorded request: the Lambda path with an ARN (canonical URI encoded twice), S3's path and
// query (encoded once; a '+' and a space in the prefix), SQS's query protocol (form body), Logs.
TEST(SigV4SignerTest, ReproducesBotocoreSignatures) {
  std::vector<std::string> services;
  auto captures = LoadCaptures("sigv4_signer_captures.jsonl", &services);
  ASSERT_GE(captures.size(), 6u);
  std::set<std::string> seen;
  for (size_t i = 0; i < captures.size(); ++i) {
    const http::Request& r = captures[i];
    const std::string& service = services[i];
    seen.insert(service);
    SCOPED_TRACE(service + " " + r.method + " " + r.path + "?" + r.query);
    SigV4Verifier verifier(Keys{{kKey, kSecret}}, service);
    AuthResult res = verifier.Verify(r, SignedAtMs(r));
    EXPECT_EQ(res.outcome, AuthOutcome::kOk) << res.message;

    // Sign the same request: the headers botocore signed (Host and X-Amz-Date are the signer's).
    std::string auth(*r.Header("Authorization"));
    std::string signed_headers = auth.substr(auth.find("SignedHeaders=") + 14);
    signed_headers = signed_headers.substr(0, signed_headers.find(','));
    SignInput in;
    in.method = r.method;
    in.url = "http://" + std::string(*r.Header("Host")) + r.path + (r.query.empty() ? "" : "?" + r.query);
    for (const auto& [k, v] : r.headers) {
      std::string lower = k;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "host" || lower == "x-amz-date" || lower == "authorization") continue;
      if ((";" + signed_headers + ";").find(";" + lower + ";") == std::string::npos) continue;
      in.headers.emplace_back(k, v);
    }
    in.body = r.body;
    in.region = res.region;
    in.service = service;
    in.now_ms = SignedAtMs(r);
    auto added = SignV4(in, {kKey, kSecret, ""});
    EXPECT_EQ(added.back().second, auth);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"lambda", "logs", "s3", "sqs"}));
}

}  // namespace
}  // namespace cxbridge::aws
