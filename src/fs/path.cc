#include "fs/path.h"

#include <fmt/core.h>

#include "meta/types.h"

namespace strata::fs {

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("path contains a NUL byte");
  }
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view name = path.substr(start, end - start);
    start = end + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      return Status::InvalidArgument(
          fmt::format("path '{}' uses '..', which could escape the volume root", path));
    }
    RETURN_IF_ERROR(meta::ValidateName(name).WithContext(fmt::format("path '{}'", path)));
    names.emplace_back(name);
  }
  return names;
}

std::string JoinPath(const std::vector<std::string>& names) {
  if (names.empty()) return "/";
  std::string out;
  for (const auto& n : names) {
    out += '/';
    out += n;
  }
  return out;
}

std::string ChildPath(std::string_view parent, std::string_view name) {
  if (parent.empty() || parent == "/") return fmt::format("/{}", name);
  return fmt::format("{}/{}", parent, name);
}

}  // namespace strata::fs
