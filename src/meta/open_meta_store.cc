#include "meta/open_meta_store.h"

#include <fmt/core.h>

#include "meta/sqlite_meta_store.h"

namespace strata::meta {

Result<std::unique_ptr<MetaStore>> OpenMetaStore(std::string_view url) {
  if (url == "sqlite::memory:") return OpenSqliteMetaStore(":memory:");
  if (url.starts_with("sqlite://")) {
    std::string path(url.substr(9));
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument(
          fmt::format("metadata URL '{}' needs an absolute path: sqlite:///abs/meta.db", url));
    }
    return OpenSqliteMetaStore(path);
  }
  size_t colon = url.find("://");
  std::string scheme =
      colon == std::string_view::npos ? std::string(url) : std::string(url.substr(0, colon));
  return Status::InvalidArgument(
      fmt::format("unsupported metadata URL '{}' (scheme '{}'); supported: sqlite:///ABS/PATH, "
                  "sqlite::memory:",
                  url, scheme));
}

}  // namespace strata::meta
