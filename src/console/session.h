// Console sign-in. The admin token, typed once into the console's login form, is exchanged for a
// random session id in an HttpOnly, SameSite=Strict cookie (never a token in a URL, never one in
// the page's storage). Each session has its own CSRF token: a request that changes state on the
// strength of the cookie must echo it in `X-CSRF-Token` (and send JSON, which a cross-site form
// cannot). Sessions live in memory: a restart signs everyone out.
// Thread-safety: every method is safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "http/message.h"

namespace cxbridge::console {

inline constexpr std::string_view kSessionCookie = "cxbridge_session";

class Sessions {
 public:
  struct Options {
    int64_t idle_ms = 8 * 3600 * 1000;  // signed out after this long without a request
    size_t max_sessions = 256;          // the oldest is signed out beyond this
  };
  Sessions(Clock& clock, Options options);
  explicit Sessions(Clock& clock) : Sessions(clock, Options{}) {}

  struct Session {
    std::string id;    // the cookie's value (32 random bytes, hex)
    std::string csrf;  // the CSRF token (32 random bytes, hex)
  };
  Session Create();
  // The session `id` names, when it is live (its idle time restarts).
  std::optional<Session> Find(std::string_view id);
  void Remove(std::string_view id);

  // True when `req` is authorized by a session cookie: a live session, and for anything but
  // GET/HEAD the session's CSRF token in X-CSRF-Token. Bearer tokens are checked elsewhere.
  bool Authorizes(const http::Request& req);

 private:
  struct Entry {
    std::string csrf;
    int64_t last_ms = 0;
  };
  Clock& clock_;
  const Options options_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> sessions_;  // guarded by mu_
};

// The value of cookie `name` in the request's Cookie header(s); "" when absent.
std::string CookieValue(const http::Request& req, std::string_view name);

}  // namespace cxbridge::console
