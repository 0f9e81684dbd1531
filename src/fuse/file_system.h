// FileSystem: what the FUSE adapter (fuse_ops.cc) asks of a mounted tree — a volume (VolumeFs)
// or a bucket of plain objects (BucketFs). It speaks in inode numbers and Status, not in libfuse
// types, so the rules live in the implementations and the adapter only translates and replies.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meta/types.h"

namespace strata::fuse {

// Who is asking: new inodes belong to them.
struct Caller {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// setattr(2)'s changes; unset fields are kept.
struct SetAttrRequest {
  meta::AttrChange change;
  std::optional<uint64_t> size;
};

// What open and create hand back to the kernel.
struct OpenedFile {
  uint64_t handle = 0;
  bool keep_cache = false;  // the kernel's cached pages are of the current version
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The root's inode number (the adapter swaps it with FUSE's 1 if they differ).
  virtual meta::InodeId root() const = 0;

  virtual Result<meta::Attr> Lookup(meta::InodeId parent, std::string_view name) = 0;
  virtual Result<meta::Attr> GetAttr(meta::InodeId ino) = 0;
  virtual Result<meta::Attr> SetAttr(meta::InodeId ino, const SetAttrRequest& request) = 0;
  virtual Result<std::string> ReadLink(meta::InodeId ino) = 0;
  virtual Result<std::vector<meta::DirEntry>> ReadDir(meta::InodeId dir) = 0;

  // mkdir, symlink, and mknod of a regular file.
  virtual Result<meta::Attr> MakeNode(meta::InodeId parent, std::string_view name,
                                      meta::NewNode node, const Caller& caller) = 0;
  virtual Result<meta::Attr> Link(meta::InodeId ino, meta::InodeId parent,
                                  std::string_view name) = 0;
  virtual Status Unlink(meta::InodeId parent, std::string_view name) = 0;
  virtual Status Rmdir(meta::InodeId parent, std::string_view name) = 0;
  virtual Status Rename(meta::InodeId parent, std::string_view name, meta::InodeId new_parent,
                        std::string_view new_name, meta::RenameMode mode) = 0;

  // `flags` as open(2)'s. NotFound if the inode no longer exists (the adapter says ESTALE, so
  // that the kernel looks the name up again).
  virtual Result<OpenedFile> Open(meta::InodeId ino, int flags) = 0;
  virtual Result<std::pair<meta::Attr, OpenedFile>> Create(meta::InodeId parent,
                                                           std::string_view name, uint32_t mode,
                                                           int flags, const Caller& caller) = 0;
  virtual Result<size_t> Read(uint64_t handle, uint64_t offset, std::span<uint8_t> out) = 0;
  virtual Status Write(uint64_t handle, uint64_t offset, std::span<const uint8_t> data) = 0;
  // Publishes the file's writes (close and fsync).
  virtual Status Flush(uint64_t handle) = 0;
  // The handle is closed; the last one on a file publishes what is left.
  virtual Status Release(uint64_t handle) = 0;
  // Publishes every file still being written (at unmount).
  virtual Status FlushAll() = 0;
};

}  // namespace strata::fuse
