#include "pattern/cidr.h"

#include <string>

namespace cxbridge::pattern::internal {
namespace {

bool ParseV4(std::string_view s, uint32_t* out) {
  uint32_t v = 0;
  int parts = 0;
  size_t i = 0;
  while (true) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      octet = octet * 10 + (s[i] - '0');
      if (++digits > 3) return false;
      ++i;
    }
    if (octet > 255) return false;
    v = (v << 8) | octet;
    ++parts;
    if (parts == 4) break;
    if (i >= s.size() || s[i] != '.') return false;
    ++i;
  }
  if (i != s.size()) return false;
  *out = v;
  return true;
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseV6(std::string_view s, unsigned __int128* out) {
  uint16_t groups[8] = {0};
  int n = 0;          // groups written
  int gap = -1;       // index where "::" was seen
  size_t i = 0;
  if (s.size() < 2) return false;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    gap = 0;
    i = 2;
    if (i == s.size()) {
      *out = 0;
      return true;
    }
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // A trailing dotted quad takes two groups.
    size_t j = i;
    while (j < s.size() && s[j] != ':' && s[j] != '.') ++j;
    if (j < s.size() && s[j] == '.') {
      uint32_t v4;
      if (n > 6 || !ParseV4(s.substr(i), &v4)) return false;
      groups[n++] = static_cast<uint16_t>(v4 >> 16);
      groups[n++] = static_cast<uint16_t>(v4 & 0xFFFF);
      i = s.size();
      break;
    }
    if (j == i || j - i > 4) return false;
    uint32_t g = 0;
    for (size_t k = i; k < j; ++k) {
      int h = HexVal(s[k]);
      if (h < 0) return false;
      g = (g << 4) | h;
    }
    groups[n++] = static_cast<uint16_t>(g);
    i = j;
    if (i == s.size()) break;
    // s[i] == ':'
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single colon
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n > 7) return false;
  uint16_t full[8] = {0};
  if (gap < 0) {
    for (int k = 0; k < 8; ++k) full[k] = groups[k];
  } else {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  unsigned __int128 v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 16) | full[k];
  *out = v;
  return true;
}

}  // namespace

bool ParseIp(std::string_view s, IpAddress* out) {
  if (s.empty() || s.size() > 45) return false;
  if (s.find(':') == std::string_view::npos) {
    uint32_t v4;
    if (!ParseV4(s, &v4)) return false;
    out->v6 = false;
    out->bits = v4;
    return true;
  }
  unsigned __int128 v6;
  if (!ParseV6(s, &v6)) return false;
  out->v6 = true;
  out->bits = v6;
  return true;
}

Result<IpRange> ParseCidr(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || s.find('/', slash + 1) != std::string_view::npos) {
    return Status::InvalidArgument("Malformed CIDR, one '/' required");
  }
  std::string_view addr = s.substr(0, slash);
  std::string_view mask = s.substr(slash + 1);
  int bits = 0;
  if (mask.empty() || mask.size() > 4) {
    return Status::InvalidArgument("Malformed CIDR, mask bits must be an integer");
  }
  for (char c : mask) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("Malformed CIDR, mask bits must be an integer");
    }
    bits = bits * 10 + (c - '0');
  }
  IpAddress a;
  if (!ParseIp(addr, &a)) {
    return Status::InvalidArgument("Nonstandard IP address: " + std::string(addr));
  }
  const int width = a.v6 ? 128 : 32;
  if (bits > width) {
    return Status::InvalidArgument(std::string(a.v6 ? "IPv6" : "IPv4") +
                                   " mask bits must be <= " + std::to_string(width));
  }
  IpRange r;
  r.v6 = a.v6;
  const int host = width - bits;
  unsigned __int128 host_mask = host >= 128 ? ~static_cast<unsigned __int128>(0)
                                            : ((static_cast<unsigned __int128>(1) << host) - 1);
  r.lo = a.bits & ~host_mask;
  r.hi = a.bits | host_mask;
  if (!a.v6) {
    r.lo &= 0xFFFFFFFFu;
    r.hi &= 0xFFFFFFFFu;
  }
  return r;
}

}  // namespace cxbridge::pattern::internal
