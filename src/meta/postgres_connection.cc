#include "meta/postgres_connection.h"

#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <libpq-fe.h>

#include "base/backoff.h"

namespace strata::meta {
namespace {

constexpr int kMaxTransactionAttempts = 30;

// The URL with its password, if any, left out.
std::string Redacted(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":…" + url.substr(at);
}

bool IsRetryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

int64_t BigEndian(const char* p, int length) {
  uint64_t v = 0;
  for (int i = 0; i < length; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  // Sign-extend the narrower integer types.
  if (length < 8 && length > 0 && (static_cast<uint8_t>(p[0]) & 0x80)) {
    v |= ~uint64_t{0} << (8 * length);
  }
  return static_cast<int64_t>(v);
}

class PostgresStatement final : public SqlStatement {
 public:
  PostgresStatement(PostgresConnection& conn, std::string sql)
      : conn_(conn), sql_(std::move(sql)) {}
  ~PostgresStatement() override { Clear(); }

  using SqlStatement::Bind;
  SqlStatement& Bind(int i, int64_t v) override { return Set(i, std::to_string(v), 0); }
  SqlStatement& BindText(int i, std::string_view v) override { return Set(i, std::string(v), 1); }
  SqlStatement& BindBlob(int i, std::string_view v) override { return Set(i, std::string(v), 1); }

  Result<bool> Step() override {
    if (!result_) {
      RETURN_IF_ERROR(conn_.EnsureConnected());
      std::vector<const char*> values(params_.size());
      std::vector<int> lengths(params_.size()), formats(params_.size());
      for (size_t i = 0; i < params_.size(); ++i) {
        values[i] = params_[i].first.data();
        lengths[i] = static_cast<int>(params_[i].first.size());
        formats[i] = params_[i].second;
      }
      result_ = PQexecParams(conn_.raw(), sql_.c_str(), static_cast<int>(params_.size()), nullptr,
                             values.data(), lengths.data(), formats.data(), /*binary=*/1);
      ExecStatusType status = PQresultStatus(result_);
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        Status error = conn_.Failed(result_, sql_);
        Clear();
        return error;
      }
      const char* changed = PQcmdTuples(result_);
      conn_.set_changes(changed && *changed ? std::atoll(changed) : 0);
      row_ = -1;
    }
    return ++row_ < PQntuples(result_);
  }

  void Reset() override { Clear(); }

  int64_t Int(int col) const override {
    if (PQgetisnull(result_, row_, col)) return 0;
    return BigEndian(PQgetvalue(result_, row_, col), PQgetlength(result_, row_, col));
  }
  std::string_view Blob(int col) const override {
    if (PQgetisnull(result_, row_, col)) return {};
    return std::string_view(PQgetvalue(result_, row_, col),
                            static_cast<size_t>(PQgetlength(result_, row_, col)));
  }

 private:
  SqlStatement& Set(int i, std::string value, int format) {
    if (params_.size() < static_cast<size_t>(i)) params_.resize(static_cast<size_t>(i));
    params_[static_cast<size_t>(i - 1)] = {std::move(value), format};
    Clear();  // a rebind runs the statement again
    return *this;
  }
  void Clear() {
    if (result_) PQclear(result_);
    result_ = nullptr;
  }

  PostgresConnection& conn_;
  const std::string sql_;
  std::vector<std::pair<std::string, int>> params_;  // value, format (0 text, 1 binary)
  PGresult* result_ = nullptr;
  int row_ = -1;
};

}  // namespace

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn) return Status::Internal("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::Unavailable(
        fmt::format("cannot connect to PostgreSQL at {}: {}", Redacted(url), message));
  }
  std::unique_ptr<PostgresConnection> connection(new PostgresConnection(conn, Redacted(url)));
  RETURN_IF_ERROR(connection->Exec("SET client_min_messages = warning"));
  return connection;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

Status PostgresConnection::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return Status::OK();
  if (in_transaction_) {
    return Status::Unavailable(fmt::format("lost the connection to PostgreSQL at {}", url_));
  }
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable(
        fmt::format("lost the connection to PostgreSQL at {}: {}", url_, PQerrorMessage(conn_)));
  }
  return Exec("SET client_min_messages = warning");
}

Status PostgresConnection::Failed(const void* result, std::string_view what) {
  const PGresult* res = static_cast<const PGresult*>(result);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  if (IsRetryable(last_sqlstate_)) conflict_ = true;
  std::string message = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  std::string text = fmt::format("PostgreSQL {}: {} (in: {})", url_, message, what);
  if (IsRetryable(last_sqlstate_)) return Status::Aborted(text);
  if (last_sqlstate_.starts_with("53")) return Status::NoSpace(text);  // insufficient resources
  if (last_sqlstate_.starts_with("08") || PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable(text);
  }
  return Status::IOError(text);
}

Result<std::unique_ptr<SqlStatement>> PostgresConnection::Prepare(const std::string& sql) {
  return std::unique_ptr<SqlStatement>(
      std::make_unique<PostgresStatement>(*this, NumberPlaceholders(sql)));
}

Status PostgresConnection::Exec(const char* sql) {
  if (!in_transaction_) RETURN_IF_ERROR(EnsureConnected());
  PGresult* result = PQexec(conn_, sql);
  ExecStatusType status = PQresultStatus(result);
  Status out;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) out = Failed(result, sql);
  PQclear(result);
  return out;
}

Status PostgresConnection::SkipSyncOfNextCommit() {
  // Not here: a claim may skip the sync only where the database dies with its writer (SQLite on
  // the writer's machine). A PostgreSQL server that crashes after acknowledging a claim would
  // lose it while the writer, still running, trusts the chunk it claimed, and gc could delete
  // that chunk (review M12).
  return Status::OK();
}

Status PostgresConnection::InTransaction(const std::function<Status()>& body) {
  // Conflicting transactions back off by different amounts, so one of them goes first.
  constexpr BackoffPolicy kConflictBackoff{std::chrono::milliseconds(2),
                                           std::chrono::milliseconds(200)};
  Status status;
  for (int attempt = 0; attempt < kMaxTransactionAttempts; ++attempt) {
    BackoffBeforeAttempt(Clock::System(), kConflictBackoff, attempt);
    conflict_ = false;
    RETURN_IF_ERROR(Exec("BEGIN ISOLATION LEVEL SERIALIZABLE"));
    in_transaction_ = true;
    status = body();
    if (status.ok()) status = Exec("COMMIT");
    in_transaction_ = false;
    if (status.ok()) return status;
    bool conflict = conflict_;
    (void)Exec("ROLLBACK");
    if (!conflict) return status;
  }
  return Status::Unavailable(
      fmt::format("{} (gave up after {} attempts: too many concurrent conflicting writers)",
                  status.message(), kMaxTransactionAttempts));
}

Result<int64_t> PostgresConnection::LastInsertId() {
  ASSIGN_OR_RETURN(auto s, Prepare("SELECT lastval()"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::Internal("lastval() returned no row");
  return s->Int(0);
}

}  // namespace strata::meta
