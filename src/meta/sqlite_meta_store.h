// SqliteMetaStore: the embedded MetaStore, one SQLite database in WAL mode.
//
// Several processes may share one database file (the CLI, a mount, a server on one machine):
// writes take the database lock with BEGIN IMMEDIATE and wait for it up to a busy timeout.
// Within a process one connection is shared behind a mutex; SQLite serializes writers anyway.
#pragma once

#include <memory>
#include <string>

#include "meta/meta_store.h"
#include "meta/sql_connection.h"

namespace strata::meta {

// `path` is a file path or ":memory:". Creates the database and its schema if missing; fails
// with NotSupported if the file was written by a newer schema version.
Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path,
                                                       Clock& clock = Clock::System());

// The connection OpenSqliteMetaStore builds on, its schema current: for a store over a
// connection decorator (NewSqlMetaStore), as tests that inject faults between attempts use.
Result<std::unique_ptr<SqlConnection>> OpenSqliteSqlConnection(const std::string& path);

}  // namespace strata::meta
