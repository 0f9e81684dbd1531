#include "meta/open_meta_store.h"

#include <fmt/core.h>

#include "meta/postgres_meta_store.h"
#include "meta/sqlite_meta_store.h"

namespace strata::meta {

Result<std::unique_ptr<MetaStore>> OpenMetaStore(std::string_view url, Clock& clock) {
  if (url == "sqlite::memory:") return OpenSqliteMetaStore(":memory:", clock);
  if (url.starts_with("sqlite://")) {
    std::string path(url.substr(9));
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument(
          fmt::format("metadata URL '{}' needs an absolute path: sqlite:///abs/meta.db", url));
    }
    return OpenSqliteMetaStore(path, clock);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return OpenPostgresMetaStore(std::string(url), clock);
  }
  size_t colon = url.find("://");
  std::string scheme =
      colon == std::string_view::npos ? std::string(url) : std::string(url.substr(0, colon));
  return Status::InvalidArgument(
      fmt::format("unsupported metadata URL '{}' (scheme '{}'); supported: sqlite:///ABS/PATH, "
                  "sqlite::memory:, postgres://USER@HOST:PORT/DATABASE",
                  url, scheme));
}

}  // namespace strata::meta
