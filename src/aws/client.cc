#include "aws/client.h"

namespace cxbridge::aws {
namespace {

// Marks the no-response answer a client gives when it has no credentials to sign with.
constexpr std::string_view kCredentialsUnavailable = "\x01credentials: ";

}  // namespace

bool AwsClient::Build(AwsRequest req, http::ClientRequest* out, http::ClientResponse* none) const {
  auto credentials = credentials_ ? credentials_->Current()
                                  : Result<AwsCredentials>(Status::Unavailable(
                                        "no AWS credentials are configured"));
  if (!credentials.ok()) {
    *none = NoCredentialsAnswer(credentials.status().message());
    return false;
  }
  SignInput in;
  in.method = req.method;
  in.url = req.url;
  in.headers = req.headers;
  in.body = req.body;
  in.region = req.region;
  in.service = req.service;
  in.now_ms = clock_ != nullptr ? clock_->NowMs() : SystemClock().NowMs();
  out->method = std::move(req.method);
  out->url = std::move(req.url);
  out->timeout_ms = req.timeout_ms;
  out->refuse_private_addresses = req.refuse_private_addresses;
  out->headers = std::move(req.headers);
  for (auto& h : SignV4(in, *credentials)) out->headers.push_back(std::move(h));
  out->headers.emplace_back("User-Agent", "cxbridge");
  out->body = std::move(req.body);
  return true;
}

void AwsClient::Send(AwsRequest req, std::function<void(http::ClientResponse)> done) const {
  http::ClientRequest out;
  http::ClientResponse none;
  if (!Build(std::move(req), &out, &none)) return done(std::move(none));
  http_->Send(std::move(out), std::move(done));
}

http::ClientResponse AwsClient::SendSync(AwsRequest req) const {
  http::ClientRequest out;
  http::ClientResponse none;
  if (!Build(std::move(req), &out, &none)) return none;
  return http_->SendSync(std::move(out));
}

http::ClientResponse NoCredentialsAnswer(const std::string& why) {
  http::ClientResponse none;
  none.error = std::string(kCredentialsUnavailable) + why;
  return none;
}

bool CredentialsUnavailable(const http::ClientResponse& resp, std::string* why) {
  if (resp.status != 0 || !resp.error.starts_with(kCredentialsUnavailable)) return false;
  if (why != nullptr) *why = resp.error.substr(kCredentialsUnavailable.size());
  return true;
}

std::string ErrorCode(const json::Value& body) {
  const json::Value* t = body.Find("__type");
  if (t == nullptr || !t->is_string()) t = body.Find("code");
  if (t == nullptr || !t->is_string()) return "";
  std::string code = t->as_string();
  if (size_t h = code.rfind('#'); h != std::string::npos) code = code.substr(h + 1);
  if (size_t c = code.find(':'); c != std::string::npos) code = code.substr(0, c);
  return code;
}

std::string ErrorMessage(const json::Value& body) {
  for (const char* k : {"message", "Message", "errorMessage"}) {
    if (const json::Value* m = body.Find(k); m != nullptr && m->is_string()) return m->as_string();
  }
  return "";
}

std::string XmlElement(std::string_view xml, std::string_view name) {
  // These answers are small, flat and machine-written; the first element of that name is read.
  const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
  size_t b = xml.find(open);
  if (b == std::string_view::npos) return "";
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return "";
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (xml[i] != '&') {
      out += xml[i];
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool decoded = false;
    for (const auto& [entity, c] : kEntities) {
      if (xml.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size() - 1;
        decoded = true;
        break;
      }
    }
    if (!decoded) out += '&';
  }
  return out;
}

}  // namespace cxbridge::aws
