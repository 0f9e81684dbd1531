#include "cache/read_ahead.h"

#include <algorithm>

namespace strata::cache {

ChunkRange ReadAhead::OnRead(uint64_t offset, uint64_t length, uint64_t chunk_size,
                             size_t chunk_count) {
  // The first read counts as sequential only from the start of the file.
  bool sequential = started_ ? offset == next_offset_ : offset == 0;
  started_ = true;
  next_offset_ = offset + length;
  if (length == 0 || chunk_size == 0) return {};
  size_t last = static_cast<size_t>((offset + length - 1) / chunk_size);
  if (!sequential) {
    window_ = 0;
    requested_end_ = 0;
    return {};
  }
  window_ = window_ == 0 ? initial_ : std::min(max_, window_ * 2);
  ChunkRange range;
  range.begin = std::max(last + 1, requested_end_);
  range.end = std::min(chunk_count, last + 1 + window_);
  if (range.empty()) return {};
  requested_end_ = range.end;
  return range;
}

}  // namespace strata::cache
