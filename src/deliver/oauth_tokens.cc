#include "deliver/oauth_tokens.h"

#include <algorithm>
#include <limits>

#include "common/encoding.h"
#include "common/json.h"
#include "http/client.h"

namespace cxbridge::deliver {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxRefreshAheadMs = 60'000;
// The longest token lifetime believed (a larger expires_in is read as this): a year.
constexpr double kMaxLifetimeSecs = 365.0 * 24 * 3600;

std::string FormEncode(const HttpPairs& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return out;
}

}  // namespace

void OAuthTokens::Get(Callback cb) {
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t now = clock_->SteadyMs();
  if (!token_.empty() && now < expires_ms_) {
    std::string token = token_;
    if (now >= refresh_ms_ && !fetching_) StartFetchLocked();  // ahead of expiry, in the background
    lock.unlock();
    cb(std::move(token));
    return;
  }
  waiters_.push_back(std::move(cb));
  if (!fetching_) StartFetchLocked();
}

void OAuthTokens::Invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_ == token) token_.clear();
}

uint64_t OAuthTokens::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

void OAuthTokens::StartFetchLocked() {
  fetching_ = true;
  ++fetches_;
  http::ClientRequest req;
  req.method = settings_.method;
  req.timeout_ms = settings_.timeout_ms;
  req.refuse_private_addresses = settings_.refuse_private_addresses;
  req.headers = settings_.headers;
  SetHeader(&req.headers, "Authorization",
            "Basic " + Base64Encode(settings_.client_id + ":" + settings_.client_secret));
  SetHeader(&req.headers, "Accept", "application/json");
  HttpPairs query = settings_.query;
  HttpPairs form = {{"grant_type", "client_credentials"}};
  form.insert(form.end(), settings_.body.begin(), settings_.body.end());
  if (settings_.method == "GET") {
    query.insert(query.begin(), form.begin(), form.end());
  } else {
    SetHeader(&req.headers, "Content-Type", "application/x-www-form-urlencoded");
    req.body = FormEncode(form);
  }
  req.url = AppendQuery(settings_.endpoint, query);
  // The callback keeps this cache alive until the answer arrives.
  client_->Send(std::move(req),
                [self = shared_from_this()](http::ClientResponse resp) { self->OnResponse(resp); });
}

void OAuthTokens::OnResponse(const http::ClientResponse& resp) {
  const int status = resp.status;
  const std::string& body = resp.body;
  Result<std::string> outcome = Status::Unavailable("no answer");
  int64_t lifetime_ms = kNever;
  if (resp.address_refused) {
    outcome = Status::FailedPrecondition("OAuth token endpoint: " + resp.error);
  } else if (resp.body_too_large) {
    outcome = Status::Unavailable("OAuth token endpoint: " + resp.error);
  } else if (status == 0) {
    outcome =
        Status::Unavailable(std::string("OAuth token endpoint ") +
                            (resp.timed_out ? "timed out" : "unreachable") + ": " + resp.error);
  } else if (status < 200 || status >= 300) {
    outcome = Status::Unavailable("OAuth token endpoint answered HTTP " + std::to_string(status) +
                                  ": " + body.substr(0, 200));
  } else {
    auto doc = json::Parse(body);
    const json::Value* token = doc.ok() ? doc->Find("access_token") : nullptr;
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      outcome = Status::Unavailable("OAuth token endpoint answered without an access_token");
    } else if (http::HasLineBreakOrNul(token->as_string())) {
      // It goes into an Authorization header: a CR/LF would add headers to every delivery.
      outcome = Status::Unavailable(
          "OAuth token endpoint answered an access_token with a CR, LF or NUL character");
    } else {
      outcome = token->as_string();
      if (const json::Value* e = doc->Find("expires_in")) {
        double secs = e->is_number()   ? e->as_double()
                      : e->is_string() ? std::atof(e->as_string().c_str())
                                       : -1;
        // Clamped before the conversion: 1e300 (or "inf") must not overflow int64 milliseconds
        // (undefined behaviour, and `now + lifetime` after it).
        if (secs > 0) lifetime_ms = static_cast<int64_t>(std::min(secs, kMaxLifetimeSecs) * 1000);
      }
    }
  }
  std::vector<Callback> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fetching_ = false;
    if (outcome.ok()) {
      const int64_t now = clock_->SteadyMs();
      token_ = *outcome;
      if (lifetime_ms == kNever) {
        expires_ms_ = refresh_ms_ = kNever;
      } else {
        expires_ms_ = now + lifetime_ms;
        refresh_ms_ = expires_ms_ - std::min(kMaxRefreshAheadMs, lifetime_ms / 2);
      }
    }
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w(outcome);
}

}  // namespace cxbridge::deliver
