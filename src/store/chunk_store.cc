#include "store/chunk_store.h"

#include <fmt/core.h>

namespace strata::store {

std::string ChunkKey(const ChunkId& id) {
  std::string hex = id.Hex();
  return fmt::format("{}{}/{}", kChunkKeyPrefix, std::string_view(hex).substr(0, 2), hex);
}

Result<ChunkId> ChunkIdFromKey(std::string_view key) {
  auto not_a_chunk = [&] {
    return Status::InvalidArgument(fmt::format("'{}' is not a chunk key", key));
  };
  if (!key.starts_with(kChunkKeyPrefix)) return not_a_chunk();
  std::string_view rest = key.substr(kChunkKeyPrefix.size());
  if (rest.size() != 3 + 2 * ChunkId::kSize || rest[2] != '/') return not_a_chunk();
  Result<ChunkId> id = ChunkId::FromHex(rest.substr(3));
  if (!id.ok() || ChunkKey(*id) != key) return not_a_chunk();
  return id;
}

Result<PutChunkResult> ChunkStore::Store(const ChunkId& id, std::span<const uint8_t> data) {
  auto [stored, led] = storing_.Do(id, [&] { return StoreIfMissing(id, data); });
  if (!led) {
    if (stored.ok()) return PutChunkResult{id, false};
    stored = StoreIfMissing(id, data);  // their attempt failed: make our own
  }
  if (!stored.ok()) return stored.status();
  return PutChunkResult{id, *stored};
}

Result<bool> ChunkStore::StoreIfMissing(const ChunkId& id, std::span<const uint8_t> data) {
  std::string key = ChunkKey(id);
  Result<ObjectInfo> existing = objects_.Head(key);
  // A present object of the wrong size is damaged: overwrite it with the good bytes.
  if (existing.ok() && existing->size_bytes == data.size()) return false;
  if (!existing.ok() && existing.status().code() != Code::kNotFound) return existing.status();
  RETURN_IF_ERROR(objects_.Put(key, data).WithContext(fmt::format("store chunk {}", id.Hex())));
  return true;
}

Status ChunkStore::Read(const ChunkId& id, std::span<uint8_t> out) {
  std::string key = ChunkKey(id);
  Result<size_t> n = objects_.Read(key, 0, out);
  if (!n.ok()) {
    if (n.status().code() == Code::kNotFound) {
      return Status::NotFound(
          fmt::format("chunk {} is missing from the store {}", id.Hex(), objects_.url()));
    }
    return n.status();
  }
  if (*n != out.size()) {
    return Status::Corruption(
        fmt::format("chunk {} has {} bytes, expected {}", id.Hex(), *n, out.size()));
  }
  if (ChunkId::Of(out) != id) {
    return Status::Corruption(
        fmt::format("chunk {} does not match its hash (damaged object {} in {})", id.Hex(), key,
                    objects_.url()));
  }
  return Status::OK();
}

}  // namespace strata::store
