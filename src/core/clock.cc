#include "core/clock.h"

#include <time.h>

#include "base/clock.h"

namespace strata {

int64_t NowNanos() { return Clock::System().NowNanos(); }

std::string FormatTime(int64_t unix_nanos) {
  time_t seconds = static_cast<time_t>(unix_nanos / 1000000000);
  struct tm tm_local;
  localtime_r(&seconds, &tm_local);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm_local);
  return buf;
}

}  // namespace strata
