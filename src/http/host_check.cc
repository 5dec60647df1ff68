#include "http/host_check.h"

#include <arpa/inet.h>

#include <cstring>

namespace cxbridge::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The host part of a Host header value: "[::1]:8080" → "::1", "a.b:80" → "a.b", "a.b." → "a.b".
// nullopt when the port is not digits or a bracket is unclosed.
std::optional<std::string> HostPart(std::string_view v) {
  std::string_view host, port;
  if (v.starts_with('[')) {
    size_t close = v.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = v.substr(1, close - 1);
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    size_t colon = v.find(':');
    host = v.substr(0, colon);
    if (colon != std::string_view::npos) port = v.substr(colon + 1);
  }
  for (char c : port)
    if (c < '0' || c > '9') return std::nullopt;
  std::string h = Lower(host);
  if (h.ends_with('.')) h.pop_back();
  if (h.empty()) return std::nullopt;
  return h;
}

bool IsLoopbackName(const std::string& h) {
  if (h == "localhost" || h == "::1") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    static const uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(v6.s6_addr, kLoopback, 16) == 0;
  }
  return false;
}

}  // namespace

HostAllowlist::HostAllowlist(std::vector<std::string> names) {
  for (auto& n : names) {
    std::string h = Lower(n);
    if (h.ends_with('.')) h.pop_back();
    if (!h.empty()) names_.push_back(std::move(h));
  }
}

bool HostAllowlist::Allows(std::optional<std::string_view> host) const {
  if (!host) return true;
  auto h = HostPart(*host);
  if (!h) return false;
  if (IsLoopbackName(*h)) return true;
  for (const auto& n : names_)
    if (*h == n) return true;
  return false;
}

}  // namespace cxbridge::http
