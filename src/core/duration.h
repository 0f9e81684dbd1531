// Durations as people write them on a command line: "0", "90s", "15m", "1h", "2d".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata {

inline constexpr int64_t kNanosPerSecond = 1000000000;

// Nanoseconds. A bare number means seconds; suffixes ms, s, m, h, d. No negatives.
Result<int64_t> ParseDuration(std::string_view text);
// "0s", "90s", "15m", "1h30m".
std::string FormatDuration(int64_t nanos);

}  // namespace strata
