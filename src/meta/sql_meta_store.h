// The metadata store written once in SQL, over a SqlConnection: SQLite (sqlite_meta_store) or
// PostgreSQL (postgres_meta_store) below it. Every MetaStore call is one transaction.
#pragma once

#include <memory>

#include "meta/meta_store.h"
#include "meta/sql_connection.h"

namespace strata::meta {

// REQUIRES: `conn`'s schema is current (each backend migrates its own).
std::unique_ptr<MetaStore> NewSqlMetaStore(std::unique_ptr<SqlConnection> conn,
                                           Clock& clock = Clock::System());

}  // namespace strata::meta
