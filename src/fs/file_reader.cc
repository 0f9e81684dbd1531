#include "fs/file_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace strata::fs {

FileReader::FileReader(Volume& volume, ThreadPool& pool, meta::FileContent content,
                       std::string path)
    : volume_(volume),
      pool_(pool),
      content_(std::move(content)),
      path_(std::move(path)),
      chunk_size_(volume.chunk_size_bytes()) {}

FileReader::~FileReader() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return in_flight_ == 0; });
}

void FileReader::StartReadAhead(const cache::ChunkRange& range) {
  for (size_t i = range.begin; i < range.end; ++i) {
    ++in_flight_;
    pool_.Submit([this, i] {
      // Only warms the tiers: a failure here is reported by the read that needs the chunk.
      std::unique_ptr<uint8_t[]> scratch;
      uint64_t length = meta::ChunkLength(content_.size_bytes, chunk_size_, i);
      scratch.reset(new uint8_t[length]);
      try {
        (void)volume_.ReadChunk(content_, i, {scratch.get(), length}, path_);
      } catch (...) {
      }
      std::lock_guard lock(mu_);
      if (--in_flight_ == 0) idle_.notify_all();
    });
  }
}

Result<size_t> FileReader::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= content_.size_bytes || out.empty()) return size_t{0};
  uint64_t length = std::min<uint64_t>(out.size(), content_.size_bytes - offset);
  std::lock_guard lock(mu_);
  StartReadAhead(ahead_.OnRead(offset, length, chunk_size_, content_.chunks.size()));
  uint64_t done = 0;
  while (done < length) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / chunk_size_);
    uint64_t in_chunk = at % chunk_size_;
    uint64_t chunk_length = meta::ChunkLength(content_.size_bytes, chunk_size_, index);
    uint64_t n = std::min(length - done, chunk_length - in_chunk);
    if (in_chunk == 0 && n == chunk_length) {
      // A whole chunk: straight into the caller's buffer.
      RETURN_IF_ERROR(volume_.ReadChunk(content_, index, out.subspan(done, n), path_));
    } else {
      if (last_index_ != index) {
        last_chunk_.resize(chunk_length);
        last_index_ = SIZE_MAX;
        RETURN_IF_ERROR(volume_.ReadChunk(content_, index, last_chunk_, path_));
        last_index_ = index;
      }
      std::memcpy(out.data() + done, last_chunk_.data() + in_chunk, n);
    }
    done += n;
  }
  return static_cast<size_t>(length);
}

}  // namespace strata::fs
