// Tiers: the chain of chunk sources one process reads through, built from the cache options that
// every command shares (--cache-dir, --cache-size, --memory-cache-size):
//
//   MemoryCache → DiskCache (if a cache directory is in use) → a datacenter tier (if one is
//     given: peer::PeerSource, the node's peers) → StoreSource → ObjectStore
//
// The datacenter tier comes from above (a factory in CacheOptions) so the cache knows nothing of
// the peer protocol: peer/ sits on cache/, not in it.
// Closing (or destroying) it adds this process's counters to the cache directory's stats file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/chunk_source.h"
#include "cache/disk_cache.h"
#include "cache/memory_cache.h"
#include "cache/store_source.h"

namespace strata::cache {

struct CacheOptions {
  std::string disk_dir;  // empty: no disk tier
  uint64_t disk_bytes = 0;
  uint64_t memory_bytes = 0;
  // Builds the tier between the disk cache and the store over `below` (the store's source);
  // empty: no datacenter tier.
  std::function<std::unique_ptr<ChunkSource>(ChunkSource& below)> datacenter_tier;
};

class Tiers {
 public:
  static Result<std::unique_ptr<Tiers>> Open(store::ObjectStore& objects,
                                             const CacheOptions& options);
  // The caching tiers over nothing: a miss is NotFound, and bytes enter only through Offer (the
  // pieces of a bucket's plain objects, fetched by their reader).
  static Result<std::unique_ptr<Tiers>> OpenCachesOnly(const CacheOptions& options);
  ~Tiers();

  ChunkSource& top() { return *memory_; }
  DiskCache* disk() { return disk_.get(); }  // null without a disk tier
  std::vector<TierStats> Stats() const;
  // Merges the counters into the stats file (once). Also done by the destructor.
  Status Close();

 private:
  Tiers() = default;
  static Result<std::unique_ptr<Tiers>> Over(std::unique_ptr<ChunkSource> bottom,
                                             const CacheOptions& options);
  std::unique_ptr<ChunkSource> store_;
  std::unique_ptr<ChunkSource> datacenter_;
  std::unique_ptr<DiskCache> disk_;
  std::unique_ptr<MemoryCache> memory_;
  bool closed_ = false;
};

}  // namespace strata::cache
