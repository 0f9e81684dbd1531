#include "core/clock.h"

#include <time.h>

#include <chrono>

namespace strata {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTime(int64_t unix_nanos) {
  time_t seconds = static_cast<time_t>(unix_nanos / 1000000000);
  struct tm tm_local;
  localtime_r(&seconds, &tm_local);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm_local);
  return buf;
}

}  // namespace strata
