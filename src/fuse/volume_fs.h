// VolumeFs: a volume as a file system of inodes and open files, for the FUSE adapter.
//
// It speaks in meta::InodeId and Status, not in libfuse types, so the rules live here and the
// adapter (fuse_ops.cc) only translates and replies. What it adds to fs::Volume:
//
// - Open files. All handles on one inode share an OpenFile: readers read one committed version
//   through a FileReader; the first writable open adds a FileWriter, whose writes the other
//   handles see at once and other mounts see when the file is closed (flush) or fsynced. An open
//   file outlives its last name: it stays readable after unlink (POSIX), its writes then vanish.
// - Close-to-open: Open always asks the metadata for the current version, and says whether the
//   kernel's cached pages of the file are still that version (keep_cache).
// - Attributes of a file being written are the writer's (size, mtime), so the kernel's idea of
//   the size never moves backwards under a writer.
//
// Thread-safe. mu_ and an OpenFile's mu are never held together, and neither across store I/O:
// callers copy the reader/writer pointer under the file's mu and use it without. The FileWriter's
// own lock is held while it copies a committed chunk in (writes of one file wait for each other).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/thread_pool.h"
#include "fs/file_reader.h"
#include "fs/file_writer.h"
#include "fs/volume.h"
#include "fuse/file_system.h"

namespace strata::fuse {

class VolumeFs final : public FileSystem {
 public:
  // `spill_dir` holds the bytes of files being written (it must exist).
  VolumeFs(std::shared_ptr<fs::Volume> volume, ThreadPool& pool, std::string spill_dir);
  ~VolumeFs() override;

  meta::InodeId root() const override { return volume_->info().root; }

  Result<meta::Attr> Lookup(meta::InodeId parent, std::string_view name) override;
  Result<meta::Attr> GetAttr(meta::InodeId ino) override;
  Result<meta::Attr> SetAttr(meta::InodeId ino, const SetAttrRequest& request) override;
  Result<std::string> ReadLink(meta::InodeId ino) override;
  Result<std::vector<meta::DirEntry>> ReadDir(meta::InodeId dir) override;

  Result<meta::Attr> MakeNode(meta::InodeId parent, std::string_view name, meta::NewNode node,
                              const Caller& caller) override;
  Result<meta::Attr> Link(meta::InodeId ino, meta::InodeId parent, std::string_view name) override;
  Status Unlink(meta::InodeId parent, std::string_view name) override;
  Status Rmdir(meta::InodeId parent, std::string_view name) override;
  Status Rename(meta::InodeId parent, std::string_view name, meta::InodeId new_parent,
                std::string_view new_name, meta::RenameMode mode) override;

  Result<OpenedFile> Open(meta::InodeId ino, int flags) override;
  Result<std::pair<meta::Attr, OpenedFile>> Create(meta::InodeId parent, std::string_view name,
                                                   uint32_t mode, int flags,
                                                   const Caller& caller) override;
  Result<size_t> Read(uint64_t handle, uint64_t offset, std::span<uint8_t> out) override;
  Status Write(uint64_t handle, uint64_t offset, std::span<const uint8_t> data) override;
  Status Flush(uint64_t handle) override;
  Status Release(uint64_t handle) override;
  Status FlushAll() override;

 private:
  // What every handle on one inode shares.
  struct OpenFile {
    explicit OpenFile(const meta::Attr& a) : ino(a.ino), attr(a) {}

    const meta::InodeId ino;
    size_t handles = 0;  // guarded by VolumeFs::mu_

    Mutex mu;
    meta::Attr attr GUARDED_BY(mu);  // as last committed
    // Both are thread-safe: callers copy the pointer under `mu` and use it without, so no lock
    // of the file is held across store I/O.
    std::shared_ptr<fs::FileReader> reader GUARDED_BY(mu);  // while there is no writer
    std::shared_ptr<fs::FileWriter> writer GUARDED_BY(mu);
  };
  struct Handle;

  static Handle* HandleOf(uint64_t handle);
  std::shared_ptr<OpenFile> FindOpen(meta::InodeId ino);
  // The attributes a file being written has now, over the committed ones.
  meta::Attr Overlay(meta::Attr attr);
  Status EnsureWriter(OpenFile& file) REQUIRES(file.mu);
  Status Commit(OpenFile& file);
  Result<OpenedFile> OpenInode(const meta::Attr& attr, int flags);
  // Before `name` is removed or replaced.
  void ForgetKernelVersion(meta::InodeId parent, std::string_view name);

  const std::shared_ptr<fs::Volume> volume_;
  meta::MetaStore& meta_;
  ThreadPool& pool_;
  const std::string spill_dir_;

  Mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<OpenFile>> open_ GUARDED_BY(mu_);  // by inode
  // The version of each file whose pages the kernel may hold (the last one opened or written).
  std::unordered_map<uint64_t, uint64_t> kernel_versions_ GUARDED_BY(mu_);
};

}  // namespace strata::fuse
