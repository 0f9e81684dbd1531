// SqlMetaStore: the lookups and checks every concern shares, and the factory.
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

std::string TypedSql(std::string_view sql) {
  return fmt::format(fmt::runtime(sql), fmt::arg("regular", static_cast<int>(FileType::kRegular)),
                     fmt::arg("directory", static_cast<int>(FileType::kDirectory)));
}

Result<VolumeInfo> SqlMetaStore::GetVolumeLocked(std::string_view name) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT id, name, root_ino, chunk_size, created_ns FROM "
                                          "volumes WHERE name = ?"));
  s->BindText(1, name);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no volume named '{}'", name));
  return VolumeFromRow(*s);
}

Result<uint64_t> SqlMetaStore::ChunkSizeOf(uint64_t volume_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT chunk_size FROM volumes WHERE id = ?"));
  s->Bind(1, static_cast<int64_t>(volume_id));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::Corruption(fmt::format("no volume with id {}", volume_id));
  return static_cast<uint64_t>(s->Int(0));
}

Result<uint64_t> SqlMetaStore::VolumeOf(InodeId ino) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT volume_id FROM inodes WHERE ino = ?"));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
  return static_cast<uint64_t>(s->Int(0));
}

Result<Attr> SqlMetaStore::GetAttrLocked(InodeId ino) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(fmt::format("SELECT {} FROM inodes i WHERE i.ino = ?",
                                                      kInodeColumns)));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
  return AttrFromRow(*s, 0);
}

Result<Attr> SqlMetaStore::LookupLocked(InodeId parent, std::string_view name) {
  {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare(fmt::format("SELECT {} FROM dentries d JOIN inodes i ON "
                                                "i.ino = d.ino WHERE d.parent = ? AND d.name "
                                                "= ?",
                                                kInodeColumns)));
    s->Bind(1, parent).BindBlob(2, name);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) return AttrFromRow(*s, 0);
  }
  RETURN_IF_ERROR(RequireDirectory(parent).status());  // say why: no parent, or not a dir
  return Status::NotFound(fmt::format("no entry '{}'", name));
}

// OK with the directory's volume id if `ino` is a directory.
Result<uint64_t> SqlMetaStore::RequireDirectory(InodeId ino) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT type, volume_id FROM inodes WHERE ino = ?"));
  s->Bind(1, ino);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no directory inode {}", ino.value));
  if (static_cast<FileType>(s->Int(0)) != FileType::kDirectory) {
    return Status::NotDirectory(fmt::format("inode {} is not a directory", ino.value));
  }
  return static_cast<uint64_t>(s->Int(1));
}

Status SqlMetaStore::RequireAbsent(InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM dentries WHERE parent = ? AND name = ?"));
  s->Bind(1, parent).BindBlob(2, name);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) return Status::AlreadyExists(fmt::format("'{}' exists", name));
  return Status::OK();
}

Status SqlMetaStore::RequireEmpty(InodeId dir, std::string_view name) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM dentries WHERE parent = ? LIMIT 1"));
  s->Bind(1, dir);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) return Status::NotEmpty(fmt::format("directory '{}' is not empty", name));
  return Status::OK();
}

std::unique_ptr<MetaStore> NewSqlMetaStore(std::unique_ptr<SqlConnection> conn, Clock& clock) {
  return std::make_unique<SqlMetaStore>(std::move(conn), clock);
}

}  // namespace strata::meta
