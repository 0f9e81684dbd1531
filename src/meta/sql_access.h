// The server's tables, in the SQL both backends share: API tokens (kept as hashes) and key-value
// stores. Each function runs inside the caller's transaction on `conn`.
#pragma once

#include <string_view>
#include <vector>

#include "meta/sql_connection.h"
#include "meta/types.h"

namespace strata::meta::sql {

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

}  // namespace strata::meta::sql
