// Thin wrappers over the POSIX calls Strata uses, turning errno into a Status born with the path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata {

// A Status for `err` (an errno value) that names what failed: "open /x/y: No such file…".
// ENOENT → NotFound, ENOSPC/EDQUOT → NoSpace, EACCES/EPERM → PermissionDenied, etc.
Status PosixError(std::string_view context, int err);

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now, reporting the error close() gives (it can carry a delayed write error).
  Status Close(std::string_view path);

 private:
  int fd_ = -1;
};

Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0644);
// Writes all of `data` at the current offset, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const uint8_t> data, std::string_view path);
// Writes all of `data` at `offset`.
Status PwriteAll(int fd, std::span<const uint8_t> data, uint64_t offset, std::string_view path);
// Reads until `out` is full or end of file; returns the number of bytes read.
Result<size_t> PreadFull(int fd, std::span<uint8_t> out, uint64_t offset, std::string_view path);
// fsyncs a directory so that entries created or renamed in it survive a crash.
Status SyncDir(const std::string& dir);
// `path` made absolute against the working directory (an absolute one is returned as is).
std::string AbsolutePath(std::string_view path);
// The directory part of a '/'-separated path ("a/b/c" → "a/b", "c" → ".").
std::string DirName(std::string_view path);

}  // namespace strata
