// DiskCache: chunks on the node's local disk (NVMe), shared by every Strata process of the node.
//
// Layout: <dir>/chunks/<first two hex>/<64 hex>, written as <dir>/tmp/<unique> and renamed into
// place (a reader sees a whole file or none). No fsync: a file torn by a power cut is caught by
// the hash check every disk read does, dropped, and fetched again; the reader never sees it.
// Bounded in bytes with least-recently-used eviction; a hit refreshes the file's mtime, which is
// the LRU order the index is rebuilt from when a process opens the cache. Several processes share
// the directory: each keeps its own index and rescans the directory after it has added an eighth
// of the capacity, so their combined use stays near the bound.
// The cache is best effort: a failed write (full disk, read-only directory) costs caching, never
// a read.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "cache/cache_dir_modes.h"
#include "cache/chunk_source.h"

namespace strata::cache {

class DiskCache final : public ChunkSource {
 public:
  // Creates `dir` if missing and indexes what it holds (evicting down to `capacity_bytes`).
  static Result<std::unique_ptr<DiskCache>> Open(ChunkSource& next, std::string dir,
                                                 uint64_t capacity_bytes);

  Status Read(const ChunkId& id, std::span<uint8_t> out) override;
  bool IsCached(const ChunkId& id) override;
  Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) override;
  void Offer(const ChunkId& id, std::span<const uint8_t> data) override;
  void CollectStats(std::vector<TierStats>& out) const override;

  // Removes every cached chunk (of every process). Returns how many bytes were freed.
  Result<uint64_t> Clear();
  const std::string& dir() const { return dir_; }

 private:
  DiskCache(ChunkSource& next, std::string dir, uint64_t capacity_bytes)
      : next_(next), dir_(std::move(dir)), capacity_bytes_(capacity_bytes) {}

  std::string PathOf(const ChunkId& id) const;
  // Reads and verifies the cached file; NotFound if absent, Corruption if damaged (then removed).
  Status ReadFile(const ChunkId& id, std::span<uint8_t> out);
  // A miss: fetches from the next tier, then stores.
  Status FetchAndStore(const ChunkId& id, std::span<uint8_t> out);
  // Stores fetched bytes (best effort) and evicts down to capacity.
  void Store(const ChunkId& id, std::span<const uint8_t> data);
  Status Rescan();
  void Track(const ChunkId& id, uint64_t size) REQUIRES(mu_);  // most recent first
  void Forget(const ChunkId& id) REQUIRES(mu_);
  void EvictToCapacity() REQUIRES(mu_);

  struct Entry {
    ChunkId id;
    uint64_t size;
  };

  ChunkSource& next_;
  const std::string dir_;
  const CacheDirModes modes_ = CacheDirModes::Of(dir_);
  const uint64_t capacity_bytes_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // front: most recent.
  std::unordered_map<ChunkId, std::list<Entry>::iterator, ChunkIdHash> index_ GUARDED_BY(mu_);
  uint64_t held_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t added_since_rescan_ GUARDED_BY(mu_) = 0;
  TierCounters counters_;
};

}  // namespace strata::cache
