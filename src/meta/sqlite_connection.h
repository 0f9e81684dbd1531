// SqliteConnection: one SQLite connection with a statement cache and the transaction discipline
// Strata uses (BEGIN IMMEDIATE, rollback on error). Not thread-safe: the owner serializes calls.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "base/status.h"
#include "meta/sql_connection.h"
#include "meta/types.h"

namespace strata::meta {

// A Status for SQLite result code `rc`: BUSY/LOCKED → Unavailable, FULL → NoSpace, CORRUPT/NOTADB
// → Corruption, else IOError; the message names `what`.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement, reset on destruction so it can be reused from the cache.
class SqliteStatement final : public SqlStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Makes the statement ready to be stepped again with new bindings.
  void Reset() override { sqlite3_reset(stmt_); }

  using SqlStatement::Bind;
  SqliteStatement& Bind(int i, int64_t v) override {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  SqliteStatement& BindText(int i, std::string_view v) override {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  SqliteStatement& BindBlob(int i, std::string_view v) override {
    // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
    static const char kEmpty = 0;
    sqlite3_bind_blob(stmt_, i, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }

  // True if a row is ready, false when done.
  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, sqlite3_sql(stmt_));
  }
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string_view Blob(int col) const override {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
             : std::string_view();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public SqlConnection {
 public:
  // Opens (creating) the database in WAL mode, FULL sync, with a busy timeout for other
  // processes' write locks.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A cached prepared statement, reset when the returned handle goes.
  Result<std::unique_ptr<SqlStatement>> Prepare(const std::string& sql) override;
  // Runs one or more statements without results.
  Status Exec(const char* sql) override;
  // Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back if it fails. IMMEDIATE takes the
  // write lock up front: a deferred transaction that later upgrades can fail with SQLITE_BUSY at a
  // point where retrying the statement is wrong.
  Status InTransaction(const std::function<Status()>& body) override;
  Result<int64_t> LastInsertId() override;
  int64_t Changes() override;
  Status SkipSyncOfNextCommit() override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* const db_;
  std::map<std::string, sqlite3_stmt*> statements_;
  bool skip_sync_ = false;  // for the next transaction
};

}  // namespace strata::meta
