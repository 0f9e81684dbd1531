#include "store/local_dir_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>

#include <fmt/core.h>

#include "core/clock.h"
#include "core/posix.h"

namespace strata::store {
namespace {

constexpr std::string_view kTempDir = ".tmp";

int64_t MtimeNanos(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class LocalDirStore final : public ObjectStore {
 public:
  explicit LocalDirStore(std::string root) : root_(std::move(root)) {}

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string final_path = PathOf(key);
    std::string temp_path = fmt::format("{}/{}/{}-{}", root_, kTempDir, ::getpid(),
                                        temp_counter_.fetch_add(1, std::memory_order_relaxed));
    ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(temp_path, O_WRONLY | O_CREAT | O_EXCL, 0644));
    Status status = WriteAll(fd.get(), data, temp_path);
    // The bytes must be on disk before the rename makes them visible under the final name:
    // otherwise a crash could leave a chunk file of the right name and the wrong content.
    if (status.ok() && ::fdatasync(fd.get()) != 0) {
      status = PosixError(fmt::format("fdatasync {}", temp_path), errno);
    }
    if (status.ok()) status = fd.Close(temp_path);
    if (status.ok()) status = RenameIntoPlace(temp_path, final_path);
    if (!status.ok()) ::unlink(temp_path.c_str());
    return status;
  }

  Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string path = PathOf(key);
    int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw_fd < 0) return NotFoundOr(key, path, errno);
    UniqueFd fd(raw_fd);
    if (offset > 0) {
      struct stat st;
      if (::fstat(fd.get(), &st) != 0) return PosixError(fmt::format("stat {}", path), errno);
      if (offset > static_cast<uint64_t>(st.st_size)) {
        return Status::InvalidArgument(
            fmt::format("read of object '{}' at offset {} is past its end ({} bytes)", key, offset,
                        st.st_size));
      }
    }
    return PreadFull(fd.get(), out, offset, path);
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string path = PathOf(key);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return NotFoundOr(key, path, errno);
    if (!S_ISREG(st.st_mode))
      return Status::NotFound(fmt::format("no object '{}' in {}", key, url()));
    return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), MtimeNanos(st)};
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string path = PathOf(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return PosixError(fmt::format("delete {}", path), errno);
    }
    return Status::OK();
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    // Walk only the deepest directory that contains every key with this prefix.
    std::string start_rel;
    size_t slash = prefix.rfind('/');
    if (slash != std::string_view::npos) start_rel = std::string(prefix.substr(0, slash));
    return Walk(start_rel, prefix, fn);
  }

  Result<size_t> CleanTemporaries(int64_t min_age_ns, bool dry_run) override {
    return CleanLocalDirTemporaries(root_, min_age_ns, dry_run);
  }

  std::string url() const override { return "file://" + root_; }

 private:
  std::string PathOf(std::string_view key) const { return fmt::format("{}/{}", root_, key); }

  Status NotFoundOr(std::string_view key, const std::string& path, int err) const {
    if (err == ENOENT || err == ENOTDIR) {
      return Status::NotFound(fmt::format("no object '{}' in {}", key, url()));
    }
    return PosixError(fmt::format("open {}", path), err);
  }

  Status RenameIntoPlace(const std::string& temp_path, const std::string& final_path) {
    std::string dir = DirName(final_path);
    if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      if (errno != ENOENT) return PosixError(fmt::format("rename to {}", final_path), errno);
      // First object under this directory: create it (and make its entry durable) and retry.
      RETURN_IF_ERROR(MakeDirs(dir));
      RETURN_IF_ERROR(SyncDir(DirName(dir)));
      if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
        return PosixError(fmt::format("rename to {}", final_path), errno);
      }
    }
    return SyncDir(dir);
  }

  Status Walk(const std::string& rel_dir, std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) {
    std::string dir_path = rel_dir.empty() ? root_ : PathOf(rel_dir);
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return PosixError(fmt::format("list {}", dir_path), errno);
    }
    std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, ::closedir);
    while (struct dirent* entry = ::readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (rel_dir.empty() && name == kTempDir) continue;
      std::string rel = rel_dir.empty() ? std::string(name) : fmt::format("{}/{}", rel_dir, name);
      struct stat st;
      if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // deleted while we listed
        return PosixError(fmt::format("stat {}/{}", dir_path, name), errno);
      }
      if (S_ISDIR(st.st_mode)) {
        // Descend only where keys under this directory can still match the prefix.
        std::string as_prefix = rel + "/";
        if (as_prefix.starts_with(prefix) || prefix.starts_with(as_prefix)) {
          RETURN_IF_ERROR(Walk(rel, prefix, fn));
        }
      } else if (S_ISREG(st.st_mode) && std::string_view(rel).starts_with(prefix)) {
        RETURN_IF_ERROR(fn(ObjectInfo{rel, static_cast<uint64_t>(st.st_size), MtimeNanos(st)}));
      }
    }
    return Status::OK();
  }

  const std::string root_;
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace

Result<size_t> CleanLocalDirTemporaries(const std::string& root, int64_t min_age_ns, bool dry_run) {
  std::string temp_dir = fmt::format("{}/{}", root, kTempDir);
  DIR* dir = ::opendir(temp_dir.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return size_t{0};
    return PosixError(fmt::format("list {}", temp_dir), errno);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, ::closedir);
  int64_t now = NowNanos();
  size_t removed = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (now - MtimeNanos(st) < min_age_ns) continue;  // maybe a live write of another process
    if (dry_run || ::unlinkat(::dirfd(dir), entry->d_name, 0) == 0) ++removed;
  }
  return removed;
}

Result<std::unique_ptr<ObjectStore>> OpenLocalDirStore(const std::string& root) {
  if (root.empty() || root.front() != '/') {
    return Status::InvalidArgument(fmt::format("local store path '{}' must be absolute", root));
  }
  std::string normalized = root;
  while (normalized.size() > 1 && normalized.back() == '/') normalized.pop_back();
  RETURN_IF_ERROR(MakeDirs(fmt::format("{}/{}", normalized, kTempDir)));
  if (::access(normalized.c_str(), W_OK) != 0) {
    return PosixError(fmt::format("store directory {}", normalized), errno);
  }
  ASSIGN_OR_RETURN(size_t removed, CleanLocalDirTemporaries(normalized, kStaleTempAgeNanos));
  (void)removed;
  return std::unique_ptr<ObjectStore>(new LocalDirStore(std::move(normalized)));
}

}  // namespace strata::store
