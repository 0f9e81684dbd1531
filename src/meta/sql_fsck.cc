// SqlMetaStore: what fsck asks of the metadata: every chunk reference, and the tree's own
// consistency.
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "base/posix.h"
#include "core/env.h"
#include "meta/sql_access.h"
#include "meta/sql_meta_store_impl.h"

namespace strata::meta {

Result<std::vector<ChunkRef>> SqlMetaStore::ReferencedChunks() {
  MutexLock lock(mu_);
  std::unordered_map<ChunkId, ChunkRef, ChunkIdHash> refs;
  RETURN_IF_ERROR(ForEachFileLocked(
      [&](InodeId ino, uint64_t size, uint64_t chunk_size, const std::vector<ChunkId>& chunks) {
        for (size_t i = 0; i < chunks.size(); ++i) {
          if (chunks[i].is_hole()) continue;  // stored nowhere: nothing to keep or check
          refs.try_emplace(chunks[i], ChunkRef{chunks[i], ChunkLength(size, chunk_size, i), ino});
        }
        return Status::OK();
      }));
  RETURN_IF_ERROR(sql::ForEachUploadChunk(*conn_, [&](const ChunkId& id, uint64_t length) {
    refs.try_emplace(id, ChunkRef{id, length, InodeId{0}});
  }));
  std::vector<ChunkRef> out;
  out.reserve(refs.size());
  for (auto& [id, ref] : refs) out.push_back(ref);
  return out;
}

Result<std::vector<std::string>> SqlMetaStore::CheckConsistency() {
  MutexLock lock(mu_);
  std::vector<std::string> problems;
  struct Check {
    const char* sql;
    const char* what;
  };
  static constexpr Check kChecks[] = {
      {"SELECT d.ino, d.parent FROM dentries d LEFT JOIN inodes i ON i.ino = d.ino "
       "WHERE i.ino IS NULL",
       "entry points to missing inode {} (in directory {})"},
      {"SELECT d.parent, d.ino FROM dentries d LEFT JOIN inodes p ON p.ino = d.parent "
       "WHERE p.ino IS NULL OR p.type != {directory}",
       "entries under {} (e.g. inode {}) whose parent is missing or not a directory"},
      {"SELECT i.ino, i.nlink FROM inodes i WHERE i.type != {directory} AND i.nlink != "
       "(SELECT COUNT(*) FROM dentries d WHERE d.ino = i.ino)",
       "inode {} has link count {} but a different number of names"},
      {"SELECT i.ino, i.nlink FROM inodes i WHERE i.type = {directory} AND i.nlink != 2 + "
       "(SELECT COUNT(*) FROM dentries d JOIN inodes c ON c.ino = d.ino "
       " WHERE d.parent = i.ino AND c.type = {directory})",
       "directory {} has link count {}, not 2 + its subdirectories"},
      {"SELECT i.ino, i.parent FROM inodes i WHERE i.type = {directory} "
       "AND i.ino NOT IN (SELECT root_ino FROM volumes) AND NOT EXISTS "
       "(SELECT 1 FROM dentries d WHERE d.ino = i.ino AND d.parent = i.parent)",
       "directory {} is not reachable from its recorded parent {}"},
      {"SELECT i.ino, i.volume_id FROM inodes i LEFT JOIN volumes v ON v.id = i.volume_id "
       "WHERE v.id IS NULL",
       "inode {} belongs to missing volume {}"},
  };
  for (const auto& check : kChecks) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(TypedSql(check.sql)));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      problems.push_back(fmt::format(fmt::runtime(check.what), s->Int(0), s->Int(1)));
    }
  }
  RETURN_IF_ERROR(ForEachFileLocked([&](InodeId ino, uint64_t size, uint64_t chunk_size,
                                        const std::vector<ChunkId>& chunks) {
    if (chunks.size() != ChunkCount(size, chunk_size)) {
      problems.push_back(fmt::format("file inode {} of {} bytes has {} chunks, needs {}", ino.value,
                                     size, chunks.size(), ChunkCount(size, chunk_size)));
    }
    return Status::OK();
  }));
  return problems;
}

// Calls `fn(ino, size, chunk_size, chunks)` for every regular file of every volume.
Status SqlMetaStore::ForEachFileLocked(
    const std::function<Status(InodeId, uint64_t, uint64_t, const std::vector<ChunkId>&)>& fn) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(TypedSql(
                               "SELECT i.ino, i.size, v.chunk_size, i.chunks FROM inodes i "
                               "JOIN volumes v ON v.id = i.volume_id WHERE i.type = {regular}")));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    InodeId ino{static_cast<uint64_t>(s->Int(0))};
    ASSIGN_OR_RETURN(std::vector<ChunkId> chunks,
                     sql::DecodeFileChunks(s->Blob(3), static_cast<uint64_t>(s->Int(1)),
                                           static_cast<uint64_t>(s->Int(2)),
                                           fmt::format("inode {}", ino.value)));
    RETURN_IF_ERROR(
        fn(ino, static_cast<uint64_t>(s->Int(1)), static_cast<uint64_t>(s->Int(2)), chunks));
  }
  return Status::OK();
}

}  // namespace strata::meta
