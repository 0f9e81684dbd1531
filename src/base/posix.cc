#include "base/posix.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/str_cat.h"

namespace strata {

Status PosixError(std::string_view context, int err) {
  char buffer[256];
  // GNU strerror_r: thread-safe (strerror may share one buffer for unknown errors).
  std::string msg = StrCat(context, ": ", ::strerror_r(err, buffer, sizeof(buffer)));
  switch (err) {
    case ENOENT:
      return Status::NotFound(std::move(msg));
    case EEXIST:
      return Status::AlreadyExists(std::move(msg));
    case ENOTDIR:
      return Status::NotDirectory(std::move(msg));
    case EISDIR:
      return Status::IsDirectory(std::move(msg));
    case ENOTEMPTY:
      return Status::NotEmpty(std::move(msg));
    case ENAMETOOLONG:
      return Status::NameTooLong(std::move(msg));
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(std::move(msg));
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(msg));
    case EROFS:
      return Status::ReadOnly(std::move(msg));
    case EINVAL:
      return Status::InvalidArgument(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status UniqueFd::Close(std::string_view path) {
  int fd = release();
  if (fd >= 0 && ::close(fd) != 0) return PosixError(StrCat("close ", path), errno);
  return Status::OK();
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return PosixError(StrCat("open ", path), errno);
  return UniqueFd(fd);
}

Status WriteAll(int fd, std::span<const uint8_t> data, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(StrCat("write ", path), errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status PwriteAll(int fd, std::span<const uint8_t> data, uint64_t offset, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(StrCat("write ", path), errno);
    }
    data = data.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Result<size_t> PreadFull(int fd, std::span<uint8_t> out, uint64_t offset, std::string_view path) {
  size_t total = 0;
  while (total < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + total, out.size() - total, static_cast<off_t>(offset + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(StrCat("read ", path), errno);
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError(StrCat("open directory ", dir), errno);
  UniqueFd guard(fd);
  if (::fsync(fd) != 0) return PosixError(StrCat("fsync directory ", dir), errno);
  return Status::OK();
}

std::string AbsolutePath(std::string_view path) {
  if (!path.empty() && path.front() == '/') return std::string(path);
  char* cwd = ::getcwd(nullptr, 0);
  std::string out = StrCat(cwd ? cwd : ".", "/", path);
  std::free(cwd);
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace strata
