#include "fs/gc.h"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include <fmt/core.h>

#include "core/clock.h"
#include "store/chunk_store.h"

namespace strata::fs {
namespace {

Status DeleteAll(store::ObjectStore& objects, ThreadPool& pool, const std::vector<ChunkId>& ids) {
  TaskGroup group(pool);
  for (const auto& id : ids) {
    group.Run([&objects, id] { return objects.Delete(store::ChunkKey(id)); });
  }
  return group.Wait();
}

}  // namespace

Result<GcReport> RunGc(meta::ChunkLedger& meta, store::ObjectStore& objects, ThreadPool& pool,
                       const GcOptions& options) {
  GcReport report;
  const int64_t start = options.clock->NowNanos();
  const int64_t cutoff = start - options.grace_ns;

  // Marks left by a GC that died between marking and unmarking: nobody has relied on those
  // chunks since they were marked (claims report them), so finish their deletion first.
  ASSIGN_OR_RETURN(std::vector<ChunkId> leftover, meta.ChunksBeingDeleted());
  report.leftover_marks = leftover.size();
  if (!options.dry_run && !leftover.empty()) {
    RETURN_IF_ERROR(DeleteAll(objects, pool, leftover));
    RETURN_IF_ERROR(meta.EndChunkDeletion(leftover));
  }

  // Files whose last name went before the cutoff are forgotten first, so their chunks count as
  // unused below. (A dry run counts them; their chunks then still count as in use.)
  ASSIGN_OR_RETURN(report.unlinked_purged, meta.PurgeUnlinked(cutoff, options.dry_run));
  // Likewise upload sessions past their expiry: their parts' chunks stop counting as used.
  if (!options.dry_run) {
    ASSIGN_OR_RETURN(report.expired_uploads, meta.ExpireUploads(options.clock->NowNanos()));
  }

  // Candidates: chunk objects written before the cutoff. Anything younger may belong to a put
  // that has not claimed or committed yet.
  std::vector<ChunkId> candidates;
  std::unordered_map<ChunkId, uint64_t, ChunkIdHash> sizes;
  RETURN_IF_ERROR(objects.List(store::kChunkKeyPrefix, [&](const store::ObjectInfo& info) {
    Result<ChunkId> id = store::ChunkIdFromKey(info.key);
    if (!id.ok()) {
      ++report.other_objects;
      return Status::OK();
    }
    ++report.chunk_objects;
    if (info.mtime_ns >= cutoff) {
      ++report.young;
      return Status::OK();
    }
    candidates.push_back(*id);
    sizes[*id] = info.size_bytes;
    return Status::OK();
  }));

  ASSIGN_OR_RETURN(std::vector<ChunkId> doomed,
                   meta.BeginChunkDeletion(candidates, cutoff, options.dry_run));
  report.kept = candidates.size() - doomed.size();
  report.deleted = doomed.size();
  for (const auto& id : doomed) report.deleted_bytes += sizes[id];
  if (options.after_marking) options.after_marking();
  if (!options.dry_run) {
    // If a delete fails, the marks stay: writers keep waiting on those chunks rather than trust
    // an object that may be half gone, and the next GC finishes the job.
    RETURN_IF_ERROR(DeleteAll(objects, pool, doomed));
    RETURN_IF_ERROR(meta.EndChunkDeletion(doomed));
    ASSIGN_OR_RETURN(report.expired_claims, meta.ExpireClaims(cutoff));
    ASSIGN_OR_RETURN(report.expired_kv, meta.PurgeExpiredKv(options.clock->NowNanos()));
  }
  ASSIGN_OR_RETURN(report.temporaries, objects.CleanTemporaries(options.grace_ns, options.dry_run));
  return report;
}

}  // namespace strata::fs
