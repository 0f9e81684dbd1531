#include "meta/sql_meta_store.h"

#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "core/clock.h"
#include "core/env.h"
#include "core/posix.h"
#include "meta/sql_access.h"

namespace strata::meta {
namespace {

constexpr const char* kInodeColumns =
    "i.ino, i.type, i.mode, i.uid, i.gid, i.size, i.nlink, i.atime_ns, i.mtime_ns, i.ctime_ns, "
    "i.version";

using Stmt = SqlStatement;

Attr AttrFromRow(const Stmt& s, int first) {
  Attr a;
  a.ino = InodeId{static_cast<uint64_t>(s.Int(first + 0))};
  a.type = static_cast<FileType>(s.Int(first + 1));
  a.mode = static_cast<uint32_t>(s.Int(first + 2));
  a.uid = static_cast<uint32_t>(s.Int(first + 3));
  a.gid = static_cast<uint32_t>(s.Int(first + 4));
  a.size_bytes = static_cast<uint64_t>(s.Int(first + 5));
  a.nlink = static_cast<uint32_t>(s.Int(first + 6));
  a.atime_ns = s.Int(first + 7);
  a.mtime_ns = s.Int(first + 8);
  a.ctime_ns = s.Int(first + 9);
  a.version = static_cast<uint64_t>(s.Int(first + 10));
  return a;
}

class SqlMetaStore final : public MetaStore {
 public:
  explicit SqlMetaStore(std::unique_ptr<SqlConnection> conn) : conn_(std::move(conn)) {}

  // ---- volumes ----

  Result<VolumeInfo> CreateVolume(std::string_view name, uint64_t chunk_size_bytes) override {
    RETURN_IF_ERROR(ValidateVolumeName(name));
    if (chunk_size_bytes < kMinChunkSize || chunk_size_bytes > kMaxChunkSize) {
      return Status::InvalidArgument(fmt::format("chunk size {} is outside [{}, {}]",
                                                 chunk_size_bytes, kMinChunkSize, kMaxChunkSize));
    }
    std::lock_guard lock(mu_);
    VolumeInfo info;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      Result<VolumeInfo> existing = GetVolumeLocked(name);
      if (existing.ok()) return Status::AlreadyExists(fmt::format("volume '{}' exists", name));
      if (existing.status().code() != Code::kNotFound) return existing.status();
      int64_t now = NowNanos();
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

  Result<VolumeInfo> GetVolume(std::string_view name) override {
    std::lock_guard lock(mu_);
    return GetVolumeLocked(name);
  }

  Result<std::vector<VolumeInfo>> ListVolumes() override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT id, name, root_ino, chunk_size, created_ns FROM "
                                    "volumes ORDER BY name"));
    std::vector<VolumeInfo> out;
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(VolumeFromRow(*s));
    }
    return out;
  }

  // ---- reads ----

  Result<Attr> Lookup(InodeId parent, std::string_view name) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    return LookupLocked(parent, name);
  }

  Result<Attr> GetAttr(InodeId ino) override {
    std::lock_guard lock(mu_);
    return GetAttrLocked(ino);
  }

  Result<std::vector<DirEntry>> ReadDir(InodeId dir) override {
    std::lock_guard lock(mu_);
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

  Result<std::string> ReadLink(InodeId ino) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT type, target FROM inodes WHERE ino = ?"));
    s->Bind(1, ino);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
    if (static_cast<FileType>(s->Int(0)) != FileType::kSymlink) {
      return Status::InvalidArgument(fmt::format("inode {} is not a symlink", ino.value));
    }
    return std::string(s->Blob(1));
  }

  Result<FileContent> GetContent(InodeId ino) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT type, size, chunks FROM inodes WHERE ino = ?"));
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
    ASSIGN_OR_RETURN(content.chunks,
                     sql::DecodeChunks(s->Blob(2), fmt::format("inode {}", ino.value)));
    return content;
  }

  // ---- writes ----

  Result<Attr> MakeNode(InodeId parent, std::string_view name, const NewNode& node) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    Attr result;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(parent));
      RETURN_IF_ERROR(RequireAbsent(parent, name));
      int64_t now = NowNanos();
      uint32_t nlink = node.type == FileType::kDirectory ? 2 : 1;
      ASSIGN_OR_RETURN(InodeId ino,
                       InsertInode(volume_id, node, InodeId{0}, nlink, node.symlink_target, now));
      if (node.type == FileType::kDirectory) {
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

  Result<Attr> CommitFile(InodeId parent, std::string_view name, const NewNode& node,
                          const FileContent& content) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    return Transact<Attr>([&] { return CommitFileLocked(parent, name, node, content); });
  }

  Result<Attr> WriteContent(InodeId ino, const FileContent& content, int64_t mtime_ns) override {
    std::lock_guard lock(mu_);
    Attr result;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
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
      int64_t now = NowNanos();
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

  Result<Attr> SetAttr(InodeId ino, const AttrChange& change) override {
    std::lock_guard lock(mu_);
    Attr result;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(Attr attr, GetAttrLocked(ino));
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET mode = ?, uid = ?, gid = ?, "
                                              "atime_ns = ?, mtime_ns = ?, ctime_ns = ? "
                                              "WHERE ino = ?"));
      s->Bind(1, change.mode.value_or(attr.mode) & 07777)
          .Bind(2, change.uid.value_or(attr.uid))
          .Bind(3, change.gid.value_or(attr.gid))
          .Bind(4, change.atime_ns.value_or(attr.atime_ns))
          .Bind(5, change.mtime_ns.value_or(attr.mtime_ns))
          .Bind(6, NowNanos())
          .Bind(7, ino);
      RETURN_IF_ERROR(s->Exec());
      ASSIGN_OR_RETURN(result, GetAttrLocked(ino));
      return Status::OK();
    }));
    return result;
  }

  Status Rename(InodeId src_parent, std::string_view src_name, InodeId dst_parent,
                std::string_view dst_name, RenameMode mode) override {
    RETURN_IF_ERROR(ValidateName(src_name));
    RETURN_IF_ERROR(ValidateName(dst_name));
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
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
      int64_t now = NowNanos();
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
  Status ExchangeLocked(InodeId src_parent, std::string_view src_name, const Attr& src,
                        InodeId dst_parent, std::string_view dst_name, const Attr& dst) {
    bool src_is_dir = src.type == FileType::kDirectory;
    bool dst_is_dir = dst.type == FileType::kDirectory;
    if (src_parent != dst_parent) {
      // Neither directory may end up inside itself.
      for (auto [dir, moved] : {std::pair{dst_parent, src}, std::pair{src_parent, dst}}) {
        if (moved.type != FileType::kDirectory) continue;
        ASSIGN_OR_RETURN(bool inside, IsSelfOrDescendant(dir, moved.ino));
        if (inside) return Status::InvalidArgument("cannot move a directory into itself");
      }
    }
    int64_t now = NowNanos();
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

  Status Unlink(InodeId parent, std::string_view name) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
      RETURN_IF_ERROR(RequireDirectory(parent).status());
      ASSIGN_OR_RETURN(Attr attr, LookupLocked(parent, name));
      if (attr.type == FileType::kDirectory) {
        return Status::IsDirectory(fmt::format("'{}' is a directory", name));
      }
      RETURN_IF_ERROR(RemoveEntry(parent, name, attr));
      return TouchDirectory(parent, NowNanos());
    });
  }

  Status Rmdir(InodeId parent, std::string_view name) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
      RETURN_IF_ERROR(RequireDirectory(parent).status());
      ASSIGN_OR_RETURN(Attr attr, LookupLocked(parent, name));
      if (attr.type != FileType::kDirectory) {
        return Status::NotDirectory(fmt::format("'{}' is not a directory", name));
      }
      RETURN_IF_ERROR(RequireEmpty(attr.ino, name));
      RETURN_IF_ERROR(RemoveEntry(parent, name, attr));
      return TouchDirectory(parent, NowNanos());
    });
  }

  Result<Attr> Link(InodeId ino, InodeId new_parent, std::string_view new_name) override {
    RETURN_IF_ERROR(ValidateName(new_name));
    std::lock_guard lock(mu_);
    Attr result;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
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
      int64_t now = NowNanos();
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

  Status DeleteVolume(std::string_view name) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
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

  // ---- the server's tokens and KV stores (meta/sql_access.cc) ----

  Result<TokenInfo> AddToken(std::string_view hash, const TokenInfo& info) override {
    std::lock_guard lock(mu_);
    return Transact<TokenInfo>([&] { return sql::InsertToken(*conn_, hash, info); });
  }

  Result<std::vector<TokenInfo>> ListTokens() override {
    std::lock_guard lock(mu_);
    return sql::SelectTokens(*conn_);
  }

  Status RevokeToken(int64_t id) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&] { return sql::DeleteToken(*conn_, id); });
  }

  Result<TokenInfo> FindToken(std::string_view hash) override {
    std::lock_guard lock(mu_);
    return sql::SelectToken(*conn_, hash);
  }

  Status KvSet(std::string_view store, std::string_view key, std::string_view value,
               int64_t expires_ns) override {
    RETURN_IF_ERROR(ValidateVolumeName(store));
    if (key.empty() || key.size() > kMaxKvKeyBytes) {
      return Status::InvalidArgument(
          fmt::format("a key is 1..{} bytes (got {})", kMaxKvKeyBytes, key.size()));
    }
    std::lock_guard lock(mu_);
    return conn_->InTransaction(
        [&] { return sql::UpsertKv(*conn_, store, key, value, expires_ns, NowNanos()); });
  }

  Result<KvEntry> KvGet(std::string_view store, std::string_view key) override {
    std::lock_guard lock(mu_);
    return sql::SelectKv(*conn_, store, key, NowNanos());
  }

  Status KvDelete(std::string_view store, std::string_view key) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&] { return sql::DeleteKv(*conn_, store, key); });
  }

  Result<std::vector<KvEntry>> KvList(std::string_view store, std::string_view after,
                                      size_t limit) override {
    std::lock_guard lock(mu_);
    return sql::SelectKvKeys(*conn_, store, after, limit, NowNanos());
  }

  Result<size_t> PurgeExpiredKv(int64_t now_ns) override {
    std::lock_guard lock(mu_);
    return Transact<size_t>([&] { return sql::DeleteExpiredKv(*conn_, now_ns); });
  }

  // ---- resumable uploads ----

  Status CreateUpload(const UploadInfo& info) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(info.volume_id));
      if (info.part_size == 0 || info.part_size % chunk_size != 0) {
        return Status::InvalidArgument(
            fmt::format("a part size is a whole number of chunks ({} bytes); got {}", chunk_size,
                        info.part_size));
      }
      return sql::InsertUpload(*conn_, info);
    });
  }

  Result<UploadInfo> GetUpload(std::string_view id) override {
    std::lock_guard lock(mu_);
    return sql::SelectUpload(*conn_, id, NowNanos());
  }

  Status PutUploadPart(std::string_view id, const UploadPart& part) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(UploadInfo info, sql::SelectUpload(*conn_, id, NowNanos()));
      ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(info.volume_id));
      if (part.size_bytes > info.part_size ||
          part.chunks.size() != ChunkCount(part.size_bytes, chunk_size)) {
        return Status::InvalidArgument(
            fmt::format("part {} has {} bytes in {} chunks; parts are at most {} bytes",
                        part.number, part.size_bytes, part.chunks.size(), info.part_size));
      }
      return sql::UpsertUploadPart(*conn_, id, part);
    });
  }

  Result<std::vector<UploadPart>> ListUploadParts(std::string_view id) override {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(sql::SelectUpload(*conn_, id, NowNanos()).status());
    return sql::SelectUploadParts(*conn_, id);
  }

  Result<Attr> CompleteUpload(std::string_view id, InodeId parent, std::string_view name,
                              const NewNode& node) override {
    RETURN_IF_ERROR(ValidateName(name));
    std::lock_guard lock(mu_);
    Attr result;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(UploadInfo info, sql::SelectUpload(*conn_, id, NowNanos()));
      ASSIGN_OR_RETURN(std::vector<UploadPart> parts, sql::SelectUploadParts(*conn_, id));
      FileContent content;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].number != i) {
          return Status::InvalidArgument(fmt::format("part {} is missing", i));
        }
        if (i + 1 < parts.size() && parts[i].size_bytes != info.part_size) {
          return Status::InvalidArgument(
              fmt::format("part {} has {} bytes; every part but the last has {}", i,
                          parts[i].size_bytes, info.part_size));
        }
        content.size_bytes += parts[i].size_bytes;
        content.chunks.insert(content.chunks.end(), parts[i].chunks.begin(), parts[i].chunks.end());
      }
      ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(parent));
      if (volume_id != info.volume_id) {
        return Status::InvalidArgument("an upload completes in the volume it was made for");
      }
      ASSIGN_OR_RETURN(result, CommitFileLocked(parent, name, node, content));
      return sql::DeleteUpload(*conn_, id);
    }));
    return result;
  }

  Status AbortUpload(std::string_view id) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&] { return sql::DeleteUpload(*conn_, id); });
  }

  Result<size_t> ExpireUploads(int64_t now_ns) override {
    std::lock_guard lock(mu_);
    return Transact<size_t>([&] { return sql::DeleteExpiredUploads(*conn_, now_ns); });
  }

  // ---- chunk lifecycle ----

  Result<std::vector<ChunkId>> ClaimChunks(const std::vector<ChunkId>& ids) override {
    std::lock_guard lock(mu_);
    // A claim only matters while its writer runs, and a machine crash ends the writer too: it
    // need not reach the disk before we go on, so skip the fsync of this commit.
    RETURN_IF_ERROR(conn_->SkipSyncOfNextCommit());
    std::vector<ChunkId> being_deleted;
    Status status = conn_->InTransaction([&]() -> Status {
      int64_t now = NowNanos();
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
      return Status::OK();
    });
    RETURN_IF_ERROR(status);
    return being_deleted;
  }

  Result<std::vector<ChunkId>> BeginChunkDeletion(const std::vector<ChunkId>& candidates,
                                                  int64_t claimed_since_ns, bool dry_run) override {
    std::lock_guard lock(mu_);
    std::vector<ChunkId> picked;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      std::unordered_set<ChunkId, ChunkIdHash> referenced;
      RETURN_IF_ERROR(
          ForEachFileLocked([&](InodeId, uint64_t, uint64_t, const std::vector<ChunkId>& chunks) {
            referenced.insert(chunks.begin(), chunks.end());
            return Status::OK();
          }));
      // The parts of upload sessions are not files yet, but will be.
      RETURN_IF_ERROR(sql::ForEachUploadChunk(
          *conn_, [&](const ChunkId& id, uint64_t) { referenced.insert(id); }));
      int64_t now = NowNanos();
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
      return Status::OK();
    }));
    return picked;
  }

  Result<std::vector<ChunkId>> ChunksBeingDeleted() override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT chunk FROM chunk_deletions"));
    std::vector<ChunkId> out;
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      std::string_view raw = s->Blob(0);
      if (raw.size() != ChunkId::kSize)
        return Status::Corruption("bad chunk id in chunk_deletions");
      out.push_back(
          ChunkId::FromRaw({reinterpret_cast<const uint8_t*>(raw.data()), ChunkId::kSize}));
    }
    return out;
  }

  Status EndChunkDeletion(const std::vector<ChunkId>& ids) override {
    std::lock_guard lock(mu_);
    return conn_->InTransaction([&]() -> Status {
      for (const auto& id : ids) {
        ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM chunk_deletions WHERE chunk = ?"));
        s->BindBlob(1, RawId(id));
        RETURN_IF_ERROR(s->Exec());
      }
      return Status::OK();
    });
  }

  Result<size_t> PurgeUnlinked(int64_t unlinked_before_ns, bool dry_run) override {
    std::lock_guard lock(mu_);
    size_t count = 0;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(dry_run ? "SELECT COUNT(*) FROM inodes WHERE "
                                                        "nlink = 0 AND type = 1 AND ctime_ns < ?"
                                                      : "DELETE FROM inodes WHERE nlink = 0 AND "
                                                        "type = 1 AND ctime_ns < ?"));
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

  Result<size_t> ExpireClaims(int64_t before_ns) override {
    std::lock_guard lock(mu_);
    size_t removed = 0;
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM chunk_claims WHERE claimed_ns < ?"));
      s->Bind(1, before_ns);
      RETURN_IF_ERROR(s->Exec());
      removed = static_cast<size_t>(conn_->Changes());
      return Status::OK();
    }));
    return removed;
  }

  // ---- fsck ----

  Result<std::vector<ChunkRef>> ReferencedChunks() override {
    std::lock_guard lock(mu_);
    std::unordered_map<ChunkId, ChunkRef, ChunkIdHash> refs;
    RETURN_IF_ERROR(ForEachFileLocked(
        [&](InodeId ino, uint64_t size, uint64_t chunk_size, const std::vector<ChunkId>& chunks) {
          for (size_t i = 0; i < chunks.size(); ++i) {
            refs.try_emplace(chunks[i], ChunkRef{chunks[i], ChunkLength(size, chunk_size, i), ino});
          }
          return Status::OK();
        }));
    RETURN_IF_ERROR(sql::ForEachUploadChunk(*conn_, [&](const ChunkId& id, uint64_t length) {
      refs.try_emplace(id, ChunkRef{id, length, InodeId{0}});
    }));
    std::vector<ChunkRef> out;
    out.reserve(refs.size());
    for (auto& [id, ref] : refs) out.push_back(ref);
    return out;
  }

  Result<std::vector<std::string>> CheckConsistency() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> problems;
    struct Check {
      const char* sql;
      const char* what;
    };
    static constexpr Check kChecks[] = {
        {"SELECT d.ino, d.parent FROM dentries d LEFT JOIN inodes i ON i.ino = d.ino "
         "WHERE i.ino IS NULL",
         "entry points to missing inode {} (in directory {})"},
        {"SELECT d.parent, d.ino FROM dentries d LEFT JOIN inodes p ON p.ino = d.parent "
         "WHERE p.ino IS NULL OR p.type != 2",
         "entries under {} (e.g. inode {}) whose parent is missing or not a directory"},
        {"SELECT i.ino, i.nlink FROM inodes i WHERE i.type != 2 AND i.nlink != "
         "(SELECT COUNT(*) FROM dentries d WHERE d.ino = i.ino)",
         "inode {} has link count {} but a different number of names"},
        {"SELECT i.ino, i.nlink FROM inodes i WHERE i.type = 2 AND i.nlink != 2 + "
         "(SELECT COUNT(*) FROM dentries d JOIN inodes c ON c.ino = d.ino "
         " WHERE d.parent = i.ino AND c.type = 2)",
         "directory {} has link count {}, not 2 + its subdirectories"},
        {"SELECT i.ino, i.parent FROM inodes i WHERE i.type = 2 "
         "AND i.ino NOT IN (SELECT root_ino FROM volumes) AND NOT EXISTS "
         "(SELECT 1 FROM dentries d WHERE d.ino = i.ino AND d.parent = i.parent)",
         "directory {} is not reachable from its recorded parent {}"},
        {"SELECT i.ino, i.volume_id FROM inodes i LEFT JOIN volumes v ON v.id = i.volume_id "
         "WHERE v.id IS NULL",
         "inode {} belongs to missing volume {}"},
    };
    for (const auto& check : kChecks) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(check.sql));
      for (;;) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        problems.push_back(fmt::format(fmt::runtime(check.what), s->Int(0), s->Int(1)));
      }
    }
    RETURN_IF_ERROR(ForEachFileLocked(
        [&](InodeId ino, uint64_t size, uint64_t chunk_size, const std::vector<ChunkId>& chunks) {
          if (chunks.size() != ChunkCount(size, chunk_size)) {
            problems.push_back(fmt::format("file inode {} of {} bytes has {} chunks, needs {}",
                                           ino.value, size, chunks.size(),
                                           ChunkCount(size, chunk_size)));
          }
          return Status::OK();
        }));
    return problems;
  }

 private:
  // ---- plumbing; REQUIRES: mu_ held ----

  static std::string_view RawId(const ChunkId& id) {
    return {reinterpret_cast<const char*>(id.bytes().data()), ChunkId::kSize};
  }

  // Calls `fn(ino, size, chunk_size, chunks)` for every regular file of every volume.
  Status ForEachFileLocked(
      const std::function<Status(InodeId, uint64_t, uint64_t, const std::vector<ChunkId>&)>& fn) {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT i.ino, i.size, v.chunk_size, i.chunks FROM inodes i "
                                    "JOIN volumes v ON v.id = i.volume_id WHERE i.type = 1"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      InodeId ino{static_cast<uint64_t>(s->Int(0))};
      ASSIGN_OR_RETURN(std::vector<ChunkId> chunks,
                       sql::DecodeChunks(s->Blob(3), fmt::format("inode {}", ino.value)));
      RETURN_IF_ERROR(
          fn(ino, static_cast<uint64_t>(s->Int(1)), static_cast<uint64_t>(s->Int(2)), chunks));
    }
    return Status::OK();
  }

  static VolumeInfo VolumeFromRow(const Stmt& s) {
    VolumeInfo v;
    v.id = static_cast<uint64_t>(s.Int(0));
    v.name = std::string(s.Blob(1));
    v.root = InodeId{static_cast<uint64_t>(s.Int(2))};
    v.chunk_size_bytes = static_cast<uint64_t>(s.Int(3));
    v.created_ns = s.Int(4);
    return v;
  }

  // `body`'s value, computed in one transaction (run again on a serialization failure).
  // REQUIRES: mu_ held.
  template <typename T>
  Result<T> Transact(const std::function<Result<T>()>& body) {
    T out{};
    RETURN_IF_ERROR(conn_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(out, body());
      return Status::OK();
    }));
    return out;
  }

  // CommitFile's work, in the caller's transaction.
  Result<Attr> CommitFileLocked(InodeId parent, std::string_view name, const NewNode& node,
                                const FileContent& content) {
    ASSIGN_OR_RETURN(uint64_t volume_id, RequireDirectory(parent));
    ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(volume_id));
    RETURN_IF_ERROR(ValidateContent(content, chunk_size));
    int64_t now = NowNanos();
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

  Result<VolumeInfo> GetVolumeLocked(std::string_view name) {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT id, name, root_ino, chunk_size, created_ns FROM "
                                    "volumes WHERE name = ?"));
    s->BindText(1, name);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::NotFound(fmt::format("no volume named '{}'", name));
    return VolumeFromRow(*s);
  }

  Result<uint64_t> ChunkSizeOf(uint64_t volume_id) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT chunk_size FROM volumes WHERE id = ?"));
    s->Bind(1, static_cast<int64_t>(volume_id));
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::Corruption(fmt::format("no volume with id {}", volume_id));
    return static_cast<uint64_t>(s->Int(0));
  }

  Result<uint64_t> VolumeOf(InodeId ino) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT volume_id FROM inodes WHERE ino = ?"));
    s->Bind(1, ino);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
    return static_cast<uint64_t>(s->Int(0));
  }

  Result<Attr> GetAttrLocked(InodeId ino) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(fmt::format("SELECT {} FROM inodes i WHERE i.ino = ?",
                                                        kInodeColumns)));
    s->Bind(1, ino);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::NotFound(fmt::format("no inode {}", ino.value));
    return AttrFromRow(*s, 0);
  }

  Result<Attr> LookupLocked(InodeId parent, std::string_view name) {
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
  Result<uint64_t> RequireDirectory(InodeId ino) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT type, volume_id FROM inodes WHERE ino = ?"));
    s->Bind(1, ino);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::NotFound(fmt::format("no directory inode {}", ino.value));
    if (static_cast<FileType>(s->Int(0)) != FileType::kDirectory) {
      return Status::NotDirectory(fmt::format("inode {} is not a directory", ino.value));
    }
    return static_cast<uint64_t>(s->Int(1));
  }

  Status RequireAbsent(InodeId parent, std::string_view name) {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT 1 FROM dentries WHERE parent = ? AND name = ?"));
    s->Bind(1, parent).BindBlob(2, name);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) return Status::AlreadyExists(fmt::format("'{}' exists", name));
    return Status::OK();
  }

  Status RequireEmpty(InodeId dir, std::string_view name) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM dentries WHERE parent = ? LIMIT 1"));
    s->Bind(1, dir);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) return Status::NotEmpty(fmt::format("directory '{}' is not empty", name));
    return Status::OK();
  }

  // True if `dir` is `ancestor` or lies below it; walks parent pointers up to the root.
  Result<bool> IsSelfOrDescendant(InodeId dir, InodeId ancestor) {
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

  Result<InodeId> InsertInode(uint64_t volume_id, const NewNode& node, InodeId parent,
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

  Result<bool> SameFile(InodeId ino, uint64_t size, std::string_view blob, uint32_t mode,
                        int64_t mtime) {
    ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT size, chunks, mode, mtime_ns FROM inodes WHERE ino = ?"));
    s->Bind(1, ino);
    ASSIGN_OR_RETURN(bool row, s->Step());
    return row && static_cast<uint64_t>(s->Int(0)) == size && s->Blob(1) == blob &&
           static_cast<uint32_t>(s->Int(2)) == mode && s->Int(3) == mtime;
  }

  Status InsertEntry(InodeId parent, std::string_view name, InodeId ino) {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("INSERT INTO dentries (parent, name, ino) VALUES (?, ?, ?)"));
    s->Bind(1, parent).BindBlob(2, name).Bind(3, ino);
    return s->Exec();
  }

  Status DeleteEntry(InodeId parent, std::string_view name) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM dentries WHERE parent = ? AND name = ?"));
    s->Bind(1, parent).BindBlob(2, name);
    return s->Exec();
  }

  // Removes the entry and one link of `attr`; deletes the inode with its last link.
  // A directory (REQUIRES: empty) also drops its parent's ".." link.
  Status RemoveEntry(InodeId parent, std::string_view name, const Attr& attr) {
    RETURN_IF_ERROR(DeleteEntry(parent, name));
    if (attr.type == FileType::kDirectory) {
      RETURN_IF_ERROR(AddLinks(parent, -1));
      return DeleteInode(attr.ino);
    }
    if (attr.nlink <= 1 && attr.type != FileType::kRegular) return DeleteInode(attr.ino);
    RETURN_IF_ERROR(AddLinks(attr.ino, -1));  // a file's last: nlink 0, until PurgeUnlinked
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET ctime_ns = ? WHERE ino = ?"));
    s->Bind(1, NowNanos()).Bind(2, attr.ino);
    return s->Exec();
  }

  Status DeleteInode(InodeId ino) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM inodes WHERE ino = ?"));
    s->Bind(1, ino);
    return s->Exec();
  }

  Status AddLinks(InodeId ino, int delta) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET nlink = nlink + ? WHERE ino = ?"));
    s->Bind(1, delta).Bind(2, ino);
    return s->Exec();
  }

  Status SetParent(InodeId ino, InodeId parent) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE inodes SET parent = ? WHERE ino = ?"));
    s->Bind(1, parent).Bind(2, ino);
    return s->Exec();
  }

  Status TouchDirectory(InodeId dir, int64_t now) {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("UPDATE inodes SET mtime_ns = ?, ctime_ns = ? WHERE ino = ?"));
    s->Bind(1, now).Bind(2, now).Bind(3, dir);
    return s->Exec();
  }

  std::mutex mu_;                              // one connection: callers take turns
  const std::unique_ptr<SqlConnection> conn_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<MetaStore> NewSqlMetaStore(std::unique_ptr<SqlConnection> conn) {
  return std::make_unique<SqlMetaStore>(std::move(conn));
}

}  // namespace strata::meta
