#include "meta/sqlite_schema.h"

#include "meta/schema_migration.h"

namespace strata::meta {
namespace {

// Schema history (docs/format.md). Version 1: volumes, inodes, dentries. Version 2: chunk
// claims and deletion marks (the GC protocol). Version 3: API tokens and KV stores.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE volumes (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  root_ino    INTEGER NOT NULL,
  chunk_size  INTEGER NOT NULL,
  created_ns  INTEGER NOT NULL
);
CREATE TABLE inodes (
  ino        INTEGER PRIMARY KEY,
  volume_id  INTEGER NOT NULL,
  type       INTEGER NOT NULL,
  mode       INTEGER NOT NULL,
  uid        INTEGER NOT NULL,
  gid        INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  nlink      INTEGER NOT NULL,
  atime_ns   INTEGER NOT NULL,
  mtime_ns   INTEGER NOT NULL,
  ctime_ns   INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  parent     INTEGER NOT NULL,  -- directories: the parent directory (the root: itself); else 0
  target     BLOB,              -- symlinks: the target
  chunks     BLOB               -- regular files: the chunk ids, 32 bytes each, in order
);
CREATE TABLE dentries (
  parent  INTEGER NOT NULL,
  name    BLOB NOT NULL,
  ino     INTEGER NOT NULL,
  PRIMARY KEY (parent, name)
) WITHOUT ROWID;
CREATE INDEX dentries_by_ino ON dentries (ino);
)sql";

constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE chunk_claims (
  chunk       BLOB PRIMARY KEY,
  claimed_ns  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE chunk_deletions (
  chunk     BLOB PRIMARY KEY,
  since_ns  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 3: the server's API tokens (hashes only), KV stores and resumable upload sessions.
constexpr const char* kMigrateV2ToV3 = R"sql(
CREATE TABLE tokens (
  id          INTEGER PRIMARY KEY,
  hash        BLOB NOT NULL UNIQUE,
  volume      TEXT NOT NULL,
  read_only   INTEGER NOT NULL,
  created_ns  INTEGER NOT NULL,
  note        TEXT NOT NULL
);
CREATE TABLE kv (
  store_name  TEXT NOT NULL,
  item_key    BLOB NOT NULL,
  value       BLOB NOT NULL,
  expires_ns  INTEGER NOT NULL,
  updated_ns  INTEGER NOT NULL,
  PRIMARY KEY (store_name, item_key)
) WITHOUT ROWID;
CREATE TABLE uploads (
  id          TEXT PRIMARY KEY,
  volume_id   INTEGER NOT NULL,
  path        TEXT NOT NULL,
  part_size   INTEGER NOT NULL,
  created_ns  INTEGER NOT NULL,
  expires_ns  INTEGER NOT NULL
);
CREATE TABLE upload_parts (
  upload_id  TEXT NOT NULL,
  part       INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  chunks     BLOB NOT NULL,
  PRIMARY KEY (upload_id, part)
) WITHOUT ROWID;
)sql";

}  // namespace

Status MigrateSqliteSchema(SqliteConnection& conn) {
  return MigrateSchema(conn, SchemaSteps{{kSchemaV1, kMigrateV1ToV2, kMigrateV2ToV3}});
}

}  // namespace strata::meta
