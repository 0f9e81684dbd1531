// The SQLite schema of the metadata store and its migrations (docs/format.md).
#pragma once

#include "meta/sqlite_connection.h"

namespace strata::meta {

// Creates the schema in an empty database, or migrates an older one to the current version, in
// one transaction. NotSupported for a database written by a newer schema version.
Status MigrateSqliteSchema(SqliteConnection& conn);

}  // namespace strata::meta
