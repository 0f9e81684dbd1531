// Namespace: volumes, the directory tree and file chunk lists; one transaction per call (see
// meta_store.h for the guarantees and the error table). What fs::Volume is built on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "meta/types.h"

namespace strata::meta {

class Namespace {
 public:
  virtual ~Namespace() = default;

  // Volumes.
  virtual Result<VolumeInfo> CreateVolume(std::string_view name, uint64_t chunk_size_bytes) = 0;
  virtual Result<VolumeInfo> GetVolume(std::string_view name) = 0;
  virtual Result<std::vector<VolumeInfo>> ListVolumes() = 0;

  // Reads.
  virtual Result<Attr> Lookup(InodeId parent, std::string_view name) = 0;
  virtual Result<Attr> GetAttr(InodeId ino) = 0;
  // Entries sorted by name.
  virtual Result<std::vector<DirEntry>> ReadDir(InodeId dir) = 0;
  virtual Result<std::string> ReadLink(InodeId ino) = 0;
  // The chunk list and size of a regular file, read together (one consistent version).
  virtual Result<FileContent> GetContent(InodeId ino) = 0;

  // Writes.
  // Creates a directory, empty regular file or symlink named `name` in `parent`.
  virtual Result<Attr> MakeNode(InodeId parent, std::string_view name, const NewNode& node) = 0;
  // Publishes a regular file's content under `name` in one transaction: creates the file (with
  // `node`'s mode/owner/mtime) or, if `name` is a regular file, replaces its content (bumping its
  // version; hard links see the new content; identical content, mode and mtime change nothing),
  // or if it is a symlink, replaces the link.
  // REQUIRES: every chunk in `content` is already stored.
  virtual Result<Attr> CommitFile(InodeId parent, std::string_view name, const NewNode& node,
                                  const FileContent& content) = 0;
  // Replaces the content of the regular file `ino`, whatever names it has now (the mount
  // publishing an open file). Bumps its version; mtime is `mtime_ns` (0: now), ctime now.
  // NotFound once its last name is gone; IsDirectory/InvalidArgument for other types.
  // REQUIRES: every chunk in `content` is already stored.
  virtual Result<Attr> WriteContent(InodeId ino, const FileContent& content, int64_t mtime_ns) = 0;
  // chmod, chown, utimens: changes what `change` sets and the ctime.
  virtual Result<Attr> SetAttr(InodeId ino, const AttrChange& change) = 0;
  // rename(2): moves `src_name` to `dst_name`, replacing a file there, or an empty directory when
  // the source is a directory. Renaming a name onto itself (or a hard link of itself) is a no-op.
  // kNoReplace fails with AlreadyExists where kReplace would replace; kExchange swaps two
  // existing entries of any types (NotFound unless both exist).
  virtual Status Rename(InodeId src_parent, std::string_view src_name, InodeId dst_parent,
                        std::string_view dst_name, RenameMode mode = RenameMode::kReplace) = 0;
  // Removes a non-directory name. When a regular file loses its last name its inode stays, with
  // nlink 0, until PurgeUnlinked: a mount that has it open, or opens it through a name it looked
  // up a moment before, still reads it whole, and its chunks stay referenced. Other inodes go
  // with their last name.
  virtual Status Unlink(InodeId parent, std::string_view name) = 0;
  // Removes an empty directory.
  virtual Status Rmdir(InodeId parent, std::string_view name) = 0;
  // A new name for an existing non-directory inode (a hard link).
  virtual Result<Attr> Link(InodeId ino, InodeId new_parent, std::string_view new_name) = 0;
  // Removes a volume and its whole tree. Its chunks stay in the store for GC to judge (other
  // volumes may share them).
  virtual Status DeleteVolume(std::string_view name) = 0;
};

}  // namespace strata::meta
