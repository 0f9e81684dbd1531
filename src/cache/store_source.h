// StoreSource: the bottom of the tier chain — chunks from the object store, verified by the
// ChunkStore. Transient failures (IOError, Unavailable) and damaged transfers (Corruption) are
// retried a few times with backoff, on top of whatever the store retries itself, so a flaky
// store costs time, not reads; NotFound is final.
#pragma once

#include "base/clock.h"
#include "cache/chunk_source.h"
#include "store/chunk_store.h"

namespace strata::cache {

class StoreSource final : public ChunkSource {
 public:
  explicit StoreSource(store::ObjectStore& objects, int max_attempts = 5,
                       Clock& clock = Clock::System())
      : chunks_(objects), max_attempts_(max_attempts), clock_(clock) {}

  Status Read(const ChunkId& id, std::span<uint8_t> out) override;
  bool IsCached(const ChunkId&) override { return false; }
  Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) override;
  void Offer(const ChunkId&, std::span<const uint8_t>) override {}
  void CollectStats(std::vector<TierStats>& out) const override;

 private:
  store::ChunkStore chunks_;
  const int max_attempts_;
  Clock& clock_;
  TierCounters counters_;
};

}  // namespace strata::cache
