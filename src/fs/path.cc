#include "fs/path.h"

#include <fmt/core.h>

#include "base/split.h"
#include "meta/types.h"

namespace strata::fs {

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("path contains a NUL byte");
  }
  std::vector<std::string> names;
  for (std::string& name : SplitNonEmpty(path, '/')) {
    if (name == ".") continue;
    if (name == "..") {
      return Status::InvalidArgument(
          fmt::format("path '{}' uses '..', which could escape the volume root", path));
    }
    RETURN_IF_ERROR(meta::ValidateName(name).WithContext(fmt::format("path '{}'", path)));
    names.push_back(std::move(name));
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

std::string ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  return std::string(path.substr(path.rfind('/') + 1));
}

}  // namespace strata::fs
