#include "meta/schema_migration.h"

#include <fmt/core.h>

namespace strata::meta {

Status MigrateSchema(SqlConnection& conn, const SchemaSteps& schema) {
  const auto latest = static_cast<int64_t>(schema.steps.size());
  return conn.InTransaction([&]() -> Status {
    if (schema.before) RETURN_IF_ERROR(conn.Exec(schema.before));
    RETURN_IF_ERROR(conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT)"));
    int64_t version = 0;
    {
      ASSIGN_OR_RETURN(auto s, conn.Prepare("SELECT version FROM schema_version"));
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) version = s->Int(0);
    }
    if (version > latest) {
      return Status::NotSupported(fmt::format(
          "metadata schema version {} is newer than this strata supports ({}); upgrade strata",
          version, latest));
    }
    if (version == latest) return Status::OK();
    for (int64_t step = version; step < latest; ++step) {
      RETURN_IF_ERROR(conn.Exec(schema.steps[static_cast<size_t>(step)]));
    }
    RETURN_IF_ERROR(conn.Exec("DELETE FROM schema_version"));
    ASSIGN_OR_RETURN(auto s, conn.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
    s->Bind(1, latest);
    return s->Exec();
  });
}

}  // namespace strata::meta
