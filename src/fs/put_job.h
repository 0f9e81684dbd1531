// PutJob: copies a local file or directory tree into a volume.
//
// Chunks of all files are read, hashed and stored in parallel on a pool (parallelism at chunk
// granularity: one big file uses every worker). A file is published (CommitFile) only when all
// its chunks are stored, so a reader or a crash sees the old file or the new one, never a mix.
// Directories, symlinks, modes and mtimes are kept; sockets, fifos and devices are skipped.
#pragma once

#include <string>
#include <string_view>

#include "core/thread_pool.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"

namespace strata::fs {

// Puts `local_path` at `volume_path` (a directory's contents merge into an existing directory
// there; a file replaces a file). Parents of `volume_path` are created. Returns the first error;
// files committed before it stay committed.
Status PutPath(Volume& volume, ThreadPool& pool, const std::string& local_path,
               std::string_view volume_path, TransferStats& stats);

}  // namespace strata::fs
