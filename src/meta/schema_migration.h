// Versioned schemas, the same way for every backend: a backend lists its steps (step k takes the
// schema from version k to k + 1; step 0 creates it), and MigrateSchema applies the missing ones
// in one transaction and records the version reached in `schema_version`.
#pragma once

#include <vector>

#include "meta/sql_connection.h"

namespace strata::meta {

struct SchemaSteps {
  std::vector<const char*> steps;  // each one or more statements
  // Run first in the transaction, e.g. a lock so that processes starting together migrate once.
  const char* before = nullptr;
};

// NotSupported for a database written by a newer schema version than `schema` knows.
Status MigrateSchema(SqlConnection& conn, const SchemaSteps& schema);

}  // namespace strata::meta
