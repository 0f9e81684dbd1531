// SqlMetaStore: rename(2) and exchange, the subtlest of the namespace operations: a directory
// never moves into its own subtree, and nothing moves deeper than kMaxDirectoryDepth.
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

Status SqlMetaStore::Rename(InodeId src_parent, std::string_view src_name, InodeId dst_parent,
                            std::string_view dst_name, RenameMode mode) {
  RETURN_IF_ERROR(ValidateName(src_name));
  RETURN_IF_ERROR(ValidateName(dst_name));
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(uint64_t src_volume, RequireDirectory(src_parent));
    ASSIGN_OR_RETURN(uint64_t dst_volume, RequireDirectory(dst_parent));
    if (src_volume != dst_volume) {
      return Status::InvalidArgument("cannot rename across volumes");
    }
    ASSIGN_OR_RETURN(Attr src, LookupLocked(src_parent, src_name));
    if (src_parent == dst_parent && src_name == dst_name) return Status::OK();
    Result<Attr> dst = LookupLocked(dst_parent, dst_name);
    if (!dst.ok() && dst.status().code() != Code::kNotFound) return dst.status();
    if (dst.ok() && dst->ino == src.ino) return Status::OK();  // two links to one inode
    if (mode == RenameMode::kExchange) {
      if (!dst.ok()) return dst.status();
      return ExchangeLocked(src_parent, src_name, src, dst_parent, dst_name, *dst);
    }
    if (dst.ok() && mode == RenameMode::kNoReplace) {
      return Status::AlreadyExists(fmt::format("'{}' exists", dst_name));
    }
    bool src_is_dir = src.type == FileType::kDirectory;
    if (src_is_dir) {
      ASSIGN_OR_RETURN(bool inside, IsSelfOrDescendant(dst_parent, src.ino));
      if (inside) {
        return Status::InvalidArgument(
            fmt::format("cannot move directory '{}' into itself", src_name));
      }
      RETURN_IF_ERROR(RequireDepthForMove(src.ino, src_parent, dst_parent));
    }
    if (dst.ok()) {
      bool dst_is_dir = dst->type == FileType::kDirectory;
      if (src_is_dir && !dst_is_dir) {
        return Status::NotDirectory(fmt::format("'{}' is not a directory", dst_name));
      }
      if (!src_is_dir && dst_is_dir) {
        return Status::IsDirectory(fmt::format("'{}' is a directory", dst_name));
      }
      if (dst_is_dir) RETURN_IF_ERROR(RequireEmpty(dst->ino, dst_name));
      RETURN_IF_ERROR(RemoveEntry(dst_parent, dst_name, *dst));
    }
    int64_t now = clock_.NowNanos();
    RETURN_IF_ERROR(DeleteEntry(src_parent, src_name));
    RETURN_IF_ERROR(InsertEntry(dst_parent, dst_name, src.ino));
    if (src_is_dir && src_parent != dst_parent) {
      RETURN_IF_ERROR(SetParent(src.ino, dst_parent));
      RETURN_IF_ERROR(AddLinks(src_parent, -1));
      RETURN_IF_ERROR(AddLinks(dst_parent, 1));
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET ctime_ns = ? WHERE ino = ?"));
      s->Bind(1, now).Bind(2, src.ino);
      RETURN_IF_ERROR(s->Exec());
    }
    RETURN_IF_ERROR(TouchDirectory(src_parent, now));
    if (dst_parent != src_parent) RETURN_IF_ERROR(TouchDirectory(dst_parent, now));
    return Status::OK();
  });
}

// RENAME_EXCHANGE: each name now points at the other's inode.
Status SqlMetaStore::ExchangeLocked(InodeId src_parent, std::string_view src_name, const Attr& src,
                                    InodeId dst_parent, std::string_view dst_name,
                                    const Attr& dst) {
  bool src_is_dir = src.type == FileType::kDirectory;
  bool dst_is_dir = dst.type == FileType::kDirectory;
  if (src_parent != dst_parent) {
    // Neither directory may end up inside itself.
    for (auto [dir, moved] : {std::pair{dst_parent, src}, std::pair{src_parent, dst}}) {
      if (moved.type != FileType::kDirectory) continue;
      ASSIGN_OR_RETURN(bool inside, IsSelfOrDescendant(dir, moved.ino));
      if (inside) return Status::InvalidArgument("cannot move a directory into itself");
    }
    if (src_is_dir) RETURN_IF_ERROR(RequireDepthForMove(src.ino, src_parent, dst_parent));
    if (dst_is_dir) RETURN_IF_ERROR(RequireDepthForMove(dst.ino, dst_parent, src_parent));
  }
  int64_t now = clock_.NowNanos();
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("UPDATE dentries SET ino = ? WHERE parent = ? AND name = ?"));
  s->Bind(1, dst.ino).Bind(2, src_parent).BindBlob(3, src_name);
  RETURN_IF_ERROR(s->Exec());
  s->Reset();
  s->Bind(1, src.ino).Bind(2, dst_parent).BindBlob(3, dst_name);
  RETURN_IF_ERROR(s->Exec());
  if (src_parent != dst_parent) {
    if (src_is_dir) RETURN_IF_ERROR(SetParent(src.ino, dst_parent));
    if (dst_is_dir) RETURN_IF_ERROR(SetParent(dst.ino, src_parent));
    int delta = static_cast<int>(src_is_dir) - static_cast<int>(dst_is_dir);
    if (delta != 0) {
      RETURN_IF_ERROR(AddLinks(src_parent, -delta));
      RETURN_IF_ERROR(AddLinks(dst_parent, delta));
    }
  }
  ASSIGN_OR_RETURN(auto touch, conn_->Prepare("UPDATE inodes SET ctime_ns = ? WHERE ino IN "
                                              "(?, ?)"));
  touch->Bind(1, now).Bind(2, src.ino).Bind(3, dst.ino);
  RETURN_IF_ERROR(touch->Exec());
  RETURN_IF_ERROR(TouchDirectory(src_parent, now));
  if (dst_parent != src_parent) RETURN_IF_ERROR(TouchDirectory(dst_parent, now));
  return Status::OK();
}

// Directory `moved` from `from` into `to`: its subtree must still fit. Only a move deeper can
// break the bound, and only then is the subtree's height measured (one recursive query).
Status SqlMetaStore::RequireDepthForMove(InodeId moved, InodeId from, InodeId to) {
  if (from == to) return Status::OK();
  ASSIGN_OR_RETURN(size_t from_depth, DepthOf(from));
  ASSIGN_OR_RETURN(size_t to_depth, DepthOf(to));
  if (to_depth <= from_depth) return Status::OK();
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(fmt::format(
                               "WITH RECURSIVE sub(ino, h) AS (SELECT CAST(? AS BIGINT), 0 "
                               "UNION ALL SELECT d.ino, sub.h + 1 FROM sub JOIN dentries d ON "
                               "d.parent = sub.ino JOIN inodes i ON i.ino = d.ino WHERE i.type = "
                               "{} AND sub.h <= {}) SELECT MAX(h) FROM sub",
                               static_cast<int>(FileType::kDirectory), kMaxDirectoryDepth)));
  s->Bind(1, moved);
  ASSIGN_OR_RETURN(bool row, s->Step());
  size_t height = row ? static_cast<size_t>(s->Int(0)) : 0;
  s->Reset();
  return RequireDepthFor(to, height);
}

Result<bool> SqlMetaStore::IsSelfOrDescendant(InodeId dir, InodeId ancestor) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT parent FROM inodes WHERE ino = ?"));
  InodeId cur = dir;
  for (;;) {
    if (cur == ancestor) return true;
    s->Bind(1, cur);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::Corruption(fmt::format("directory inode {} is missing", cur.value));
    InodeId parent{static_cast<uint64_t>(s->Int(0))};
    s->Reset();
    if (parent == cur) return false;  // the root
    cur = parent;
  }
}

}  // namespace strata::meta
