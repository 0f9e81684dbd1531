// The libfuse low-level callbacks: each translates its arguments, asks the FileSystem, and replies
// exactly once (an exception becomes EIO; nothing escapes into libfuse).
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "fuse/file_system.h"

namespace strata::fuse {

// What the callbacks share; passed to fuse_session_new as userdata.
struct MountState {
  FileSystem* fs = nullptr;         // set before the session loop starts
  fuse_session* session = nullptr;  // for invalidation notices to the kernel
  double ttl_seconds = 1.0;
  size_t max_io_bytes = 1 << 20;
};

// The callbacks, filled in once.
const fuse_lowlevel_ops& LowLevelOps();

}  // namespace strata::fuse
