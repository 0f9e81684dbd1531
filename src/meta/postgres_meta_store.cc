#include "meta/postgres_meta_store.h"

#include <fmt/core.h>

#include "meta/postgres_connection.h"
#include "meta/schema_migration.h"
#include "meta/sql_meta_store.h"

namespace strata::meta {
namespace {

// The same versions as SQLite's schema (sqlite_schema.cc, docs/format.md), in PostgreSQL's
// types: BIGINT everywhere an integer is read back (results arrive as 8-byte binary), BYTEA for
// names, targets, chunk ids and chunk lists (compared and sorted bytewise, as SQLite's BLOBs).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE volumes (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  root_ino    BIGINT NOT NULL,
  chunk_size  BIGINT NOT NULL,
  created_ns  BIGINT NOT NULL
);
CREATE TABLE inodes (
  ino        BIGSERIAL PRIMARY KEY,
  volume_id  BIGINT NOT NULL,
  type       BIGINT NOT NULL,
  mode       BIGINT NOT NULL,
  uid        BIGINT NOT NULL,
  gid        BIGINT NOT NULL,
  size       BIGINT NOT NULL,
  nlink      BIGINT NOT NULL,
  atime_ns   BIGINT NOT NULL,
  mtime_ns   BIGINT NOT NULL,
  ctime_ns   BIGINT NOT NULL,
  version    BIGINT NOT NULL,
  parent     BIGINT NOT NULL,
  target     BYTEA,
  chunks     BYTEA
);
CREATE INDEX inodes_by_volume ON inodes (volume_id);
CREATE TABLE dentries (
  parent  BIGINT NOT NULL,
  name    BYTEA NOT NULL,
  ino     BIGINT NOT NULL,
  PRIMARY KEY (parent, name)
);
CREATE INDEX dentries_by_ino ON dentries (ino);
)sql";

constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE chunk_claims (
  chunk       BYTEA PRIMARY KEY,
  claimed_ns  BIGINT NOT NULL
);
CREATE TABLE chunk_deletions (
  chunk     BYTEA PRIMARY KEY,
  since_ns  BIGINT NOT NULL
);
)sql";

constexpr const char* kMigrateV2ToV3 = R"sql(
CREATE TABLE tokens (
  id          BIGSERIAL PRIMARY KEY,
  hash        BYTEA NOT NULL UNIQUE,
  volume      TEXT NOT NULL,
  read_only   BIGINT NOT NULL,
  created_ns  BIGINT NOT NULL,
  note        TEXT NOT NULL
);
CREATE TABLE kv (
  store_name  TEXT NOT NULL,
  item_key    BYTEA NOT NULL,
  value       BYTEA NOT NULL,
  expires_ns  BIGINT NOT NULL,
  updated_ns  BIGINT NOT NULL,
  PRIMARY KEY (store_name, item_key)
);
CREATE TABLE uploads (
  id          TEXT PRIMARY KEY,
  volume_id   BIGINT NOT NULL,
  path        TEXT NOT NULL,
  part_size   BIGINT NOT NULL,
  created_ns  BIGINT NOT NULL,
  expires_ns  BIGINT NOT NULL
);
CREATE TABLE upload_parts (
  upload_id  TEXT NOT NULL,
  part       BIGINT NOT NULL,
  size       BIGINT NOT NULL,
  sha256     TEXT NOT NULL,
  chunks     BYTEA NOT NULL,
  PRIMARY KEY (upload_id, part)
);
)sql";

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenPostgresSqlConnection(const std::string& url) {
  ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> conn, PostgresConnection::Open(url));
  // Nodes starting together must not create the tables twice: one migrates, the others wait
  // for its commit and find the schema current.
  RETURN_IF_ERROR(MigrateSchema(*conn, SchemaSteps{{kSchemaV1, kMigrateV1ToV2, kMigrateV2ToV3},
                                                   "SELECT pg_advisory_xact_lock(7300231)"}));
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

Result<std::unique_ptr<MetaStore>> OpenPostgresMetaStore(const std::string& url, Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> conn, OpenPostgresSqlConnection(url));
  return NewSqlMetaStore(std::move(conn), clock);
}

}  // namespace strata::meta
