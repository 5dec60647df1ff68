#include "http/address_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace cxbridge::http {
namespace {

struct V4Range {
  uint32_t base;
  int prefix;
  const char* what;
};

// IANA special-purpose IPv4 ranges (RFC 6890 and successors) a delivery must not reach.
constexpr V4Range kV4Ranges[] = {
    {0x00000000, 8, "unspecified (0.0.0.0/8)"},
    {0x0A000000, 8, "private (RFC 1918)"},
    {0x64400000, 10, "carrier-grade NAT (100.64.0.0/10)"},
    {0x7F000000, 8, "loopback"},
    {0xA9FE0000, 16, "link-local (169.254.0.0/16)"},
    {0xAC100000, 12, "private (RFC 1918)"},
    {0xC0000000, 24, "IETF protocol assignments (192.0.0.0/24)"},
    {0xC0A80000, 16, "private (RFC 1918)"},
    {0xC6120000, 15, "benchmarking (198.18.0.0/15)"},
    {0xE0000000, 4, "multicast"},
    {0xF0000000, 4, "reserved (240.0.0.0/4)"},
};

std::string V4Text(uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string V4Reason(uint32_t addr) {
  for (const auto& r : kV4Ranges) {
    uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((addr & mask) == r.base) return r.what;
  }
  return "";
}

uint32_t V4At(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string Embedded(const char* form, uint32_t v4) {
  std::string inner = V4Reason(v4);
  if (inner.empty()) return "";
  return std::string(form) + " " + V4Text(v4) + ": " + inner;
}

std::string V6Reason(const uint8_t* a) {
  static const uint8_t kZero[16] = {0};
  bool first10_zero = std::memcmp(a, kZero, 10) == 0;
  if (std::memcmp(a, kZero, 16) == 0) return "unspecified (::)";
  if (std::memcmp(a, kZero, 15) == 0 && a[15] == 1) return "loopback";
  if (first10_zero && a[10] == 0xff && a[11] == 0xff) return Embedded("IPv4-mapped", V4At(a + 12));
  if (first10_zero && a[10] == 0 && a[11] == 0) return Embedded("IPv4-compatible", V4At(a + 12));
  static const uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(a, kNat64, 12) == 0) return Embedded("NAT64", V4At(a + 12));
  if (a[0] == 0x20 && a[1] == 0x02) return Embedded("6to4", V4At(a + 2));
  if ((a[0] & 0xfe) == 0xfc) return "unique local (fc00::/7)";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "link-local (fe80::/10)";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return "site-local (fec0::/10)";
  if (a[0] == 0xff) return "multicast";
  return "";
}

}  // namespace

std::string NonPublicAddressReason(const sockaddr* address) {
  if (address == nullptr) return "no address";
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return V4Reason(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return V6Reason(in6->sin6_addr.s6_addr);
  }
  return "not an IP address (family " + std::to_string(address->sa_family) + ")";
}

std::string NonPublicAddressReason(std::string_view ip_text) {
  std::string text(ip_text);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return V4Reason(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return V6Reason(v6.s6_addr);
  return "not an IP address";
}

}  // namespace cxbridge::http
