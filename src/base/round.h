// Integer rounding for sizes (chunks, parts, ranges): written once, so that no call site gets
// the overflow or the zero case wrong by hand.
#pragma once

#include <cstdint>

namespace strata {

// ⌈n / d⌉. REQUIRES: d > 0.
constexpr uint64_t DivRoundUp(uint64_t n, uint64_t d) { return n / d + (n % d != 0); }

// The smallest multiple of `d` that is ≥ n. REQUIRES: d > 0.
constexpr uint64_t RoundUpTo(uint64_t n, uint64_t d) { return DivRoundUp(n, d) * d; }

}  // namespace strata
