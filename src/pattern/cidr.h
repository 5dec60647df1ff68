// IP addresses and CIDR ranges for the `cidr` operator (IPv4 and IPv6), and for exact string
// patterns that look like an IP address (EventBridge compiles those as a one-address range, so
// "2001:db8::1" also matches "2001:0db8:0:0:0:0:0:1").
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace cxbridge::pattern::internal {

struct IpAddress {
  bool v6 = false;
  unsigned __int128 bits = 0;  // IPv4 in the low 32 bits
};

struct IpRange {
  bool v6 = false;
  unsigned __int128 lo = 0;
  unsigned __int128 hi = 0;
  bool Contains(const IpAddress& a) const { return a.v6 == v6 && a.bits >= lo && a.bits <= hi; }
};

// Strict textual IPv4 (dotted quad) or IPv6 (RFC 4291 forms, "::", trailing dotted quad).
bool ParseIp(std::string_view s, IpAddress* out);

// "addr/bits". Errors carry AWS's reason texts: "Malformed CIDR, one '/' required",
// "Malformed CIDR, mask bits must be an integer", "Nonstandard IP address: <addr>".
Result<IpRange> ParseCidr(std::string_view s);

inline IpRange SingleAddress(const IpAddress& a) { return IpRange{a.v6, a.bits, a.bits}; }

}  // namespace cxbridge::pattern::internal
