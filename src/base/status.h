// Status and Result<T>: how every Strata function reports failure.
//
// A Status is OK (costing one null pointer) or carries a Code and a message that names what failed
// (a path, a key, a chunk). Errors are born at the boundary with that context and die in one
// function per adapter (the CLI's exit code, later FUSE's errno and HTTP's status). Exceptions
// never cross a module boundary.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata {

enum class Code {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kNotDirectory,
  kIsDirectory,
  kNotEmpty,
  kNameTooLong,
  kInvalidArgument,
  kPermissionDenied,
  kNoSpace,
  kFileTooLarge,
  kReadOnly,
  kCorruption,
  kIOError,
  kUnavailable,
  kAborted,
  kNotSupported,
  kInternal,
};

// A short stable name for the code, e.g. "NotFound".
std::string_view CodeName(Code code);
// The code CodeName(code) names; nullopt for any other text (e.g. from a newer server).
std::optional<Code> CodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status NotDirectory(std::string msg) { return {Code::kNotDirectory, std::move(msg)}; }
  static Status IsDirectory(std::string msg) { return {Code::kIsDirectory, std::move(msg)}; }
  static Status NotEmpty(std::string msg) { return {Code::kNotEmpty, std::move(msg)}; }
  static Status NameTooLong(std::string msg) { return {Code::kNameTooLong, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status NoSpace(std::string msg) { return {Code::kNoSpace, std::move(msg)}; }
  static Status FileTooLarge(std::string msg) { return {Code::kFileTooLarge, std::move(msg)}; }
  static Status ReadOnly(std::string msg) { return {Code::kReadOnly, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // The message alone, without the code name.
  const std::string& message() const;
  // "NotFound: no such file /a/b", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message", keeping the code.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

// A value or the Status saying why there is none. Never holds an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // By value on a temporary, so `for (auto& x : *MakeResult())` does not dangle.
  T operator*() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace strata

#define STRATA_CONCAT_INNER_(a, b) a##b
#define STRATA_CONCAT_(a, b) STRATA_CONCAT_INNER_(a, b)

// The macros take names and declarations (`tmp`, `lhs`), which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                   \
    ::strata::Status tmp = (expr);       \
    if (!tmp.ok()) return tmp;           \
  } while (0)

// Returns the Status of `expr` from the calling function unless it is OK.
#define RETURN_IF_ERROR(expr) RETURN_IF_ERROR_IMPL_(STRATA_CONCAT_(strata_status_, __LINE__), expr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(auto x, MaybeX()); declares x or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(STRATA_CONCAT_(strata_result_, __LINE__), lhs, expr)
// NOLINTEND(bugprone-macro-parentheses)
