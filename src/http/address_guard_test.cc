#include "http/address_guard.h"

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/server.h"

namespace cxbridge::http {
namespace {

TEST(AddressGuardTest, PublicAddressesPass) {
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
                         "172.32.0.0", "192.169.0.1", "11.0.0.1", "2606:4700:4700::1111",
                         "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_EQ(NonPublicAddressReason(std::string_view(ip)), "") << ip;
  }
}

TEST(AddressGuardTest, Ipv4SpecialRangesAreRefused) {
  EXPECT_EQ(NonPublicAddressReason(std::string_view("127.0.0.1")), "loopback");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("127.255.0.9")), "loopback");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("10.1.2.3")), "private (RFC 1918)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("172.16.0.1")), "private (RFC 1918)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("172.31.255.255")), "private (RFC 1918)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("192.168.1.1")), "private (RFC 1918)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("100.64.0.1")),
            "carrier-grade NAT (100.64.0.0/10)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("100.127.255.254")),
            "carrier-grade NAT (100.64.0.0/10)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("169.254.169.254")),
            "link-local (169.254.0.0/16)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("0.0.0.0")), "unspecified (0.0.0.0/8)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("224.0.0.1")), "multicast");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("255.255.255.255")), "reserved (240.0.0.0/4)");
}

TEST(AddressGuardTest, Ipv6SpecialRangesAreRefused) {
  EXPECT_EQ(NonPublicAddressReason(std::string_view("::1")), "loopback");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("::")), "unspecified (::)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("fc00::1")), "unique local (fc00::/7)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("fd12:3456::1")), "unique local (fc00::/7)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("fe80::1")), "link-local (fe80::/10)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("ff02::1")), "multicast");
}

TEST(AddressGuardTest, EmbeddedIpv4FormsAreCheckedByTheirIpv4Address) {
  EXPECT_EQ(NonPublicAddressReason(std::string_view("::ffff:127.0.0.1")),
            "IPv4-mapped 127.0.0.1: loopback");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("::ffff:a9fe:a9fe")),
            "IPv4-mapped 169.254.169.254: link-local (169.254.0.0/16)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("::10.0.0.1")),
            "IPv4-compatible 10.0.0.1: private (RFC 1918)");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("64:ff9b::7f00:1")),
            "NAT64 127.0.0.1: loopback");
  EXPECT_EQ(NonPublicAddressReason(std::string_view("2002:c0a8:0101::1")),
            "6to4 192.168.1.1: private (RFC 1918)");
}

TEST(AddressGuardTest, NotAnAddress) {
  EXPECT_EQ(NonPublicAddressReason(std::string_view("localhost")), "not an IP address");
  EXPECT_EQ(NonPublicAddressReason(static_cast<const sockaddr*>(nullptr)), "no address");
}

class OkHandler : public Handler {
 public:
  void Handle(Request, Respond respond) override { respond(Response::Json(200, "{}")); }
};

// The guard works on the socket's real address: "localhost" (a name) is refused too, and a
// kept-alive connection opened by an unguarded request is not reused by a guarded one.
TEST(AddressGuardTest, ClientRefusesLoopbackByNameAndOnReusedConnections) {
  OkHandler h;
  ServerOptions o;
  o.port = 0;
  Server server(o, h);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client;
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/x";
  ClientRequest open{"POST", url, {}, "{}", 2000};
  EXPECT_EQ(client.SendSync(open).status, 200);  // unguarded: opens a kept-alive connection

  ClientRequest guarded{"POST", url, {}, "{}", 2000};
  guarded.refuse_private_addresses = true;
  ClientResponse r = client.SendSync(guarded);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.address_refused);
  EXPECT_NE(r.error.find("loopback"), std::string::npos) << r.error;

  ClientRequest fresh{
      "POST", "http://127.0.0.1:" + std::to_string(server.port()) + "/y", {}, "{}", 2000};
  fresh.refuse_private_addresses = true;
  r = client.SendSync(fresh);
  EXPECT_TRUE(r.address_refused);
  EXPECT_NE(r.error.find("127.0.0.1 is loopback"), std::string::npos) << r.error;
  server.Stop();
}

}  // namespace
}  // namespace cxbridge::http
