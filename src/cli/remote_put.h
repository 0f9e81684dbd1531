// strata put VOLUME LOCAL http(s)://SERVER/PATH: a local file or tree sent to a `strata serve`
// through resumable upload sessions (docs/api.md). Each file's session id is kept under
// HOME/uploads until it completes, so running the same put again after an interruption sends
// only the parts the server does not have (checked by their SHA-256).
#pragma once

#include <string>

#include "base/thread_pool.h"
#include "fs/transfer_stats.h"

namespace strata::cli {

struct RemotePut {
  std::string home;    // where session ids are kept (HOME/uploads)
  std::string volume;  // on the server
  std::string local;
  std::string url;    // http(s)://HOST[:PORT]/PATH
  std::string token;  // bearer token (STRATA_TOKEN)
  size_t parallel_parts = 4;
  uint64_t part_bytes = 16ULL << 20;  // asked for; the server rounds up to whole chunks
};

// `resumed_parts`: parts found on the server from an earlier, interrupted run.
Status PutToServer(const RemotePut& put, ThreadPool& pool, fs::TransferStats& stats,
                   uint64_t& resumed_parts);

}  // namespace strata::cli
