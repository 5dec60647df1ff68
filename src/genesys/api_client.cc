#include "genesys/api_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"
#include "common/ids.h"

namespace cxbridge::genesys {
namespace {

constexpr int kMaxRateLimitedTries = 10;
constexpr int kMaxTransientTries = 3;

}  // namespace

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

namespace {

std::string Describe(const http::ClientResponse& r) {
  if (r.status == 0) return r.error.empty() ? "no response" : r.error;
  std::string body = r.body.substr(0, 300);
  return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

int64_t RetryAfterMs(const http::ClientResponse& r) {
  const std::string* v = r.Header("retry-after");
  int64_t seconds = 1;
  if (v != nullptr) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec == std::errc() && n >= 0) seconds = std::min<int64_t>(n, 300);  // before × 1000
  }
  return std::min<int64_t>(seconds * 1000, 300'000);
}

ApiClient::ApiClient(Runtime& rt, std::string login_base_url, std::string api_base_url,
                     std::string client_id, std::string client_secret, int64_t request_timeout_ms)
    : rt_(rt),
      login_base_url_(std::move(login_base_url)),
      api_base_url_(std::move(api_base_url)),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      request_timeout_ms_(request_timeout_ms) {}

bool ApiClient::RefreshDue() const {
  return !token_.empty() && rt_.clock().NowMs() >= token_refresh_at_ms_;
}

asio::awaitable<http::ClientResponse> ApiClient::Exchange(http::ClientRequest req, bool authorize) {
  int rate_limited = 0, transient = 0;
  bool renewed = false;
  while (true) {
    http::ClientRequest attempt = req;
    if (authorize) {
      auto token = co_await AccessToken();
      if (!token.ok()) {
        http::ClientResponse r;
        r.error = token.status().message();
        co_return r;
      }
      attempt.headers.emplace_back("Authorization", "Bearer " + *token);
    }
    ++counters_.calls;
    http::ClientResponse r = co_await rt_.Fetch(std::move(attempt));
    if (rt_.stopping()) co_return r;
    if (r.status == 429 && ++rate_limited < kMaxRateLimitedTries) {
      ++counters_.rate_limited;
      const int64_t wait = RetryAfterMs(r);
      spdlog::warn("genesys: {} {} rate limited; retrying after {} ms", req.method, req.url, wait);
      const bool slept = co_await rt_.SleepFor(wait);
      if (!slept) co_return r;
      continue;
    }
    if (r.status == 401 && authorize && !renewed) {
      ++counters_.unauthorized;
      renewed = true;
      InvalidateToken();
      continue;
    }
    if ((r.status == 0 || r.status >= 500) && ++transient < kMaxTransientTries) {
      const bool slept = co_await rt_.SleepFor(500 * transient);
      if (!slept) co_return r;
      continue;
    }
    co_return r;
  }
}

asio::awaitable<Status> ApiClient::RefreshToken() {
  if (fetching_) {
    // Another coroutine is fetching: wait for its outcome.
    while (fetching_) {
      const bool slept = co_await rt_.SleepFor(rt_.tick_ms());
      if (!slept) co_return Status::Unavailable("stopping");
    }
    co_return token_.empty() ? last_token_error_ : Status::Ok();
  }
  fetching_ = true;
  http::ClientRequest req;
  req.method = "POST";
  req.url = login_base_url_ + "/oauth/token";
  req.timeout_ms = request_timeout_ms_;
  req.headers.emplace_back("Authorization", "Basic " + Base64Encode(client_id_ + ":" + client_secret_));
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = "grant_type=" + UrlEncode("client_credentials");
  const int64_t asked_at = rt_.clock().NowMs();
  http::ClientResponse r = co_await Exchange(std::move(req), /*authorize=*/false);
  fetching_ = false;
  Status st;
  if (r.status != 200) {
    // 400/401 mean wrong credentials: say so plainly, the operator must act.
    st = Status::Unavailable("OAuth token from " + login_base_url_ + ": " + Describe(r));
  } else {
    auto doc = json::Parse(r.body);
    const json::Value* tok = doc.ok() ? doc->Find("access_token") : nullptr;
    const json::Value* exp = doc.ok() ? doc->Find("expires_in") : nullptr;
    int64_t lifetime_s = 0;
    if (tok == nullptr || !tok->is_string() || exp == nullptr || !exp->as_int64(&lifetime_s) || lifetime_s <= 0) {
      st = Status::Unavailable("OAuth token response without access_token/expires_in");
    } else {
      token_ = tok->as_string();
      // Clamped before × 1000: an absurd expires_in must not overflow (a year is plenty).
      lifetime_s = std::min<int64_t>(lifetime_s, 365LL * 24 * 3600);
      const int64_t lifetime_ms = lifetime_s * 1000;
      const int64_t margin = std::clamp<int64_t>(lifetime_ms / 10, 5000, 3'600'000);
      token_refresh_at_ms_ = asked_at + std::max<int64_t>(lifetime_ms - margin, lifetime_ms / 2);
      ++counters_.tokens_fetched;
      spdlog::info("genesys: access token obtained, valid {} s", lifetime_s);
    }
  }
  last_token_error_ = st;
  co_return st;
}

asio::awaitable<Result<std::string>> ApiClient::AccessToken() {
  if (token_.empty() || RefreshDue()) {
    Status st = co_await RefreshToken();
    if (!st.ok()) co_return st;
  }
  co_return token_;
}

asio::awaitable<http::ClientResponse> ApiClient::Call(std::string method, std::string path, std::string body) {
  http::ClientRequest req;
  req.method = std::move(method);
  req.url = api_base_url_ + path;
  req.timeout_ms = request_timeout_ms_;
  req.body = std::move(body);
  if (!req.body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  co_return co_await Exchange(std::move(req), /*authorize=*/true);
}

asio::awaitable<Result<Channel>> ApiClient::CreateChannel() {
  http::ClientResponse r = co_await Call("POST", "/api/v2/notifications/channels", "");
  if (r.status != 200 && r.status != 201) co_return Status::Unavailable("create channel: " + Describe(r));
  auto doc = json::Parse(r.body);
  if (!doc.ok()) co_return Status::Unavailable("create channel: response is not JSON");
  Channel c;
  const json::Value* id = doc->Find("id");
  const json::Value* uri = doc->Find("connectUri");
  if (id == nullptr || !id->is_string() || uri == nullptr || !uri->is_string()) {
    co_return Status::Unavailable("create channel: response lacks id/connectUri");
  }
  c.id = id->as_string();
  c.connect_uri = uri->as_string();
  if (const json::Value* e = doc->Find("expires"); e != nullptr && e->is_string()) {
    c.expires_ms = ParseRfc3339(e->as_string()).value_or(0);
  }
  co_return c;
}

asio::awaitable<Result<std::vector<TopicState>>> ApiClient::Subscribe(const std::string& channel_id,
                                                                     const std::vector<Subscription>& subs) {
  json::Value body = json::Value::Array();
  for (const auto& s : subs) body.Push(json::Value::Object({{"id", json::Value::String(s.id)}}));
  http::ClientResponse r = co_await Call(
      "PUT", "/api/v2/notifications/channels/" + channel_id + "/subscriptions?ignoreErrors=true",
      json::Serialize(body));
  if (r.status == 404) co_return Status::NotFound("channel " + channel_id + " no longer exists");
  if (r.status != 200) co_return Status::Unavailable("subscribe: " + Describe(r));
  auto doc = json::Parse(r.body);
  const json::Value* entities = doc.ok() ? doc->Find("entities") : nullptr;
  if (entities == nullptr || !entities->is_array()) co_return Status::Unavailable("subscribe: no entities in the answer");
  std::vector<TopicState> out;
  for (const auto& e : entities->items()) {
    TopicState t;
    if (const json::Value* v = e.Find("id"); v && v->is_string()) t.id = v->as_string();
    const json::Value* state = e.Find("state");
    // Older answers carry no state: a listed topic is a subscribed one.
    t.permitted = state == nullptr || !state->is_string() || state->as_string() == "Permitted";
    if (const json::Value* v = e.Find("rejectionReason"); v && v->is_string()) t.rejection_reason = v->as_string();
    if (const json::Value* v = e.Find("missingPermissions"); v && v->is_array()) {
      for (const auto& p : v->items())
        if (p.is_string()) t.missing_permissions.push_back(p.as_string());
    }
    out.push_back(std::move(t));
  }
  co_return out;
}

asio::awaitable<Result<bool>> ApiClient::ChannelExists(const std::string& channel_id) {
  http::ClientResponse r = co_await Call("HEAD", "/api/v2/notifications/channels/" + channel_id, "");
  if (r.status == 200 || r.status == 204) co_return true;
  if (r.status == 404) co_return false;
  co_return Status::Unavailable("check channel: " + Describe(r));
}

}  // namespace cxbridge::genesys
