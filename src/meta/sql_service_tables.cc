// SqlMetaStore: the service tables (service_tables.h): tokens and KV stores (statements in
// sql_access.cc) and resumable upload sessions.
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

Result<TokenInfo> SqlMetaStore::AddToken(std::string_view hash, const TokenInfo& info) {
  MutexLock lock(mu_);
  return Transact<TokenInfo>([&]() REQUIRES(mu_) { return sql::InsertToken(*conn_, hash, info); });
}

Result<std::vector<TokenInfo>> SqlMetaStore::ListTokens() {
  MutexLock lock(mu_);
  return sql::SelectTokens(*conn_);
}

Status SqlMetaStore::RevokeToken(int64_t id) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) { return sql::DeleteToken(*conn_, id); });
}

Result<TokenInfo> SqlMetaStore::FindToken(std::string_view hash) {
  MutexLock lock(mu_);
  return sql::SelectToken(*conn_, hash);
}

Status SqlMetaStore::KvSet(std::string_view store, std::string_view key, std::string_view value,
                           int64_t expires_ns) {
  RETURN_IF_ERROR(ValidateVolumeName(store));
  if (key.empty() || key.size() > kMaxKvKeyBytes) {
    return Status::InvalidArgument(
        fmt::format("a key is 1..{} bytes (got {})", kMaxKvKeyBytes, key.size()));
  }
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) {
    return sql::UpsertKv(*conn_, store, key, value, expires_ns, clock_.NowNanos());
  });
}

Result<KvEntry> SqlMetaStore::KvGet(std::string_view store, std::string_view key) {
  MutexLock lock(mu_);
  return sql::SelectKv(*conn_, store, key, clock_.NowNanos());
}

Status SqlMetaStore::KvDelete(std::string_view store, std::string_view key) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) { return sql::DeleteKv(*conn_, store, key); });
}

Result<std::vector<KvEntry>> SqlMetaStore::KvList(std::string_view store, std::string_view after,
                                                  size_t limit) {
  MutexLock lock(mu_);
  return sql::SelectKvKeys(*conn_, store, after, limit, clock_.NowNanos());
}

Result<size_t> SqlMetaStore::PurgeExpiredKv(int64_t now_ns) {
  MutexLock lock(mu_);
  return Transact<size_t>([&]() REQUIRES(mu_) { return sql::DeleteExpiredKv(*conn_, now_ns); });
}

Status SqlMetaStore::CreateUpload(const UploadInfo& info) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(info.volume_id));
    if (info.part_size == 0 || info.part_size % chunk_size != 0) {
      return Status::InvalidArgument(
          fmt::format("a part size is a whole number of chunks ({} bytes); got {}", chunk_size,
                      info.part_size));
    }
    return sql::InsertUpload(*conn_, info);
  });
}

Result<UploadInfo> SqlMetaStore::GetUpload(std::string_view id) {
  MutexLock lock(mu_);
  return sql::SelectUpload(*conn_, id, clock_.NowNanos());
}

Status SqlMetaStore::PutUploadPart(std::string_view id, const UploadPart& part) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(UploadInfo info, sql::SelectUpload(*conn_, id, clock_.NowNanos()));
    ASSIGN_OR_RETURN(uint64_t chunk_size, ChunkSizeOf(info.volume_id));
    if (part.size_bytes > info.part_size ||
        part.chunks.size() != ChunkCount(part.size_bytes, chunk_size)) {
      return Status::InvalidArgument(
          fmt::format("part {} has {} bytes in {} chunks; parts are at most {} bytes", part.number,
                      part.size_bytes, part.chunks.size(), info.part_size));
    }
    return sql::UpsertUploadPart(*conn_, id, part);
  });
}

Result<std::vector<UploadPart>> SqlMetaStore::ListUploadParts(std::string_view id) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(sql::SelectUpload(*conn_, id, clock_.NowNanos()).status());
  return sql::SelectUploadParts(*conn_, id);
}

Result<Attr> SqlMetaStore::CompleteUpload(std::string_view id, InodeId parent,
                                          std::string_view name, const NewNode& node) {
  RETURN_IF_ERROR(ValidateName(name));
  MutexLock lock(mu_);
  Attr result;
  RETURN_IF_ERROR(conn_->InTransaction([&]() REQUIRES(mu_) -> Status {
    ASSIGN_OR_RETURN(UploadInfo info, sql::SelectUpload(*conn_, id, clock_.NowNanos()));
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

Status SqlMetaStore::AbortUpload(std::string_view id) {
  MutexLock lock(mu_);
  return conn_->InTransaction([&]() REQUIRES(mu_) { return sql::DeleteUpload(*conn_, id); });
}

Result<size_t> SqlMetaStore::ExpireUploads(int64_t now_ns) {
  MutexLock lock(mu_);
  return Transact<size_t>([&]()
                              REQUIRES(mu_) { return sql::DeleteExpiredUploads(*conn_, now_ns); });
}

}  // namespace strata::meta
