// PrefetchJob: makes every chunk of some volume files and directory trees resident in this node's
// cache, or (check only) reports how much of them already is.
//
// All chunks of all files are planned first and fetched with a bounded number of requests in
// flight across ALL of them — a single 2 GiB file is 512 parallel chunk fetches, not one stream.
// A chunk shared by several files is fetched once; chunks already cached are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "cache/chunk_source.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"

namespace strata::fs {

struct PrefetchFile {
  std::string path;
  uint64_t size_bytes = 0;
  uint64_t cached_bytes = 0;  // before the fetch (check) or after it (prefetch)
  size_t chunks = 0;
  size_t cached_chunks = 0;
};

struct PrefetchReport {
  std::vector<PrefetchFile> files;
  uint64_t fetched_bytes = 0;  // bytes that came from below the cache
  size_t fetched_chunks = 0;
};

// Plans the files under `paths` (files, directories recursively; symlinks to files followed),
// then, unless `check_only`, warms every uncached chunk through `source` on `pool` (whose size is
// the number of requests in flight). `stats` counts bytes as they become cached.
Result<PrefetchReport> Prefetch(Volume& volume, cache::ChunkSource& source, ThreadPool& pool,
                                const std::vector<std::string>& paths, bool check_only,
                                TransferStats& stats);

}  // namespace strata::fs
