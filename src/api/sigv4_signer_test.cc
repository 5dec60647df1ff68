// SigV4 signing against AWS's published test suite vector ("get-vanilla") and the verifier.
#include "common/aws_sigv4.h"

#include <gtest/gtest.h>

#include "api/sigv4.h"

namespace cxbridge::api {
namespace {

using aws::AwsCredentials;
using aws::SignInput;
using aws::SignV4;
using aws::AmzDate;

const AwsCredentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4SignerTest, AwsTestSuiteGetVanilla) {
  SignInput in;
  in.method = "GET";
  in.url = "https://example.amazonaws.com/";
  in.region = "us-east-1";
  in.service = "service";
  in.now_ms = 1440938160000LL;  // 20150830T123600Z
  auto h = SignV4(in, kCreds);
  ASSERT_EQ(h.back().first, "Authorization");
  EXPECT_EQ(h.back().second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(AmzDate(in.now_ms), "20150830T123600Z");
}

TEST(SigV4SignerTest, SignedPostPassesTheVerifier) {
  SignInput in;
  in.url = "http://127.0.0.1:8088/";
  in.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSEvents.PutEvents"}};
  in.body = R"({"Entries":[]})";
  in.region = "us-east-1";
  in.service = "events";
  in.now_ms = 1700000000000LL;
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/";
  req.body = in.body;
  req.headers = in.headers;
  for (auto& h : SignV4(in, kCreds)) req.headers.push_back(h);
  SigV4Verifier v(std::map<std::string, std::string>{{kCreds.access_key_id, kCreds.secret_access_key}});
  AuthResult r = v.Verify(req, in.now_ms);
  EXPECT_EQ(r.outcome, AuthOutcome::kOk) << r.message;
}

}  // namespace
}  // namespace cxbridge::api
