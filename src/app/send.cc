// `cxbridge send`: posts one body to a webhook source, signed the way that source's config
// requires, so a user can try a source without writing a signer.
#include <iostream>

#include "app/cli.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/secret.h"
#include "config/config.h"
#include "http/client.h"

namespace cxbridge::app {
namespace {

std::string Str(const json::Value& o, const char* key, std::string def = "") {
  const json::Value* v = o.Find(key);
  return v && v->is_string() ? v->as_string() : def;
}

}  // namespace

// Declared in cli.h; also used by `cxbridge simulate` (src/genesys/simulate_command.h).
Status Sign(const json::Value& auth, const std::string& body,
            std::vector<std::pair<std::string, std::string>>* headers) {
  const std::string scheme = Str(auth, "scheme");
  auto secret = [&](const char* key) -> Result<std::string> {
    const json::Value* s = auth.Find(key);
    if (!s) return Status::InvalidArgument(std::string("auth has no ") + key);
    return ResolveSecret(*s);
  };
  if (scheme == "none") return Status::Ok();
  if (scheme == "hmac") {
    auto key = secret("secret");
    if (!key.ok()) return key.status();
    std::string preset = Str(auth, "preset");
    std::string header = Str(auth, "header"), encoding = Str(auth, "encoding", "base64"),
                prefix = Str(auth, "prefix");
    if (preset == "genesys-open-messaging") {
      header = "X-Hub-Signature-256";
      prefix = "sha256=";
      encoding = "base64";
    } else if (preset == "genesys-webhook") {
      header = "X-Genesys-Webhook-Signature";
      encoding = "base64";
    }
    if (header.empty()) return Status::InvalidArgument("hmac auth needs a header or preset");
    std::string mac = HmacSha256(*key, body);
    headers->emplace_back(header, prefix + (encoding == "hex" ? HexEncode(mac) : Base64Encode(mac)));
    return Status::Ok();
  }
  if (scheme == "standard-webhooks") {
    const json::Value* list = auth.Find("secrets");
    const json::Value* first = list && list->is_array() && !list->items().empty() ? &list->items()[0]
                                                                                 : auth.Find("secret");
    if (!first) return Status::InvalidArgument("standard-webhooks auth has no secrets");
    auto s = ResolveSecret(*first);
    if (!s.ok()) return s.status();
    std::string raw = *s;
    if (raw.starts_with("whsec_")) raw = raw.substr(6);
    auto key = Base64Decode(raw);
    if (!key) return Status::InvalidArgument("standard-webhooks secret is not base64");
    std::string id = "msg_" + NewUuid4();
    std::string ts = std::to_string(SystemClock().NowMs() / 1000);
    std::string sig = Base64Encode(HmacSha256(*key, id + "." + ts + "." + body));
    headers->emplace_back("webhook-id", id);
    headers->emplace_back("webhook-timestamp", ts);
    headers->emplace_back("webhook-signature", "v1," + sig);
    return Status::Ok();
  }
  if (scheme == "api-key") {
    auto key = secret("secret");
    if (!key.ok()) return key.status();
    headers->emplace_back(Str(auth, "header", "X-API-Key"), *key);
    return Status::Ok();
  }
  if (scheme == "basic") {
    auto pw = secret("password");
    if (!pw.ok()) return pw.status();
    headers->emplace_back("Authorization", "Basic " + Base64Encode(Str(auth, "username") + ":" + *pw));
    return Status::Ok();
  }
  return Status::InvalidArgument("unknown auth scheme '" + scheme + "'");
}

int RunSend(const SendArgs& a) {
  auto cfg = config::LoadConfig(a.config_path);
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return 2;
  }
  const config::SourceConfig* src = nullptr;
  for (const auto& s : cfg->sources)
    if (s.name == a.source) src = &s;
  if (!src) {
    std::cerr << "no source named " << a.source << " in " << a.config_path << "\n";
    return 2;
  }
  std::string body, err;
  if (!ReadArg(a.data, &body, &err)) {
    std::cerr << err << "\n";
    return 2;
  }
  http::ClientRequest req;
  std::string host = cfg->address == "0.0.0.0" ? "127.0.0.1" : cfg->address;
  std::string base = a.server.empty() ? "http://" + host + ":" + std::to_string(cfg->port) : a.server;
  req.url = base + "/webhooks/" + a.source;
  req.body = body;
  req.timeout_ms = 30000;
  req.headers.emplace_back("Content-Type", "application/json");
  for (const auto& h : a.headers) {
    size_t c = h.find(':');
    if (c == std::string::npos) {
      std::cerr << "header must be 'Name: value': " << h << "\n";
      return 2;
    }
    std::string v = h.substr(c + 1);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    req.headers.emplace_back(h.substr(0, c), v);
  }
  const json::Value* auth = src->raw.Find("auth");
  if (auth) {
    Status st = Sign(*auth, body, &req.headers);
    if (!st.ok()) {
      std::cerr << "cannot sign: " << st.message() << "\n";
      return 2;
    }
  }
  http::HttpClient client;
  auto resp = client.SendSync(std::move(req));
  if (resp.status == 0) {
    std::cerr << "cannot reach " << base << ": " << resp.error << "\n";
    return 2;
  }
  std::cout << resp.status << " " << resp.body << "\n";
  return resp.status >= 200 && resp.status < 300 ? 0 : 1;
}

}  // namespace cxbridge::app
