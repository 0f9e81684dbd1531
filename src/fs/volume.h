// Volume: one named namespace of files, as paths. The layer every adapter (CLI, mount, server,
// Python) speaks to; below it nothing knows about paths.
//
// Each mutating call is one metadata transaction (a recursive Remove or Copy is one per entry).
// Paths are resolved like POSIX: symlinks in the middle of a path are followed (at most
// kMaxSymlinkHops); the last name is followed only where the method says so. Symlink targets
// resolve inside the volume: ".." stops at the root, an absolute target starts at the root.
// Thread-safety: safe to use from many threads (the stores below it are).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/chunk_source.h"
#include "meta/meta_store.h"
#include "store/chunk_store.h"
#include "store/object_store.h"

namespace strata::fs {

inline constexpr int kMaxSymlinkHops = 40;

// Where a path's last name lives.
struct ParentRef {
  meta::InodeId parent;
  std::string name;  // empty for the root
};

class Volume {
 public:
  // NotFound (naming the volume) if it does not exist. Reads go through `reader` (the cache
  // tiers) when given, else straight to the store.
  static Result<std::unique_ptr<Volume>> Open(meta::MetaStore& meta, store::ObjectStore& objects,
                                              std::string_view name,
                                              cache::ChunkSource* reader = nullptr);

  const meta::VolumeInfo& info() const { return info_; }
  uint64_t chunk_size_bytes() const { return info_.chunk_size_bytes; }
  meta::MetaStore& meta() { return meta_; }
  store::ChunkStore& chunks() { return chunks_; }

  // The attributes of `path`; with `follow`, of what a final symlink points to.
  Result<meta::Attr> Stat(std::string_view path, bool follow = false);
  // The entries of a directory (following symlinks to it), sorted by name.
  Result<std::vector<meta::DirEntry>> List(std::string_view path);
  Result<std::string> ReadLink(std::string_view path);
  // A regular file's content (following symlinks to it). IsDirectory for a directory.
  Result<meta::FileContent> Content(std::string_view path, meta::Attr* attr = nullptr);

  // Creates a directory; with `parents`, also missing ancestors, and an existing directory at
  // `path` is not an error.
  Result<meta::Attr> Mkdir(std::string_view path, uint32_t mode, bool parents);
  Result<meta::Attr> Symlink(std::string_view target, std::string_view path);
  // Publishes a file whose chunks are all stored (see MetaStore::CommitFile).
  Result<meta::Attr> CommitFile(std::string_view path, const meta::NewNode& node,
                                const meta::FileContent& content);
  // rename(2) semantics; see MetaStore::Rename.
  Status Rename(std::string_view src, std::string_view dst);
  // Swaps two existing entries of any types in one transaction (renameat2 RENAME_EXCHANGE):
  // how a staged tree replaces a live one with no moment where neither is there.
  Status Exchange(std::string_view a, std::string_view b);
  // Removes a file, a symlink or an empty directory; with `recursive`, a directory and all below.
  Status Remove(std::string_view path, bool recursive);
  // Copies by chunk list: no chunk is read or written (they are claimed and checked present). A
  // directory needs `recursive`. The destination is replaced if it is a file, merged into if it is
  // a directory.
  Status Copy(std::string_view src, std::string_view dst, bool recursive);

  // Reads chunk `index` of `content` into `out` (exactly its length), verified against its id.
  // `path` only names the file in errors.
  Status ReadChunk(const meta::FileContent& content, size_t index, std::span<uint8_t> out,
                   std::string_view path);

  // Where `path`'s last name lives, resolving (and following symlinks in) everything before it.
  Result<ParentRef> ResolveParent(std::string_view path);

 private:
  Volume(meta::MetaStore& meta, store::ObjectStore& objects, meta::VolumeInfo info,
         cache::ChunkSource* reader)
      : meta_(meta), chunks_(objects), reader_(reader), info_(std::move(info)) {}

  // Resolves a list of names from the root, following symlinks; the last one only if `follow`.
  Result<meta::Attr> Walk(std::vector<std::string> names, bool follow, std::string_view path);
  Status RemoveTree(const meta::Attr& dir, const std::string& path);
  // A file or symlink copied by its chunk list or target.
  Status CopyEntry(const meta::Attr& src, std::string_view src_path, std::string_view dst_path);

  meta::MetaStore& meta_;
  store::ChunkStore chunks_;
  cache::ChunkSource* const reader_;  // may be null
  const meta::VolumeInfo info_;
};

}  // namespace strata::fs
