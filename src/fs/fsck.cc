#include "fs/fsck.h"

#include <mutex>
#include <unordered_set>

#include <fmt/core.h>

#include "store/chunk_store.h"

namespace strata::fs {

Result<FsckReport> RunFsck(meta::ChunkLedger& meta, store::ObjectStore& objects, ThreadPool& pool,
                           const FsckOptions& options) {
  FsckReport report;
  ASSIGN_OR_RETURN(report.problems, meta.CheckConsistency());

  // Metadata → store: every referenced chunk is there, with the length its files need.
  ASSIGN_OR_RETURN(std::vector<meta::ChunkRef> refs, meta.ReferencedChunks());
  report.files_checked_chunks = refs.size();
  std::mutex mu;
  store::ChunkStore chunks(objects);
  {
    TaskGroup group(pool);
    for (const auto& ref : refs) {
      group.Run([&, ref]() -> Status {
        std::string problem;
        uint64_t* counter = nullptr;
        Result<store::ObjectInfo> info = objects.Head(store::ChunkKey(ref.id));
        if (!info.ok()) {
          if (info.status().code() != Code::kNotFound) return info.status();
          problem =
              fmt::format("chunk {} is missing (used by inode {})", ref.id.Hex(), ref.ino.value);
          counter = &report.missing;
        } else if (info->size_bytes != ref.length_bytes) {
          problem = fmt::format("chunk {} has {} bytes, inode {} needs {}", ref.id.Hex(),
                                info->size_bytes, ref.ino.value, ref.length_bytes);
          counter = &report.wrong_size;
        } else if (options.deep) {
          thread_local std::vector<uint8_t> buffer;
          buffer.resize(ref.length_bytes);
          Status status = chunks.Read(ref.id, buffer);
          if (status.code() == Code::kCorruption) {
            problem = fmt::format("{} (used by inode {})", status.message(), ref.ino.value);
            counter = &report.corrupt;
          } else if (!status.ok()) {
            return status;
          }
        }
        if (!counter) return Status::OK();
        bool removed = false;
        if (options.repair && counter != &report.missing) {
          RETURN_IF_ERROR(objects.Delete(store::ChunkKey(ref.id)));
          removed = true;
          problem += "; removed it: put the files that use it again";
        }
        std::lock_guard lock(mu);
        ++*counter;
        if (removed) ++report.damaged_removed;
        report.problems.push_back(std::move(problem));
        return Status::OK();
      });
    }
    RETURN_IF_ERROR(group.Wait());
  }

  // Store → metadata: chunks nobody references are orphans, for gc (not an inconsistency: an
  // interrupted put or a deletion leaves them, by design).
  std::unordered_set<ChunkId, ChunkIdHash> referenced;
  for (const auto& ref : refs) referenced.insert(ref.id);
  RETURN_IF_ERROR(objects.List(store::kChunkKeyPrefix, [&](const store::ObjectInfo& info) {
    Result<ChunkId> id = store::ChunkIdFromKey(info.key);
    if (id.ok() && !referenced.count(*id)) {
      ++report.orphans;
      report.orphan_bytes += info.size_bytes;
    }
    return Status::OK();
  }));

  ASSIGN_OR_RETURN(report.temporaries, objects.CleanTemporaries(0, /*dry_run=*/true));
  if (options.repair) {
    ASSIGN_OR_RETURN(report.temporaries_removed,
                     objects.CleanTemporaries(kFsckTempAgeNanos, /*dry_run=*/false));
  }
  return report;
}

}  // namespace strata::fs
