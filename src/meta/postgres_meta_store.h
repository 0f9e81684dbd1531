// The metadata store on PostgreSQL: the same SQL as SQLite's (sql_meta_store), its own schema
// and migrations, SERIALIZABLE transactions retried on conflicts (postgres_connection).
#pragma once

#include <memory>
#include <string>

#include "meta/meta_store.h"
#include "meta/sql_connection.h"

namespace strata::meta {

// `url`: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Creates or migrates the schema.
Result<std::unique_ptr<MetaStore>> OpenPostgresMetaStore(const std::string& url,
                                                         Clock& clock = Clock::System());

// The connection OpenPostgresMetaStore builds on, its schema current (see
// OpenSqliteSqlConnection).
Result<std::unique_ptr<SqlConnection>> OpenPostgresSqlConnection(const std::string& url);

}  // namespace strata::meta
