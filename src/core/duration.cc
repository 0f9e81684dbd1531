#include "core/duration.h"

#include <cctype>
#include <limits>

#include <fmt/core.h>

#include "base/parse_integer.h"

namespace strata {

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration (examples: 0, 90s, 15m, 1h, 2d)", text));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return bad();
  int64_t value = *ParseInteger<int64_t>(text.substr(0, digits));  // at most 12 digits
  std::string_view unit = text.substr(digits);
  int64_t scale;
  if (unit.empty() || unit == "s")
    scale = kNanosPerSecond;
  else if (unit == "ms")
    scale = kNanosPerSecond / 1000;
  else if (unit == "m")
    scale = 60 * kNanosPerSecond;
  else if (unit == "h")
    scale = 3600 * kNanosPerSecond;
  else if (unit == "d")
    scale = 86400 * kNanosPerSecond;
  else
    return bad();
  if (value > std::numeric_limits<int64_t>::max() / scale) return bad();
  return value * scale;
}

std::string FormatDuration(int64_t nanos) {
  int64_t seconds = nanos / kNanosPerSecond;
  if (seconds < 60 || seconds % 60 != 0) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds % 3600 == 0) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}h{}m", seconds / 3600, seconds % 3600 / 60);
}

}  // namespace strata
