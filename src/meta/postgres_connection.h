// PostgresConnection: a SqlConnection on libpq, for metadata shared by many nodes.
//
// Statements keep their '?' placeholders in the shared dialect and become $1, $2, … here.
// Parameters go as text (integers) or binary (bytes); results come back binary. Transactions are
// SERIALIZABLE: PostgreSQL then aborts whichever of two conflicting transactions would break
// serial order (SQLSTATE 40001, or a deadlock 40P01), and InTransaction runs the body again with
// backoff, so callers see the same one-at-a-time semantics as SQLite's BEGIN IMMEDIATE.
// A connection lost between statements is re-established once before the next one.
// Not thread-safe: the owner serializes calls.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "meta/sql_connection.h"

struct pg_conn;

namespace strata::meta {

class PostgresConnection final : public SqlConnection {
 public:
  // `url`: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?…] (any libpq connection string).
  static Result<std::unique_ptr<PostgresConnection>> Open(const std::string& url);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Result<std::unique_ptr<SqlStatement>> Prepare(const std::string& sql) override;
  Status Exec(const char* sql) override;
  Status InTransaction(const std::function<Status()>& body) override;
  Result<int64_t> LastInsertId() override;
  int64_t Changes() override { return changes_; }
  Status SkipSyncOfNextCommit() override;

  // What statements report back (used by PostgresStatement).
  pg_conn* raw() { return conn_; }
  // Turns a failed result into a Status and remembers its SQLSTATE (for the retry decision).
  Status Failed(const void* result, std::string_view what);
  void set_changes(int64_t n) { changes_ = n; }
  // Reconnects if the connection broke; before each statement outside a transaction.
  Status EnsureConnected();

 private:
  PostgresConnection(pg_conn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}

  pg_conn* conn_;
  const std::string url_;  // for messages (without the password)
  std::string last_sqlstate_;
  int64_t changes_ = 0;
  bool in_transaction_ = false;
  // A statement of the current transaction failed for a serialization conflict: the body may
  // have reported another error after it (the transaction was aborted), but the cure is a retry.
  bool conflict_ = false;
};

// "?, ?" → "$1, $2" outside quoted strings.
std::string NumberPlaceholders(std::string_view sql);

}  // namespace strata::meta
