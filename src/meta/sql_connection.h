// SqlConnection: the SQL the metadata store needs, the same for SQLite and PostgreSQL.
//
// Statements are written once, with '?' placeholders and the dialect both engines share
// (INSERT … ON CONFLICT … DO UPDATE, no engine-specific functions); each connection adapts them.
// Integers are int64, names and chunk lists are bytes. Not thread-safe: the owner serializes
// calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "meta/types.h"

namespace strata::meta {

// A statement with its parameters; rows are read with Step. Reset on destruction.
class SqlStatement {
 public:
  virtual ~SqlStatement() = default;

  virtual SqlStatement& Bind(int i, int64_t v) = 0;  // parameters count from 1
  SqlStatement& Bind(int i, InodeId v) { return Bind(i, static_cast<int64_t>(v.value)); }
  virtual SqlStatement& BindText(int i, std::string_view v) = 0;
  virtual SqlStatement& BindBlob(int i, std::string_view v) = 0;
  // Runs the statement on the first call; true while there is a row to read.
  virtual Result<bool> Step() = 0;
  // Runs a statement whose rows (if any) do not matter.
  Status Exec() { return Step().status(); }
  // Runs it again from the first row with the same parameters (after rebinding some).
  virtual void Reset() = 0;

  // Columns of the current row, counted from 0.
  virtual int64_t Int(int col) const = 0;
  virtual std::string_view Blob(int col) const = 0;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual Result<std::unique_ptr<SqlStatement>> Prepare(const std::string& sql) = 0;
  // Runs one or more statements without parameters or results.
  virtual Status Exec(const char* sql) = 0;
  // Runs `body` in one transaction that no concurrent one can interleave with (SQLite: BEGIN
  // IMMEDIATE; PostgreSQL: SERIALIZABLE, `body` run again after a serialization failure). Rolls
  // back if `body` fails. `body` may run more than once: it must not keep effects outside.
  virtual Status InTransaction(const std::function<Status()>& body) = 0;
  // The id of the row the last INSERT into a table with an integer key created.
  virtual Result<int64_t> LastInsertId() = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int64_t Changes() = 0;
  // For the next transaction only: it may commit without waiting for the disk, where a crash of
  // the database is a crash of its writer too (SQLite; claims). PostgreSQL, on another machine,
  // keeps every commit synchronous.
  virtual Status SkipSyncOfNextCommit() = 0;
};

}  // namespace strata::meta
