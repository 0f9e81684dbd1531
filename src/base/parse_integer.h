// A number that is the whole of `text`: "12abc", " 12", "" and a value out of T's range are
// none. Every parser of protocol text, flags and URLs reads integers through it, so none accepts
// a prefix by forgetting to check where std::from_chars stopped.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace strata {

template <std::integral T>
std::optional<T> ParseInteger(std::string_view text, int base = 10) {
  T value{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace strata
