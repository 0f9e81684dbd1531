// The server's tables, in the SQL both backends share: API tokens (kept as hashes) and key-value
// stores. Each function runs inside the caller's transaction on `conn`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/sql_connection.h"
#include "meta/types.h"

namespace strata::meta::sql {

// A chunk list as stored: the 32-byte ids concatenated. `what` names the owner in errors.
// A chunk list as stored: 32 bytes a chunk, in order, without the holes at its end (a file
// truncated to any size stores nothing for the chunks it never wrote).
std::string EncodeChunks(const std::vector<ChunkId>& chunks);
Result<std::vector<ChunkId>> DecodeChunks(std::string_view blob, std::string_view what);
// A regular file's list: decoded, then filled up with holes to the `size` bytes' chunk count. A
// list longer than that is left as it is, for fsck to report.
Result<std::vector<ChunkId>> DecodeFileChunks(std::string_view blob, uint64_t size,
                                              uint64_t chunk_size, std::string_view what);

Result<TokenInfo> InsertToken(SqlConnection& conn, std::string_view hash, const TokenInfo& info);
Result<std::vector<TokenInfo>> SelectTokens(SqlConnection& conn);
Status DeleteToken(SqlConnection& conn, int64_t id);
Result<TokenInfo> SelectToken(SqlConnection& conn, std::string_view hash);

Status UpsertKv(SqlConnection& conn, std::string_view store, std::string_view key,
                std::string_view value, int64_t expires_ns, int64_t now_ns);
Result<KvEntry> SelectKv(SqlConnection& conn, std::string_view store, std::string_view key,
                         int64_t now_ns);
Status DeleteKv(SqlConnection& conn, std::string_view store, std::string_view key);
Result<std::vector<KvEntry>> SelectKvKeys(SqlConnection& conn, std::string_view store,
                                          std::string_view after, size_t limit, int64_t now_ns);
Result<size_t> DeleteExpiredKv(SqlConnection& conn, int64_t now_ns);

Status InsertUpload(SqlConnection& conn, const UploadInfo& info);
// NotFound also for an expired session.
Result<UploadInfo> SelectUpload(SqlConnection& conn, std::string_view id, int64_t now_ns);
Status UpsertUploadPart(SqlConnection& conn, std::string_view id, const UploadPart& part);
// In part order.
Result<std::vector<UploadPart>> SelectUploadParts(SqlConnection& conn, std::string_view id);
Status DeleteUpload(SqlConnection& conn, std::string_view id);
Result<size_t> DeleteExpiredUploads(SqlConnection& conn, int64_t now_ns);
// Every chunk of every part of every session (live or not: gc expires sessions first).
Status ForEachUploadChunk(SqlConnection& conn,
                          const std::function<void(const ChunkId&, uint64_t length)>& fn);

}  // namespace strata::meta::sql
