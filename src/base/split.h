// Splitting a string on one separator, the way paths, symlink targets and option lists are read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata {

// The non-empty pieces of `text` between `separator`s: "/a//b/" on '/' → {"a", "b"}.
std::vector<std::string> SplitNonEmpty(std::string_view text, char separator);

}  // namespace strata
