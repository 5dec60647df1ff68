// ConsoleHandler: the web console, served by cxbridge itself from the files embedded at build
// time (assets.h).
//   GET  /console, /console/             the page (index.html)
//   GET  /console/app.js, /console/app.css  the bundle (strong ETag; revalidated)
//   GET  /console/api/session            {"authenticated", "tokenRequired", "csrf"}
//   POST /console/api/login              {"token": "<admin token>"} → a session cookie (session.h);
//                                        401 for a wrong token, 429 after too many wrong ones
//   POST /console/api/logout             ends the session
// The page's data comes from /admin/* (admin/), which accepts the session cookie as it accepts
// the bearer token. Without server.admin_token (loopback only) no sign-in is needed.
// Thread-safety: Handle is safe from any I/O thread.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "console/session.h"
#include "http/message.h"

namespace cxbridge::console {

class ConsoleHandler : public http::Handler {
 public:
  // `token`: the admin token ("" = none required). `sessions` outlives the handler.
  ConsoleHandler(std::string token, Sessions& sessions, Clock& clock);
  void Handle(http::Request req, http::Respond respond) override;
  static bool Serves(std::string_view path) { return path == "/console" || path.starts_with("/console/"); }

 private:
  http::Response Dispatch(const http::Request& req);
  http::Response Login(const http::Request& req);
  bool TooManyFailures(int64_t now);

  const std::string token_;
  Sessions& sessions_;
  Clock& clock_;
  std::mutex mu_;
  std::deque<int64_t> failures_;  // times of recent failed sign-ins; guarded by mu_
};

}  // namespace cxbridge::console
