// SqlMetaStore: the chunk ledger (chunk_ledger.h): claims, deletion marks, purge of unlinked
// files and expiry.
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

Result<std::vector<ChunkId>> SqlMetaStore::ClaimChunks(const std::vector<ChunkId>& ids) {
  MutexLock lock(mu_);
  // A claim only matters while its writer runs, and with SQLite a machine crash ends the
  // writer too: it need not reach the disk before we go on (PostgreSQL ignores this).
  RETURN_IF_ERROR(conn_->SkipSyncOfNextCommit());
  // Built inside the body: PostgreSQL may run it again, and only the committed run counts.
  return Transact<std::vector<ChunkId>>([&]() REQUIRES(mu_) -> Result<std::vector<ChunkId>> {
    std::vector<ChunkId> being_deleted;
    int64_t now = clock_.NowNanos();
    for (const auto& id : ids) {
      std::string_view raw = RawId(id);
      {
        ASSIGN_OR_RETURN(auto s, conn_->Prepare("INSERT INTO chunk_claims (chunk, claimed_ns) "
                                                "VALUES (?, ?) ON CONFLICT (chunk) DO UPDATE "
                                                "SET claimed_ns = excluded.claimed_ns"));
        s->BindBlob(1, raw).Bind(2, now);
        RETURN_IF_ERROR(s->Exec());
      }
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM chunk_deletions WHERE chunk = ?"));
      s->BindBlob(1, raw);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) being_deleted.push_back(id);
    }
    return being_deleted;
  });
}

Result<std::vector<ChunkId>> SqlMetaStore::BeginChunkDeletion(
    const std::vector<ChunkId>& candidates, int64_t claimed_since_ns, bool dry_run) {
  MutexLock lock(mu_);
  // Built inside the body: a retried attempt may see a claim or a file the failed one did not,
  // and must not inherit that attempt's picks (they were never marked: it rolled back).
  return Transact<std::vector<ChunkId>>([&]() REQUIRES(mu_) -> Result<std::vector<ChunkId>> {
    std::vector<ChunkId> picked;
    std::unordered_set<ChunkId, ChunkIdHash> referenced;
    RETURN_IF_ERROR(
        ForEachFileLocked([&](InodeId, uint64_t, uint64_t, const std::vector<ChunkId>& chunks) {
          referenced.insert(chunks.begin(), chunks.end());
          return Status::OK();
        }));
    // The parts of upload sessions are not files yet, but will be.
    RETURN_IF_ERROR(sql::ForEachUploadChunk(
        *conn_, [&](const ChunkId& id, uint64_t) { referenced.insert(id); }));
    int64_t now = clock_.NowNanos();
    for (const auto& id : candidates) {
      if (referenced.count(id)) continue;
      std::string_view raw = RawId(id);
      {
        ASSIGN_OR_RETURN(auto s,
                         conn_->Prepare("SELECT claimed_ns FROM chunk_claims WHERE chunk = ?"));
        s->BindBlob(1, raw);
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (row && s->Int(0) >= claimed_since_ns) continue;
      }
      picked.push_back(id);
      if (dry_run) continue;
      ASSIGN_OR_RETURN(auto s,
                       conn_->Prepare("INSERT INTO chunk_deletions (chunk, since_ns) VALUES "
                                      "(?, ?) ON CONFLICT (chunk) DO UPDATE SET since_ns = "
                                      "excluded.since_ns"));
      s->BindBlob(1, raw).Bind(2, now);
      RETURN_IF_ERROR(s->Exec());
    }
    return picked;
  });
}

Result<std::vector<ChunkId>> SqlMetaStore::ChunksBeingDeleted() {
  MutexLock lock(mu_);
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT chunk FROM chunk_deletions"));
  std::vector<ChunkId> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    std::string_view raw = s->Blob(0);
    if (raw.size() != ChunkId::kSize) return Status::Corruption("bad chunk id in chunk_deletions");
    out.push_back(ChunkId::FromRaw({reinterpret_cast<const uint8_t*>(raw.data()), ChunkId::kSize}));
  }
  return out;
}

Status SqlMetaStore::EndChunkDeletion(const std::vector<ChunkId>& ids) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM chunk_deletions WHERE chunk = ?"));
      s->BindBlob(1, RawId(id));
      RETURN_IF_ERROR(s->Exec());
    }
    return Status::OK();
  });
}

Result<size_t> SqlMetaStore::PurgeUnlinked(int64_t unlinked_before_ns, bool dry_run) {
  MutexLock lock(mu_);
  size_t count = 0;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(
        auto s, conn_->Prepare(TypedSql(dry_run ? "SELECT COUNT(*) FROM inodes WHERE "
                                                  "nlink = 0 AND type = {regular} AND ctime_ns < ?"
                                                : "DELETE FROM inodes WHERE nlink = 0 AND "
                                                  "type = {regular} AND ctime_ns < ?")));
    s->Bind(1, unlinked_before_ns);
    if (dry_run) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      count = row ? static_cast<size_t>(s->Int(0)) : 0;
      return Status::OK();
    }
    RETURN_IF_ERROR(s->Exec());
    count = static_cast<size_t>(conn_->Changes());
    return Status::OK();
  }));
  return count;
}

Result<size_t> SqlMetaStore::ExpireClaims(int64_t before_ns) {
  MutexLock lock(mu_);
  size_t removed = 0;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM chunk_claims WHERE claimed_ns < ?"));
    s->Bind(1, before_ns);
    RETURN_IF_ERROR(s->Exec());
    removed = static_cast<size_t>(conn_->Changes());
    return Status::OK();
  }));
  return removed;
}

}  // namespace strata::meta
