#include "meta/sql_access.h"

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

}  // namespace strata::meta::sql
