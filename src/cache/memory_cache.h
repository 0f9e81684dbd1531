// MemoryCache: the top tier — recently read chunks in RAM, bounded in bytes, least recently used
// evicted first. It is also where concurrent readers of one chunk meet: the first one fetches
// from the tier below, the others wait for that fetch and copy its bytes (single-flight), so N
// readers of a cold chunk cost one fetch even when the cache holds nothing (capacity 0).
#pragma once

#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/single_flight.h"
#include "cache/chunk_source.h"

namespace strata::cache {

class MemoryCache final : public ChunkSource {
 public:
  MemoryCache(ChunkSource& next, uint64_t capacity_bytes)
      : next_(next), capacity_bytes_(capacity_bytes) {}

  Status Read(const ChunkId& id, std::span<uint8_t> out) override;
  bool IsCached(const ChunkId& id) override;
  Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) override;
  void Offer(const ChunkId& id, std::span<const uint8_t> data) override;
  void CollectStats(std::vector<TierStats>& out) const override;

 private:
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;
  struct Entry {
    ChunkId id;
    Bytes data;
  };
  struct Fetched {
    Status status;
    Bytes data;  // null when nobody waited and the chunk does not fit the cache
  };

  // The leader's fetch from the tier below, into `out`; shared with waiters and the cache.
  Fetched FetchInto(const ChunkId& id, std::span<uint8_t> out);
  // The cached bytes of `id`, moved to the front; null if absent.
  Bytes Lookup(const ChunkId& id) REQUIRES(mu_);
  void Insert(const ChunkId& id, Bytes data) REQUIRES(mu_);

  ChunkSource& next_;
  const uint64_t capacity_bytes_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // front: most recent.
  std::unordered_map<ChunkId, std::list<Entry>::iterator, ChunkIdHash> index_ GUARDED_BY(mu_);
  uint64_t held_bytes_ GUARDED_BY(mu_) = 0;
  SingleFlight<ChunkId, Fetched, ChunkIdHash> fetching_;
  TierCounters counters_;
};

}  // namespace strata::cache
