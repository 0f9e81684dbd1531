// MetaStore: volumes, the directory tree and file chunk lists, with one transaction per call.
//
// Every method is atomic: it either happens whole or not at all, and concurrent callers (threads
// or processes sharing the store) see each call before or after, never in the middle. This is
// what makes "upload chunks, then CommitFile" and "write a temp file, then Rename" safe.
// Thread-safety: implementations are safe to call from many threads.
//
// Errors (besides IOError/Unavailable from the backend):
//   NotFound       a volume, inode or name that does not exist
//   AlreadyExists  CreateVolume/MakeNode/Link onto an existing name
//   NotDirectory   a parent that is not a directory; Rename of a directory onto a non-directory
//   IsDirectory    a file operation on a directory (Unlink, CommitFile over a directory, Rename of
//                  a non-directory onto a directory)
//   NotEmpty       Rmdir, or Rename onto, a non-empty directory
//   InvalidArgument bad names; Rename of a directory into its own subtree
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "meta/types.h"

namespace strata::meta {

class MetaStore {
 public:
  virtual ~MetaStore() = default;

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

  // Chunk lifecycle: the protocol that keeps GC from deleting a chunk a writer relies on
  // (docs/architecture.md, "Garbage collection").
  //
  // A writer claims each chunk before it checks whether the store has it. Returns the subset
  // that a GC is deleting right now: for those the writer must not trust a present object; it
  // claims again until the subset is empty (the deletion has finished), then uploads.
  virtual Result<std::vector<ChunkId>> ClaimChunks(const std::vector<ChunkId>& ids) = 0;
  // In one transaction, picks from `candidates` the chunks that no inode references and that
  // nobody claimed at or after `claimed_since_ns`; unless `dry_run`, marks them as being deleted
  // so that claims made from now on report them.
  virtual Result<std::vector<ChunkId>> BeginChunkDeletion(const std::vector<ChunkId>& candidates,
                                                          int64_t claimed_since_ns,
                                                          bool dry_run) = 0;
  // The chunks marked as being deleted (by a running GC, or one that died before it finished).
  virtual Result<std::vector<ChunkId>> ChunksBeingDeleted() = 0;
  // Clears deletion marks once the objects are gone.
  virtual Status EndChunkDeletion(const std::vector<ChunkId>& ids) = 0;
  // Deletes regular files that lost their last name before `unlinked_before_ns` (see Unlink);
  // returns how many (with `dry_run`, how many it would).
  virtual Result<size_t> PurgeUnlinked(int64_t unlinked_before_ns, bool dry_run) = 0;
  // Forgets claims made before `before_ns`; returns how many.
  virtual Result<size_t> ExpireClaims(int64_t before_ns) = 0;

  // For fsck: every (file, chunk) reference, one entry per distinct chunk.
  virtual Result<std::vector<ChunkRef>> ReferencedChunks() = 0;
  // For fsck: inconsistencies of the tree itself (dangling entries, unreachable inodes, wrong
  // link counts, chunk lists that do not fit the size), one line each; empty when consistent.
  virtual Result<std::vector<std::string>> CheckConsistency() = 0;

  // API tokens (the server's), found by the hash of their secret.
  virtual Result<TokenInfo> AddToken(std::string_view hash, const TokenInfo& info) = 0;
  virtual Result<std::vector<TokenInfo>> ListTokens() = 0;
  virtual Status RevokeToken(int64_t id) = 0;
  virtual Result<TokenInfo> FindToken(std::string_view hash) = 0;

  // KV stores: named maps of byte strings, each key with an optional expiry. An expired key
  // reads as absent; PurgeExpiredKv (run by gc) removes them.
  virtual Status KvSet(std::string_view store, std::string_view key, std::string_view value,
                       int64_t expires_ns) = 0;
  virtual Result<KvEntry> KvGet(std::string_view store, std::string_view key) = 0;
  virtual Status KvDelete(std::string_view store, std::string_view key) = 0;
  // Live keys after `after` in byte order, at most `limit`; values left out.
  virtual Result<std::vector<KvEntry>> KvList(std::string_view store, std::string_view after,
                                              size_t limit) = 0;
  virtual Result<size_t> PurgeExpiredKv(int64_t now_ns) = 0;

  // Resumable uploads (the server's). The parts of a session keep their chunks referenced (gc
  // keeps them) until it is completed, aborted or expired (ExpireUploads, run by gc).
  virtual Status CreateUpload(const UploadInfo& info) = 0;
  // NotFound for an unknown or expired session.
  virtual Result<UploadInfo> GetUpload(std::string_view id) = 0;
  // Records (or replaces) a part whose chunks are stored.
  virtual Status PutUploadPart(std::string_view id, const UploadPart& part) = 0;
  virtual Result<std::vector<UploadPart>> ListUploadParts(std::string_view id) = 0;
  // In one transaction: the parts, in order, become file `name` in `parent` (as CommitFile) and
  // the session ends. InvalidArgument when parts are missing or of the wrong size.
  virtual Result<Attr> CompleteUpload(std::string_view id, InodeId parent, std::string_view name,
                                      const NewNode& node) = 0;
  virtual Status AbortUpload(std::string_view id) = 0;
  virtual Result<size_t> ExpireUploads(int64_t now_ns) = 0;
};

}  // namespace strata::meta
