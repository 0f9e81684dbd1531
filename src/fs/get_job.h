// GetJob: copies a volume file or directory tree to the local file system.
//
// Chunks are fetched and verified in parallel on a pool and written at their offsets; each file
// is written to a temporary name beside its destination and renamed into place when complete,
// so an interrupted get never leaves a partial file under the real name. Mtimes and symlinks
// are kept; modes less the umask and the setuid/setgid/sticky bits (GetOptions::preserve_mode
// keeps them whole). Below the destination the caller named, nothing is followed: every entry
// is made relative to its directory's descriptor, and a local symlink where the volume has a
// directory is replaced, so no symlink in the destination can redirect a write.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/thread_pool.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"

namespace strata::fs {

struct GetOptions {
  bool preserve_mode = false;  // keep 06000 and 01000 and ignore the umask, as `cp -p` does
};

// Gets `volume_path` into `local_path` (created; a directory's contents merge into an existing
// local directory).
Status GetPath(Volume& volume, ThreadPool& pool, std::string_view volume_path,
               const std::string& local_path, TransferStats& stats, const GetOptions& options = {});

// Streams a file's bytes in order to `sink`, reading up to `window` chunks ahead in parallel.
Status StreamFile(Volume& volume, ThreadPool& pool, std::string_view volume_path,
                  const std::function<Status(std::span<const uint8_t>)>& sink);

}  // namespace strata::fs
