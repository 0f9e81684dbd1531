// Wall-clock time as Strata stores it: nanoseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <string>

namespace strata {

int64_t NowNanos();
// "2026-11-23 07:03:23" in local time.
std::string FormatTime(int64_t unix_nanos);

}  // namespace strata
