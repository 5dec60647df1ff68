#include "console/session.h"

#include "common/encoding.h"

namespace cxbridge::console {

Sessions::Sessions(Clock& clock, Options options) : clock_(clock), options_(options) {}

Sessions::Session Sessions::Create() {
  Session s{HexEncode(RandomBytes(32)), HexEncode(RandomBytes(32))};
  const int64_t now = clock_.NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: expired sessions go first, then the least recently used.
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now - it->second.last_ms > options_.idle_ms ? sessions_.erase(it) : std::next(it);
  }
  while (sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_ms < oldest->second.last_ms) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[s.id] = Entry{s.csrf, now};
  return s;
}

std::optional<Sessions::Session> Sessions::Find(std::string_view id) {
  if (id.empty()) return std::nullopt;
  const int64_t now = clock_.NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_ms > options_.idle_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_ms = now;
  return Session{it->first, it->second.csrf};
}

void Sessions::Remove(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

bool Sessions::Authorizes(const http::Request& req) {
  auto session = Find(CookieValue(req, kSessionCookie));
  if (!session) return false;
  if (req.method == "GET" || req.method == "HEAD") return true;
  auto token = req.Header("X-CSRF-Token");
  return token && !token->empty() && ConstantTimeEquals(*token, session->csrf);
}

std::string CookieValue(const http::Request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() != 6 || (k[0] | 0x20) != 'c' || (k[1] | 0x20) != 'o' || (k[2] | 0x20) != 'o' ||
        (k[3] | 0x20) != 'k' || (k[4] | 0x20) != 'i' || (k[5] | 0x20) != 'e') {
      continue;
    }
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return "";
}

}  // namespace cxbridge::console
