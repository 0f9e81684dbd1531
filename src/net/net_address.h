// Which addresses a request chosen by an untrusted caller may reach (upload from a URL): the
// public internet only, never this machine, its private networks or a cloud's metadata service.
#pragma once

#include <sys/socket.h>

#include <string>

namespace strata::net {

// False for loopback, unspecified, private (RFC 1918, ULA fc00::/7, CGNAT 100.64/10),
// link-local (169.254/16 — the metadata services —, fe80::/10), multicast, broadcast and
// reserved addresses, including IPv4 addresses carried inside IPv6 (::ffff:a.b.c.d, NAT64,
// 6to4). Anything but AF_INET/AF_INET6 is refused.
bool IsPublicAddress(const sockaddr* address);

// "127.0.0.1:8080", "[::1]:80".
std::string FormatAddress(const sockaddr* address);

}  // namespace strata::net
