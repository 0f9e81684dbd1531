// SqlMetaStore: MetaStore on one SqlConnection (SQLite or PostgreSQL), internal to meta/. The
// class is declared here and defined by concern, one file each: sql_namespace.cc (volumes, reads,
// writes), sql_rename.cc (rename and exchange), sql_chunk_ledger.cc (claims, deletions, purge),
// sql_fsck.cc, sql_service_tables.cc (tokens, KV, uploads) and sql_meta_store.cc (shared
// lookups and checks). Every public method takes mu_ and runs one transaction; the helpers and
// the transactions' bodies are REQUIRES(mu_), checked by the thread-safety analysis.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "meta/meta_store.h"
#include "meta/sql_connection.h"

namespace strata::meta {

inline constexpr const char* kInodeColumns =
    "i.ino, i.type, i.mode, i.uid, i.gid, i.size, i.nlink, i.atime_ns, i.mtime_ns, i.ctime_ns, "
    "i.version";

using Stmt = SqlStatement;

// `sql` with {regular} and {directory} replaced by those FileType values: statements name the
// enum, not the numbers the schema stores.
std::string TypedSql(std::string_view sql);

inline Attr AttrFromRow(const Stmt& s, int first) {
  Attr a;
  a.ino = InodeId{static_cast<uint64_t>(s.Int(first + 0))};
  a.type = static_cast<FileType>(s.Int(first + 1));
  a.mode = static_cast<uint32_t>(s.Int(first + 2));
  a.uid = static_cast<uint32_t>(s.Int(first + 3));
  a.gid = static_cast<uint32_t>(s.Int(first + 4));
  a.size_bytes = static_cast<uint64_t>(s.Int(first + 5));
  a.nlink = static_cast<uint32_t>(s.Int(first + 6));
  a.atime_ns = s.Int(first + 7);
  a.mtime_ns = s.Int(first + 8);
  a.ctime_ns = s.Int(first + 9);
  a.version = static_cast<uint64_t>(s.Int(first + 10));
  return a;
}

class SqlMetaStore final : public MetaStore {
 public:
  SqlMetaStore(std::unique_ptr<SqlConnection> conn, Clock& clock)
      : conn_(std::move(conn)), clock_(clock) {}

  Clock& clock() override { return clock_; }

  // ---- volumes ----
  Result<VolumeInfo> CreateVolume(std::string_view name, uint64_t chunk_size_bytes) override;
  Result<VolumeInfo> GetVolume(std::string_view name) override;
  Result<std::vector<VolumeInfo>> ListVolumes() override;

  // ---- reads ----
  Result<Attr> Lookup(InodeId parent, std::string_view name) override;
  Result<Attr> GetAttr(InodeId ino) override;
  Result<std::vector<DirEntry>> ReadDir(InodeId dir) override;
  Result<std::string> ReadLink(InodeId ino) override;
  Result<FileContent> GetContent(InodeId ino) override;

  // ---- writes ----
  Result<Attr> MakeNode(InodeId parent, std::string_view name, const NewNode& node) override;
  Result<Attr> CommitFile(InodeId parent, std::string_view name, const NewNode& node,
                          const FileContent& content) override;
  Result<Attr> WriteContent(InodeId ino, const FileContent& content, int64_t mtime_ns) override;
  Result<Attr> SetAttr(InodeId ino, const AttrChange& change) override;
  Status Rename(InodeId src_parent, std::string_view src_name, InodeId dst_parent,
                std::string_view dst_name, RenameMode mode) override;
  // RENAME_EXCHANGE: each name now points at the other's inode.
  Status ExchangeLocked(InodeId src_parent, std::string_view src_name, const Attr& src,
                        InodeId dst_parent, std::string_view dst_name, const Attr& dst)
      REQUIRES(mu_);
  Status Unlink(InodeId parent, std::string_view name) override;
  Status Rmdir(InodeId parent, std::string_view name) override;
  Result<Attr> Link(InodeId ino, InodeId new_parent, std::string_view new_name) override;
  Status DeleteVolume(std::string_view name) override;

  // ---- the server's tokens and KV stores ----
  Result<TokenInfo> AddToken(std::string_view hash, const TokenInfo& info) override;
  Result<std::vector<TokenInfo>> ListTokens() override;
  Status RevokeToken(int64_t id) override;
  Result<TokenInfo> FindToken(std::string_view hash) override;
  Status KvSet(std::string_view store, std::string_view key, std::string_view value,
               int64_t expires_ns) override;
  Result<KvEntry> KvGet(std::string_view store, std::string_view key) override;
  Status KvDelete(std::string_view store, std::string_view key) override;
  Result<std::vector<KvEntry>> KvList(std::string_view store, std::string_view after,
                                      size_t limit) override;
  Result<size_t> PurgeExpiredKv(int64_t now_ns) override;

  // ---- resumable uploads ----
  Status CreateUpload(const UploadInfo& info) override;
  Result<UploadInfo> GetUpload(std::string_view id) override;
  Status PutUploadPart(std::string_view id, const UploadPart& part) override;
  Result<std::vector<UploadPart>> ListUploadParts(std::string_view id) override;
  Result<Attr> CompleteUpload(std::string_view id, InodeId parent, std::string_view name,
                              const NewNode& node) override;
  Status AbortUpload(std::string_view id) override;
  Result<size_t> ExpireUploads(int64_t now_ns) override;

  // ---- chunk lifecycle ----
  Result<std::vector<ChunkId>> ClaimChunks(const std::vector<ChunkId>& ids) override;
  Result<std::vector<ChunkId>> BeginChunkDeletion(const std::vector<ChunkId>& candidates,
                                                  int64_t claimed_since_ns, bool dry_run) override;
  Result<std::vector<ChunkId>> ChunksBeingDeleted() override;
  Status EndChunkDeletion(const std::vector<ChunkId>& ids) override;
  Result<size_t> PurgeUnlinked(int64_t unlinked_before_ns, bool dry_run) override;
  Result<size_t> ExpireClaims(int64_t before_ns) override;

  // ---- fsck ----
  Result<std::vector<ChunkRef>> ReferencedChunks() override;
  Result<std::vector<std::string>> CheckConsistency() override;

 private:
  // ---- plumbing; REQUIRES: mu_ held ----
  static std::string_view RawId(const ChunkId& id) {
    return {reinterpret_cast<const char*>(id.bytes().data()), ChunkId::kSize};
  }
  // Calls `fn(ino, size, chunk_size, chunks)` for every regular file of every volume.
  Status ForEachFileLocked(
      const std::function<Status(InodeId, uint64_t, uint64_t, const std::vector<ChunkId>&)>& fn)
      REQUIRES(mu_);
  static VolumeInfo VolumeFromRow(const Stmt& s) {
    VolumeInfo v;
    v.id = static_cast<uint64_t>(s.Int(0));
    v.name = std::string(s.Blob(1));
    v.root = InodeId{static_cast<uint64_t>(s.Int(2))};
    v.chunk_size_bytes = static_cast<uint64_t>(s.Int(3));
    v.created_ns = s.Int(4);
    return v;
  }
  // `body`'s value, computed in one transaction (run again on a serialization failure).
  // REQUIRES: mu_ held.
  template <typename T>
  Result<T> Transact(const std::function<Result<T>()>& body) REQUIRES(mu_) {
    T out{};
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(out, body());
      return Status::OK();
    }));
    return out;
  }
  // CommitFile's work, in the caller's transaction.
  Result<Attr> CommitFileLocked(InodeId parent, std::string_view name, const NewNode& node,
                                const FileContent& content) REQUIRES(mu_);
  Result<VolumeInfo> GetVolumeLocked(std::string_view name) REQUIRES(mu_);
  Result<uint64_t> ChunkSizeOf(uint64_t volume_id) REQUIRES(mu_);
  Result<uint64_t> VolumeOf(InodeId ino) REQUIRES(mu_);
  Result<Attr> GetAttrLocked(InodeId ino) REQUIRES(mu_);
  Result<Attr> LookupLocked(InodeId parent, std::string_view name) REQUIRES(mu_);
  // OK with the directory's volume id if `ino` is a directory.
  Result<uint64_t> RequireDirectory(InodeId ino) REQUIRES(mu_);
  Status RequireAbsent(InodeId parent, std::string_view name) REQUIRES(mu_);
  Status RequireEmpty(InodeId dir, std::string_view name) REQUIRES(mu_);
  // True if `dir` is `ancestor` or lies below it; walks parent pointers up to the root.
  // How many directories below its volume's root `dir` is (the root, its own parent: 0), in
  // one recursive query (every mkdir asks: a round trip per level would cost PostgreSQL a
  // network trip per level); counting stops past kMaxDirectoryDepth.
  Result<size_t> DepthOf(InodeId dir) REQUIRES(mu_);
  // A directory `height` levels deep may go into `parent` (review M2: walks of deeper trees are
  // refused, so none may be made).
  Status RequireDepthFor(InodeId parent, size_t height) REQUIRES(mu_);
  // Directory `moved` from `from` into `to`: its subtree must still fit. Only a move deeper can
  // break the bound, and only then is the subtree's height measured (one recursive query).
  Status RequireDepthForMove(InodeId moved, InodeId from, InodeId to) REQUIRES(mu_);
  Result<bool> IsSelfOrDescendant(InodeId dir, InodeId ancestor) REQUIRES(mu_);
  Result<InodeId> InsertInode(uint64_t volume_id, const NewNode& node, InodeId parent,
                              uint32_t nlink, std::string_view target, int64_t now) REQUIRES(mu_);
  Result<bool> SameFile(InodeId ino, uint64_t size, std::string_view blob, uint32_t mode,
                        int64_t mtime) REQUIRES(mu_);
  Status InsertEntry(InodeId parent, std::string_view name, InodeId ino) REQUIRES(mu_);
  Status DeleteEntry(InodeId parent, std::string_view name) REQUIRES(mu_);
  // Removes the entry and one link of `attr`; deletes the inode with its last link.
  // A directory (REQUIRES: empty) also drops its parent's ".." link.
  Status RemoveEntry(InodeId parent, std::string_view name, const Attr& attr) REQUIRES(mu_);
  Status DeleteInode(InodeId ino) REQUIRES(mu_);
  Status AddLinks(InodeId ino, int delta) REQUIRES(mu_);
  Status SetParent(InodeId ino, InodeId parent) REQUIRES(mu_);
  Status TouchDirectory(InodeId dir, int64_t now) REQUIRES(mu_);

  Mutex mu_;  // one connection: callers take turns
  const std::unique_ptr<SqlConnection> conn_ PT_GUARDED_BY(mu_);
  Clock& clock_;
};

}  // namespace strata::meta
