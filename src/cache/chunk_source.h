// ChunkSource: where a reader gets a chunk's bytes. The tiers (memory, local disk, later peer
// nodes) each decorate the next one down, ending at the object store:
//
//   MemoryCache → DiskCache → StoreSource(ChunkStore → ObjectStore)
//
// Every tier hands out only bytes that match the chunk id (verified where they enter the process
// or come off a disk), so a damaged cache can cost a re-fetch but never a wrong read.
// Thread-safety: implementations are safe to call from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "core/chunk_id.h"

namespace strata::cache {

// One tier's counters since this process opened it.
struct TierStats {
  std::string tier;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t hit_bytes = 0;        // bytes served from this tier
  uint64_t fetched_bytes = 0;    // bytes this tier got from below it (the store: from the wire)
  uint64_t dropped_corrupt = 0;  // entries found damaged and removed
  uint64_t errors = 0;           // failed fetches
  uint64_t held_entries = 0;     // what the tier holds now
  uint64_t held_bytes = 0;
  uint64_t capacity_bytes = 0;
};

// Lock-free counters behind a TierStats snapshot.
struct TierCounters {
  std::atomic<uint64_t> hits{0}, misses{0}, hit_bytes{0}, fetched_bytes{0}, dropped_corrupt{0},
      errors{0};

  void Hit(uint64_t bytes) {
    hits.fetch_add(1, std::memory_order_relaxed);
    hit_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
  // A miss and what became of it: `bytes` fetched from below, or an error.
  void Fetched(uint64_t bytes) {
    misses.fetch_add(1, std::memory_order_relaxed);
    fetched_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
  void Failed() {
    misses.fetch_add(1, std::memory_order_relaxed);
    errors.fetch_add(1, std::memory_order_relaxed);
  }
  // The counters, with what a caching tier holds now.
  TierStats Snapshot(std::string tier, uint64_t held_entries = 0, uint64_t held_bytes = 0,
                     uint64_t capacity_bytes = 0) const;
};

class ChunkSource {
 public:
  virtual ~ChunkSource() = default;

  // Fills `out`, whose size must be the chunk's length, with chunk `id`. NotFound if no tier and
  // not the store has it; Corruption if the store's copy is damaged; Unavailable/IOError if the
  // store cannot be reached.
  virtual Status Read(const ChunkId& id, std::span<uint8_t> out) = 0;

  // Whether this tier or one below it, short of the store, holds `id` now (no fetch).
  virtual bool IsCached(const ChunkId& id) = 0;

  // Makes the chunk resident in the persistent tier (the disk cache) without handing the bytes
  // to the caller's memory tier; `scratch` must be the chunk's length. Returns whether bytes had
  // to be fetched from below. This is what prefetch does per chunk.
  virtual Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) = 0;

  // Bytes of chunk `id` that the caller obtained outside the chain (a range of a plain object in
  // a bucket) and checked to hash to `id`: caching tiers keep them as if they had fetched them.
  virtual void Offer(const ChunkId& id, std::span<const uint8_t> data) = 0;

  // This tier's counters first, then those of the tiers below.
  virtual void CollectStats(std::vector<TierStats>& out) const = 0;
};

}  // namespace strata::cache
