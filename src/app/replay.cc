// `cxbridge replay start|status|cancel`: drives StartReplay / DescribeReplay / CancelReplay on
// the running server's EventBridge API (SigV4-signed when credentials are known) and shows a
// progress bar until the replay ends.
#include "app/replay.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/client_credentials.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "config/config.h"
#include "http/client.h"

namespace cxbridge::app {
namespace {

struct ApiClient {
  std::string endpoint, region, account;
  aws::AwsCredentials creds;
  http::HttpClient http;

  Status Init(const ReplayArgs& a) {
    config::Config cfg;
    if (!a.config_path.empty()) {
      auto c = config::LoadConfig(a.config_path);
      if (!c.ok()) return c.status();
      cfg = std::move(*c);
    }
    region = cfg.region;
    account = cfg.account;
    std::string host = cfg.address == "0.0.0.0" ? "127.0.0.1" : cfg.address;
    endpoint = a.server.empty() ? "http://" + host + ":" + std::to_string(cfg.port) : a.server;
    auto c = ClientCredentials(cfg);
    if (!c.ok()) return c.status();
    creds = std::move(*c);
    return Status::Ok();
  }

  // Calls AWSEvents.<op>; the parsed response, or the API's error as a status.
  Result<json::Value> Call(const std::string& op, const json::Value& body) {
    http::ClientRequest req;
    req.max_response_bytes = SIZE_MAX;  // our own server's answers (admin listings, queues)
    req.url = endpoint + "/";
    req.body = json::Serialize(body);
    req.timeout_ms = 30000;
    req.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSEvents." + op}};
    if (!creds.access_key_id.empty()) {
      aws::SignInput in;
      in.url = req.url;
      in.headers = req.headers;
      in.body = req.body;
      in.region = region;
      in.service = "events";
      in.now_ms = SystemClock().NowMs();
      for (auto& h : aws::SignV4(in, creds)) req.headers.push_back(std::move(h));
    }
    auto resp = http.SendSync(std::move(req));
    if (resp.status == 0) return Status::Unavailable("cannot reach " + endpoint + ": " + resp.error);
    auto doc = json::Parse(resp.body.empty() ? "{}" : resp.body);
    if (resp.status != 200) {
      std::string msg = resp.body;
      if (doc.ok()) {
        const json::Value* t = doc->Find("__type");
        const json::Value* m = doc->Find("message");
        msg = (t && t->is_string() ? t->as_string() + ": " : "") + (m && m->is_string() ? m->as_string() : "");
      }
      return Status::InvalidArgument(msg);
    }
    if (!doc.ok()) return doc.status();
    return std::move(*doc);
  }
};

Result<int64_t> ParseTime(const std::string& s) {
  if (s == "now") return SystemClock().NowMs();
  if (auto ms = ParseRfc3339(s)) return *ms;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() && *end == '\0') return static_cast<int64_t>(v) * 1000;  // epoch seconds
  return Status::InvalidArgument("time must be RFC 3339, epoch seconds or 'now': " + s);
}

// Draws `[#####.....] 42% STATE` on one line.
void DrawProgress(double fraction, const std::string& state, bool tty) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '.');
  std::cerr << (tty ? "\r" : "") << "[" << bar << "] " << static_cast<int>(fraction * 100) << "% " << state
            << (tty ? "   " : "\n") << std::flush;
}

int WatchReplay(ApiClient& c, const std::string& name) {
  const bool tty = isatty(STDERR_FILENO);
  for (;;) {
    auto d = c.Call("DescribeReplay", json::Value::Object({{"ReplayName", json::Value::String(name)}}));
    if (!d.ok()) {
      std::cerr << "\n" << d.status().message() << "\n";
      return 2;
    }
    std::string state = d->Find("State") ? d->Find("State")->as_string() : "?";
    double start = d->Find("EventStartTime") ? d->Find("EventStartTime")->as_double() : 0;
    double end = d->Find("EventEndTime") ? d->Find("EventEndTime")->as_double() : 0;
    double last = d->Find("EventLastReplayedTime") ? d->Find("EventLastReplayedTime")->as_double() : start;
    double fraction = end > start ? (last - start) / (end - start) : 0;
    if (state == "COMPLETED") fraction = 1;
    DrawProgress(fraction, state, tty);
    if (state == "COMPLETED" || state == "CANCELLED" || state == "FAILED") {
      std::cerr << "\n";
      if (const json::Value* r = d->Find("StateReason"); r && r->is_string()) std::cerr << r->as_string() << "\n";
      return state == "COMPLETED" ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

}  // namespace

int RunReplay(const ReplayArgs& a) {
  ApiClient c;
  if (Status st = c.Init(a); !st.ok()) {
    std::cerr << st.message() << "\n";
    return 2;
  }
  if (a.action == "status") return WatchReplay(c, a.name);
  if (a.action == "cancel") {
    auto r = c.Call("CancelReplay", json::Value::Object({{"ReplayName", json::Value::String(a.name)}}));
    if (!r.ok()) {
      std::cerr << r.status().message() << "\n";
      return 1;
    }
    std::cout << json::Serialize(*r) << "\n";
    return 0;
  }
  auto from = ParseTime(a.from);
  auto to = ParseTime(a.to);
  if (!from.ok() || !to.ok()) {
    std::cerr << (from.ok() ? to.status() : from.status()).message() << "\n";
    return 2;
  }
  std::string arn_prefix = "arn:aws:events:" + c.region + ":" + c.account + ":";
  json::Value dest = json::Value::Object({{"Arn", json::Value::String(arn_prefix + "event-bus/" + a.bus)}});
  if (!a.rules.empty()) {
    json::Value filters = json::Value::Array();
    for (const auto& r : a.rules) {
      filters.Push(json::Value::String(arn_prefix + "rule/" + (a.bus == "default" ? "" : a.bus + "/") + r));
    }
    dest.Set("FilterArns", std::move(filters));
  }
  std::string name = a.name.empty() ? "replay-" + NewUuid4().substr(0, 8) : a.name;
  json::Value req = json::Value::Object({
      {"ReplayName", json::Value::String(name)},
      {"EventSourceArn", json::Value::String(arn_prefix + "archive/" + a.archive)},
      {"EventStartTime", json::Value::Int(*from / 1000)},
      {"EventEndTime", json::Value::Int(*to / 1000)},
      {"Destination", std::move(dest)},
  });
  auto r = c.Call("StartReplay", req);
  if (!r.ok()) {
    std::cerr << r.status().message() << "\n";
    return 1;
  }
  std::cerr << "replay " << name << " started\n";
  if (a.no_wait) {
    std::cout << json::Serialize(*r) << "\n";
    return 0;
  }
  return WatchReplay(c, name);
}

}  // namespace cxbridge::app
