// SqlMetaStore: volumes, reads and writes of the tree (sql_meta_store_impl.h).
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

Result<VolumeInfo> SqlMetaStore::CreateVolume(std::string_view name, uint64_t chunk_size_bytes) {
  RETURN_IF_ERROR(ValidateVolumeName(name));
  if (chunk_size_bytes < kMinChunkSize || chunk_size_bytes > kMaxChunkSize) {
    return Status::InvalidArgument(fmt::format("chunk size {} is outside [{}, {}]",
                                               chunk_size_bytes, kMinChunkSize, kMaxChunkSize));
  }
  MutexLock lock(mu_);
  VolumeInfo info;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    Result<VolumeInfo> existing = GetVolumeLocked(name);
    if (existing.ok()) return Status::AlreadyExists(fmt::format("volume '{}' exists", name));
    if (existing.status().code() != Code::kNotFound) return existing.status();
    int64_t now = clock_.NowNanos();
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("INSERT INTO volumes (name, root_ino, chunk_size, "
                                              "created_ns) VALUES (?, 0, ?, ?)"));
      s->BindText(1, name).Bind(2, static_cast<int64_t>(chunk_size_bytes)).Bind(3, now);
      RETURN_IF_ERROR(s->Exec());
    }
    ASSIGN_OR_RETURN(int64_t volume_id, conn_->LastInsertId());
    info.id = static_cast<uint64_t>(volume_id);
    NewNode root{FileType::kDirectory, 0755, 0, 0, now, ""};
    ASSIGN_OR_RETURN(InodeId root_ino, InsertInode(info.id, root, InodeId{0}, 2, "", now));
    RETURN_IF_ERROR(SetParent(root_ino, root_ino));
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE volumes SET root_ino = ? WHERE id = ?"));
    s->Bind(1, root_ino).Bind(2, static_cast<int64_t>(info.id));
    RETURN_IF_ERROR(s->Exec());
    info.name = std::string(name);
    info.root = root_ino;
    info.chunk_size_bytes = chunk_size_bytes;
    info.created_ns = now;
    return Status::OK();
  }));
  return info;
}

Result<VolumeInfo> SqlMetaStore::GetVolume(std::string_view name) {
  MutexLock lock(mu_);
  return GetVolumeLocked(name);
}

Result<std::vector<VolumeInfo>> SqlMetaStore::ListVolumes() {
  MutexLock lock(mu_);
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT id, name, root_ino, chunk_size, created_ns FROM "
                                          "volumes ORDER BY name"));
  std::vector<VolumeInfo> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(VolumeFromRow(*s));
  }
  return out;
}

Result<Attr> SqlMetaStore::Lookup(InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  return LookupLocked(parent, name);
}

Result<Attr> SqlMetaStore::GetAttr(InodeId ino) {
  MutexLock lock(mu_);
  return GetAttrLocked(ino);
}

Result<std::vector<DirEntry>> SqlMetaStore::ReadDir(InodeId dir) {
  MutexLock lock(mu_);
  ASSIGN_OR_RETURN(Attr attr, GetAttrLocked(dir));
  if (attr.type != FileType::kDirectory) {
    return Status::NotDirectory(fmt::format("inode {} is not a directory", dir.value));
  }
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare(fmt::format("SELECT d.name, {} FROM dentries d JOIN inodes i "
                                              "ON i.ino = d.ino WHERE d.parent = ? ORDER BY "
                                              "d.name",
                                              kInodeColumns)));
  s->Bind(1, dir);
  std::vector<DirEntry> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(DirEntry{std::string(s->Blob(0)), AttrFromRow(*s, 1)});
  }
  return out;
}

Result<std::string> SqlMetaStore::ReadLink(InodeId ino) {
  MutexLock lock(mu_);
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT type, target FROM inodes WHERE ino = ?"));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
  if (static_cast<FileType>(s->Int(0)) != FileType::kSymlink) {
    return Status::InvalidArgument(fmt::format("inode {} is not a symlink", ino.value));
  }
  return std::string(s->Blob(1));
}

Result<FileContent> SqlMetaStore::GetContent(InodeId ino) {
  MutexLock lock(mu_);
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("SELECT i.type, i.size, i.chunks, v.chunk_size FROM inodes i "
                                  "JOIN volumes v ON v.id = i.volume_id WHERE i.ino = ?"));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
  auto type = static_cast<FileType>(s->Int(0));
  if (type == FileType::kDirectory) {
    return Status::IsDirectory(fmt::format("inode {} is a directory", ino.value));
  }
  if (type != FileType::kRegular) {
    return Status::InvalidArgument(fmt::format("inode {} is not a regular file", ino.value));
  }
  FileContent content;
  content.size_bytes = static_cast<uint64_t>(s->Int(1));
  ASSIGN_OR_RETURN(content.chunks, sql::DecodeFileChunks(s->Blob(2), content.size_bytes,
                                                         static_cast<uint64_t>(s->Int(3)),
                                                         fmt::format("inode {}", ino.value)));
  return content;
}

Result<Attr> SqlMetaStore::MakeNode(InodeId parent, std::string_view name, const NewNode& node) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  Attr result;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(parent));
    RETURN_IF_ERROR(RequireAbsent(parent, name));
    int64_t now = clock_.NowNanos();
    uint32_t nlink = node.type == FileType::kDirectory ? 2 : 1;
    ASSIGN_OR_RETURN(InodeId ino,
                     InsertInode(volume_id, node, InodeId{0}, nlink, node.symlink_target, now));
    if (node.type == FileType::kDirectory) {
      RETURN_IF_ERROR(RequireDepthFor(parent, 0));
      RETURN_IF_ERROR(SetParent(ino, parent));
      RETURN_IF_ERROR(AddLinks(parent, 1));
    }
    RETURN_IF_ERROR(InsertEntry(parent, name, ino));
    RETURN_IF_ERROR(TouchDirectory(parent, now));
    ASSIGN_OR_RETURN(result, GetAttrLocked(ino));
    return Status::OK();
  }));
  return result;
}

Result<Attr> SqlMetaStore::CommitFile(InodeId parent, std::string_view name, const NewNode& node,
                                      const FileContent& content) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  return Transact<Attr>(
      [&]() REQUIRES(mu_) { return CommitFileLocked(parent, name, node, content); });
}

Result<Attr> SqlMetaStore::WriteContent(InodeId ino, const FileContent& content, int64_t mtime_ns) {
  MutexLock lock(mu_);
  Attr result;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(Attr attr, GetAttrLocked(ino));
    if (attr.nlink == 0) {
      return Status::NotFound(fmt::format("inode {} has no name any more", ino.value));
    }
    if (attr.type == FileType::kDirectory) {
      return Status::IsDirectory(fmt::format("inode {} is a directory", ino.value));
    }
    if (attr.type != FileType::kRegular) {
      return Status::InvalidArgument(fmt::format("inode {} is not a regular file", ino.value));
    }
    ASSIGN_OR_RETURN(uint64_t volume_id, VolumeOf(ino));
    ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(volume_id));
    RETURN_IF_ERROR(ValidateContent(content, chunk_size));
    int64_t now = clock_.NowNanos();
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET size = ?, chunks = ?, "
                                            "mtime_ns = ?, ctime_ns = ?, version = version + 1 "
                                            "WHERE ino = ?"));
    s->Bind(1, static_cast<int64_t>(content.size_bytes))
        .BindBlob(2, sql::EncodeChunks(content.chunks))
        .Bind(3, mtime_ns != 0 ? mtime_ns : now)
        .Bind(4, now)
        .Bind(5, ino);
    RETURN_IF_ERROR(s->Exec());
    ASSIGN_OR_RETURN(result, GetAttrLocked(ino));
    return Status::OK();
  }));
  return result;
}

Result<Attr> SqlMetaStore::SetAttr(InodeId ino, const AttrChange& change) {
  MutexLock lock(mu_);
  Attr result;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(Attr attr, GetAttrLocked(ino));
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET mode = ?, uid = ?, gid = ?, "
                                            "atime_ns = ?, mtime_ns = ?, ctime_ns = ? "
                                            "WHERE ino = ?"));
    s->Bind(1, change.mode.value_or(attr.mode) & 07777)
        .Bind(2, change.uid.value_or(attr.uid))
        .Bind(3, change.gid.value_or(attr.gid))
        .Bind(4, change.atime_ns.value_or(attr.atime_ns))
        .Bind(5, change.mtime_ns.value_or(attr.mtime_ns))
        .Bind(6, clock_.NowNanos())
        .Bind(7, ino);
    RETURN_IF_ERROR(s->Exec());
    ASSIGN_OR_RETURN(result, GetAttrLocked(ino));
    return Status::OK();
  }));
  return result;
}

Status SqlMetaStore::Unlink(InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    RETURN_IF_ERROR(RequireDirectory(parent).status());
    ASSIGN_OR_RETURN(Attr attr, LookupLocked(parent, name));
    if (attr.type == FileType::kDirectory) {
      return Status::IsDirectory(fmt::format("'{}' is a directory", name));
    }
    RETURN_IF_ERROR(RemoveEntry(parent, name, attr));
    return TouchDirectory(parent, clock_.NowNanos());
  });
}

Status SqlMetaStore::Rmdir(InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    RETURN_IF_ERROR(RequireDirectory(parent).status());
    ASSIGN_OR_RETURN(Attr attr, LookupLocked(parent, name));
    if (attr.type != FileType::kDirectory) {
      return Status::NotDirectory(fmt::format("'{}' is not a directory", name));
    }
    RETURN_IF_ERROR(RequireEmpty(attr.ino, name));
    RETURN_IF_ERROR(RemoveEntry(parent, name, attr));
    return TouchDirectory(parent, clock_.NowNanos());
  });
}

Result<Attr> SqlMetaStore::Link(InodeId ino, InodeId new_parent, std::string_view new_name) {
  RETURN_IF_ERROR(ValidateName(new_name));
  MutexLock lock(mu_);
  Attr result;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(new_parent));
    ASSIGN_OR_RETURN(Attr attr, GetAttrLocked(ino));
    if (attr.type == FileType::kDirectory) {
      return Status::IsDirectory("cannot hard-link a directory");
    }
    if (attr.nlink == 0) {
      return Status::NotFound(fmt::format("inode {} has no name any more", ino.value));
    }
    ASSIGN_OR_RETURN(uint64_t ino_volume, VolumeOf(ino));
    if (ino_volume != volume_id) return Status::InvalidArgument("cannot link across volumes");
    RETURN_IF_ERROR(RequireAbsent(new_parent, new_name));
    RETURN_IF_ERROR(InsertEntry(new_parent, new_name, ino));
    RETURN_IF_ERROR(AddLinks(ino, 1));
    int64_t now = clock_.NowNanos();
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET ctime_ns = ? WHERE ino = ?"));
      s->Bind(1, now).Bind(2, ino);
      RETURN_IF_ERROR(s->Exec());
    }
    RETURN_IF_ERROR(TouchDirectory(new_parent, now));
    ASSIGN_OR_RETURN(result, GetAttrLocked(ino));
    return Status::OK();
  }));
  return result;
}

Status SqlMetaStore::DeleteVolume(std::string_view name) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(VolumeInfo v, GetVolumeLocked(name));
    const int64_t id = static_cast<int64_t>(v.id);
    for (const char* sql :
         {"DELETE FROM dentries WHERE parent IN (SELECT ino FROM inodes WHERE volume_id = ?)",
          "DELETE FROM inodes WHERE volume_id = ?", "DELETE FROM volumes WHERE id = ?"}) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
      s->Bind(1, id);
      RETURN_IF_ERROR(s->Exec());
    }
    return Status::OK();
  });
}

// CommitFile's work, in the caller's transaction.
Result<Attr> SqlMetaStore::CommitFileLocked(InodeId parent, std::string_view name,
                                            const NewNode& node, const FileContent& content) {
  ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(parent));
  ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(volume_id));
  RETURN_IF_ERROR(ValidateContent(content, chunk_size));
  int64_t now = clock_.NowNanos();
  int64_t mtime = node.mtime_ns != 0 ? node.mtime_ns : now;
  std::string blob = sql::EncodeChunks(content.chunks);
  Result<Attr> existing = LookupLocked(parent, name);
  if (!existing.ok() && existing.status().code() != Code::kNotFound) return existing.status();
  if (existing.ok() && existing->type == FileType::kDirectory) {
    return Status::IsDirectory(fmt::format("'{}' is a directory", name));
  }
  if (existing.ok() && existing->type == FileType::kRegular) {
    ASSIGN_OR_RETURN(bool same,
                     SameFile(existing->ino, content.size_bytes, blob, node.mode & 07777, mtime));
    if (same) {  // re-publishing identical content: keep the version caches know
      return *existing;
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET size = ?, chunks = ?, mode = ?, "
                                            "mtime_ns = ?, ctime_ns = ?, version = version + 1 "
                                            "WHERE ino = ?"));
    s->Bind(1, static_cast<int64_t>(content.size_bytes))
        .BindBlob(2, blob)
        .Bind(3, node.mode & 07777)
        .Bind(4, mtime)
        .Bind(5, now)
        .Bind(6, existing->ino);
    RETURN_IF_ERROR(s->Exec());
    return GetAttrLocked(existing->ino);
  }
  if (existing.ok()) RETURN_IF_ERROR(RemoveEntry(parent, name, *existing));  // a symlink
  NewNode file = node;
  file.type = FileType::kRegular;
  file.mtime_ns = mtime;
  ASSIGN_OR_RETURN(InodeId ino, InsertInode(volume_id, file, InodeId{0}, 1, "", now));
  {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("UPDATE inodes SET size = ?, chunks = ? WHERE ino = ?"));
    s->Bind(1, static_cast<int64_t>(content.size_bytes)).BindBlob(2, blob).Bind(3, ino);
    RETURN_IF_ERROR(s->Exec());
  }
  RETURN_IF_ERROR(InsertEntry(parent, name, ino));
  RETURN_IF_ERROR(TouchDirectory(parent, now));
  return GetAttrLocked(ino);
}

// True if `dir` is `ancestor` or lies below it; walks parent pointers up to the root.
// How many directories below its volume's root `dir` is (the root, its own parent: 0), in
// one recursive query (every mkdir asks: a round trip per level would cost PostgreSQL a
// network trip per level); counting stops past kMaxDirectoryDepth.
Result<size_t> SqlMetaStore::DepthOf(InodeId dir) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(fmt::format(
                               "WITH RECURSIVE up(ino, d) AS (SELECT CAST(? AS BIGINT), 0 "
                               "UNION ALL SELECT i.parent, up.d + 1 FROM up JOIN inodes i ON "
                               "i.ino = up.ino WHERE i.parent <> i.ino AND up.d <= {}) "
                               "SELECT MAX(d) FROM up",
                               kMaxDirectoryDepth)));
  s->Bind(1, dir);
  ASSIGN_OR_RETURN(bool row, s->Step());
  size_t depth = row ? static_cast<size_t>(s->Int(0)) : 0;
  s->Reset();
  return depth;
}

// A directory `height` levels deep may go into `parent` (review M2: walks of deeper trees are
// refused, so none may be made).
Status SqlMetaStore::RequireDepthFor(InodeId parent, size_t height) {
  ASSIGN_OR_RETURN(size_t depth, DepthOf(parent));
  if (depth + 1 + height > kMaxDirectoryDepth) {
    return Status::InvalidArgument(
        fmt::format("directories nest at most {} deep; this would make them {}", kMaxDirectoryDepth,
                    depth + 1 + height));
  }
  return Status::OK();
}

Result<InodeId> SqlMetaStore::InsertInode(uint64_t volume_id, const NewNode& node, InodeId parent,
                                          uint32_t nlink, std::string_view target, int64_t now) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("INSERT INTO inodes (volume_id, type, mode, uid, gid, size, "
                                  "nlink, atime_ns, mtime_ns, ctime_ns, version, parent, "
                                  "target, chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, "
                                  "?, ?)"));
  int64_t mtime = node.mtime_ns != 0 ? node.mtime_ns : now;
  uint64_t size = node.type == FileType::kSymlink ? target.size() : 0;
  s->Bind(1, static_cast<int64_t>(volume_id))
      .Bind(2, static_cast<int64_t>(node.type))
      .Bind(3, node.mode & 07777)
      .Bind(4, node.uid)
      .Bind(5, node.gid)
      .Bind(6, static_cast<int64_t>(size))
      .Bind(7, nlink)
      .Bind(8, mtime)
      .Bind(9, mtime)
      .Bind(10, now)
      .Bind(11, parent)
      .BindBlob(12, target)
      .BindBlob(13, "");
  RETURN_IF_ERROR(s->Exec());
  ASSIGN_OR_RETURN(int64_t ino, conn_->LastInsertId());
  return InodeId{static_cast<uint64_t>(ino)};
}

Result<bool> SqlMetaStore::SameFile(InodeId ino, uint64_t size, std::string_view blob,
                                    uint32_t mode, int64_t mtime) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("SELECT size, chunks, mode, mtime_ns FROM inodes WHERE ino = ?"));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row && static_cast<uint64_t>(s->Int(0)) == size && s->Blob(1) == blob &&
         static_cast<uint32_t>(s->Int(2)) == mode && s->Int(3) == mtime;
}

Status SqlMetaStore::InsertEntry(InodeId parent, std::string_view name, InodeId ino) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("INSERT INTO dentries (parent, name, ino) VALUES (?, ?, ?)"));
  s->Bind(1, parent).BindBlob(2, name).Bind(3, ino);
  return s->Exec();
}

Status SqlMetaStore::DeleteEntry(InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM dentries WHERE parent = ? AND name = ?"));
  s->Bind(1, parent).BindBlob(2, name);
  return s->Exec();
}

// Removes the entry and one link of `attr`; deletes the inode with its last link.
// A directory (REQUIRES: empty) also drops its parent's ".." link.
Status SqlMetaStore::RemoveEntry(InodeId parent, std::string_view name, const Attr& attr) {
  RETURN_IF_ERROR(DeleteEntry(parent, name));
  if (attr.type == FileType::kDirectory) {
    RETURN_IF_ERROR(AddLinks(parent, -1));
    return DeleteInode(attr.ino);
  }
  if (attr.nlink <= 1 && attr.type != FileType::kRegular) return DeleteInode(attr.ino);
  RETURN_IF_ERROR(AddLinks(attr.ino, -1));  // a file's last: nlink 0, until PurgeUnlinked
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET ctime_ns = ? WHERE ino = ?"));
  s->Bind(1, clock_.NowNanos()).Bind(2, attr.ino);
  return s->Exec();
}

Status SqlMetaStore::DeleteInode(InodeId ino) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM inodes WHERE ino = ?"));
  s->Bind(1, ino);
  return s->Exec();
}

Status SqlMetaStore::AddLinks(InodeId ino, int delta) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET nlink = nlink + ? WHERE ino = ?"));
  s->Bind(1, delta).Bind(2, ino);
  return s->Exec();
}

Status SqlMetaStore::SetParent(InodeId ino, InodeId parent) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET parent = ? WHERE ino = ?"));
  s->Bind(1, parent).Bind(2, ino);
  return s->Exec();
}

Status SqlMetaStore::TouchDirectory(InodeId dir, int64_t now) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("UPDATE inodes SET mtime_ns = ?, ctime_ns = ? WHERE ino = ?"));
  s->Bind(1, now).Bind(2, now).Bind(3, dir);
  return s->Exec();
}

}  // namespace strata::meta
