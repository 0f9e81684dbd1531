// Tiers: the chain of chunk sources one process reads through, built from the cache options that
// every command shares (--cache-dir, --cache-size, --memory-cache-size):
//
//   MemoryCache → DiskCache (if a cache directory is in use) → StoreSource → ObjectStore
//
// Closing (or destroying) it adds this process's counters to the cache directory's stats file.
#pragma once

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
};

class Tiers {
 public:
  static Result<std::unique_ptr<Tiers>> Open(store::ObjectStore& objects,
                                             const CacheOptions& options);
  ~Tiers();

  ChunkSource& top() { return *memory_; }
  DiskCache* disk() { return disk_.get(); }  // null without a disk tier
  std::vector<TierStats> Stats() const;
  // Merges the counters into the stats file (once). Also done by the destructor.
  Status Close();

 private:
  Tiers() = default;
  std::unique_ptr<StoreSource> store_;
  std::unique_ptr<DiskCache> disk_;
  std::unique_ptr<MemoryCache> memory_;
  bool closed_ = false;
};

}  // namespace strata::cache
