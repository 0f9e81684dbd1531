// StrCat: joins strings and integers into one string. The loader's core (status, posix, the
// safetensors parser, the local loader) uses it instead of fmt, so that the loader and the Python
// module build with a compiler and pybind11 alone (on the GPU machine, which has none of our Debian
// libraries).
#pragma once

#include <concepts>
#include <string>
#include <string_view>

namespace strata {
namespace str_cat_internal {

inline void Append(std::string& out, std::string_view piece) { out.append(piece); }
inline void Append(std::string& out, char c) { out.push_back(c); }
template <std::integral Int>
requires(!std::same_as<Int, char> && !std::same_as<Int, bool>) void Append(std::string& out,
                                                                           Int value) {
  out.append(std::to_string(value));
}

}  // namespace str_cat_internal

template <typename... Parts>
std::string StrCat(const Parts&... parts) {
  std::string out;
  (str_cat_internal::Append(out, parts), ...);
  return out;
}

}  // namespace strata
