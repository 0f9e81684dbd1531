#include "fs/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/core.h>

namespace strata::fs {
namespace {

// Enough stores in flight to keep a remote store busy, few enough that a fast writer does not
// queue the whole file behind them.
size_t MaxBackgroundStores(const ThreadPool& pool) { return std::max<size_t>(4, pool.size()); }

Result<UniqueFd> OpenSpillFile(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return PosixError(fmt::format("create a spill file in {}", dir), errno);
  }
  // File systems without O_TMPFILE: a named temporary, unlinked at once.
  std::string name = dir + "/.strata-spill-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return PosixError(fmt::format("create a spill file in {}", dir), errno);
  ::unlink(name.c_str());
  return UniqueFd(fd);
}

}  // namespace

Result<std::unique_ptr<FileWriter>> FileWriter::Open(std::shared_ptr<Volume> volume,
                                                     ThreadPool& pool, meta::InodeId ino,
                                                     meta::FileContent base,
                                                     const std::string& spill_dir, std::string path,
                                                     int64_t renew_claims_after_ns) {
  ASSIGN_OR_RETURN(UniqueFd spill, OpenSpillFile(spill_dir));
  return std::unique_ptr<FileWriter>(new FileWriter(std::move(volume), pool, ino, std::move(base),
                                                    std::move(spill), std::move(path),
                                                    renew_claims_after_ns));
}

FileWriter::FileWriter(std::shared_ptr<Volume> volume, ThreadPool& pool, meta::InodeId ino,
                       meta::FileContent base, UniqueFd spill, std::string path,
                       int64_t renew_claims_after_ns)
    : volume_(std::move(volume)),
      pool_(pool),
      ino_(ino),
      path_(std::move(path)),
      chunk_size_(volume_->chunk_size_bytes()),
      spill_(std::move(spill)),
      sink_(*volume_, ChunkSinkOptions{renew_claims_after_ns, {}}),
      base_(std::move(base)) {
  base_read_ = std::make_unique<FileReader>(volume_, pool_, base_, path_);
  base_valid_chunks_ = base_.chunks.size();
  size_ = base_.size_bytes;
}

FileWriter::~FileWriter() {
  MutexLock lock(mu_);
  WaitForBackground();
}

uint64_t FileWriter::size() const {
  MutexLock lock(mu_);
  return size_;
}

bool FileWriter::dirty() const {
  MutexLock lock(mu_);
  return !dirty_.empty() || size_changed_;
}

void FileWriter::SetMtime(int64_t mtime_ns) {
  MutexLock lock(mu_);
  mtime_ns_ = mtime_ns;
}

uint64_t FileWriter::ChunkLength(size_t index) const {
  return meta::ChunkLength(size_, chunk_size_, index);
}

Status FileWriter::MakeDirty(size_t index, bool will_overwrite_whole) {
  if (dirty_.contains(index)) return Status::OK();
  if (index < base_valid_chunks_ && !will_overwrite_whole) {
    // Copy-on-write: the committed bytes first, then the caller's write over them.
    std::vector<uint8_t> chunk(meta::ChunkLength(base_.size_bytes, chunk_size_, index));
    RETURN_IF_ERROR(volume_->ReadChunk(base_, index, chunk, path_));
    RETURN_IF_ERROR(PwriteAll(spill_.get(), chunk, index * chunk_size_, path_ + " (spill file)"));
  }
  dirty_.emplace(index, DirtyChunk{});
  return Status::OK();
}

Status FileWriter::Grow(uint64_t size) {
  // The old last chunk gets longer: its committed id no longer fits.
  if (size_ % chunk_size_ != 0) {
    size_t last = static_cast<size_t>(size_ / chunk_size_);
    RETURN_IF_ERROR(MakeDirty(last, false));
    dirty_[last].generation = ++last_generation_;
  }
  size_ = size;
  size_changed_ = true;
  return Status::OK();
}

Status FileWriter::Write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return Status::OK();
  MutexLock lock(mu_);
  uint64_t end = offset + data.size();
  RETURN_IF_ERROR(CheckSize(offset, data.size()));
  if (end > size_) RETURN_IF_ERROR(Grow(end));
  for (uint64_t done = 0; done < data.size();) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / chunk_size_);
    uint64_t in_chunk = at % chunk_size_;
    uint64_t n = std::min<uint64_t>(data.size() - done, chunk_size_ - in_chunk);
    uint64_t committed_length =
        index < base_valid_chunks_ ? meta::ChunkLength(base_.size_bytes, chunk_size_, index) : 0;
    RETURN_IF_ERROR(MakeDirty(index, in_chunk == 0 && n >= committed_length));
    RETURN_IF_ERROR(PwriteAll(spill_.get(), data.subspan(done, n), at, path_ + " (spill file)"));
    dirty_[index].generation = ++last_generation_;
    if (in_chunk + n == chunk_size_) StoreInBackground(index);
    done += n;
  }
  mtime_ns_ = volume_->meta().clock().NowNanos();
  // Backpressure: a writer faster than the store waits here, not in an unbounded queue.
  while (background_ >= 2 * MaxBackgroundStores(pool_)) lock.Wait(background_done_);
  return Status::OK();
}

Status FileWriter::CheckSize(uint64_t offset, uint64_t length) const {
  uint64_t max = meta::MaxFileBytes(chunk_size_);
  if (offset > max || length > max - offset) {
    return Status::FileTooLarge(
        fmt::format("{}: {} bytes at offset {} would pass the largest file size, {} bytes", path_,
                    length, offset, max));
  }
  return Status::OK();
}

Status FileWriter::Truncate(uint64_t size) {
  RETURN_IF_ERROR(CheckSize(size, 0));
  MutexLock lock(mu_);
  if (size == size_) return Status::OK();
  mtime_ns_ = volume_->meta().clock().NowNanos();
  if (size > size_) return Grow(size);
  size_t kept_chunks = meta::ChunkCount(size, chunk_size_);
  if (size % chunk_size_ != 0) {  // the new last chunk is cut: its bytes change
    size_t last = kept_chunks - 1;
    RETURN_IF_ERROR(MakeDirty(last, false));
    dirty_[last].generation = ++last_generation_;
  }
  dirty_.erase(dirty_.lower_bound(kept_chunks), dirty_.end());
  base_valid_chunks_ = std::min<size_t>(base_valid_chunks_, size / chunk_size_);
  // Zeroes the spill file past the new end, so a later extension reads zeros there.
  if (::ftruncate(spill_.get(), static_cast<off_t>(size)) != 0) {
    return PosixError(path_ + " (spill file): truncate", errno);
  }
  size_ = size;
  size_changed_ = true;
  return Status::OK();
}

Result<size_t> FileWriter::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  MutexLock lock(mu_);
  if (offset >= size_ || out.empty()) return size_t{0};
  uint64_t length = std::min<uint64_t>(out.size(), size_ - offset);
  for (uint64_t done = 0; done < length;) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / chunk_size_);
    uint64_t n = std::min<uint64_t>(length - done, chunk_size_ - at % chunk_size_);
    std::span<uint8_t> piece = out.subspan(done, n);
    size_t got = 0;
    if (dirty_.contains(index)) {
      ASSIGN_OR_RETURN(got, PreadFull(spill_.get(), piece, at, path_ + " (spill file)"));
    } else if (index < base_valid_chunks_) {
      ASSIGN_OR_RETURN(got, base_read_->ReadAt(at, piece));
    }
    std::memset(piece.data() + got, 0, n - got);  // holes and the sparse end read as zeros
    done += n;
  }
  return static_cast<size_t>(length);
}

Result<std::vector<uint8_t>> FileWriter::ReadSpillChunk(size_t index, uint64_t length) {
  std::vector<uint8_t> chunk(length);
  ASSIGN_OR_RETURN(size_t got,
                   PreadFull(spill_.get(), chunk, index * chunk_size_, path_ + " (spill file)"));
  std::memset(chunk.data() + got, 0, length - got);
  return chunk;
}

Result<ChunkId> FileWriter::StoreChunk(size_t index, uint64_t length) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> chunk, ReadSpillChunk(index, length));
  ASSIGN_OR_RETURN(store::PutChunkResult put, sink_.Put(chunk));
  return put.id;
}

void FileWriter::StoreInBackground(size_t index) {
  uint64_t generation = dirty_[index].generation;
  uint64_t length = ChunkLength(index);
  ++background_;
  pool_.Submit([this, index, generation, length] {
    // A failure is not reported here: Commit stores the chunk again and reports it then.
    Result<ChunkId> id = Status::Internal("not stored");
    try {
      id = StoreChunk(index, length);
    } catch (...) {
    }
    MutexLock lock(mu_);
    auto it = dirty_.find(index);
    // Only if nothing changed the chunk while it was being stored.
    if (id.ok() && it != dirty_.end() && it->second.generation == generation &&
        ChunkLength(index) == length) {
      it->second.stored = *id;
      it->second.stored_generation = generation;
    }
    --background_;
    background_done_.notify_all();
  });
}

void FileWriter::WaitForBackground() {
  while (background_ != 0) mu_.Wait(background_done_);
}

Result<std::optional<meta::Attr>> FileWriter::Commit() {
  MutexLock lock(mu_);
  WaitForBackground();
  if (dirty_.empty() && !size_changed_) return std::optional<meta::Attr>();

  meta::FileContent content;
  content.size_bytes = size_;
  content.chunks.resize(meta::ChunkCount(size_, chunk_size_));
  {
    TaskGroup stores(pool_);
    for (size_t i = 0; i < content.chunks.size(); ++i) {
      auto it = dirty_.find(i);
      if (it == dirty_.end() && i < base_valid_chunks_) {
        content.chunks[i] = base_.chunks[i];
      } else if (it != dirty_.end() && it->second.stored &&
                 it->second.stored_generation == it->second.generation) {
        content.chunks[i] = *it->second.stored;
      } else if (it == dirty_.end()) {
        content.chunks[i] = ChunkId::Hole();  // never written: zeros, nothing stored
      } else {
        uint64_t length = ChunkLength(i);
        stores.Run([this, &content, i, length]() -> Status {
          ASSIGN_OR_RETURN(content.chunks[i], StoreChunk(i, length));
          return Status::OK();
        });
      }
    }
    RETURN_IF_ERROR(stores.Wait());
  }
  // Chunks kept from the committed version are claimed too: a GC must not take them between
  // now and the commit even if another writer has replaced that version meanwhile. Those are the
  // only ones this writer cannot store again.
  auto reread = [&](size_t i) REQUIRES(mu_) -> Result<std::vector<uint8_t>> {
    if (dirty_.count(i) == 0) {
      return Status::NotFound("a chunk of the version the file was opened at");
    }
    return ReadSpillChunk(i, ChunkLength(i));
  };
  ASSIGN_OR_RETURN(meta::Attr attr,
                   sink_.CommitContent(ino_, content, mtime_ns_.value_or(0), path_, reread));

  base_ = std::move(content);
  base_valid_chunks_ = base_.chunks.size();
  base_read_ = std::make_unique<FileReader>(volume_, pool_, base_, path_);
  dirty_.clear();
  sink_.Reset();
  size_changed_ = false;
  mtime_ns_.reset();
  if (::ftruncate(spill_.get(), 0) != 0) {
    return PosixError(path_ + " (spill file): truncate", errno);
  }
  return std::optional<meta::Attr>(attr);
}

}  // namespace strata::fs
