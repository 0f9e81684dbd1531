#include "meta/sqlite_connection.h"

#include <utility>

#include <fmt/core.h>

namespace strata::meta {
namespace {
constexpr int kBusyTimeoutMs = 60000;
}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg =
      fmt::format("sqlite {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(msg));
    case SQLITE_FULL:
      return Status::NoSpace(std::move(msg));
    case SQLITE_READONLY:
      return Status::ReadOnly(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::PermissionDenied(std::move(msg));
    case SQLITE_CANTOPEN:
      return Status::IOError(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, fmt::format("open {}", path));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL").WithContext(path));
  RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL"));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqlStatement>> SqliteConnection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    it = statements_.emplace(sql, stmt).first;
  }
  return std::unique_ptr<SqlStatement>(std::make_unique<SqliteStatement>(db_, it->second));
}

Status SqliteConnection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return SqliteError(nullptr, rc, msg);
  }
  return Status::OK();
}

Status SqliteConnection::InTransaction(const std::function<Status()>& body) {
  bool skip_sync = std::exchange(skip_sync_, false);
  if (skip_sync) RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  Status status = Exec("BEGIN IMMEDIATE");
  if (status.ok()) {
    status = body();
    if (status.ok()) status = Exec("COMMIT");
    if (!status.ok()) (void)Exec("ROLLBACK");
  }
  if (skip_sync) {
    Status restored = Exec("PRAGMA synchronous=FULL");
    if (status.ok()) status = restored;
  }
  return status;
}

Result<int64_t> SqliteConnection::LastInsertId() { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteConnection::Changes() { return sqlite3_changes(db_); }

Status SqliteConnection::SkipSyncOfNextCommit() {
  skip_sync_ = true;
  return Status::OK();
}

}  // namespace strata::meta
