// A SqlConnection decorator that makes its next transaction fail once as PostgreSQL's
// serialization failures do (the body has run, its writes are rolled back) and then run it again,
// with `between` (a conflicting writer on another connection) run between the two attempts. So
// any backend shows what a retried transaction body returns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "meta/sql_connection.h"

namespace strata::meta {

class RetryInjectingConnection final : public SqlConnection {
 public:
  explicit RetryInjectingConnection(std::unique_ptr<SqlConnection> inner)
      : inner_(std::move(inner)) {}

  // The next transaction runs twice; `between` runs after the first attempt rolled back.
  void FailNextTransactionOnce(std::function<void()> between) { between_ = std::move(between); }
  int attempts() const { return attempts_; }

  Result<std::unique_ptr<SqlStatement>> Prepare(const std::string& sql) override {
    return inner_->Prepare(sql);
  }
  Status Exec(const char* sql) override { return inner_->Exec(sql); }
  Status InTransaction(const std::function<Status()>& body) override {
    if (between_) {
      std::function<void()> between = std::exchange(between_, nullptr);
      ++attempts_;
      Status first = inner_->InTransaction([&]() -> Status {
        RETURN_IF_ERROR(body());
        return Status::Aborted(kInjected);
      });
      if (first.code() != Code::kAborted || first.message() != kInjected) return first;
      between();
    }
    ++attempts_;
    return inner_->InTransaction(body);
  }
  Result<int64_t> LastInsertId() override { return inner_->LastInsertId(); }
  int64_t Changes() override { return inner_->Changes(); }
  Status SkipSyncOfNextCommit() override { return inner_->SkipSyncOfNextCommit(); }

 private:
  static constexpr const char* kInjected = "injected serialization failure";
  std::unique_ptr<SqlConnection> inner_;
  std::function<void()> between_;
  int attempts_ = 0;
};

}  // namespace strata::meta
