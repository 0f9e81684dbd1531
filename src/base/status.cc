#include "base/status.h"

#include "base/str_cat.h"

namespace strata {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "NotFound";
    case Code::kAlreadyExists:
      return "AlreadyExists";
    case Code::kNotDirectory:
      return "NotDirectory";
    case Code::kIsDirectory:
      return "IsDirectory";
    case Code::kNotEmpty:
      return "NotEmpty";
    case Code::kNameTooLong:
      return "NameTooLong";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kPermissionDenied:
      return "PermissionDenied";
    case Code::kNoSpace:
      return "NoSpace";
    case Code::kFileTooLarge:
      return "FileTooLarge";
    case Code::kReadOnly:
      return "ReadOnly";
    case Code::kCorruption:
      return "Corruption";
    case Code::kIOError:
      return "IOError";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kAborted:
      return "Aborted";
    case Code::kNotSupported:
      return "NotSupported";
    case Code::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kInternal); ++c) {
    if (CodeName(static_cast<Code>(c)) == name) return static_cast<Code>(c);
  }
  return std::nullopt;
}

Status::Status(Code code, std::string message)
    : state_(code == Code::kOk ? nullptr : new State{code, std::move(message)}) {}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return StrCat(CodeName(state_->code), ": ", state_->message);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(state_->code, StrCat(context, ": ", state_->message));
}

}  // namespace strata
