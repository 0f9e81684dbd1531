// Garbage collection: deletes chunks that no file references and no writer has claimed within the
// grace period (docs/architecture.md, "Garbage collection", states the protocol and why it is
// safe against concurrent puts and copies).
//
// One object store belongs to one metadata store: GC judges references by that metadata alone.
#pragma once

#include <cstdint>
#include <functional>

#include "base/clock.h"
#include "base/thread_pool.h"
#include "meta/chunk_ledger.h"
#include "store/object_store.h"

namespace strata::fs {

inline constexpr int64_t kDefaultGcGraceNanos = 3600LL * 1000000000;

struct GcOptions {
  int64_t grace_ns = kDefaultGcGraceNanos;
  bool dry_run = false;
  // Test sync point: after chunks are marked for deletion, before any object is deleted.
  std::function<void()> after_marking;
  Clock* clock = &Clock::System();  // expiries are checked against it (the metadata store's)
};

struct GcReport {
  uint64_t chunk_objects = 0;  // chunk objects listed in the store
  uint64_t young = 0;          // skipped: written within the grace period
  uint64_t kept = 0;           // old enough, but referenced or recently claimed
  uint64_t deleted = 0;        // deleted (with --dry-run: would be)
  uint64_t deleted_bytes = 0;
  uint64_t leftover_marks = 0;  // deletions of an earlier GC that died midway, finished now
  uint64_t temporaries = 0;     // interrupted writes older than the grace period, removed
  uint64_t expired_claims = 0;
  uint64_t other_objects = 0;    // keys that are not chunks: never touched
  uint64_t unlinked_purged = 0;  // files without a name since before the grace period, forgotten
  uint64_t expired_kv = 0;       // KV keys past their expiry, removed
  uint64_t expired_uploads = 0;  // upload sessions past their expiry, removed with their parts
};

Result<GcReport> RunGc(meta::ChunkLedger& meta, store::ObjectStore& objects, ThreadPool& pool,
                       const GcOptions& options);

}  // namespace strata::fs
