// HostAllowlist: the `Host` header check that stops DNS rebinding. A page from evil.example whose
// name is made to resolve to 127.0.0.1 reaches a loopback server "same-origin", with
// `Host: evil.example:8088`; refusing every Host but this server's own names takes that away.
//
// Allowed: the loopback names (localhost, any 127.0.0.0/8 address, [::1]), each with or without
// a port, plus the names given (server.allowed_hosts), matched case-insensitively, ignoring a
// trailing dot and the port. A request without a Host header (HTTP/1.0) is allowed: a browser
// always sends one. Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxbridge::http {

class HostAllowlist {
 public:
  explicit HostAllowlist(std::vector<std::string> names = {});
  // True when `host` (a Host header's value; nullopt: none) names this server.
  bool Allows(std::optional<std::string_view> host) const;

 private:
  std::vector<std::string> names_;  // lower-case, without a trailing dot
};

}  // namespace cxbridge::http
