// Counters a long transfer (put, get) updates as it goes, for progress display and summaries.
// Every field is atomic: workers add, a display thread reads.
#pragma once

#include <atomic>
#include <cstdint>

namespace strata::fs {

struct TransferStats {
  std::atomic<uint64_t> total_bytes{0};  // known once the source has been scanned
  std::atomic<uint64_t> bytes_done{0};   // read (put) or written (get) so far
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> dirs_done{0};
  std::atomic<uint64_t> symlinks_done{0};
  std::atomic<uint64_t> chunks_uploaded{0};  // put: new chunks written to the store
  std::atomic<uint64_t> chunks_present{0};   // put: chunks the store already had (dedup)
  std::atomic<uint64_t> skipped_special{0};  // put: sockets, fifos, devices (not stored)
};

}  // namespace strata::fs
