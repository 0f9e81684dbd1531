#include "meta/sqlite_meta_store.h"

#include <fmt/core.h>

#include "base/posix.h"
#include "core/env.h"
#include "meta/sql_meta_store.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_schema.h"

namespace strata::meta {

Result<std::unique_ptr<SqlConnection>> OpenSqliteSqlConnection(const std::string& path) {
  if (path != ":memory:") RETURN_IF_ERROR(PosixEnv().CreateDirs(DirName(path)));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn, SqliteConnection::Open(path));
  RETURN_IF_ERROR(MigrateSqliteSchema(*conn).WithContext(fmt::format("metadata {}", path)));
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path, Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> conn, OpenSqliteSqlConnection(path));
  return NewSqlMetaStore(std::move(conn), clock);
}

}  // namespace strata::meta
