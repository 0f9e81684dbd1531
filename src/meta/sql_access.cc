#include "meta/sql_access.h"

#include <algorithm>

#include <fmt/core.h>

namespace strata::meta::sql {
namespace {

constexpr const char* kTokenColumns = "id, volume, read_only, created_ns, note";

TokenInfo TokenFromRow(const SqlStatement& s) {
  TokenInfo t;
  t.id = s.Int(0);
  t.volume = std::string(s.Blob(1));
  t.read_only = s.Int(2) != 0;
  t.created_ns = s.Int(3);
  t.note = std::string(s.Blob(4));
  return t;
}

// Live entries only: an expired one is as good as absent until the next gc removes it.
constexpr const char* kLive = "(expires_ns = 0 OR expires_ns > ?)";

}  // namespace

namespace {

// A run of holes is one record: 24 zero bytes, then the run's length (little-endian). A real
// chunk id never starts with 24 zero bytes (a SHA-256 does with odds of 2^-192), so records
// tell themselves apart, and lists written before holes existed decode as they did.
constexpr size_t kRunPrefix = 24;

bool IsHoleRun(const uint8_t* record) {
  for (size_t i = 0; i < kRunPrefix; ++i) {
    if (record[i] != 0) return false;
  }
  return true;
}

}  // namespace

std::string EncodeChunks(const std::vector<ChunkId>& chunks) {
  size_t stored = chunks.size();
  while (stored > 0 && chunks[stored - 1].is_hole()) --stored;
  std::string out;
  for (size_t i = 0; i < stored;) {
    if (!chunks[i].is_hole()) {
      out.append(reinterpret_cast<const char*>(chunks[i].bytes().data()), ChunkId::kSize);
      ++i;
      continue;
    }
    uint64_t run = 0;
    for (; i < stored && chunks[i].is_hole(); ++i) ++run;
    char record[ChunkId::kSize] = {};
    for (size_t b = 0; b < 8; ++b) record[kRunPrefix + b] = static_cast<char>(run >> (8 * b));
    out.append(record, sizeof(record));
  }
  return out;
}

Result<std::vector<ChunkId>> DecodeChunks(std::string_view blob, std::string_view what) {
  if (blob.size() % ChunkId::kSize != 0) {
    return Status::Corruption(fmt::format("{} has a chunk list of {} bytes", what, blob.size()));
  }
  std::vector<ChunkId> chunks;
  chunks.reserve(blob.size() / ChunkId::kSize);
  for (size_t off = 0; off < blob.size(); off += ChunkId::kSize) {
    const auto* record = reinterpret_cast<const uint8_t*>(blob.data() + off);
    if (!IsHoleRun(record)) {
      chunks.push_back(ChunkId::FromRaw(std::span<const uint8_t>(record, ChunkId::kSize)));
      continue;
    }
    uint64_t run = 0;
    for (size_t b = 0; b < 8; ++b) run |= uint64_t{record[kRunPrefix + b]} << (8 * b);
    run = std::max<uint64_t>(run, 1);
    if (run > kMaxChunksPerFile - std::min<uint64_t>(chunks.size(), kMaxChunksPerFile)) {
      return Status::Corruption(
          fmt::format("{} has a run of {} holes, more than a file may have", what, run));
    }
    chunks.resize(chunks.size() + run, ChunkId::Hole());
  }
  return chunks;
}

Result<std::vector<ChunkId>> DecodeFileChunks(std::string_view blob, uint64_t size,
                                              uint64_t chunk_size, std::string_view what) {
  ASSIGN_OR_RETURN(std::vector<ChunkId> chunks, DecodeChunks(blob, what));
  size_t count = ChunkCount(size, chunk_size);
  if (count > kMaxChunksPerFile) {
    return Status::Corruption(
        fmt::format("{} has {} bytes, more than a file may have", what, size));
  }
  if (chunks.size() < count) chunks.resize(count, ChunkId::Hole());
  return chunks;
}

Result<TokenInfo> InsertToken(SqlConnection& conn, std::string_view hash, const TokenInfo& info) {
  Result<TokenInfo> existing = SelectToken(conn, hash);
  if (existing.ok()) return Status::AlreadyExists("a token with that hash exists");
  if (existing.status().code() != Code::kNotFound) return existing.status();
  {
    ASSIGN_OR_RETURN(auto s, conn.Prepare("INSERT INTO tokens (hash, volume, read_only, "
                                          "created_ns, note) VALUES (?, ?, ?, ?, ?)"));
    s->BindBlob(1, hash)
        .BindText(2, info.volume)
        .Bind(3, int64_t{info.read_only})
        .Bind(4, info.created_ns)
        .BindText(5, info.note);
    RETURN_IF_ERROR(s->Exec());
  }
  TokenInfo out = info;
  ASSIGN_OR_RETURN(out.id, conn.LastInsertId());
  return out;
}

Result<std::vector<TokenInfo>> SelectTokens(SqlConnection& conn) {
  ASSIGN_OR_RETURN(auto s,
                   conn.Prepare(fmt::format("SELECT {} FROM tokens ORDER BY id", kTokenColumns)));
  std::vector<TokenInfo> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    out.push_back(TokenFromRow(*s));
  }
}

Status DeleteToken(SqlConnection& conn, int64_t id) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("DELETE FROM tokens WHERE id = ?"));
  s->Bind(1, id);
  RETURN_IF_ERROR(s->Exec());
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no token with id {}", id));
  return Status::OK();
}

Result<TokenInfo> SelectToken(SqlConnection& conn, std::string_view hash) {
  ASSIGN_OR_RETURN(
      auto s, conn.Prepare(fmt::format("SELECT {} FROM tokens WHERE hash = ?", kTokenColumns)));
  s->BindBlob(1, hash);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound("no such token");
  return TokenFromRow(*s);
}

Status UpsertKv(SqlConnection& conn, std::string_view store, std::string_view key,
                std::string_view value, int64_t expires_ns, int64_t now_ns) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("INSERT INTO kv (store_name, item_key, value, expires_ns, "
                                        "updated_ns) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                                        "(store_name, item_key) DO UPDATE SET value = "
                                        "excluded.value, expires_ns = excluded.expires_ns, "
                                        "updated_ns = excluded.updated_ns"));
  s->BindText(1, store).BindBlob(2, key).BindBlob(3, value).Bind(4, expires_ns).Bind(5, now_ns);
  return s->Exec();
}

Result<KvEntry> SelectKv(SqlConnection& conn, std::string_view store, std::string_view key,
                         int64_t now_ns) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare(fmt::format(
                               "SELECT value, expires_ns, updated_ns FROM kv WHERE store_name = ? "
                               "AND item_key = ? AND {}",
                               kLive)));
  s->BindText(1, store).BindBlob(2, key).Bind(3, now_ns);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no key '{}' in '{}'", key, store));
  return KvEntry{std::string(key), std::string(s->Blob(0)), s->Int(1), s->Int(2)};
}

Status DeleteKv(SqlConnection& conn, std::string_view store, std::string_view key) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("DELETE FROM kv WHERE store_name = ? AND item_key = ?"));
  s->BindText(1, store).BindBlob(2, key);
  RETURN_IF_ERROR(s->Exec());
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no key '{}' in '{}'", key, store));
  return Status::OK();
}

Result<std::vector<KvEntry>> SelectKvKeys(SqlConnection& conn, std::string_view store,
                                          std::string_view after, size_t limit, int64_t now_ns) {
  ASSIGN_OR_RETURN(
      auto s, conn.Prepare(fmt::format(
                  "SELECT item_key, expires_ns, updated_ns, CAST(length(value) AS BIGINT) FROM kv "
                  "WHERE store_name = ? AND item_key > ? AND {} ORDER BY item_key "
                  "LIMIT ?",
                  kLive)));
  s->BindText(1, store).BindBlob(2, after).Bind(3, now_ns).Bind(4, static_cast<int64_t>(limit));
  std::vector<KvEntry> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    KvEntry e{std::string(s->Blob(0)), {}, s->Int(1), s->Int(2)};
    e.value_bytes = static_cast<uint64_t>(s->Int(3));
    out.push_back(std::move(e));
  }
}

Result<size_t> DeleteExpiredKv(SqlConnection& conn, int64_t now_ns) {
  ASSIGN_OR_RETURN(auto s,
                   conn.Prepare("DELETE FROM kv WHERE expires_ns != 0 AND expires_ns <= ?"));
  s->Bind(1, now_ns);
  RETURN_IF_ERROR(s->Exec());
  return static_cast<size_t>(conn.Changes());
}

Status InsertUpload(SqlConnection& conn, const UploadInfo& info) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("INSERT INTO uploads (id, volume_id, path, part_size, "
                                        "created_ns, expires_ns) VALUES (?, ?, ?, ?, ?, ?)"));
  s->BindText(1, info.id)
      .Bind(2, static_cast<int64_t>(info.volume_id))
      .BindText(3, info.path)
      .Bind(4, static_cast<int64_t>(info.part_size))
      .Bind(5, info.created_ns)
      .Bind(6, info.expires_ns);
  return s->Exec();
}

Result<UploadInfo> SelectUpload(SqlConnection& conn, std::string_view id, int64_t now_ns) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("SELECT volume_id, path, part_size, created_ns, "
                                        "expires_ns FROM uploads WHERE id = ? AND expires_ns > ?"));
  s->BindText(1, id).Bind(2, now_ns);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(fmt::format("no upload session '{}' (or it expired)", id));
  UploadInfo info;
  info.id = std::string(id);
  info.volume_id = static_cast<uint64_t>(s->Int(0));
  info.path = std::string(s->Blob(1));
  info.part_size = static_cast<uint64_t>(s->Int(2));
  info.created_ns = s->Int(3);
  info.expires_ns = s->Int(4);
  return info;
}

Status UpsertUploadPart(SqlConnection& conn, std::string_view id, const UploadPart& part) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("INSERT INTO upload_parts (upload_id, part, size, sha256, "
                                        "chunks) VALUES (?, ?, ?, ?, ?) ON CONFLICT (upload_id, "
                                        "part) DO UPDATE SET size = excluded.size, sha256 = "
                                        "excluded.sha256, chunks = excluded.chunks"));
  s->BindText(1, id)
      .Bind(2, static_cast<int64_t>(part.number))
      .Bind(3, static_cast<int64_t>(part.size_bytes))
      .BindText(4, part.sha256)
      .BindBlob(5, EncodeChunks(part.chunks));
  return s->Exec();
}

Result<std::vector<UploadPart>> SelectUploadParts(SqlConnection& conn, std::string_view id) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("SELECT part, size, sha256, chunks FROM upload_parts "
                                        "WHERE upload_id = ? ORDER BY part"));
  s->BindText(1, id);
  std::vector<UploadPart> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    UploadPart part;
    part.number = static_cast<uint32_t>(s->Int(0));
    part.size_bytes = static_cast<uint64_t>(s->Int(1));
    part.sha256 = std::string(s->Blob(2));
    ASSIGN_OR_RETURN(part.chunks, DecodeChunks(s->Blob(3), fmt::format("part {} of upload {}",
                                                                       part.number, id)));
    out.push_back(std::move(part));
  }
}

Status DeleteUpload(SqlConnection& conn, std::string_view id) {
  for (const char* sql :
       {"DELETE FROM upload_parts WHERE upload_id = ?", "DELETE FROM uploads WHERE id = ?"}) {
    ASSIGN_OR_RETURN(auto s, conn.Prepare(sql));
    s->BindText(1, id);
    RETURN_IF_ERROR(s->Exec());
  }
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no upload session '{}'", id));
  return Status::OK();
}

Result<size_t> DeleteExpiredUploads(SqlConnection& conn, int64_t now_ns) {
  {
    ASSIGN_OR_RETURN(auto s, conn.Prepare("DELETE FROM upload_parts WHERE upload_id IN (SELECT id "
                                          "FROM uploads WHERE expires_ns <= ?)"));
    s->Bind(1, now_ns);
    RETURN_IF_ERROR(s->Exec());
  }
  ASSIGN_OR_RETURN(auto s, conn.Prepare("DELETE FROM uploads WHERE expires_ns <= ?"));
  s->Bind(1, now_ns);
  RETURN_IF_ERROR(s->Exec());
  return static_cast<size_t>(conn.Changes());
}

Status ForEachUploadChunk(SqlConnection& conn,
                          const std::function<void(const ChunkId&, uint64_t length)>& fn) {
  ASSIGN_OR_RETURN(auto s, conn.Prepare("SELECT p.size, v.chunk_size, p.chunks, p.part, u.id "
                                        "FROM upload_parts p JOIN uploads u ON u.id = "
                                        "p.upload_id JOIN volumes v ON v.id = u.volume_id"));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::OK();
    auto size = static_cast<uint64_t>(s->Int(0));
    auto chunk_size = static_cast<uint64_t>(s->Int(1));
    ASSIGN_OR_RETURN(
        std::vector<ChunkId> chunks,
        DecodeChunks(s->Blob(2), fmt::format("part {} of upload {}", s->Int(3), s->Blob(4))));
    for (size_t i = 0; i < chunks.size(); ++i) fn(chunks[i], ChunkLength(size, chunk_size, i));
  }
}

}  // namespace strata::meta::sql
