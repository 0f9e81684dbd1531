// Long-running verbs (cache-node, serve) run until SIGINT or SIGTERM.
#pragma once

#include <functional>

#include "base/status.h"

namespace strata::cli {

// Blocks SIGINT and SIGTERM in this thread (threads started later inherit that), then runs
// `serve`; the first of those signals calls `stop`, which must make `serve` return.
Status ServeUntilSignal(const std::function<Status()>& serve, const std::function<void()>& stop);

// Call first in a verb whose setup starts threads before ServeUntilSignal: they inherit it.
void BlockStopSignals();

}  // namespace strata::cli
