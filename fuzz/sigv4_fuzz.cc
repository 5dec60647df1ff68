// SigV4 verification of any request. First byte: mode.
//  * mode even: the rest is "<Authorization>\n<X-Amz-Date>\n<path?query>\n<body>"; Verify,
//    ScopeRegion and WrongRegionMessage answer without crashing.
//  * mode odd: the rest chooses a method, a path and query (from URL characters), headers and a
//    body; the request is signed by the outbound signer (SignV4) and the inbound verifier must
//    accept it, and refuse it once the body changes: the two sides share one canonicalization.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "aws/sigv4.h"
#include "fuzz/fuzz_util.h"
#include "http/message.h"

namespace {
using namespace cxbridge;

constexpr int64_t kNow = 1'704'067'200'000;  // 2024-01-01T00:00:00Z

const aws::SigV4Verifier& Verifier() {
  static const aws::SigV4Verifier v({{"AKIDFUZZ", "fuzz-secret"}}, "events");
  return v;
}

std::string UrlText(FuzzedDataProvider& in, size_t max) {
  static const char kChars[] = "abcXYZ019-._~/%=&+";
  std::string s;
  size_t n = in.ConsumeIntegralInRange<size_t>(0, max);
  for (size_t i = 0; i < n && in.remaining_bytes(); ++i) s.push_back(kChars[in.ConsumeIntegral<uint8_t>() % (sizeof kChars - 1)]);
  return s;
}

void SplitTarget(http::Request* req) {
  size_t q = req->target.find('?');
  req->path = req->target.substr(0, q);
  req->query = q == std::string::npos ? "" : req->target.substr(q + 1);
}

void Raw(std::string_view in) {
  auto [auth, rest1] = fuzz::SplitLine(in);
  auto [date, rest2] = fuzz::SplitLine(rest1);
  auto [target, body] = fuzz::SplitLine(rest2);
  http::Request req;
  req.method = "POST";
  req.target = std::string(target);
  SplitTarget(&req);
  req.body = std::string(body);
  req.headers = {{"Host", "localhost:8080"},
                 {"Authorization", std::string(auth)},
                 {"X-Amz-Date", std::string(date)},
                 {"X-Amz-Target", "AWSEvents.PutEvents"}};
  (void)Verifier().Verify(req, kNow);
  (void)aws::ScopeRegion(req);
  (void)aws::WrongRegionMessage(req, "us-east-1");
}

void Signed(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  aws::SignInput s;
  static const char* kMethods[] = {"POST", "GET", "PUT", "DELETE"};
  s.method = kMethods[in.ConsumeIntegralInRange<int>(0, 3)];
  std::string path = "/" + UrlText(in, 40);
  std::string query = UrlText(in, 40);
  std::string target = path + (query.empty() ? "" : "?" + query);
  s.url = "http://localhost:8080" + target;
  s.headers = {{"Content-Type", in.ConsumeRandomLengthString(40)},
               {"X-Amz-Target", "AWSEvents." + in.ConsumeRandomLengthString(20)}};
  for (auto& [k, v] : s.headers) {
    for (char& c : v) {
      if (c == '\r' || c == '\n' || c == '\0') c = ' ';  // not representable in a header
    }
  }
  s.body = in.ConsumeRemainingBytesAsString();
  s.region = "us-east-1";
  s.service = "events";
  s.now_ms = kNow;
  aws::Headers added = aws::SignV4(s, {"AKIDFUZZ", "fuzz-secret", ""});

  http::Request req;
  req.method = s.method;
  req.target = target;
  SplitTarget(&req);
  req.body = s.body;
  req.headers = s.headers;
  for (auto& h : added) req.headers.push_back(h);
  aws::AuthResult r = Verifier().Verify(req, kNow);
  if (r.outcome != aws::AuthOutcome::kOk) fuzz::Fail();
  if (aws::ScopeRegion(req) != "us-east-1" || !aws::WrongRegionMessage(req, "us-east-1").empty()) fuzz::Fail();
  req.body.push_back('x');
  if (Verifier().Verify(req, kNow).outcome != aws::AuthOutcome::kBadSignature) fuzz::Fail();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    Raw(fuzz::AsText(data + 1, size - 1));
  } else {
    Signed(data + 1, size - 1);
  }
  return 0;
}
