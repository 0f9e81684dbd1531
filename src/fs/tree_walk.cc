#include "fs/tree_walk.h"

#include <utility>
#include <vector>

#include <fmt/core.h>

#include "fs/path.h"
#include "meta/types.h"

namespace strata::fs {

Status WalkTree(meta::MetaStore& meta, const meta::Attr& root, const std::string& root_path,
                const TreeVisitor& visitor) {
  struct Frame {
    TreeEntry dir;
    std::vector<meta::DirEntry> entries;
    size_t next = 0;
  };
  std::vector<Frame> stack;
  // Enters `entry`; a directory to descend into is pushed with its entries.
  auto enter = [&](TreeEntry entry) -> Status {
    if (visitor.enter) RETURN_IF_ERROR(visitor.enter(entry));
    if (entry.attr.type != meta::FileType::kDirectory) return Status::OK();
    if (visitor.descend && !visitor.descend(entry)) {
      return visitor.leave ? visitor.leave(entry) : Status::OK();
    }
    if (entry.depth > kMaxTreeDepth) {
      return Status::InvalidArgument(
          fmt::format("{}: the tree is deeper than {} directories; work on a part of it",
                      entry.path, kMaxTreeDepth));
    }
    Result<std::vector<meta::DirEntry>> entries = meta.ReadDir(entry.attr.ino);
    if (!entries.ok()) return entries.status().WithContext(entry.path);
    stack.push_back(Frame{std::move(entry), std::move(*entries), 0});
    return Status::OK();
  };
  RETURN_IF_ERROR(enter(TreeEntry{root_path, root.ino, "", root, 0}));
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.entries.size()) {
      TreeEntry done = std::move(top.dir);
      stack.pop_back();
      if (visitor.leave) RETURN_IF_ERROR(visitor.leave(done));
      continue;
    }
    meta::DirEntry& e = top.entries[top.next++];
    if (Status valid = meta::ValidateName(e.name); !valid.ok()) {
      return valid.WithContext(fmt::format("an entry of {}", top.dir.path));
    }
    TreeEntry child{ChildPath(top.dir.path, e.name), top.dir.attr.ino, std::move(e.name), e.attr,
                    top.dir.depth + 1};
    RETURN_IF_ERROR(enter(std::move(child)));  // may grow `stack`: `top` is not used after
  }
  return Status::OK();
}

}  // namespace strata::fs
