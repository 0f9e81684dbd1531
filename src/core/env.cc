#include "core/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/core.h>

#include "base/posix.h"

namespace strata {

Status Env::CreateDirs(const std::string& path) {
  Result<FileStat> st = Stat(path);
  if (st.ok()) {
    if (st->is_directory) return Status::OK();
    return Status::NotDirectory(fmt::format("{} exists and is not a directory", path));
  }
  if (st.status().code() != Code::kNotFound) return st.status();
  std::string parent = DirName(path);
  if (parent != path && parent != "/" && parent != ".") RETURN_IF_ERROR(CreateDirs(parent));
  RETURN_IF_ERROR(CreateDir(path));
  return SyncDir(parent);
}

namespace {

int64_t MtimeNanos(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  Status Append(std::span<const uint8_t> data) override { return WriteAll(fd_.get(), data, path_); }
  Status Sync() override {
    if (::fdatasync(fd_.get()) != 0) return PosixError(fmt::format("fdatasync {}", path_), errno);
    return Status::OK();
  }
  Status Close() override { return fd_.Close(path_); }

 private:
  const std::string path_;
  UniqueFd fd_;
};

class PosixEnvImpl final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    // Private to this user: a local store holds the bytes of every volume (review M10).
    ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, std::move(fd)));
  }

  Result<size_t> ReadAt(const std::string& path, uint64_t offset, std::span<uint8_t> out) override {
    int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw < 0) return PosixError(fmt::format("open {}", path), errno);
    UniqueFd fd(raw);
    if (offset > 0) {
      struct stat st;
      if (::fstat(fd.get(), &st) != 0) return PosixError(fmt::format("stat {}", path), errno);
      if (offset > static_cast<uint64_t>(st.st_size)) {
        return Status::InvalidArgument(
            fmt::format("read of {} at offset {} is past its end ({})", path, offset, st.st_size));
      }
    }
    return PreadFull(fd.get(), out, offset, path);
  }

  Result<FileStat> Stat(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(fmt::format("stat {}", path), errno);
    return FileStat{static_cast<uint64_t>(st.st_size), MtimeNanos(st), S_ISDIR(st.st_mode)};
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError(fmt::format("rename {} to {}", from, to), errno);
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(fmt::format("remove {}", path), errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& path) override {
    // Private to this user (HOME, a local store, the metadata's directory, a cache): on a
    // multi-user node, no one else reads the volumes (review M10).
    if (::mkdir(path.c_str(), 0700) == 0) return Status::OK();
    int err = errno;
    struct stat st;
    if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::OK();
    }
    return PosixError(fmt::format("mkdir {}", path), err);
  }

  Status SyncDir(const std::string& path) override { return strata::SyncDir(path); }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return PosixError(fmt::format("list {}", path), errno);
    std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, ::closedir);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    if (errno != 0) return PosixError(fmt::format("list {}", path), errno);
    return names;
  }
};

}  // namespace

Env& PosixEnv() {
  static PosixEnvImpl* env = new PosixEnvImpl();  // never destroyed: used until exit
  return *env;
}

}  // namespace strata
