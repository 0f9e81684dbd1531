// FileReader: positional reads of one volume file through the cache tiers, for adapters that
// read pieces at offsets (the mount, the server, Python). A sequential reader gets chunks fetched
// ahead of it on the pool (cache::ReadAhead); a random reader gets exactly the chunks it touches.
// The last chunk read is kept, so small sequential reads inside one chunk cost one fetch.
// Thread-safe; the destructor waits for read-ahead still in flight.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "cache/read_ahead.h"
#include "core/thread_pool.h"
#include "fs/volume.h"

namespace strata::fs {

class FileReader {
 public:
  FileReader(Volume& volume, ThreadPool& pool, meta::FileContent content, std::string path);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Reads up to out.size() bytes at `offset`; returns how many (0 at or past the end).
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out);
  uint64_t size() const { return content_.size_bytes; }

 private:
  void StartReadAhead(const cache::ChunkRange& range);  // REQUIRES: mu_ held

  Volume& volume_;
  ThreadPool& pool_;
  const meta::FileContent content_;
  const std::string path_;
  const uint64_t chunk_size_;
  std::mutex mu_;
  std::condition_variable idle_;
  cache::ReadAhead ahead_;           // GUARDED_BY(mu_)
  size_t in_flight_ = 0;             // GUARDED_BY(mu_)
  size_t last_index_ = SIZE_MAX;     // GUARDED_BY(mu_): the chunk in last_chunk_
  std::vector<uint8_t> last_chunk_;  // GUARDED_BY(mu_)
};

}  // namespace strata::fs
