#include "store/object_store.h"

#include <fmt/core.h>

namespace strata::store {

Result<std::vector<uint8_t>> ObjectStore::ReadAll(std::string_view key) {
  ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
  std::vector<uint8_t> data(info.size_bytes);
  ASSIGN_OR_RETURN(size_t n, Read(key, 0, data));
  data.resize(n);
  return data;
}

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("object key '{}' {}", key, why));
  };
  if (key.empty()) return bad("is empty");
  if (key.front() == '/') return bad("starts with '/'");
  if (key.find('\0') != std::string_view::npos) return bad("contains NUL");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view part = key.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return bad("has an empty, '.' or '..' part");
    start = end + 1;
  }
  return Status::OK();
}

}  // namespace strata::store
