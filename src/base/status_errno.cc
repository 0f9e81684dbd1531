#include "base/status_errno.h"

#include <cerrno>

namespace strata {

int StatusErrno(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 0;
    case Code::kNotFound:
      return ENOENT;
    case Code::kAlreadyExists:
      return EEXIST;
    case Code::kNotDirectory:
      return ENOTDIR;
    case Code::kIsDirectory:
      return EISDIR;
    case Code::kNotEmpty:
      return ENOTEMPTY;
    case Code::kNameTooLong:
      return ENAMETOOLONG;
    case Code::kInvalidArgument:
      return EINVAL;
    case Code::kPermissionDenied:
      return EACCES;
    case Code::kNoSpace:
      return ENOSPC;
    case Code::kFileTooLarge:
      return EFBIG;
    case Code::kReadOnly:
      return EROFS;
    case Code::kNotSupported:
      return EOPNOTSUPP;
    case Code::kCorruption:
    case Code::kIOError:
    case Code::kUnavailable:
    case Code::kAborted:
    case Code::kInternal:
      return EIO;
  }
  return EIO;
}

}  // namespace strata
