#include "fs/disk_usage.h"

#include <set>
#include <unordered_set>

#include "core/chunk_id.h"
#include "fs/tree_walk.h"

namespace strata::fs {
namespace {

struct Walker {
  Volume& volume;
  Usage usage;
  std::set<meta::InodeId> seen_files;
  std::unordered_set<ChunkId, ChunkIdHash> seen_chunks;

  Status Visit(const meta::Attr& attr) {
    switch (attr.type) {
      case meta::FileType::kSymlink:
        ++usage.symlinks;
        return Status::OK();
      case meta::FileType::kRegular: {
        if (!seen_files.insert(attr.ino).second) return Status::OK();  // another hard link
        ++usage.files;
        ASSIGN_OR_RETURN(meta::FileContent content, volume.meta().GetContent(attr.ino));
        usage.logical_bytes += content.size_bytes;
        for (size_t i = 0; i < content.chunks.size(); ++i) {
          if (content.chunks[i].is_hole()) continue;  // stored nowhere
          ++usage.chunk_refs;
          if (seen_chunks.insert(content.chunks[i]).second) {
            ++usage.unique_chunks;
            usage.stored_bytes +=
                meta::ChunkLength(content.size_bytes, volume.chunk_size_bytes(), i);
          }
        }
        return Status::OK();
      }
      case meta::FileType::kDirectory:
        ++usage.directories;
        return Status::OK();
    }
    return Status::Internal("unknown file type");
  }
};

}  // namespace

Result<Usage> DiskUsage(Volume& volume, std::string_view path) {
  ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(path, /*follow=*/true));
  Walker walker{volume, {}, {}, {}};
  TreeVisitor visit;
  visit.enter = [&](const TreeEntry& e) { return walker.Visit(e.attr); };
  RETURN_IF_ERROR(WalkTree(volume.meta(), attr, std::string(path), visit));
  return walker.usage;
}

}  // namespace strata::fs
