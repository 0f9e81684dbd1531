#include "net/net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

#include <fmt/core.h>

namespace strata::net {
namespace {

bool IsPublicV4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) {
    return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
  };
  return !(in(0x00000000, 8)       // "this network"
           || in(0x0A000000, 8)    // 10/8
           || in(0x64400000, 10)   // 100.64/10, carrier-grade NAT
           || in(0x7F000000, 8)    // loopback
           || in(0xA9FE0000, 16)   // link-local, where cloud metadata services answer
           || in(0xAC100000, 12)   // 172.16/12
           || in(0xC0000000, 24)   // IETF protocol assignments
           || in(0xC0000200, 24)   // TEST-NET-1
           || in(0xC0A80000, 16)   // 192.168/16
           || in(0xC6120000, 15)   // benchmarking
           || in(0xC6336400, 24)   // TEST-NET-2
           || in(0xCB007100, 24)   // TEST-NET-3
           || in(0xE0000000, 4)    // multicast
           || in(0xF0000000, 4));  // reserved, and the broadcast address
}

uint32_t V4At(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

bool IsPublicV6(const uint8_t* b) {
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && b[15] <= 1) return false;  // :: and ::1
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return IsPublicV4(V4At(b + 12));
  if (std::memcmp(b, kZero, 12) == 0) return IsPublicV4(V4At(b + 12));  // IPv4-compatible
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) return IsPublicV4(V4At(b + 12));
  if (b[0] == 0x20 && b[1] == 0x02) return IsPublicV4(V4At(b + 2));  // 6to4
  if ((b[0] & 0xfe) == 0xfc) return false;                           // unique local fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;           // link-local fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;           // site-local fec0::/10
  if (b[0] == 0xff) return false;                                    // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // docs
  return true;
}

}  // namespace

bool IsPublicAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return IsPublicV4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IsPublicV6(v6->sin6_addr.s6_addr);
  }
  return false;
}

std::string FormatAddress(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return fmt::format("{}:{}", text, ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return fmt::format("[{}]:{}", text, ntohs(v6->sin6_port));
  }
  return fmt::format("an address of family {}", address->sa_family);
}

}  // namespace strata::net
