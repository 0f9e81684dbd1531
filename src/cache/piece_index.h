// PieceIndex: cache names for bytes that are not named by their hash.
//
// A range of a plain object in a bucket is known by (bucket, key, ETag, offset, length); its
// bytes are cached like every chunk, under their SHA-256, so the tiers verify them on every read
// and identical bytes are kept once. This index maps the first name to the second: in memory,
// and with a cache directory in <dir>/pieces/<2 hex>/<64 hex> (the name, then the content id:
// 64 bytes, written to a temporary and renamed), so that every process of the node, and the next
// mount, find what was cached before. An entry whose piece was evicted costs a fetch; an entry
// that is damaged is ignored (it must repeat its own name).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/mutex.h"
#include "cache/cache_dir_modes.h"
#include "core/chunk_id.h"

namespace strata::cache {

class PieceIndex {
 public:
  // `dir`: the cache directory; empty keeps the index in memory only.
  explicit PieceIndex(std::string dir);

  // The name of bytes [offset, offset + length) of version `etag` of `key` in `source` (a
  // bucket's URL). Any change of the object changes its ETag, hence every name.
  static ChunkId NameOf(std::string_view source, std::string_view key, std::string_view etag,
                        uint64_t offset, uint64_t length);

  std::optional<ChunkId> Find(const ChunkId& name);
  // Best effort: a failed write costs a fetch later.
  void Remember(const ChunkId& name, const ChunkId& content);

 private:
  std::string PathOf(const ChunkId& name) const;

  const std::string dir_;
  const CacheDirModes modes_;
  Mutex mu_;
  std::unordered_map<ChunkId, ChunkId, ChunkIdHash> known_ GUARDED_BY(mu_);
};

}  // namespace strata::cache
