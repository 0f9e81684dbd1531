#include "fs/volume.h"

#include <cstring>
#include <deque>
#include <unordered_set>

#include <fmt/core.h>

#include "base/split.h"
#include "fs/chunk_sink.h"
#include "fs/path.h"
#include "fs/tree_walk.h"

namespace strata::fs {

using meta::Attr;
using meta::FileType;
using meta::InodeId;

Result<std::unique_ptr<Volume>> Volume::Open(meta::MetaStore& meta, store::ObjectStore& objects,
                                             std::string_view name, cache::ChunkSource* reader) {
  RETURN_IF_ERROR(meta::ValidateVolumeName(name));
  ASSIGN_OR_RETURN(meta::VolumeInfo info, meta.GetVolume(name));
  return std::unique_ptr<Volume>(new Volume(meta, objects, std::move(info), reader));
}

Result<Attr> Volume::Walk(std::vector<std::string> names, bool follow, std::string_view path) {
  ASSIGN_OR_RETURN(Attr root, meta_.GetAttr(info_.root));
  std::vector<Attr> stack{root};  // the current directory and its ancestors, root first
  std::deque<std::string> pending(names.begin(), names.end());
  int hops = 0;
  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    if (stack.back().type != FileType::kDirectory) {
      return Status::NotDirectory(fmt::format("{}: a component is not a directory", path));
    }
    Result<Attr> child = meta_.Lookup(stack.back().ino, name);
    if (!child.ok()) {
      if (child.status().code() == Code::kNotFound) {
        return Status::NotFound(fmt::format("{}: no such file or directory", path));
      }
      return child.status().WithContext(path);
    }
    bool last = pending.empty();
    if (child->type == FileType::kSymlink && (!last || follow)) {
      if (++hops > kMaxSymlinkHops) {
        return Status::InvalidArgument(fmt::format("{}: too many levels of symbolic links", path));
      }
      ASSIGN_OR_RETURN(std::string target, meta_.ReadLink(child->ino));
      if (target.starts_with('/')) stack.resize(1);
      // "." and ".." are kept: they are resolved while walking.
      std::vector<std::string> more = SplitNonEmpty(target, '/');
      pending.insert(pending.begin(), more.begin(), more.end());
      continue;
    }
    stack.push_back(*child);
  }
  return stack.back();
}

Result<ParentRef> Volume::ResolveParent(std::string_view path) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
  if (names.empty()) return ParentRef{info_.root, ""};
  std::string leaf = std::move(names.back());
  names.pop_back();
  ASSIGN_OR_RETURN(Attr parent, Walk(std::move(names), /*follow=*/true, path));
  if (parent.type != FileType::kDirectory) {
    return Status::NotDirectory(fmt::format("{}: a component is not a directory", path));
  }
  return ParentRef{parent.ino, std::move(leaf)};
}

Result<Attr> Volume::Stat(std::string_view path, bool follow) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
  return Walk(std::move(names), follow, path);
}

Result<std::vector<meta::DirEntry>> Volume::List(std::string_view path) {
  ASSIGN_OR_RETURN(Attr attr, Stat(path, /*follow=*/true));
  if (attr.type != FileType::kDirectory) {
    return Status::NotDirectory(fmt::format("{}: not a directory", path));
  }
  return meta_.ReadDir(attr.ino);
}

Result<std::string> Volume::ReadLink(std::string_view path) {
  ASSIGN_OR_RETURN(Attr attr, Stat(path, /*follow=*/false));
  if (attr.type != FileType::kSymlink) {
    return Status::InvalidArgument(fmt::format("{}: not a symbolic link", path));
  }
  return meta_.ReadLink(attr.ino);
}

Result<meta::FileContent> Volume::Content(std::string_view path, Attr* attr_out) {
  ASSIGN_OR_RETURN(Attr attr, Stat(path, /*follow=*/true));
  if (attr.type == FileType::kDirectory) {
    return Status::IsDirectory(fmt::format("{}: is a directory", path));
  }
  if (attr_out) *attr_out = attr;
  Result<meta::FileContent> content = meta_.GetContent(attr.ino);
  if (!content.ok()) return content.status().WithContext(path);
  return content;
}

Result<Attr> Volume::Mkdir(std::string_view path, uint32_t mode, bool parents) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
  if (names.empty()) {
    if (parents) return meta_.GetAttr(info_.root);
    return Status::AlreadyExists(fmt::format("{}: the root directory exists", path));
  }
  meta::NewNode node{FileType::kDirectory, mode, 0, 0, 0, ""};
  if (!parents) {
    ASSIGN_OR_RETURN(ParentRef ref, ResolveParent(path));
    Result<Attr> made = meta_.MakeNode(ref.parent, ref.name, node);
    if (!made.ok()) return made.status().WithContext(fmt::format("mkdir {}", path));
    return made;
  }
  ASSIGN_OR_RETURN(Attr dir, meta_.GetAttr(info_.root));
  for (size_t i = 1; i <= names.size(); ++i) {
    std::vector<std::string> prefix(names.begin(), names.begin() + static_cast<ptrdiff_t>(i));
    std::string prefix_path = JoinPath(prefix);
    Result<Attr> existing = Walk(prefix, /*follow=*/true, prefix_path);
    if (existing.ok()) {
      if (existing->type != FileType::kDirectory) {
        return Status::NotDirectory(
            fmt::format("mkdir {}: {} is not a directory", path, prefix_path));
      }
      dir = *existing;
      continue;
    }
    if (existing.status().code() != Code::kNotFound) return existing.status();
    Result<Attr> made = meta_.MakeNode(dir.ino, names[i - 1], node);
    if (!made.ok() && made.status().code() == Code::kAlreadyExists) {
      made = Walk(prefix, /*follow=*/true, prefix_path);  // created concurrently
      if (made.ok() && made->type != FileType::kDirectory) {
        return Status::NotDirectory(
            fmt::format("mkdir {}: {} is not a directory", path, prefix_path));
      }
    }
    if (!made.ok()) return made.status().WithContext(fmt::format("mkdir {}", path));
    dir = *made;
  }
  return dir;
}

Result<Attr> Volume::Symlink(std::string_view target, std::string_view path) {
  if (target.empty()) return Status::InvalidArgument("symlink target is empty");
  if (target.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("symlink target contains a NUL byte");
  }
  ASSIGN_OR_RETURN(ParentRef ref, ResolveParent(path));
  if (ref.name.empty()) return Status::AlreadyExists("the root directory exists");
  meta::NewNode node{FileType::kSymlink, 0777, 0, 0, 0, std::string(target)};
  Result<Attr> made = meta_.MakeNode(ref.parent, ref.name, node);
  if (!made.ok()) return made.status().WithContext(fmt::format("symlink {}", path));
  return made;
}

Result<Attr> Volume::CommitFile(std::string_view path, const meta::NewNode& node,
                                const meta::FileContent& content) {
  ASSIGN_OR_RETURN(ParentRef ref, ResolveParent(path));
  if (ref.name.empty()) return Status::IsDirectory(fmt::format("{}: is a directory", path));
  Result<Attr> attr = meta_.CommitFile(ref.parent, ref.name, node, content);
  if (!attr.ok()) return attr.status().WithContext(path);
  return attr;
}

Status Volume::Rename(std::string_view src, std::string_view dst) {
  ASSIGN_OR_RETURN(ParentRef from, ResolveParent(src));
  ASSIGN_OR_RETURN(ParentRef to, ResolveParent(dst));
  if (from.name.empty() || to.name.empty()) {
    return Status::InvalidArgument("cannot rename the root directory, or onto it");
  }
  Status status = meta_.Rename(from.parent, from.name, to.parent, to.name);
  if (status.code() == Code::kNotFound) {
    return Status::NotFound(fmt::format("mv {} {}: no such file or directory", src, dst));
  }
  return status.WithContext(fmt::format("mv {} {}", src, dst));
}

Status Volume::Exchange(std::string_view a, std::string_view b) {
  ASSIGN_OR_RETURN(ParentRef first, ResolveParent(a));
  ASSIGN_OR_RETURN(ParentRef second, ResolveParent(b));
  if (first.name.empty() || second.name.empty()) {
    return Status::InvalidArgument("cannot exchange the root directory");
  }
  return meta_
      .Rename(first.parent, first.name, second.parent, second.name, meta::RenameMode::kExchange)
      .WithContext(fmt::format("exchange {} {}", a, b));
}

Status Volume::RemoveTree(const Attr& dir, const std::string& path) {
  TreeVisitor remove;
  remove.enter = [&](const TreeEntry& e) -> Status {
    if (e.attr.type == FileType::kDirectory) return Status::OK();
    return meta_.Unlink(e.parent, e.name).WithContext(e.path);
  };
  remove.leave = [&](const TreeEntry& e) -> Status {
    if (e.depth == 0) return Status::OK();  // the caller removes the top
    return meta_.Rmdir(e.parent, e.name).WithContext(e.path);
  };
  return WalkTree(meta_, dir, path, remove);
}

Status Volume::Remove(std::string_view path, bool recursive) {
  ASSIGN_OR_RETURN(ParentRef ref, ResolveParent(path));
  if (ref.name.empty()) return Status::InvalidArgument("cannot remove the root directory");
  ASSIGN_OR_RETURN(Attr attr, Stat(path, /*follow=*/false));
  if (attr.type != FileType::kDirectory) {
    return meta_.Unlink(ref.parent, ref.name).WithContext(fmt::format("rm {}", path));
  }
  if (recursive) RETURN_IF_ERROR(RemoveTree(attr, JoinPath(*SplitPath(path))));
  Status status = meta_.Rmdir(ref.parent, ref.name);
  if (status.code() == Code::kNotEmpty) {
    return Status::NotEmpty(fmt::format("rm {}: directory not empty (use -r)", path));
  }
  return status.WithContext(fmt::format("rm {}", path));
}

Status Volume::Copy(std::string_view src, std::string_view dst, bool recursive) {
  ASSIGN_OR_RETURN(std::vector<std::string> src_names, SplitPath(src));
  ASSIGN_OR_RETURN(std::vector<std::string> dst_names, SplitPath(dst));
  ASSIGN_OR_RETURN(Attr attr, Stat(src, /*follow=*/false));
  std::string src_norm = JoinPath(src_names);
  std::string dst_norm = JoinPath(dst_names);
  if (attr.type != FileType::kDirectory) return CopyEntry(attr, src_norm, dst_norm);
  if (!recursive) return Status::IsDirectory(fmt::format("cp {}: is a directory (use -r)", src));
  if (dst_norm == src_norm || dst_norm.starts_with(src_norm == "/" ? "/" : src_norm + "/")) {
    return Status::InvalidArgument(
        fmt::format("cp {} {}: cannot copy a directory into itself", src, dst));
  }
  // The source tree as it is now, read whole before anything is made (a copy never sees what
  // it makes).
  std::vector<TreeEntry> tree;
  TreeVisitor snapshot;
  snapshot.enter = [&](const TreeEntry& e) {
    tree.push_back(e);
    return Status::OK();
  };
  RETURN_IF_ERROR(WalkTree(meta_, attr, src_norm, snapshot));
  // The nearest existing directory on the way to the destination, symlinks followed, must not
  // be in the source: /l -> /d, cp -r /d /l/x would otherwise copy /d into itself (review M1).
  std::unordered_set<uint64_t> source_dirs;
  for (const TreeEntry& e : tree) {
    if (e.attr.type == FileType::kDirectory) source_dirs.insert(e.attr.ino.value);
  }
  for (std::vector<std::string> names = dst_names;; names.pop_back()) {
    Result<Attr> existing = Walk(names, /*follow=*/true, dst);
    if (existing.ok() && existing->type == FileType::kDirectory) {
      if (source_dirs.contains(existing->ino.value)) {
        return Status::InvalidArgument(fmt::format(
            "cp {} {}: cannot copy a directory into itself ({} is inside {}, through a symlink)",
            src, dst, dst, src));
      }
      break;
    }
    if (names.empty()) break;
  }
  const size_t src_prefix = src_norm == "/" ? 1 : src_norm.size() + 1;
  for (const TreeEntry& e : tree) {
    std::string target = e.depth == 0 ? dst_norm : ChildPath(dst_norm, e.path.substr(src_prefix));
    if (e.attr.type == FileType::kDirectory) {
      // Into an existing directory, a copy merges (as cp -r does).
      Result<Attr> made = Mkdir(target, e.attr.mode, /*parents=*/e.depth == 0);
      if (!made.ok() && made.status().code() == Code::kAlreadyExists) {
        Result<Attr> existing = Stat(target, /*follow=*/true);
        if (existing.ok() && existing->type == FileType::kDirectory) continue;
      }
      RETURN_IF_ERROR(made.status());
    } else {
      RETURN_IF_ERROR(CopyEntry(e.attr, e.path, target));
    }
  }
  return Status::OK();
}

Status Volume::CopyEntry(const Attr& src, std::string_view src_path, std::string_view dst_path) {
  if (src.type == FileType::kRegular) {
    Result<meta::FileContent> content = meta_.GetContent(src.ino);
    if (!content.ok()) return content.status().WithContext(src_path);
    // The source could lose its last reference (rm) and its chunks go to a GC between reading
    // its chunk list and committing the copy: adopted (claimed, then checked present), they stay.
    ChunkSink sink(*this);
    RETURN_IF_ERROR(sink.Adopt(content->chunks, src_path));
    meta::NewNode node{FileType::kRegular, src.mode, src.uid, src.gid, src.mtime_ns, ""};
    return sink.Commit(dst_path, node, *std::move(content), src_path).status();
  }
  ASSIGN_OR_RETURN(std::string target, meta_.ReadLink(src.ino));
  Result<Attr> existing = Stat(dst_path, /*follow=*/false);
  if (existing.ok()) {
    if (existing->type == FileType::kDirectory) {
      return Status::IsDirectory(fmt::format("cp: {} is a directory", dst_path));
    }
    RETURN_IF_ERROR(Remove(dst_path, false));
  }
  return Symlink(target, dst_path).status();
}

Status Volume::ReadChunk(const meta::FileContent& content, size_t index, std::span<uint8_t> out,
                         std::string_view path) {
  if (index >= content.chunks.size() ||
      out.size() != meta::ChunkLength(content.size_bytes, info_.chunk_size_bytes, index)) {
    return Status::Internal(fmt::format("{}: bad read of chunk {}", path, index));
  }
  const ChunkId& id = content.chunks[index];
  if (id.is_hole()) {
    std::memset(out.data(), 0, out.size());
    return Status::OK();
  }
  return (reader_ ? reader_->Read(id, out) : chunks_.Read(id, out))
      .WithContext(fmt::format("{} (chunk {} of {})", path, index, content.chunks.size()));
}

}  // namespace strata::fs
