// HMAC-SHA256 (OpenSSL) and a comparison that takes the same time whatever the input, for
// authenticating requests between nodes with a shared secret.
#pragma once

#include <string>
#include <string_view>

namespace strata {

// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// a == b, in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace strata
