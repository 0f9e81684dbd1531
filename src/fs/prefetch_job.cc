#include "fs/prefetch_job.h"

#include <atomic>
#include <memory>
#include <unordered_set>

#include <fmt/core.h>

#include "base/host_buffer.h"
#include "fs/path.h"
#include "fs/tree_walk.h"

namespace strata::fs {
namespace {

struct PlannedFile {
  PrefetchFile report;
  meta::FileContent content;
};

Status Plan(Volume& volume, const meta::Attr& attr, const std::string& path,
            std::vector<PlannedFile>& out) {
  switch (attr.type) {
    case meta::FileType::kRegular: {
      Result<meta::FileContent> content = volume.meta().GetContent(attr.ino);
      if (!content.ok()) return content.status().WithContext(path);
      PlannedFile file;
      file.report.path = path;
      file.report.size_bytes = content->size_bytes;
      file.report.chunks = content->chunks.size();
      file.content = std::move(*content);
      out.push_back(std::move(file));
      return Status::OK();
    }
    case meta::FileType::kDirectory:
      return Status::OK();  // its entries are visited by the walk
    case meta::FileType::kSymlink:
      return Status::OK();  // inside a tree, a link's target is prefetched where it lives
  }
  return Status::OK();
}

}  // namespace

Result<PrefetchReport> Prefetch(Volume& volume, cache::ChunkSource& source, ThreadPool& pool,
                                const std::vector<std::string>& paths, bool check_only,
                                TransferStats& stats) {
  std::vector<PlannedFile> files;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(path, /*follow=*/true));
    ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
    TreeVisitor plan;
    plan.enter = [&](const TreeEntry& e) { return Plan(volume, e.attr, e.path, files); };
    RETURN_IF_ERROR(WalkTree(volume.meta(), attr, JoinPath(names), plan));
  }
  const uint64_t chunk_size = volume.chunk_size_bytes();
  PrefetchReport report;
  std::atomic<uint64_t> fetched_bytes{0};
  std::atomic<size_t> fetched_chunks{0};
  {
    std::unordered_set<ChunkId, ChunkIdHash> planned;
    TaskGroup group(pool);
    for (PlannedFile& file : files) {
      stats.total_bytes += file.report.size_bytes;
      for (size_t i = 0; i < file.content.chunks.size() && !group.failed(); ++i) {
        const ChunkId& id = file.content.chunks[i];
        uint64_t length = meta::ChunkLength(file.content.size_bytes, chunk_size, i);
        if (id.is_hole() || !planned.insert(id).second || source.IsCached(id)) {
          stats.bytes_done += length;  // a duplicate, or already here
          continue;
        }
        if (check_only) continue;
        const std::string* path = &file.report.path;
        group.Run([&, id, i, length, path, count = file.content.chunks.size()]() -> Status {
          // Per worker, uninitialised (zero-filling a buffer the fetch overwrites is pure cost)
          // and aligned, so the disk cache can write it with direct I/O.
          thread_local std::shared_ptr<HostBuffer> scratch;
          if (!scratch || scratch->size() < length) {
            ASSIGN_OR_RETURN(scratch, HostBuffer::Allocate(length));
          }
          Result<bool> fetched = source.Warm(id, scratch->span().first(length));
          if (!fetched.ok()) {
            return fetched.status().WithContext(
                fmt::format("{} (chunk {} of {})", *path, i, count));
          }
          if (*fetched) {
            fetched_bytes += length;
            ++fetched_chunks;
          }
          stats.bytes_done += length;
          return Status::OK();
        });
      }
      if (!check_only) ++stats.files_done;
    }
    RETURN_IF_ERROR(group.Wait());
  }
  // What is cached now, per file.
  for (PlannedFile& file : files) {
    for (size_t i = 0; i < file.content.chunks.size(); ++i) {
      const ChunkId& id = file.content.chunks[i];
      if (id.is_hole() || source.IsCached(id)) {
        ++file.report.cached_chunks;
        file.report.cached_bytes += meta::ChunkLength(file.content.size_bytes, chunk_size, i);
      }
    }
    report.files.push_back(std::move(file.report));
  }
  report.fetched_bytes = fetched_bytes;
  report.fetched_chunks = fetched_chunks;
  return report;
}

}  // namespace strata::fs
