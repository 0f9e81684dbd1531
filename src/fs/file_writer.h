// FileWriter: the changes to one open file of a volume, until they are published.
//
// Written bytes go to a spill file on local disk (an unlinked temporary in the cache directory),
// never to RAM, so a 100 GiB file is written with a bounded memory footprint. The file is seen as
// its chunks: a chunk is either clean (its committed id is still right) or dirty (its bytes are in
// the spill file at the same offset). The first write into a clean chunk copies the committed
// chunk into the spill file (copy-on-write of touched chunks); holes read as zeros.
//
// A chunk whose last byte has been written is hashed and stored on the pool right away, so a
// sequential writer uploads while it writes; Commit stores what is left and publishes the new
// content in one metadata transaction (MetaStore::WriteContent). Readers elsewhere see the old
// content until then, and a crash before it loses only these uncommitted writes.
//
// Thread-safe: one FileWriter is shared by every handle open on the file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/mutex.h"
#include "base/posix.h"
#include "base/thread_pool.h"
#include "fs/chunk_sink.h"
#include "fs/file_reader.h"
#include "fs/volume.h"

namespace strata::fs {

class FileWriter {
 public:
  // `base` is the committed content of inode `ino`; `spill_dir` must exist; `path` names the
  // file in errors. Chunks stored longer than `renew_claims_after_ns` before a commit are
  // checked present again, and stored again if a gc took them.
  static Result<std::unique_ptr<FileWriter>> Open(
      std::shared_ptr<Volume> volume, ThreadPool& pool, meta::InodeId ino, meta::FileContent base,
      const std::string& spill_dir, std::string path,
      int64_t renew_claims_after_ns = kClaimRenewAfterNanos);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // FileTooLarge past meta::MaxFileBytes. Chunks never written are holes: they cost nothing
  // until written (a file truncated to 16 TiB stores no chunk).
  Status Write(uint64_t offset, std::span<const uint8_t> data);
  // Reads the file as written so far (uncommitted writes included); returns bytes read.
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out);
  // Cuts or extends (with zeros) the file to `size`.
  Status Truncate(uint64_t size);
  // The mtime Commit publishes (utimens on an open file); a later Write sets it to now again.
  void SetMtime(int64_t mtime_ns);

  uint64_t size() const;
  // True if there are writes not yet committed.
  bool dirty() const;

  // Stores every dirty chunk and publishes the content; the writer goes on from it. Does nothing
  // (returns nullopt) when nothing changed. NotFound if the inode is gone (its last name removed).
  Result<std::optional<meta::Attr>> Commit();

 private:
  struct DirtyChunk {
    // Set from the writer's counter by every change to the chunk's bytes. Never reused, not even
    // after a truncate drops the chunk and a write brings it back: a background store that
    // finishes late can never pass for the chunk's current bytes.
    uint64_t generation = 0;
    std::optional<ChunkId> stored;   // the id stored for `stored_generation`
    uint64_t stored_generation = 0;  // meaningful when `stored` is set
  };

  FileWriter(std::shared_ptr<Volume> volume, ThreadPool& pool, meta::InodeId ino,
             meta::FileContent base, UniqueFd spill, std::string path,
             int64_t renew_claims_after_ns);

  // Makes chunk `index` dirty, copying its committed bytes into the spill file first.
  Status MakeDirty(size_t index, bool will_overwrite_whole) REQUIRES(mu_);
  // Grows the file to `size` (REQUIRES: size > size_).
  Status Grow(uint64_t size) REQUIRES(mu_);
  // The length chunk `index` has at the current size.
  uint64_t ChunkLength(size_t index) const REQUIRES(mu_);
  // Reads `length` bytes of chunk `index` from the spill file, hashes, claims and stores them.
  // Called without mu_.
  Result<ChunkId> StoreChunk(size_t index, uint64_t length);
  // The bytes StoreChunk stores.
  Result<std::vector<uint8_t>> ReadSpillChunk(size_t index, uint64_t length);
  // FileTooLarge if [offset, offset + length) passes meta::MaxFileBytes.
  Status CheckSize(uint64_t offset, uint64_t length) const;
  // Starts storing a chunk that the writer has just filled.
  void StoreInBackground(size_t index) REQUIRES(mu_);
  // Waits (mu_ released meanwhile) until no store runs.
  void WaitForBackground() REQUIRES(mu_);
  const std::shared_ptr<Volume> volume_;
  ThreadPool& pool_;
  const meta::InodeId ino_;
  const std::string path_;
  const uint64_t chunk_size_;
  const UniqueFd spill_;
  ChunkSink sink_;  // reset at every commit: the oldest claim is of a chunk not yet committed

  mutable Mutex mu_;
  std::condition_variable background_done_;
  meta::FileContent base_ GUARDED_BY(mu_);                 // the last committed content
  std::unique_ptr<FileReader> base_read_ GUARDED_BY(mu_);  // reads clean chunks of base_
  size_t base_valid_chunks_ GUARDED_BY(mu_) = 0;           // base_ chunks still meaningful
  uint64_t size_ GUARDED_BY(mu_) = 0;
  std::map<size_t, DirtyChunk> dirty_ GUARDED_BY(mu_);
  bool size_changed_ GUARDED_BY(mu_) = false;
  std::optional<int64_t> mtime_ns_ GUARDED_BY(mu_);  // set by writes and SetMtime
  size_t background_ GUARDED_BY(mu_) = 0;            // stores in flight
  uint64_t last_generation_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata::fs
