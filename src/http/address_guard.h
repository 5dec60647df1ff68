// Outbound address guard: tells public unicast addresses from the ones a delivery must not reach
// unless the operator allows it (loopback, private, link-local, carrier-grade NAT, unspecified,
// multicast, reserved), including IPv4 addresses embedded in IPv6 forms (IPv4-mapped
// ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16).
//
// The HttpClient applies it to the address a socket actually connects to (ClientRequest::
// refuse_private_addresses), so a name that resolves differently between a check and the
// connect (DNS rebinding) cannot slip past it. Pure functions; safe from any thread.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace cxbridge::http {

// "" for a public address; otherwise what it is, e.g. "loopback", "private (RFC 1918)",
// "IPv4-mapped 10.0.0.1: private (RFC 1918)". Unknown families count as non-public.
std::string NonPublicAddressReason(const sockaddr* address);
// The same for an address in text form ("10.0.0.1", "::1"); "not an IP address" when it is not.
std::string NonPublicAddressReason(std::string_view ip_text);

}  // namespace cxbridge::http
