// `cxbridge send`: posts one body to a webhook source, signed the way that source's config
// requires, so a user can try a source without writing a signer.
#include <iostream>

#include "app/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "config/config.h"
#include "http/client.h"
#include "ingest/sign.h"

namespace cxbridge::app {

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
  req.max_response_bytes = SIZE_MAX;  // our own server's answers (admin listings, queues)
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
    Status st = ingest::SignBody(*auth, body, SystemClock().NowMs(), &req.headers);
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
