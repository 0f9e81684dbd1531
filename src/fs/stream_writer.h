// StreamWriter: a file of unknown length arriving as a stream of bytes (an HTTP request body, a
// download), cut into chunks as it arrives and stored in parallel, then published at once.
//
// Memory is bounded whatever the file's size: one chunk being filled plus at most `in_flight`
// chunks being hashed, claimed and stored on the pool. Append blocks while that many are in
// flight, so a fast sender is held back by the store instead of filling memory. Nothing is
// visible in the volume until Commit; a writer dropped without Commit leaves only claimed chunks
// that the next gc reclaims.
// Not thread-safe: one producer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/thread_pool.h"
#include "fs/chunk_sink.h"
#include "fs/volume.h"

namespace strata::fs {

class StreamWriter {
 public:
  StreamWriter(Volume& volume, ThreadPool& pool, size_t in_flight = 4,
               ChunkSinkOptions sink_options = {});
  ~StreamWriter();
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  // The first error of a store so far is returned by this or a later call.
  Status Append(std::span<const uint8_t> bytes);
  // Waits for every chunk and publishes the file at `path` (replacing a file there); with
  // `make_parents`, missing parent directories are made first (only now: a stream that failed
  // leaves no trace).
  Result<meta::Attr> Commit(std::string_view path, uint32_t mode = 0644, bool make_parents = false);
  // Waits for every chunk; the content without publishing it.
  Result<meta::FileContent> Finish();

  uint64_t bytes() const { return size_; }
  size_t chunks_uploaded() const {
    MutexLock lock(mu_);
    return uploaded_;
  }

 private:
  Status FlushChunk();
  // Waits for every chunk: the content, not yet sealed.
  Result<meta::FileContent> WaitForChunks();
  std::unique_ptr<std::vector<uint8_t>> TakeBuffer();

  Volume& volume_;
  ChunkSink sink_;
  const uint64_t chunk_size_;
  uint64_t size_ = 0;
  std::unique_ptr<std::vector<uint8_t>> current_;
  size_t current_fill_ = 0;

  mutable Mutex mu_;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> spare_ GUARDED_BY(mu_);
  size_t uploaded_ GUARDED_BY(mu_) = 0;
  std::vector<ChunkId> chunks_ GUARDED_BY(mu_);
  TaskGroup stores_;  // last: destroyed (waited for) before what its tasks use
};

}  // namespace strata::fs
