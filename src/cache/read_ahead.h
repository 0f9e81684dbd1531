// ReadAhead: per open file, which chunks to fetch before they are asked for.
//
// A reader whose reads continue where the last one ended is sequential: it gets a window of the
// next chunks in flight, starting at `initial` and doubling on every sequential read up to `max`.
// A read anywhere else is random: the window collapses and nothing is fetched ahead, so random
// access costs exactly the chunks it touches. Not thread-safe: one per open file, used under that
// file's lock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::cache {

struct ChunkRange {
  size_t begin = 0;  // first chunk index
  size_t end = 0;    // one past the last
  bool empty() const { return begin >= end; }
};

class ReadAhead {
 public:
  explicit ReadAhead(size_t initial = 2, size_t max = 32) : initial_(initial), max_(max) {}

  // Records a read of bytes [offset, offset + length) of a file of `chunk_count` chunks of
  // `chunk_size` bytes; returns the chunks to fetch ahead now (never ones returned before while
  // the reader stayed sequential).
  ChunkRange OnRead(uint64_t offset, uint64_t length, uint64_t chunk_size, size_t chunk_count);

  size_t window() const { return window_; }

 private:
  const size_t initial_;
  const size_t max_;
  uint64_t next_offset_ = 0;  // where a sequential reader reads next
  bool started_ = false;
  size_t window_ = 0;
  size_t requested_end_ = 0;  // chunks below this were already handed out
};

}  // namespace strata::cache
