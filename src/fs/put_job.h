// PutJob: copies a local file or directory tree into a volume.
//
// Chunks of all files are read, hashed and stored in parallel on a pool (parallelism at chunk
// granularity: one big file uses every worker). A file is published (CommitFile) only when all
// its chunks are stored, so a reader or a crash sees the old file or the new one, never a mix.
// Directories, symlinks, modes and mtimes are kept; sockets, fifos and devices are skipped.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/thread_pool.h"
#include "fs/chunk_sink.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"

namespace strata::fs {

// Sync points for tests that need a deterministic interleaving with a concurrent GC.
struct PutHooks {
  // After all chunks of a file are stored, before the file is committed.
  std::function<void(const std::string& volume_path)> before_commit;
  // When a claimed chunk turns out to be in the middle of a GC's deletion.
  std::function<void()> on_claim_wait;
  // How old a file's first claim must be for its commit to check the store (ChunkSink).
  int64_t renew_claims_after_ns = kClaimRenewAfterNanos;
};

// Puts `local_path` at `volume_path` (a directory's contents merge into an existing directory
// there; a file replaces a file). Parents of `volume_path` are created. Returns the first error;
// files committed before it stay committed.
// Each file's chunks are stored and committed through its own ChunkSink; a chunk a gc took while
// the file was being put is stored again from the local file at commit.
Status PutPath(Volume& volume, ThreadPool& pool, const std::string& local_path,
               std::string_view volume_path, TransferStats& stats, const PutHooks& hooks = {});

}  // namespace strata::fs
