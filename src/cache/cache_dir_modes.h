// The modes of what a cache makes in its directory: those of the directory itself. A cache this
// process created is private to its user (0700, files 0600: chunks of private volumes are no
// one else's to read, review M10); one an administrator made shared for a node's users (0770
// with a group, say) stays shared, whatever each user's umask.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

namespace strata::cache {

struct CacheDirModes {
  mode_t dir = 0700;
  mode_t file = 0600;

  static CacheDirModes Of(const std::string& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return {};
    return {static_cast<mode_t>(st.st_mode & 02777), static_cast<mode_t>(st.st_mode & 0666)};
  }
  // mkdir, then the mode itself (mkdir's is cut by the umask). True if it is there.
  bool MakeDir(const std::string& path) const {
    if (::mkdir(path.c_str(), dir) != 0) return errno == EEXIST;
    ::chmod(path.c_str(), dir);
    return true;
  }
  // A file just created on `fd` gets its mode (open's is cut by the umask).
  void SetFileMode(int fd) const { ::fchmod(fd, file); }
};

}  // namespace strata::cache
