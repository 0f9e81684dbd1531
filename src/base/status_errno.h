// The one place where a Status becomes an errno: for the kernel (the mount's replies) and for
// Python's OSError subclasses.
#pragma once

#include "base/status.h"

namespace strata {

// 0 for OK; otherwise the errno a local file system would give for the same failure (ENOENT,
// EEXIST, ENOTEMPTY, …). Failures of the store or the network are EIO.
int StatusErrno(const Status& status);

}  // namespace strata
