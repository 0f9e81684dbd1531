// FileReader: positional reads of one volume file through the cache tiers, for adapters that
// read pieces at offsets (the mount, the server, Python).
//
// Chunks are read whole into slots that the reader keeps: a sequential reader gets the chunks
// ahead of it fetched into slots on the pool (cache::ReadAhead: a window that starts at 2 chunks
// and doubles up to `max_ahead`), and its reads are copies out of ready slots; a random reader
// gets exactly the chunks it touches. Concurrent reads of one file (the kernel sends several at
// once) wait only for the chunk they need; no lock is held while a chunk is fetched or copied.
// Memory: at most `max_ahead` + 4 chunk buffers, allocated once and reused.
// Thread-safe; the destructor waits for fetches still in flight. The reader owns a reference to
// the volume it reads through: its fetches on the pool may outlive every other owner (a download
// that ends inside the read-ahead window), and must never find the volume gone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/host_buffer.h"
#include "base/mutex.h"
#include "base/thread_pool.h"
#include "cache/read_ahead.h"
#include "fs/volume.h"

namespace strata::fs {

class FileReader {
 public:
  FileReader(std::shared_ptr<Volume> volume, ThreadPool& pool, meta::FileContent content,
             std::string path, size_t max_ahead = 8);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Reads up to out.size() bytes at `offset`; returns how many (0 at or past the end).
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out);
  uint64_t size() const { return content_.size_bytes; }

  // Up to `max_bytes` at `offset`, within one chunk, without a copy: the bytes stay valid while
  // `keep` is held (empty at or past the end). For senders that write straight from them.
  struct View {
    std::shared_ptr<const HostBuffer> keep;
    std::span<const uint8_t> bytes;
  };
  Result<View> ViewAt(uint64_t offset, uint64_t max_bytes);

 private:
  // One chunk, being fetched or ready. Its bytes never change once ready.
  struct Slot {
    std::shared_ptr<HostBuffer> buffer;
    bool ready = false;  // guarded by the reader's mu_
    Status status;       // guarded by the reader's mu_; meaningful when ready
  };

  // A new slot for chunk `index`, with a buffer.
  Result<std::shared_ptr<Slot>> NewSlot(size_t index) REQUIRES(mu_);
  // Fetches `index` into `slot` and marks it ready.
  void Fetch(size_t index, const std::shared_ptr<Slot>& slot) EXCLUDES(mu_);
  // Starts fetching the chunks read-ahead wants after a read of [offset, offset + length).
  void StartReadAhead(uint64_t offset, uint64_t length) REQUIRES(mu_);
  // Chunk `index`'s slot once its bytes are ready (fetched here if nobody is; mu_ is released
  // meanwhile).
  Result<std::shared_ptr<Slot>> ReadySlot(size_t index) REQUIRES(mu_);
  // Drops slots beyond the bound, those behind `position` first.
  void Evict(size_t position) REQUIRES(mu_);

  const std::shared_ptr<Volume> volume_;
  ThreadPool& pool_;
  const meta::FileContent content_;
  const std::string path_;
  const uint64_t chunk_size_;
  const size_t max_slots_;
  Mutex mu_;
  std::condition_variable changed_;
  cache::ReadAhead ahead_ GUARDED_BY(mu_);
  std::map<size_t, std::shared_ptr<Slot>> slots_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<HostBuffer>> spare_ GUARDED_BY(mu_);  // buffers to reuse
  size_t in_flight_ GUARDED_BY(mu_) = 0;                            // fetches on the pool
};

}  // namespace strata::fs
