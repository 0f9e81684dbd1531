// fsck: checks metadata against the store and the store against metadata.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "meta/chunk_ledger.h"
#include "store/object_store.h"

namespace strata::fs {

struct FsckOptions {
  // Remove leftover temporaries (older than kFsckTempAgeNanos) and chunk objects proven wrong
  // (wrong size; with `deep`, wrong hash), so that putting the affected files again restores
  // them: a put skips a chunk whose object is present.
  bool repair = false;
  bool deep = false;  // read every referenced chunk and check its hash
};

// Temporaries younger than this may be writes in flight: fsck --repair leaves them to gc.
inline constexpr int64_t kFsckTempAgeNanos = 10LL * 60 * 1000000000;

struct FsckReport {
  std::vector<std::string> problems;  // one line per inconsistency that makes the volume unclean
  uint64_t files_checked_chunks = 0;  // distinct chunks referenced
  uint64_t missing = 0;
  uint64_t wrong_size = 0;
  uint64_t corrupt = 0;  // --deep only
  uint64_t orphans = 0;  // stored, referenced by nothing: gc reclaims them
  uint64_t orphan_bytes = 0;
  uint64_t temporaries = 0;          // leftovers of interrupted writes
  uint64_t temporaries_removed = 0;  // by --repair
  uint64_t damaged_removed = 0;      // by --repair: wrong objects deleted (files need a re-put)

  bool clean() const { return problems.empty(); }
};

Result<FsckReport> RunFsck(meta::ChunkLedger& meta, store::ObjectStore& objects, ThreadPool& pool,
                           const FsckOptions& options);

}  // namespace strata::fs
