#include "store/open_store.h"

#include <fmt/core.h>

#include "store/local_dir_store.h"
#include "store/memory_store.h"
#include "store/s3_store.h"

namespace strata::store {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url) {
  if (url.starts_with("file://")) return OpenLocalDirStore(std::string(url.substr(7)));
  if (url.starts_with("/")) return OpenLocalDirStore(std::string(url));
  if (url == "memory://" || url == "memory:") return NewMemoryStore();
  if (url.starts_with("s3://")) return OpenS3Store(url);
  size_t colon = url.find("://");
  std::string scheme =
      colon == std::string_view::npos ? std::string(url) : std::string(url.substr(0, colon));
  return Status::InvalidArgument(
      fmt::format("unsupported store URL '{}' (scheme '{}'); supported: file:///ABS/PATH, "
                  "memory://, s3://BUCKET[/PREFIX]?endpoint=…&region=…",
                  url, scheme));
}

}  // namespace strata::store
