#include "cache/chunk_source.h"

namespace strata::cache {

TierStats TierCounters::Snapshot(std::string tier, uint64_t held_entries, uint64_t held_bytes,
                                 uint64_t capacity_bytes) const {
  TierStats s;
  s.tier = std::move(tier);
  s.hits = hits.load(std::memory_order_relaxed);
  s.misses = misses.load(std::memory_order_relaxed);
  s.hit_bytes = hit_bytes.load(std::memory_order_relaxed);
  s.fetched_bytes = fetched_bytes.load(std::memory_order_relaxed);
  s.dropped_corrupt = dropped_corrupt.load(std::memory_order_relaxed);
  s.errors = errors.load(std::memory_order_relaxed);
  s.held_entries = held_entries;
  s.held_bytes = held_bytes;
  s.capacity_bytes = capacity_bytes;
  return s;
}

}  // namespace strata::cache
