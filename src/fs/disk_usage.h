// DiskUsage: logical bytes under a path against the bytes its distinct chunks occupy.
#pragma once

#include <cstdint>
#include <string_view>

#include "fs/volume.h"

namespace strata::fs {

struct Usage {
  uint64_t files = 0;
  uint64_t directories = 0;
  uint64_t symlinks = 0;
  uint64_t logical_bytes = 0;  // sum of file sizes (a hard-linked file counts once)
  uint64_t chunk_refs = 0;     // chunks referenced, with repeats
  uint64_t unique_chunks = 0;  // distinct chunks
  uint64_t stored_bytes = 0;   // bytes of the distinct chunks: what the store holds for this path
};

Result<Usage> DiskUsage(Volume& volume, std::string_view path);

}  // namespace strata::fs
